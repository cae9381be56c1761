"""``gaikit strategy validate|show``, ``gaikit explain`` and ``gaikit run --agent strategy``."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from _strategy_toys import LANES_YAML, lanes  # noqa: F401  (fixture)

from gaikit.cli import main


def run(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str, str]:
    code = main([str(a) for a in args])
    out, err = capsys.readouterr()
    return code, out, err


def one_line_error(code: int, err: str, *needles: str) -> None:
    assert code == 2, err
    assert "Traceback" not in err
    for needle in needles:
        assert needle in err, err


def test_validate_ok_and_errors(capsys, tmp_path: Path, lanes: Path) -> None:
    code, out, err = run(capsys, "strategy", "validate", lanes)
    assert code == 0 and out.startswith(f"ok: {lanes}: 2 strategies in types mood (2)"), err
    cases = {
        "malformed.yaml": (LANES_YAML.replace("act: move", "act: [move"), ":4: malformed YAML"),
        "type.yaml": (LANES_YAML.replace("weight: 10\n", "weight: {value: [1]}\n"), ":23: strategies.greedy.weight.value"),
        "key.yaml": (LANES_YAML.replace("  explain_every: 1", "  explain_evry: 1"), ":6: defines.explain_evry: unknown field"),
        "feature.yaml": (LANES_YAML.replace("coin_here", "coin_hear", 1), ":34: decisions.move.options.stay.score.modifiers.0: unknown name 'coin_hear'"),
        "code.yaml": (LANES_YAML.replace('"coin_here"', "\"__import__('os').system('touch pwned')\"", 1), ":34: decisions.move.options.stay.score.modifiers.0.if: unexpected character"),
    }
    for name, (text, needle) in cases.items():
        path = tmp_path / name
        path.write_text(text)
        code, _, err = run(capsys, "strategy", "validate", path)
        one_line_error(code, err, f"{path}{needle}")
        assert len(err.strip().splitlines()) == 1
    assert not Path("pwned").exists()
    code, out, err = run(capsys, "strategy", "validate", lanes, tmp_path / "key.yaml", tmp_path / "missing.yaml")
    assert code == 2 and out.count("ok:") == 1 and err.count("gaikit: error:") == 2 and "file not found" in err


def test_validate_a_mod_file_on_its_game(capsys, tmp_path: Path, lanes: Path) -> None:
    mod = tmp_path / "mod.yaml"
    mod.write_text("mode: inject\ngame: lanes\nstrategies:\n  greedy: {weight: 50}\n")
    code, out, err = run(capsys, "strategy", "validate", mod)
    assert code == 0 and "ok:" in out, err
    mod.write_text("mode: inject\nstrategies:\n  greedy: {wieght: 50}\n")
    code, _, err = run(capsys, "strategy", "validate", mod, "--base", "lanes")
    one_line_error(code, err, f"{mod}:3: strategies.greedy.wieght: unknown field")
    code, _, err = run(capsys, "strategy", "validate", mod)
    one_line_error(code, err, "name its game with 'game:' or pass --base")


def test_show_resolves_mods(capsys, tmp_path: Path, lanes: Path) -> None:
    one = tmp_path / "one"
    one.mkdir()
    (one / "a.yaml").write_text("strategies:\n  greedy: {weight: 77}\n")
    two = tmp_path / "two"
    two.mkdir()
    (two / "a.yaml").write_text("mode: replace\nstrategies:\n  greedy: {type: mood, weight: 5, desc: replaced}\n")
    code, out, err = run(capsys, "strategy", "show", "lanes", "--mod", one, "--mod", two, "--json")
    assert code == 0, err
    data = json.loads(out)
    assert data["strategies"]["strategies"]["greedy"] == {"type": "mood", "weight": 5, "desc": "replaced"}
    assert data["sources"] == [str(lanes), str(one / "a.yaml"), str(two / "a.yaml")]
    assert any("strategies.greedy" in w for w in data["warnings"])
    code, out, _ = run(capsys, "strategy", "show", "lanes", "--mod", one)
    assert code == 0 and "weight: 77" in out and out.startswith("# resolved strategies for lanes")
    code, _, err = run(capsys, "strategy", "show", "nogame")
    one_line_error(code, err, "no strategies registered for game 'nogame'")
    cyc = tmp_path / "cyc"
    cyc.mkdir()
    (cyc / "a.yaml").write_text("include: [a.yaml]\n")
    code, _, err = run(capsys, "strategy", "show", "lanes", "--mod", cyc)
    one_line_error(code, err, "include cycle: a.yaml -> a.yaml")


def test_run_writes_explanations_that_explain_prints(capsys, tmp_path: Path, lanes: Path) -> None:
    run_dir = tmp_path / "run"
    code, out, err = run(
        capsys, "run", "lanes", "--agent", "strategy", "--steps", "120", "--run-dir", run_dir,
        "--set", "train.eval_episodes=1", "--set", "strategy.rules.ai_aggression=high",
    )
    assert code == 0, err
    lines = (run_dir / "explain.jsonl").read_text().splitlines()
    records = [json.loads(line) for line in lines]
    assert sum(r["kind"] == "decision" for r in records) == 120
    assert records[0]["kind"] == "strategy_change" and records[0]["cause"] == "start"
    greedy = [r for r in records if r["kind"] == "decision" and r["active_strategies"]["mood"]["strategy"] == "greedy"]
    assert all(r["values"]["greed"] in (4.0, 2.0) for r in greedy)  # x2 strategy x2 high aggression (x0.5 last life)
    code, out, err = run(capsys, "explain", run_dir, "--last", "1", "--where", "kind=decision", "--values")
    assert code == 0, err
    assert out.startswith("decision move (increase, R=0.2 uniform) [step=119, env=0] -> winner:")
    assert "values: greed=" in out and "score: 1" in out
    code, out, _ = run(capsys, "explain", run_dir, "--json", "--where", "kind=strategy_change")
    assert code == 0 and all(json.loads(line)["kind"] == "strategy_change" for line in out.splitlines())


def test_explain_game_plays_and_explains(capsys, lanes: Path) -> None:
    code, out, err = run(capsys, "explain", "--game", "lanes", "--steps", "2", "--json")
    assert code == 0, err
    records = [json.loads(line) for line in out.splitlines()]
    assert [r["step"] for r in records] == [0, 1]
    assert {o["option"] for o in records[0]["options"]} == {"stay", "up", "down"}


@pytest.mark.parametrize(
    "args, needle",
    [
        (["explain"], "give either RUN_DIR or --game GAME"),
        (["explain", "/no/such/run"], "run directory not found"),
        (["explain", ".", "--where", "kind"], None),
        (["explain", "--game", "lanes", "--steps", "0"], "--steps 0"),
        (["explain", "--game", "lanes", "--rule", "ai_aggression=brutal"], "preset 'brutal'"),
        (["run", "lanes", "--agent", "strategy", "--strategy", "/no/file.yaml"], "/no/file.yaml: strategy file not found"),
        (["run", "lanes", "--agent", "strategy", "--mod", "/no/mod"], "mod /no/mod: no such file or directory"),
    ],
)
def test_bad_input_is_one_clear_line(capsys, tmp_path: Path, lanes: Path, args: list[str], needle: str | None) -> None:
    if args[:2] == ["explain", "."]:
        args = ["explain", str(tmp_path)]
        needle = "no explain.jsonl"
    code, _, err = run(capsys, *args, *(["--run-dir", tmp_path / "r"] if args[0] == "run" else []))
    one_line_error(code, err, needle)
    assert not (tmp_path / "r").exists()


def test_corrupt_explain_log(capsys, tmp_path: Path) -> None:
    (tmp_path / "explain.jsonl").write_text('{"kind": "decision"}\nnot json\n')
    code, _, err = run(capsys, "explain", tmp_path)
    one_line_error(code, err, "explain.jsonl:2: not a JSON record")
