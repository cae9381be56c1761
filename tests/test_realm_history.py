"""Per-country script: tags, history files, ``country = TAG`` and the target scope of targeted decisions."""

from __future__ import annotations

from pathlib import Path

import pytest

from _realm_helpers import strategies, world
from gaikit.core.errors import ConfigError
from gaikit.plugins.games.realm import diplomacy, plays
from gaikit.plugins.games.realm.config import RealmConfig
from gaikit.plugins.games.realm.disputes import ATTACKER, DEFENDER, Play
from gaikit.plugins.games.realm.history import read_history
from gaikit.plugins.games.realm.simulate import find_country, load_realm_strategies
from gaikit.plugins.games.realm.world import country_tags


def _write(tmp_path: Path, text: str, name: str = "history.yaml") -> str:
    path = tmp_path / name
    path.write_text(text)
    return str(path)


def test_tags_are_stable_unique_and_find_a_country():
    tags = country_tags(64)
    assert tags[:4] == ["AVA", "BOR", "CAR", "DRE"] and tags[16] == "AV2"
    assert len(set(tags)) == 64
    assert country_tags(8) == tags[:8]
    r = world(0)
    assert [c.tag for c in r.countries] == tags[:8] and r.tags["BOR"] == 1
    assert find_country(8, "bor") == find_country(8, "Borvonia") == 1


HISTORY = """\
countries:
  AVA:
    strategies: {political: conservative, diplomatic: isolationist}
    laws: {taxation: high, conscription: low}
    values: {neutrality: {add: 25}, boldness: 33}
  BOR:
    strategies: {political: reformist}
"""


@pytest.mark.parametrize("seed", [0, 1, 2, 3])
def test_a_history_file_sets_starting_strategies_laws_and_values(tmp_path, seed):
    r = world(seed, history=_write(tmp_path, HISTORY))
    ava, bor = r.countries[0], r.countries[1]
    assert ava.engine.active["political"] == "conservative" and ava.engine.active["diplomatic"] == "isolationist"
    assert bor.engine.active["political"] == "reformist"
    assert (ava.taxation, ava.conscription) == (2, 0)
    features = r.context(ava).features
    values = ava.engine.values(features)
    own, ava.engine.overrides = ava.engine.overrides, {}
    without = ava.engine.values(features)
    ava.engine.overrides = own
    assert values["neutrality"] == pytest.approx(without["neutrality"] + 25)   # the history's add, before isolationist's +40
    assert values["boldness"] == 33.0                                          # an override: the default's modifiers are replaced
    assert values["play_chance"] == without["play_chance"]
    starts = [e for e in ava.engine.history if e["cause"] == "history"]
    assert {(e["type"], e["to"]) for e in starts} == {("political", "conservative"), ("diplomatic", "isolationist")}


def test_history_values_override_the_default_before_strategies(tmp_path):
    text = ("countries:\n  CAR:\n    values: {play_chance: 0.5, infamy_decay: {multiply: 2},\n"
            "      sway_budget: {add: {value: 0, modifiers: [{if: \"country = CAR and has_game_rule = ai_aggression:standard\", add: 7}]}}}\n")
    r = world(0, history=_write(tmp_path, text))
    car = r.countries[2]
    values = r.context(car).values
    multiplier = 2.0 if car.engine.active["diplomatic"] == "expansionist" else 0.3 if car.engine.active["diplomatic"] == "isolationist" else 1.0
    assert values["play_chance"] == pytest.approx(0.5 * multiplier)
    assert values["infamy_decay"] == pytest.approx(8.0)
    assert r.context(r.countries[3]).values["infamy_decay"] == pytest.approx(4.0)
    assert values["sway_budget"] == pytest.approx(37.0)


def test_history_desires_start_toward_relevant_countries(tmp_path):
    r0 = world(0)
    ava = r0.countries[0]
    target = diplomacy.relevant(r0, 0)[0]
    tag = r0.countries[target].tag
    text = f"countries:\n  AVA:\n    desires: {{{tag}: conquer}}\n"
    r = world(0, history=_write(tmp_path, text))
    assert r.countries[0].desires[target].kind == "conquer"
    assert ava.desires  # the plain world rolled its own


def test_a_history_directory_is_read_in_name_order_and_a_tag_set_twice_is_refused(tmp_path):
    d = tmp_path / "history"
    d.mkdir()
    (d / "a.yaml").write_text("countries:\n  AVA:\n    laws: {taxation: low}\n")
    (d / "b.yml").write_text("countries:\n  BOR:\n    laws: {taxation: high}\n")
    r = world(0, history=str(d))
    assert (r.countries[0].taxation, r.countries[1].taxation) == (0, 2)
    (d / "c.yaml").write_text("\ncountries:\n  AVA:\n    laws: {conscription: high}\n")
    with pytest.raises(ConfigError, match=r"c\.yaml:3: countries\.AVA: country AVA is already set in .*a\.yaml:2: countries\.AVA"):
        read_history(d)


@pytest.mark.parametrize("text, expect", [
    ("countries:\n  QIN:\n    laws: {taxation: high}\n",
     r"history\.yaml:2: countries\.QIN: unknown country tag 'QIN'; countries: AVA, BOR, CAR"),
    ("countries:\n  AVA:\n    laws: {taxation: high}\n    army: 40\n",
     r"history\.yaml:4: countries\.AVA\.army: unknown field \(a country takes strategies, desires, laws, values\)"),
    ("countries:\n  AVA:\n    laws: {taxation: extreme}\n",
     r"history\.yaml:3: countries\.AVA\.laws\.taxation: Input should be 'low', 'medium' or 'high'"),
    ("countries:\n  AVA:\n    strategies: {political: communist}\n",
     r"history\.yaml:3: countries\.AVA\.strategies\.political: 'communist' is not a strategy of type 'political'; "
     r"those are reformist, conservative, authoritarian"),
    ("countries:\n  AVA:\n    strategies: {religious: pious}\n",
     r"history\.yaml:3: countries\.AVA\.strategies\.religious: unknown strategy type 'religious'"),
    ("countries:\n  AVA:\n    desires:\n      AVA: befriend\n",
     r"history\.yaml:4: countries\.AVA\.desires\.AVA: expected the tag of another country"),
    ("countries:\n  AVA:\n    desires:\n      BOR: love\n",
     r"history\.yaml:4: countries\.AVA\.desires\.BOR: Input should be 'befriend'"),
    ("countries:\n  AVA:\n    values:\n      bravery: 3\n",
     r"history\.yaml:4: countries\.AVA\.values\.bravery: unknown value 'bravery'"),
    ("countries:\n  AVA:\n    values:\n      boldness: {add: courage}\n",
     r"history\.yaml:4: countries\.AVA\.values\.boldness: unknown name 'courage'"),
    ("- AVA\n", r"history\.yaml:1: expected a mapping with 'countries:'"),
    ("countries:\n  AVA:\n    values:\n      boldness: {add: {value: 5, modifiers: [{if: \"has_strategy = pacifist\", add: 5}]}}\n",
     r"history\.yaml:4: countries\.AVA\.values\.boldness: unknown name 'has_strategy:pacifist'"),
    ("\ncountry:\n  AVA: {}\n", r"history\.yaml:2: country: unknown field \(a history file takes 'countries:'\)"),
    ("countries:\n  AVA:\n    values:\n      boldness: {add: 1, multiply: 2}\n",
     r"history\.yaml:4: countries\.AVA\.values\.boldness: give exactly one of 'override', 'add' or 'multiply'"),
])
def test_bad_history_is_one_line_naming_file_line_and_field(tmp_path, text, expect):
    with pytest.raises(ConfigError, match=expect):
        world(0, history=_write(tmp_path, text))


def test_a_missing_history_file_is_a_clear_error(tmp_path):
    with pytest.raises(ConfigError, match="history file not found"):
        world(0, history=str(tmp_path / "nope.yaml"))


def test_the_config_takes_a_history():
    assert RealmConfig(history="h.yaml").history == "h.yaml"


# -- country = TAG and the target scope -----------------------------------------------------------------------------

MOD = """\
mode: inject
game: realm
decisions:
  desire:
    options:
      befriend:
        tier:
          value: wants-to-have
          modifiers:
            - {id: ava_bor, if: "country = AVA and target.country = BOR", tier: must-not-have, desc: "AVA never befriends BOR"}
      conquer:
        tier:
          value: wants-to-have
          modifiers:
            - {id: strong_target, if: "target.strength > 1000", tier: must-have, desc: "test: a giant"}
  play_stance:
    options:
      join:
        score:
          value: rel_leader
          modifiers:
            - {id: iso, if: "target.has_strategy = isolationist", add: 1000, desc: "test: backs isolationist leaders"}
"""


def test_country_and_target_conditions_are_evaluated(tmp_path):
    mod = _write(tmp_path, MOD, "mod.yaml")
    r = world(0, mods=(mod,))
    ava, bor, car = r.countries[0], r.countries[1], r.countries[2]

    def tiers(c, t):
        d = c.engine.decide("desire", r.context(c), [
            diplomacy.Option(k, k, diplomacy.target_features(r, c.index, t)) for k in ("befriend", "conquer")])
        return dict(zip(("befriend", "conquer"), (tier for tier, _ in d.tiers)))

    assert tiers(ava, 1)["befriend"] == "must-not-have"
    assert tiers(ava, 2)["befriend"] != "must-not-have"
    assert tiers(car, 1)["befriend"] != "must-not-have"
    bor.army = ava.army * 2000.0
    assert tiers(ava, 1)["conquer"] == "must-have"    # target.strength: BOR's army over ours
    assert tiers(ava, 2)["conquer"] != "must-have"

    play = Play(97, 1, 2, "tribute", -1, 8.0, r.week)
    play.sides[ATTACKER].append(1)
    play.sides[DEFENDER].append(2)
    bor.engine.active["diplomatic"] = "isolationist"
    car.engine.active["diplomatic"] = "cooperative"
    options = plays.stance_options(r, play, 3)
    assert options[1].features["target.has_strategy:isolationist"] == 1.0
    assert "target.has_strategy:isolationist" not in options[2].features
    d = r.countries[3].engine.decide("play_stance", r.context(r.countries[3]), options, explore=False)
    assert d.base[1] > 900 > d.base[2]


def test_without_target_triggers_no_target_scope_is_built():
    r = world(0)
    assert not r.strategies.uses_target
    assert not any(k.startswith("target.") for k in diplomacy.target_features(r, 0, 1))


@pytest.mark.parametrize("trigger, expect", [
    ("country = QIN", r"mod\.yaml:10: decisions\.desire\.options\.befriend\.tier\.modifiers\.0\.if: unknown country tag 'QIN'"),
    ("target.has_strategy = pacifist", r"mod\.yaml:10: .*has_strategy = pacifist: no such strategy"),
    ("target.strenght > 1", r"mod\.yaml:10: .*unknown name 'target\.strenght'.*did you mean 'target\.strength'"),
])
def test_bad_country_and_target_conditions_name_file_and_line(tmp_path, trigger, expect):
    mod = _write(tmp_path, MOD.split("      conquer:")[0].replace("country = AVA and target.country = BOR", trigger), "mod.yaml")
    with pytest.raises(ConfigError, match=expect):
        world(0, mods=(mod,))


def test_target_conditions_outside_a_targeted_decision_are_refused(tmp_path):
    mod = _write(tmp_path, "mode: inject\ngame: realm\ndecisions:\n  politics:\n    options:\n      status_quo:\n"
                           "        tier: {value: wants-to-have, modifiers: [{if: \"target.country = BOR\", tier: must-have}]}\n",
                 "mod.yaml")
    with pytest.raises(ConfigError, match=r"mod\.yaml:7: .*target\.country = BOR: this decision has no target"):
        load_realm_strategies(None, [mod])
    assert strategies() is not None


# -- the worked example of docs/realm.md -----------------------------------------------------------------------------

def _doc_block(first_line: str) -> str:
    text = (Path(__file__).resolve().parents[1] / "docs" / "realm.md").read_text(encoding="utf-8")
    for block in text.split("```yaml\n")[1:]:
        body = block.split("```", 1)[0]
        if body.startswith(first_line):
            return body
    raise AssertionError(f"no yaml block starting {first_line!r} in docs/realm.md")


def test_the_documented_example_runs_as_described(tmp_path):
    from gaikit.plugins.games.realm.simulation import run

    history = _write(tmp_path, _doc_block("# history/avaria.yaml"), "avaria.yaml")
    mod = _write(tmp_path, _doc_block("# mods/avaria/strategies.yaml"), "strategies.yaml")
    seen = []

    def recorder(c, week, kind, decision, note):
        if kind in ("desire", "play_stance") and c.tag in ("AVA", "EST"):
            seen.append((c.tag, decision.winner.label if decision.winner is not None else None))

    r = world(7, mods=(mod,), history=history, recorder=recorder)
    ava, est = r.countries[r.tags["AVA"]], r.countries[r.tags["EST"]]
    assert ava.engine.active["political"] == "conservative" and ava.taxation == 2
    assert ava.desires[est.index].kind == "antagonize"
    run(r, 10 * 52)
    assert not [s for s in seen if s[0] == "AVA" and s[1] in ("befriend Estmark", "protect Estmark")]
    assert not [s for s in seen if s == ("AVA", "join defender Estmark") or s == ("AVA", "join attacker Estmark")]
    assert not [s for s in seen if s == ("EST", "join defender Avaria") or s == ("EST", "join attacker Avaria")]
    text = r.chronicle.text()
    assert "Avaria starts wanting to antagonize Estmark (history)" in text
    assert "Avaria joins Estmark's side" not in text and "Estmark joins Avaria's side" not in text
    assert [x for x in seen if x[0] == "AVA"]  # Avaria did take such decisions


def test_history_and_target_mods_keep_a_seed_deterministic(tmp_path):
    from gaikit.plugins.games.realm.simulation import run

    history = _write(tmp_path, HISTORY)
    mod = _write(tmp_path, MOD, "mod.yaml")
    texts = []
    for _ in range(2):
        r = world(3, mods=(mod,), history=history)
        run(r, 3 * 52)
        texts.append(r.chronicle.text())
    assert texts[0] == texts[1]


def test_the_player_env_takes_the_history(tmp_path):
    from gaikit.plugins.games.realm.game import RealmGame

    game = RealmGame(RealmConfig(history=_write(tmp_path, HISTORY), env_years=1))
    env = game.make_env(seed=0)
    world_ = env.unwrapped.world
    assert world_.countries[0].engine.active["political"] == "conservative" and world_.countries[0].taxation == 2
    env.close()
