"""Realm explanations: back-downs itemised, play-chance and target rolls, stances, strategy rolls, derivations.

One 3-year world (seed 1, shipped strategies) is simulated once with a
recorder that finds the first week of each kind of record; each test then
explains that country on that date, as ``gaikit explain --country --date``.
"""

from __future__ import annotations

import json

import pytest

from gaikit.cli import main
from gaikit.plugins.games.realm.explain_records import WeekCollector
from gaikit.plugins.games.realm.simulate import WorldSpec, build_world, explain_at
from gaikit.plugins.games.realm.simulation import run
from gaikit.plugins.games.realm.world import date_of
from gaikit.strategies.explain import format_record

SPEC = WorldSpec(seed=1, years=3)
KEYS = ("backdown attacker", "backdown defender", "pressed", "missed", "joined", "desire")


@pytest.fixture(scope="module")
def found():
    """``first``: (country, date) of the first record of each kind; ``weeks``: per country, weeks with records."""
    first: dict[str, tuple[str, str]] = {}
    weeks: dict[int, set[int]] = {}

    def recorder(c, week, kind, decision, note):
        weeks.setdefault(c.index, set()).add(week)
        key = kind
        if kind == "backdown":
            key = f"backdown {decision['side']}"
        elif kind == "play_chance":
            key = "pressed" if decision["pressed"] else "missed"
        elif kind == "play_stance" and decision.winner is not None and decision.winner.kind == "join":
            key = "joined"
        first.setdefault(key, (c.name, date_of(week)))

    realm = build_world(SPEC, recorder)
    run(realm, SPEC.years * 52)
    for key in KEYS:
        assert key in first, f"seed 1 has no {key} record in {SPEC.years} years"
    return {"first": first, "weeks": weeks, "realm": realm}


def test_backdown_is_itemised(found) -> None:
    for side in ("attacker", "defender"):
        name, date = found["first"][f"backdown {side}"]
        record = next(r for r in explain_at(SPEC, name, date) if r["kind"] == "backdown" and r["side"] == side)
        parts = record["confidence_parts"]
        assert parts[0]["part"] == "strength share"
        assert ("defending" in [p["part"] for p in parts]) == (side == "defender")
        assert sum(p["amount"] for p in parts) == pytest.approx(record["confidence"], abs=2e-3)
        assert "not itemised" not in [p["part"] for p in parts]
        bold = record["boldness_parts"]
        low, high = bold["range"]
        assert low <= bold["draw"] <= high
        assert bold["draw"] + bold["facing_annexation"] == pytest.approx(record["boldness"], abs=2e-3)
        chain = record["derivation"]["boldness"]
        assert chain["value"] == bold["base"] and chain["steps"][0]["source"] == "default"
        assert all(s["source"] in ("default", "country", "strategy", "game rule") for s in chain["steps"])
        assert "boldness" in record["values_read"] and "backdown_threshold" in record["values_read"]
        text = format_record(record)
        assert text.startswith(f"backdown [time={date}, agent={name}] play #{record['play']} as {side}: confidence ")
        assert "  confidence strength share: " in text and f"  boldness: drawn {bold['draw']:.4g} in [" in text
        assert "    boldness = " in text
        verdict = "backs down" if record["backs_down"] else "stands firm"
        assert f" vs threshold {record['threshold']:.4g} -> {verdict}" in text
        json.dumps(record)


def test_play_chance_and_target_rolls(found) -> None:
    pressed = next(r for r in explain_at(SPEC, *found["first"]["pressed"]) if r["kind"] == "play_chance")
    assert pressed["pressed"] and pressed["draw"] < pressed["chance"]
    assert pressed["target"] == pressed["targets"][pressed["target_draw"]]
    assert pressed["derivation"]["play_chance"]["value"] == pressed["chance"]
    targets = ", ".join(pressed["targets"])
    assert (f"-> presses a play; target drawn uniformly from {targets} (draw {pressed['target_draw']}) -> "
            f"{pressed['target']}") in format_record(pressed)
    missed = next(r for r in explain_at(SPEC, *found["first"]["missed"]) if r["kind"] == "play_chance")
    assert not missed["pressed"] and missed["draw"] >= missed["chance"] and missed["target"] is None
    assert "-> no play this month" in format_record(missed) and "    play_chance = " in format_record(missed)


def test_stance_shows_neutrality_against_both_sides(found) -> None:
    name, date = found["first"]["joined"]
    record = next(r for r in explain_at(SPEC, name, date) if r["kind"] == "play_stance" and r["winner"].startswith("join"))
    scores = {o["kind"] if o["kind"] == "stay_out" else o["option"]: o["base"] for o in record["options"]}
    assert record["stance"].startswith(f"stance: neutrality {scores['stay_out']:.4g}; join attacker ")
    winner = record["winner"]
    assert scores[winner] > scores["stay_out"] and all(scores[winner] > v for k, v in scores.items() if k != winner)
    assert "(sympathy " in record["stance"] and ", sway " in record["stance"] and record["note"].endswith("other side's)")
    assert "neutrality" in record["values_read"] and record["derivation"]["neutrality"]["steps"][0]["source"] == "default"


def test_desire_roll_shows_every_candidates_weight_and_draw(found) -> None:
    name, date = found["first"]["desire"]
    record = next(r for r in explain_at(SPEC, name, date) if r["kind"] == "desire")
    kinds = [o["kind"] for o in record["options"]]
    assert kinds == ["befriend", "reconcile", "protect", "antagonize", "conquer", "dominate"]
    eligible = [o for o in record["options"] if o["eligible"]]
    assert eligible and all(o["draw"] is not None and o["range"][0] <= o["draw"] <= o["range"][1] for o in eligible)
    best = [o for o in eligible if o["tier"] == min((o["tier"] for o in eligible), key=_tier_order)]
    assert record["winner"] == max(best, key=lambda o: o["draw"])["option"]
    text = format_record(record)
    for o in record["options"]:
        line = next(line for line in text.splitlines() if line[2:].startswith(o["option"]))
        assert f"{o['base']:.4g}" in line and (o["draw"] is None or f"{o['draw']:.4g}" in line)
    assert any(n.startswith("desire_") for n in record["values_read"])
    assert "    desire_" in text


def _tier_order(tier: str) -> int:
    return ["must-have", "should-have", "wants-to-have", "nice-to-have", "must-not-have"].index(tier)


def test_a_week_with_only_a_strategy_roll_shows_that_roll(found) -> None:
    realm, weeks = found["realm"], found["weeks"]
    only_roll = [(c, e) for c in realm.countries for e in c.engine.history
                 if e["time"] > 0 and e.get("roll") and e["time"] not in weeks.get(c.index, set())]
    assert only_roll, "seed 1 has a week in which a country only rolled a strategy"
    country, entry = only_roll[0]
    records = explain_at(SPEC, country.name, date_of(entry["time"]))
    assert records and all(r["time"] == date_of(entry["time"]) for r in records)
    change = next(r for r in records if r["kind"] == "strategy_change" and r["type"] == entry["type"])
    roll = change["roll"]
    assert set(roll["weights"]) == set(roll["draws"]) and change["to"] in roll["weights"]
    assert roll["draws"][change["to"]] == max(d for d in roll["draws"].values() if d is not None)
    text = format_record(change)
    assert "rolled from the weights (R=" in text and f"  * {change['to']:<20} weight " in text
    assert len(text.splitlines()) == 1 + len(roll["weights"])
    assert all(" weight " in line and " draw " in line for line in text.splitlines()[1:])


def test_recording_explanations_does_not_change_the_world(found) -> None:
    plain = build_world(WorldSpec(seed=1, years=1))
    run(plain, 52)
    name, _ = found["first"]["backdown attacker"]
    who = next(c.index for c in plain.countries if c.name == name)
    collector = WeekCollector(who, 52, lambda note: "")
    collected = build_world(WorldSpec(seed=1, years=1), collector)
    collector.realm = collected
    run(collected, 52)
    assert collected.chronicle.text() == plain.chronicle.text()


def test_explain_cli_json_carries_the_breakdowns(found, capsys) -> None:
    name, date = found["first"]["backdown attacker"]
    assert main(["explain", "--game", "realm", "--seed", "1", "--country", name, "--date", date, "--json"]) == 0
    records = [json.loads(line) for line in capsys.readouterr().out.splitlines()]
    backdown = next(r for r in records if r["kind"] == "backdown")
    assert backdown["confidence_parts"] and backdown["text"].startswith("backdown [")
    decisions = [r for r in records if "options" in r]
    assert decisions and all(r["derivation"][n]["value"] == r["values"][n] for r in decisions for n in r["values_read"])
    assert main(["explain", "--game", "realm", "--seed", "1", "--country", name, "--date", date]) == 0
    out = capsys.readouterr().out
    assert "confidence strength share:" in out and "how the values it read were made:" in out


def test_backdown_text_adds_what_the_game_adds() -> None:
    from gaikit.plugins.games.realm.explain_records import format_backdown

    record = {"decision": "backdown", "play": 3, "side": "attacker", "confidence": -20.0, "boldness": 12.0,
              "threshold": 0.0, "backs_down": False, "stakes": 10.0, "time": "1840-01-03", "agent": "Avaria"}
    text = format_backdown(record)
    assert text == ("backdown [time=1840-01-03, agent=Avaria] play #3 as attacker: confidence -20 + boldness 12 + stakes 10"
                    " = 2 vs threshold 0 -> stands firm (backs down when below)")


def test_a_quiet_week_says_which_earlier_week_is_shown(found) -> None:
    realm, weeks = found["realm"], found["weeks"]
    c = realm.countries[0]
    busy = weeks[c.index] | {e["time"] for e in c.engine.history}
    quiet = next(w for w in range(1, SPEC.years * 52) if w not in busy)
    records = explain_at(SPEC, c.name, date_of(quiet))
    first = records[0]
    earlier = max(w for w in busy if w < quiet)
    assert (first["kind"], first["requested"], first["time"]) == ("week", date_of(quiet), date_of(earlier))
    assert format_record(first) == (f"{c.name} made no decision and rolled nothing in the week of {date_of(quiet)}; "
                                     f"its last week with any before it: {date_of(earlier)}")
    assert all(r["time"] == date_of(earlier) for r in records) and len(records) > 1
    assert explain_at(SPEC, c.name, date_of(earlier))[0]["kind"] != "week"
