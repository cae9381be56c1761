"""Handwritten hostile files through the real CLI: one line on stderr, non-zero exit, no traceback, bounded time.

Each file is given to ``gaikit run --config`` (alone, with ``--steps`` and
with ``--set``, which must not hide a bad value in the file) or to ``gaikit
strategy validate``; no run directory may be created.
"""

from __future__ import annotations

import subprocess
import sys
import time
from pathlib import Path

import pytest

from _strategy_toys import LANES_YAML
from gaikit.cli import main
from gaikit.cli.resolve import resolve_cli_config
from gaikit.core.registry import get_registry
from gaikit.core.yamlio import MAX_BYTES, MAX_DEPTH, MAX_NODES
from test_cli_errors import one_line_error

#: Seconds one hostile input may cost (in-process; a hang or an alias expansion takes far longer).
BOUND_S = 5.0


def alias_bomb(levels: int = 12) -> str:
    """About 1 KB of YAML whose aliases stand for 9 ** levels values."""
    lines = ["a0: &a0 [lol, lol, lol, lol, lol, lol, lol, lol, lol]"]
    lines += [f"a{i}: &a{i} [{', '.join([f'*a{i - 1}'] * 9)}]" for i in range(1, levels + 1)]
    return "\n".join(lines) + "\n"


#: name -> (file text, what the one line must say; ``{path}`` is the file).
RUN_CONFIGS: dict[str, tuple[str, str]] = {
    "alias-bomb": (alias_bomb(), "{path}:1: anchor &a0 is not supported"),
    "deep-block": ("".join(f"{'  ' * i}k{i}:\n" for i in range(200)) + "  " * 200 + "x: 1\n",
                   f"nested more than {MAX_DEPTH} levels deep"),
    "deep-flow": ("train: " + "[" * 5000 + "]" * 5000 + "\n", "{path}:1: nested more than"),
    "too-many-values": ("train:\n  steps: [" + ", ".join(["1"] * (MAX_NODES + 10)) + "]\n",
                        f"{{path}}:2: more than {MAX_NODES:,} values"),
    "nul-byte": ("train:\n  steps: 10\x00\n", "{path}:2: malformed YAML: non-printable character U+0000"),
    "top-level-list": ("- train\n- steps\n", "{path}: expected a mapping at the top level, got list"),
    "components-5": ("components: 5\n", "{path}:1: components: expected a mapping, got int 5"),
    "components-unknown-kind": ("components: {wizard: merlin}\n", "{path}:1: components.wizard: unknown component kind"),
    "components-unknown-name": ("components:\n  learner: dqnn\n", "{path}:2: components.learner: unknown learner 'dqnn'"),
    "components-name-list": ("components: {learner: [ddqn]}\n", "{path}:1: components.learner: expected a registered name"),
    "learner-string": ("learner: ddqn\n", "{path}:1: learner: expected a mapping, got the string 'ddqn'; to choose"),
    "learner-flat-block": ("learner:\n  lr: 0.5\n", "{path}:2: learner.lr: unknown learner 'lr'"),
    "learner-block-list": ("learner:\n  ddqn: [0.5]\n", "{path}:2: learner.ddqn: expected a mapping of options"),
    "unchosen-block-typo": ("learner:\n  sac:\n    lrr: 0.1\n", "{path}:3: learner.sac.lrr: unknown field"),
    "train-list": ("train: [1, 2]\n", "{path}:1: train: expected a mapping, got a list"),
    "train-string": ("train: fast\n", "{path}:1: train: expected a mapping"),
    "game-list": ("game: [1]\n", "{path}:1: game: expected a mapping"),
    "strategy-int": ("strategy: 5\n", "{path}:1: strategy: expected a mapping"),
    "steps-true": ("train:\n  steps: true\n", "{path}:2: train.steps: expected a number, got the boolean true"),
    "steps-nan": ("train:\n  steps: .nan\n", "{path}:2: train.steps:"),
    "steps-date": ("train:\n  steps: 2001-01-01\n", "{path}:2: train.steps: Input should be a valid integer"),
    "steps-list": ("train:\n  steps: [1, 2]\n", "{path}:2: train.steps: Input should be a valid integer"),
    "steps-overflow": ("train:\n  steps: 99999999999999999999999999\n", "{path}:2: train.steps: 99999999999999999999999999 does not fit a 64-bit integer"),
    "seed-overflow": ("train:\n  seed: 4294967296\n", "{path}:2: train.seed: Input should be less than or equal to 4294967295"),
    "lr-inf": ("learner:\n  ddqn:\n    lr: .inf\n", "{path}:3: learner.ddqn.lr: expected a finite number, got inf"),
    "lr-overflowing-float": ("learner:\n  ddqn:\n    lr: 1e999\n", "{path}:3: learner.ddqn.lr: expected a finite number, got inf"),
    "lr-nan": ("learner:\n  ddqn:\n    lr: .nan\n", "{path}:3: learner.ddqn.lr:"),
    "gamma-true": ("learner:\n  ddqn:\n    gamma: true\n", "{path}:3: learner.ddqn.gamma: expected a number, got the boolean true"),
    "hidden-string": ("encoder:\n  vector:\n    hidden: wide\n", "{path}:3: encoder.vector.hidden:"),
    "python-tag": ("train: !!python/object/apply:os.system [echo hi]\n", "{path}:1: malformed YAML: could not determine a constructor"),
    "int-key": ("train:\n  1: 2\n", "{path}:2: train.1:"),
}
FLAGS = {"alone": [], "steps": ["--steps", "10"], "set": ["--set", "train.steps=10", "--set", "learner.lr=0.01"]}


@pytest.mark.parametrize("flags", list(FLAGS.values()), ids=list(FLAGS))
@pytest.mark.parametrize("name", list(RUN_CONFIGS))
def test_a_hostile_run_config_is_one_line_whatever_flags_come_with_it(
        capsys, tmp_path: Path, name: str, flags: list[str]) -> None:
    text, needle = RUN_CONFIGS[name]
    path = tmp_path / f"{name}.yaml"
    path.write_text(text)
    run_dir = tmp_path / "run"
    start = time.perf_counter()
    line = one_line_error(capsys, ["run", "CartPole-v1", "--config", str(path), *flags, "--run-dir", str(run_dir)])
    assert time.perf_counter() - start < BOUND_S
    assert needle.format(path=path) in line, line
    assert not run_dir.exists()


def test_a_file_over_the_size_limit_is_refused_without_reading_it_all(capsys, tmp_path: Path) -> None:
    path = tmp_path / "huge.yaml"
    with path.open("w") as out:
        out.write("train:\n  steps: 10\n")
        out.write(("# " + "x" * 98 + "\n") * (MAX_BYTES // 100 + 10))
    for argv in (["run", "CartPole-v1", "--config", str(path), "--run-dir", str(tmp_path / "r")],
                 ["strategy", "validate", str(path)]):
        start = time.perf_counter()
        line = one_line_error(capsys, argv)
        assert time.perf_counter() - start < BOUND_S
        assert f"{path}: larger than {MAX_BYTES // 1024} KiB" in line


def test_bad_set_values_are_one_line(capsys, tmp_path: Path) -> None:
    run_dir = tmp_path / "r"
    for setting, needle in [
        ("train.steps=true", "--set: train.steps: expected a number, got the boolean true"),
        ("train.steps=.inf", "--set: train.steps:"),
        ("learner.lr=1e999", "--set: learner.ddqn.lr: expected a finite number, got inf"),
        ("train.seed=99999999999999999999999", "--set: train.seed:"),
        ("train.steps=" + "[" * 100 + "]" * 100, f"nested more than {MAX_DEPTH} levels deep"),
        ("train.steps=\x00", "non-printable character U+0000"),
        ("train.steps=a\n\tb", "--set 'train.steps=a\\n\\tb'"),
        ("train.steps=&a 1", "anchor &a is not supported"),
    ]:
        line = one_line_error(capsys, ["run", "CartPole-v1", "--set", setting, "--run-dir", str(run_dir)])
        assert needle in line, (setting, line)
    assert not run_dir.exists()


def test_flags_out_of_range_name_the_flag(capsys, tmp_path: Path) -> None:
    run_dir = tmp_path / "r"
    for flags, needle in [
        (["--steps", "99999999999999999999"], "--steps 99999999999999999999: 99999999999999999999 does not fit"),
        (["--seed", "99999999999999999999"], "--seed 99999999999999999999:"),
    ]:
        line = one_line_error(capsys, ["run", "CartPole-v1", *flags, "--run-dir", str(run_dir)])
        assert needle in line, (flags, line)
    assert not run_dir.exists()


def test_a_runs_own_config_yaml_is_accepted_as_config(capsys, tmp_path: Path) -> None:
    registry = get_registry()
    config = resolve_cli_config(registry, "CartPole-v1", config_file=None, choices={"learner": "ddqn"}, train_flags={},
                                overrides=["train.steps=30", "train.seed=11", "learner.lr=0.002",
                                           "encoder.hidden=[8]", "train.learning_starts=10", "train.batch_size=8",
                                           "train.eval_every=0", "train.checkpoint_every=0"])
    saved = tmp_path / "config.yaml"
    saved.write_text(config.to_yaml())
    again = resolve_cli_config(registry, "CartPole-v1", config_file=saved, choices={}, train_flags={},
                               overrides=[])
    assert again == config
    run_dir = tmp_path / "run"
    assert main(["run", "CartPole-v1", "--config", str(saved), "--run-dir", str(run_dir)]) == 0
    capsys.readouterr()
    rerun = resolve_cli_config(registry, "CartPole-v1", config_file=run_dir / "config.yaml", choices={},
                               train_flags={}, overrides=[])
    assert rerun.train == config.train and rerun.learner == config.learner and rerun.encoder == config.encoder
    # ... and a run config of another game is refused, naming it.
    line = one_line_error(capsys, ["run", "realm", "--config", str(run_dir / "config.yaml"), "--run-dir",
                                   str(tmp_path / "other")])
    assert "a run config of game 'gymnasium'" in line


#: name -> (strategy file text, what the one line must say).
STRATEGY_FILES: dict[str, tuple[str, str]] = {
    "alias-bomb": (alias_bomb(), "{path}:1: anchor &a0 is not supported"),
    "deep-flow": ("strategies: " + "{a: " * 3000 + "1" + "}" * 3000 + "\n", "{path}:1: nested more than"),
    "deep-trigger": (LANES_YAML.replace('if: "lives <= 1", factor: 0.5',
                                        'if: "' + "(" * 5000 + "lives <= 1" + ")" * 5000 + '", factor: 0.5'),
                     "{path}:20: strategies.default.values.greed.modifiers.0.if: trigger nested more than"),
    "deep-not-trigger": (LANES_YAML.replace('if: "lives <= 1", factor: 0.5', 'if: "' + "not " * 5000 + 'lives", factor: 0.5'),
                         "trigger nested more than"),
    "code-trigger": (LANES_YAML.replace('if: "lives <= 1", factor: 0.5', "if: \"__import__('os')\", factor: 0.5"),
                     "unexpected character"),
    "weight-nan": (LANES_YAML.replace("weight: 10\n", "weight: .nan\n"), "{path}:23: strategies.greedy.weight: expected a finite number, got nan"),
    "score-inf": (LANES_YAML.replace('score: {value: 1, modifiers: [{if: "coin_here"', 'score: {value: -.inf, modifiers: [{if: "coin_here"'),
                  "decisions.move.options.stay.score.value: expected a finite number, got -inf"),
    "factor-nan": (LANES_YAML.replace("factor: 0.5", "factor: .nan"), "strategies.default.values.greed.modifiers.0.factor: expected a finite number"),
    "trigger-number-overflow": (LANES_YAML.replace('"lives <= 1", factor: 0.5', '"lives <= 1e999", factor: 0.5'),
                                "number '1e999' at column 10 is out of range"),
    "action-overflow": (LANES_YAML.replace("action: 0", "action: 99999999999999999999999"),
                        "decisions.move.options.stay.action: 99999999999999999999999 does not fit a 64-bit integer"),
    "action-true": (LANES_YAML.replace("action: 0", "action: true"), "decisions.move.options.stay.action:"),
    "tier-list": (LANES_YAML.replace("tier: {value: wants-to-have, modifiers: [{if: \"danger_here\"", "tier: {value: [], modifiers: [{if: \"danger_here\""),
                  "decisions.move.options.stay.tier"),
    "strategies-5": ("game: lanes\nstrategies: 5\n", "{path}:2: strategies:"),
    "decisions-list": ("game: lanes\ndecisions: [1, 2]\n", "{path}:2: decisions:"),
    "nul-byte": ("game: lanes\x00\n", "{path}:1: malformed YAML: non-printable character U+0000"),
    "top-level-string": ("just words\n", "{path}:1: expected a mapping of sections at the top level"),
}


@pytest.mark.parametrize("name", list(STRATEGY_FILES))
def test_a_hostile_strategy_file_is_one_line(capsys, tmp_path: Path, name: str) -> None:
    text, needle = STRATEGY_FILES[name]
    path = tmp_path / f"{name}.yaml"
    path.write_text(text)
    start = time.perf_counter()
    line = one_line_error(capsys, ["strategy", "validate", str(path)])
    assert time.perf_counter() - start < BOUND_S
    assert needle.format(path=path) in line, line
    assert len(line) < 1000, "a 5,000-level trigger must not be echoed whole"


#: Runs argv[1:] and prints the child's exit code and peak resident memory (KiB) as the last line.
MEASURE = (
    "import resource, subprocess, sys\n"
    "code = subprocess.run(sys.argv[1:]).returncode\n"
    "print(code, resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss)\n"
)
#: Peak memory a refused hostile file may cost: gaikit's imports (torch) plus a little.
MAX_RSS_KIB = 1 << 20


def test_the_console_script_gives_one_line_no_traceback_and_bounded_memory_for_hostile_files(tmp_path: Path) -> None:
    bomb = tmp_path / "bomb.yaml"
    bomb.write_text(alias_bomb())
    deep = tmp_path / "deep.yaml"
    deep.write_text(STRATEGY_FILES["deep-trigger"][0])
    gaikit = str(Path(sys.executable).with_name("gaikit"))
    for argv in ([gaikit, "run", "CartPole-v1", "--config", str(bomb), "--steps", "10", "--run-dir", str(tmp_path / "r")],
                 [gaikit, "strategy", "validate", str(deep)]):
        result = subprocess.run([sys.executable, "-c", MEASURE, *argv], capture_output=True, text=True, timeout=120)
        code, peak_kib = (int(x) for x in result.stdout.strip().splitlines()[-1].split())
        assert code == 2, result.stderr
        assert len(result.stderr.strip().splitlines()) == 1 and "Traceback" not in result.stderr, result.stderr
        assert peak_kib < MAX_RSS_KIB, f"{argv[1]}: peak {peak_kib / 1024:.0f} MiB"
    assert not (tmp_path / "r").exists()
