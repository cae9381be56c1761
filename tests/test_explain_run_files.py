"""A run directory keeps copies of its mods with hashes: explain, strategy show and --resume work from anywhere."""

from __future__ import annotations

import hashlib
import json
import os
from pathlib import Path

import pytest
from _strategy_toys import lanes  # noqa: F401  (fixture)

from gaikit.cli import main
from gaikit.strategies.run_files import MANIFEST, STORE_DIR


def run(capsys, *args):
    code = main([str(a) for a in args])
    out, err = capsys.readouterr()
    return code, out, err


@pytest.fixture()
def elsewhere(tmp_path: Path):
    """A project directory holding a mod (with an include outside it), and another directory to run from."""
    project = tmp_path / "project"
    (project / "mods" / "eager").mkdir(parents=True)
    (project / "mods" / "shared.yaml").write_text("strategies:\n  default:\n    values:\n      sway_gold: 3\n")
    (project / "mods" / "eager" / "a.yaml").write_text(
        "include: [../shared.yaml]\nstrategies:\n  default:\n    values:\n      play_chance: 0.2\n")
    (project / "history").mkdir()
    (project / "history" / "countries.yaml").write_text("countries:\n  EST:\n    values: {boldness: {add: 7}}\n")
    other = tmp_path / "other"
    other.mkdir()
    old = Path.cwd()
    os.chdir(project)
    yield project, other
    os.chdir(old)


def test_a_realm_run_stores_its_mods_and_explains_from_anywhere(capsys, elsewhere) -> None:
    project, other = elsewhere
    code, _, err = run(capsys, "run", "realm", "--agent", "strategy", "--years", "1", "--seed", "1",
                       "--mod", "mods/eager", "--set", "game.history=history", "--run-dir", "runs/r")
    assert code == 0, err
    run_dir = (project / "runs" / "r").resolve()
    manifest = json.loads((run_dir / STORE_DIR / MANIFEST).read_text())
    entry, history = sorted(manifest["entries"], key=lambda e: e["field"], reverse=True)
    assert (entry["field"], entry["given"]) == ("strategy.mods", "mods/eager")
    assert (history["field"], history["given"], len(history["files"])) == ("game.history", "history", 1)
    assert entry["resolved"] == str(project / "mods" / "eager")
    stored = {Path(f["original"]).name: f for f in entry["files"]}
    assert set(stored) == {"a.yaml", "shared.yaml"}
    for f in entry["files"]:
        copy = run_dir / f["stored"]
        assert f["sha256"] == hashlib.sha256(Path(f["original"]).read_bytes()).hexdigest()
        assert copy.read_bytes() == Path(f["original"]).read_bytes()
    assert "- mods/eager" in (run_dir / "config.yaml").read_text()  # the command as given

    os.chdir(other)
    code, out, err = run(capsys, "explain", run_dir, "--country", "Estmark", "--date", "1836-06-01", "--json")
    assert code == 0, err
    chains = next(r["derivation"] for r in map(json.loads, out.splitlines()) if "derivation" in r)
    assert chains["play_chance"]["steps"][0]["after"] == 0.2 and chains["sway_gold"]["steps"][0]["after"] == 3
    own = chains["boldness"]["steps"][1]  # the stored history's change for Estmark
    assert (own["source"], own["tag"], own["mode"], own["amount"]) == ("country", "EST", "add", 7.0)
    code, out, err = run(capsys, "strategy", "show", run_dir, "--json")
    assert code == 0, err
    data = json.loads(out)
    assert data["strategies"]["strategies"]["default"]["values"]["play_chance"] == 0.2
    assert all(source.startswith(str(run_dir)) for source in data["sources"][1:])

    # the original changes: a warning with both hashes, and the run's copy is used
    original = project / "mods" / "eager" / "a.yaml"
    original.write_text(original.read_text().replace("0.2", "0.9"))
    now = hashlib.sha256(original.read_bytes()).hexdigest()
    code, out, err = run(capsys, "strategy", "show", run_dir, "--json")
    assert code == 0, err
    assert json.loads(out)["strategies"]["strategies"]["default"]["values"]["play_chance"] == 0.2
    assert f"{original} changed since the run started (sha256 {stored['a.yaml']['sha256']} then, {now} now)" in err
    assert "using the run's stored copy" in err

    # the stored copy changes: the run cannot be reproduced, one line naming both hashes
    copy = run_dir / stored["a.yaml"]["stored"]
    copy.write_text("strategies: {}\n")
    code, _, err = run(capsys, "explain", run_dir, "--country", "Estmark", "--date", "1836-06-01")
    assert code == 2 and "Traceback" not in err
    assert f"the run's stored copy of {original} changed: sha256 {stored['a.yaml']['sha256']} when the run started, " \
           f"{hashlib.sha256(copy.read_bytes()).hexdigest()} now" in err
    copy.unlink()
    code, _, err = run(capsys, "strategy", "show", run_dir)
    assert code == 2 and "is missing" in err and "can no longer be reproduced" in err


def test_resume_uses_the_stored_mod_from_another_directory(capsys, tmp_path: Path, lanes: Path) -> None:
    project, other = tmp_path / "project", tmp_path / "other"
    (project / "mymod").mkdir(parents=True)
    other.mkdir()
    mod = project / "mymod" / "m.yaml"
    mod.write_text("strategy_types:\n  mood:\n    change_points: {tick: 100}\nstrategies:\n  greedy: {weight: 1000}\n")
    old = Path.cwd()
    try:
        os.chdir(project)
        code, _, err = run(capsys, "run", "lanes", "--agent", "strategy", "--steps", "20", "--run-dir", "r",
                           "--mod", "mymod", "--set", "train.eval_episodes=1", "--set", "train.checkpoint_every=10")
        assert code == 0, err
        os.chdir(other)
        mod.write_text("strategy_types:\n  mood:\n    change_points: {tick: 100}\nstrategies:\n  greedy: {weight: 0.001}\n")
        code, out, err = run(capsys, "run", "--resume", project / "r", "--steps", "40")
        assert code == 0, err
        assert f"{mod} changed since the run started" in err and "resuming" in out
        assert "- mymod" in (project / "r" / "config.yaml").read_text()  # still the paths as given
        assert "steps: 40" in (project / "r" / "config.yaml").read_text()
        records = [json.loads(line) for line in (project / "r" / "explain.jsonl").read_text().splitlines()]
        rolls = [r for r in records if r["kind"] == "strategy_change" and r.get("roll")]
        assert any(r["step"] >= 20 for r in rolls), [r["step"] for r in rolls]
        assert all(r["roll"]["weights"]["greedy"] == 1000 for r in rolls)  # the stored copy, after resuming too
        assert all(r["to"] == "greedy" for r in rolls)
    finally:
        os.chdir(old)
