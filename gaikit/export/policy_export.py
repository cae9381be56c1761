"""``export_run``: a run's greedy policy (observation -> action) written as a standalone ONNX or TorchScript file.

The file is checked before it is reported: it is read back (ONNX Runtime, or
``torch.jit.load``) and run on fresh sample observations with a batch size
other than the one it was written with, and its outputs are compared with
the torch module's.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import gymnasium as gym
import numpy as np
import torch
from torch import nn

from gaikit.core.errors import GaikitError
from gaikit.export.inputs import BATCH, PositionalPolicy, TensorSpec, observation_inputs, sample_observations
from gaikit.export.loading import load_policy
from gaikit.export.writers import FORMATS, check_format, run_file, write

#: Sample batch sizes: the one the file is written with, and the one it is checked on.
WRITE_BATCH, CHECK_BATCH = 3, 5
#: Seeds of the sample observations (write, check).
WRITE_SEED, CHECK_SEED = 0, 1


@dataclass
class WrittenPolicy:
    """What :func:`export_module` wrote: the file, its inputs and outputs, and the read-back check."""

    path: Path
    format: str
    inputs: list[TensorSpec]
    outputs: list[TensorSpec]
    #: Largest absolute difference per output between the file and torch on ``CHECK_BATCH`` samples.
    max_abs_diff: dict[str, float]


@dataclass
class ExportResult(WrittenPolicy):
    """What :func:`export_run` wrote, and the checkpoint, learner and encoder it came from."""

    checkpoint: Path
    step: int
    learner: str
    encoder: str


def export_run(run_dir: str | Path, fmt: str, output: str | Path | None = None, checkpoint: str | None = None) -> ExportResult:
    """Write ``run_dir``'s greedy policy as ``fmt`` (``onnx`` or ``torchscript``) and check it.

    ``output`` defaults to ``RUN_DIR/export/policy-<checkpoint><suffix>``;
    ``checkpoint`` (a directory, ``step_N`` or ``N``) defaults to the newest
    usable one. Bad input raises :class:`~gaikit.core.errors.GaikitError` with
    a one-line message.
    """
    run_dir = Path(run_dir)
    check_format(fmt)
    loaded = load_policy(run_dir, checkpoint)
    path = Path(output) if output is not None else run_dir / "export" / f"policy-{loaded.checkpoint.name}{FORMATS[fmt]}"
    written = export_module(loaded.module, loaded.observation_space, fmt, path)
    return ExportResult(**vars(written), checkpoint=loaded.checkpoint, step=loaded.step, learner=loaded.learner,
                        encoder=loaded.encoder)


def export_module(policy: nn.Module, observation_space: gym.Space, fmt: str, path: Path) -> WrittenPolicy:
    """Write a learner's greedy policy module (:meth:`~gaikit.core.components.Learner.greedy_policy_module`) to ``path``.

    The inputs are those of :func:`~gaikit.export.inputs.observation_inputs`
    for ``observation_space``, the outputs the module's ``output_names``; the
    file is read back and checked on fresh samples (see the module docstring).
    """
    check_format(fmt)
    inputs = observation_inputs(observation_space)
    names = [spec.name for spec in inputs]
    keys = tuple(names) if isinstance(observation_space, gym.spaces.Dict) else None
    module = PositionalPolicy(policy, keys).eval()
    output_names = tuple(str(name) for name in getattr(policy, "output_names", ()))
    example = sample_observations(observation_space, WRITE_BATCH, WRITE_SEED)
    with torch.no_grad():
        returned = module(*example)
    if not output_names or len(output_names) != len(returned):
        raise GaikitError(f"{type(policy).__name__}: the greedy policy module returns {len(returned)} outputs "
                          f"but its output_names names {len(output_names)}")
    write(module, fmt, example, names, output_names, path)
    check = sample_observations(observation_space, CHECK_BATCH, CHECK_SEED)
    with torch.no_grad():
        expected = [out.numpy() for out in module(*check)]
    got = run_file(path, fmt, check, names)
    return WrittenPolicy(
        path=path, format=fmt, inputs=inputs, outputs=[_output_spec(n, o) for n, o in zip(output_names, expected)],
        max_abs_diff={name: _max_abs_diff(e, g) for name, e, g in zip(output_names, expected, got)},
    )


def _output_spec(name: str, value: np.ndarray) -> TensorSpec:
    return TensorSpec(name, value.dtype.name, (BATCH, *value.shape[1:]))


def _max_abs_diff(expected: np.ndarray, got: np.ndarray) -> float:
    if expected.shape != got.shape:
        raise GaikitError(f"the exported file returned shape {got.shape}, torch {expected.shape}")
    return float(np.max(np.abs(expected.astype(np.float64) - got.astype(np.float64)), initial=0.0))
