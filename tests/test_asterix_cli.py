"""Tiny end-to-end Asterix runs through the CLI, one per encoder, plus exact resume and config errors."""

from __future__ import annotations

import csv
from pathlib import Path

import pytest
import yaml

from gaikit.cli import main

#: Small enough to finish in seconds; big enough to learn and to end a game or two.
TINY = [
    "--set", "train.learning_starts=64",
    "--set", "train.batch_size=8",
    "--set", "train.eval_every=0",
    "--set", "train.log_every=100",
    "--set", "train.checkpoint_every=0",
    "--set", "train.threads=1",
    "--set", "memory.capacity=600",
]
TINY_NETWORKS = {
    "image": ["--set", "encoder.hidden=[16]"],
    "ram": ["--set", "encoder.hidden=[16, 16]"],
    "mixed": ["--set", "encoder.ram_hidden=[16]", "--set", "encoder.head=[16]"],
}
FORMS = {"image": "pixels", "ram": "ram", "mixed": "mixed"}


def episodes(run_dir: Path) -> list[tuple[int, float, int]]:
    with (run_dir / "episodes.csv").open() as handle:
        return [(int(r["step"]), float(r["return"]), int(r["length"])) for r in csv.DictReader(handle)]


@pytest.mark.parametrize("encoder", ["image", "ram", "mixed"])
def test_tiny_run_per_encoder(encoder, tmp_path, capsys) -> None:
    run_dir = tmp_path / encoder
    code = main(["run", "asterix", "--encoder", encoder, "--steps", "200", "--run-dir", str(run_dir),
                 *TINY, *TINY_NETWORKS[encoder]])
    out = capsys.readouterr().out
    assert code == 0, out
    assert f"encoder {encoder}, learner ddqn, memory prioritized" in out
    assert "trainable parameters" in out
    saved = yaml.safe_load((run_dir / "config.yaml").read_text())
    assert saved["encoder"]["name"] == encoder and saved["memory"]["name"] == "prioritized"
    assert saved["game"]["options"]["observation"] == "auto"
    assert (run_dir / "checkpoints").is_dir() and (run_dir / "plots" / "learning_curve.png").is_file()
    for _, score, length in episodes(run_dir):
        assert score % 50 == 0 and length > 50  # whole games with raw Asterix scores, not clipped lives


def test_resume_continues_exactly(tmp_path, capsys) -> None:
    """300 steps straight equal 150 steps + resume to 300 (RAM, sticky actions, PER)."""
    # no-op starts on (30, as DQN) so that the RNG streams they draw from are resumed too
    common = ["--encoder", "ram", *TINY, *TINY_NETWORKS["ram"], "--seed", "5", "--set", "game.noop_max=30"]
    straight, split = tmp_path / "straight", tmp_path / "split"
    assert main(["run", "asterix", "--steps", "300", "--run-dir", str(straight), *common]) == 0
    assert main(["run", "asterix", "--steps", "150", "--run-dir", str(split), *common]) == 0
    assert main(["run", "--resume", str(split), "--steps", "300"]) == 0
    capsys.readouterr()
    assert episodes(split) == episodes(straight)
    assert any(step > 150 for step, _, _ in episodes(straight))  # a game that spans the resume point


def test_observation_that_cannot_feed_the_encoder_is_one_line(tmp_path, capsys) -> None:
    code = main(["run", "asterix", "--encoder", "image", "--steps", "10", "--run-dir", str(tmp_path / "x"),
                 "--set", "game.observation=ram"])
    err = capsys.readouterr().err
    assert code == 2
    assert "game.observation: 'ram' cannot feed an encoder that reads ['pixels']" in err
    assert len(err.strip().splitlines()) == 1
    assert not (tmp_path / "x").exists()


def test_unknown_game_option_names_the_field(tmp_path, capsys) -> None:
    code = main(["run", "asterix", "--steps", "10", "--run-dir", str(tmp_path / "y"), "--set", "game.stacks=5"])
    err = capsys.readouterr().err
    assert code == 2 and "game.stacks" in err and "unknown field" in err
