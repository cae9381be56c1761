"""The budget line ``gaikit run`` prints before it starts: agent steps and, where measured, the expected time.

The expected time is ``train.steps`` divided by a speed measured on this
project's machine class (a 2-core CPU) for the same game, encoder and
learner at one torch thread, one env and no actors; each figure names the
document it comes from. Other setups get the budget alone (the progress
bar or log line shows an ETA once the run is going).
"""

from __future__ import annotations

from dataclasses import dataclass

from gaikit.core.config import RunConfig

_BENCH = "synchronous loop, 1 torch thread, 2-core CPU, evaluations and checkpoints not included"
_BENCH_DDQN = (f"{_BENCH}; in float32 (learner.precision auto runs bf16-mixed on CPUs with AMX: 1.5-1.7x per update, "
               "docs/benchmarks.md, so less time)")
_RAM_RUN = ("docs/results/asterix/README.md: the 1M-step Asterix RAM DDQN+PER run took 1 h 40 min beside other jobs, "
            "evaluations included")


@dataclass(frozen=True)
class MeasuredSpeed:
    """Agent steps per second measured for one setup, and where the figure is written down."""

    steps_per_sec: float
    source: str


#: ``(game, encoder, learner) -> speed`` at one torch thread, one env, no actors.
MEASURED_SPEEDS: dict[tuple[str, str, str], MeasuredSpeed] = {
    ("asterix", "mixed", "ddqn"): MeasuredSpeed(117.9, f"docs/benchmarks.md: Asterix mixed DDQN+PER, {_BENCH_DDQN}"),
    ("asterix", "image", "ddqn"): MeasuredSpeed(99.1, f"docs/benchmarks.md: Asterix image DDQN+PER, {_BENCH_DDQN}"),
    ("asterix", "ram", "ddqn"): MeasuredSpeed(167.0, _RAM_RUN),
    ("atari", "mixed", "ddqn"): MeasuredSpeed(117.9, f"docs/benchmarks.md: Asterix mixed DDQN+PER (this game's "
                                                     f"speed not measured), {_BENCH_DDQN}"),
    ("atari", "image", "ddqn"): MeasuredSpeed(99.1, f"docs/benchmarks.md: Asterix image DDQN+PER (this game's "
                                                    f"speed not measured), {_BENCH_DDQN}"),
    ("atari", "ram", "ddqn"): MeasuredSpeed(167.0, f"{_RAM_RUN} (this game's speed not measured)"),
    ("halfcheetah", "vector", "sac"): MeasuredSpeed(78.6, f"docs/benchmarks.md: HalfCheetah SAC (gSDE), {_BENCH}"),
}


def measured_speed(config: RunConfig) -> MeasuredSpeed | None:
    """The measured speed of this run's setup, or ``None`` when none was measured for it."""
    train = config.train
    if config.agent != "learned" or train.threads != 1 or train.envs != 1 or train.actors:
        return None
    if config.encoder is None or config.learner is None:
        return None
    return MEASURED_SPEEDS.get((config.game.name, config.encoder.name, config.learner.name))


def format_duration(seconds: float) -> str:
    """``~25 min`` under an hour, ``~2.4 h`` under a day, else ``~1.2 days (28 h)``."""
    if seconds < 3600:
        return f"~{max(1, round(seconds / 60))} min"
    hours = seconds / 3600
    if hours < 24:
        return f"~{hours:.1f} h"
    return f"~{hours / 24:.1f} days ({hours:,.0f} h)"


def budget_lines(config: RunConfig) -> list[str]:
    """What ``gaikit run`` prints before it builds anything: the step budget and the expected time."""
    steps = config.train.steps
    speed = measured_speed(config)
    if speed is None:
        return [f"budget: {steps:,} agent steps (no measured speed on record for this setup; "
                "the progress line shows the ETA once running)"]
    return [
        f"budget: {steps:,} agent steps; expected {format_duration(steps / speed.steps_per_sec)} "
        f"at the measured {speed.steps_per_sec:,.1f} agent steps/s on this machine class",
        f"  (from {speed.source}; other jobs on the cores slow a run down)",
    ]
