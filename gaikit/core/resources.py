"""Resource sanity before allocation: memory, CPUs and devices a run asks for, checked against the machine.

Called by :func:`gaikit.core.build.build_run` before the envs and the agent
are built. Each check is one :class:`~gaikit.core.errors.ConfigError` naming
the field, the estimate and the limit -- never an allocation traceback, and
never a buffer that ``np.zeros`` hands out lazily and the kernel's OOM killer
takes back hours later.

What is estimated (from the options alone, nothing is allocated):

* the replay memory: ``capacity`` transitions of observation bytes (twice,
  when ``next_obs`` is stored whole; once per frame when ``stacked`` frames
  are stored once), plus action, reward and bookkeeping bytes;
* the networks: every ``hidden``-style list of widths in the encoder and
  learner options, chained from the flat observation size to the action
  outputs, at 4 bytes a parameter times :data:`PARAMETER_COPIES` (weights,
  target copy, Adam's two moments), plus a batch's activations;
* ``envs`` against the CPUs this process may use (:data:`MAX_ENVS_PER_CPU`).

The sum must fit the memory available: ``MemAvailable`` of ``/proc/meminfo``,
lowered by a cgroup's ``memory.max`` where one is set; where neither can be
read the memory check is skipped. A ``device`` option naming a device this
machine lacks (``cuda`` without CUDA, ``cuda:7`` on a 1-GPU machine, ``tpu``)
is one clear error.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Mapping

import gymnasium as gym
import numpy as np

from gaikit.core.errors import ConfigError

#: Copies of each parameter a learner keeps: weights, target network, Adam's first and second moments.
PARAMETER_COPIES = 4
#: Bytes of bookkeeping per stored transition (reward, flags, priorities and sum-tree nodes).
TRANSITION_OVERHEAD_BYTES = 48
#: Sync vector envs step in one process; more than this many per CPU is a typo, not a plan.
MAX_ENVS_PER_CPU = 256
MEMINFO = Path("/proc/meminfo")
CGROUP = Path("/sys/fs/cgroup")


def available_memory_bytes() -> int | None:
    """Bytes this process may still allocate: ``MemAvailable``, capped by a cgroup v2 limit; ``None`` if unknown."""
    available: int | None = None
    try:
        for line in MEMINFO.read_text().splitlines():
            if line.startswith("MemAvailable:"):
                available = int(line.split()[1]) * 1024
                break
    except (OSError, ValueError, IndexError):
        available = None
    try:
        limit = (CGROUP / "memory.max").read_text().strip()
        if limit != "max":
            free = int(limit) - int((CGROUP / "memory.current").read_text().strip())
            available = free if available is None else min(available, free)
    except (OSError, ValueError):
        pass
    return available


def available_cpus() -> int:
    """CPUs this process may run on (its affinity mask), at least 1."""
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except (AttributeError, OSError):
        return max(1, os.cpu_count() or 1)


def format_bytes(count: float) -> str:
    """``1.5 GiB``-style size."""
    for unit in ("B", "KiB", "MiB", "GiB", "TiB", "PiB"):
        if abs(count) < 1024 or unit == "PiB":
            return f"{count:,.0f} {unit}" if unit == "B" else f"{count:,.1f} {unit}"
        count /= 1024
    return f"{count:,.1f} PiB"  # pragma: no cover


@dataclass
class Estimate:
    """One part of a run's memory: the field it comes from, its bytes and how they were counted."""

    field: str
    bytes: int
    detail: str
    #: What to lower to shrink it (default: ``field``).
    lower: str = ""


def _space_bytes(space: gym.Space) -> int:
    """Bytes of one observation (or action) of ``space``."""
    if isinstance(space, gym.spaces.Dict):
        return sum(_space_bytes(s) for s in space.spaces.values())
    if isinstance(space, gym.spaces.Tuple):
        return sum(_space_bytes(s) for s in space.spaces)
    if isinstance(space, gym.spaces.Discrete):
        return 8
    shape = getattr(space, "shape", None)
    if shape is None:
        return 8
    dtype = np.dtype(getattr(space, "dtype", None) or np.float32)
    return int(np.prod(shape, dtype=np.float64)) * dtype.itemsize


def _stacked_bytes(space: gym.Space, stacked: Any) -> int | None:
    """Bytes of the newest frame only of the stacked parts (the rest whole); ``None`` if nothing is stacked."""
    if stacked is True and not isinstance(space, gym.spaces.Dict):
        shape = getattr(space, "shape", None) or ()
        if not shape or shape[0] < 1:
            return None
        return _space_bytes(space) // shape[0]
    if isinstance(space, gym.spaces.Dict) and (stacked is True or isinstance(stacked, (list, tuple))):
        keys = set(space.spaces) if stacked is True else set(stacked)
        total = 0
        for key, sub in space.spaces.items():
            shape = getattr(sub, "shape", None) or ()
            total += _space_bytes(sub) // shape[0] if key in keys and shape and shape[0] >= 1 else _space_bytes(sub)
        return total
    return None


def replay_estimate(options: Mapping[str, Any], observation_space: gym.Space, action_space: gym.Space,
                    name: str = "") -> Estimate | None:
    """Bytes of a replay memory (named ``name``) with a ``capacity`` option (``None`` for memories without one)."""
    capacity = options.get("capacity")
    if not isinstance(capacity, int) or isinstance(capacity, bool) or capacity <= 0:
        return None
    obs = _space_bytes(observation_space)
    frames = None if options.get("storage") == "arrays" else _stacked_bytes(observation_space, options.get("stacked", False))
    if frames is not None:
        per, how = frames, f"{frames:,} B a frame, stored once"
    else:
        per, how = 2 * obs, f"{obs:,} B an observation, twice (obs and next_obs)"
    per += _space_bytes(action_space) + TRANSITION_OVERHEAD_BYTES
    return Estimate(f"memory.{name}.capacity" if name else "memory.capacity", capacity * per, f"{capacity:,} transitions x {per:,} B ({how})")


def _widths(options: Mapping[str, Any]) -> list[tuple[str, list[int]]]:
    """Every list of layer widths among ``options`` (keys ending in ``hidden``), with its key."""
    found = []
    for key, value in options.items():
        if isinstance(key, str) and key.endswith("hidden") and isinstance(value, (list, tuple)) and value:
            if all(isinstance(w, int) and not isinstance(w, bool) and w > 0 for w in value):
                found.append((key, [int(w) for w in value]))
    return found


def network_estimates(blocks: Mapping[str, Mapping[str, Any]], observation_space: gym.Space,
                      action_space: gym.Space, batch_size: int) -> list[Estimate]:
    """Bytes of the networks that ``blocks`` (field prefix -> options, e.g. ``learner.ddqn``) describe.

    One estimate per list of widths -- chained from the flat observation size
    to the action outputs, at 4 bytes x :data:`PARAMETER_COPIES` a parameter --
    and one for a batch's activations (forward and backward) under ``train.batch_size``.
    """
    inputs = max(1, int(gym.spaces.flatdim(observation_space)) if _flattenable(observation_space) else 1)
    outputs = int(action_space.n) if isinstance(action_space, gym.spaces.Discrete) else 2 * max(
        1, int(np.prod(getattr(action_space, "shape", None) or (1,))))
    estimates = []
    for prefix, options in blocks.items():
        for key, widths in _widths(options):
            field = f"{prefix}.{key}"
            chain = [inputs, *widths, outputs]
            parameters = sum(a * b + b for a, b in zip(chain[:-1], chain[1:]))
            estimates.append(Estimate(field, parameters * 4 * PARAMETER_COPIES,
                                      f"{parameters:,} parameters x 4 B x {PARAMETER_COPIES}: "
                                      f"weights, target copy, Adam's two moments"))
            estimates.append(Estimate("train.batch_size", 2 * batch_size * sum(widths) * 4,
                                      f"{batch_size:,} samples x {sum(widths):,} activations of {field} x 4 B, "
                                      f"forward and backward", lower=f"train.batch_size or {field}"))
    return estimates


def _flattenable(space: gym.Space) -> bool:
    try:
        gym.spaces.flatdim(space)
    except (NotImplementedError, ValueError, TypeError):
        return False
    return True


def check_envs(envs: int, cpus: int | None = None) -> None:
    """``train.envs`` must be at most :data:`MAX_ENVS_PER_CPU` per CPU this process may use."""
    cpus = available_cpus() if cpus is None else cpus
    most = MAX_ENVS_PER_CPU * cpus
    if envs > most:
        raise ConfigError(f"train.envs: {envs:,} environments on {cpus} CPU(s); at most {most:,} "
                          f"({MAX_ENVS_PER_CPU} per CPU) are stepped in one process")


def check_memory(estimates: list[Estimate], available: int | None = None) -> None:
    """The estimates together must fit the memory available (skipped where it cannot be read)."""
    available = available_memory_bytes() if available is None else available
    if available is None or not estimates:
        return
    total = sum(e.bytes for e in estimates)
    if total <= available:
        return
    worst = max(estimates, key=lambda e: e.bytes)
    others = f"; {format_bytes(total)} in all" if total - worst.bytes > 0.01 * total else ""
    raise ConfigError(
        f"{worst.field}: needs about {format_bytes(worst.bytes)} ({worst.detail}){others}, but only "
        f"{format_bytes(available)} of memory is available; lower {worst.lower or worst.field}"
    )


def check_device(value: Any, field: str) -> None:
    """A ``device`` option must name a torch device this machine has (``cpu``, ``cuda[:N]``, ``mps``)."""
    import torch

    if not isinstance(value, str):
        return
    try:
        device = torch.device(value)
    except (RuntimeError, ValueError):
        raise ConfigError(f"{field}: unknown device {value!r}; expected cpu, cuda, cuda:N or mps") from None
    if device.type == "cpu":
        return
    if device.type == "cuda":
        count = torch.cuda.device_count() if torch.cuda.is_available() else 0
        if count == 0:
            raise ConfigError(f"{field}: device {value!r}, but this machine has no CUDA device "
                              f"(torch {torch.__version__}); use cpu")
        if device.index is not None and device.index >= count:
            raise ConfigError(f"{field}: device {value!r}, but this machine has {count} CUDA device(s) "
                              f"(cuda:0 to cuda:{count - 1})")
        return
    if device.type == "mps":
        if not (getattr(torch.backends, "mps", None) and torch.backends.mps.is_available()):
            raise ConfigError(f"{field}: device {value!r}, but MPS is not available on this machine; use cpu")
        return
    raise ConfigError(f"{field}: device {value!r} is not supported; expected cpu, cuda, cuda:N or mps")


def check_devices(config: Any) -> None:
    """Every chosen component's ``device`` option names a device this machine has."""
    for section in ("encoder", "learner", "memory", "selector"):
        chosen = getattr(config, section, None)
        if chosen is not None and "device" in chosen.options:
            check_device(chosen.options["device"], f"{section}.{chosen.name}.device")


def check_run_memory(config: Any, observation_space: gym.Space, action_space: gym.Space) -> None:
    """The replay memory and networks of a learned agent's ``config`` fit the memory available.

    ``config`` is a :class:`~gaikit.core.config.RunConfig`; other agent kinds are not estimated.
    """
    if getattr(config, "agent", None) != "learned":
        return
    estimates: list[Estimate] = []
    if config.memory is not None:
        replay = replay_estimate(config.memory.options, observation_space, action_space, config.memory.name)
        if replay is not None:
            estimates.append(replay)
    blocks = {f"{section}.{chosen.name}": chosen.options
              for section in ("encoder", "learner") if (chosen := getattr(config, section)) is not None}
    estimates += network_estimates(blocks, observation_space, action_space, config.train.batch_size)
    check_memory(estimates)
