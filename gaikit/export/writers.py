"""Writing a policy module as an ONNX or TorchScript file, and reading the file back to check it.

ONNX goes through ``torch.onnx.export(..., dynamo=True)`` (the default
exporter since torch 2.9: ``torch.export`` then onnxscript's translation),
with the batch axis dynamic (``torch.export.Dim``); it needs the ``onnx`` and
``onnxscript`` packages, and the check reads the file with ONNX Runtime
(``pip install gaikit[export]``). TorchScript is ``torch.jit.trace`` of the
same module, saved with ``torch.jit.save``; it needs torch alone.
"""

from __future__ import annotations

import importlib.util
import logging
import warnings
from contextlib import contextmanager
from pathlib import Path
from typing import Iterator, Sequence

import numpy as np
import torch
from torch import nn

from gaikit.core.errors import GaikitError, first_line
from gaikit.export.inputs import BATCH

#: What ``--format`` accepts, with the file suffix each writes.
FORMATS = {"onnx": ".onnx", "torchscript": ".pt"}
#: The packages each format needs beyond torch (all in the ``export`` extra).
NEEDS = {"onnx": ("onnx", "onnxscript", "onnxruntime"), "torchscript": ()}
INSTALL_HINT = "pip install gaikit[export]"


def check_format(fmt: str) -> str:
    """``fmt`` if gaikit can write it here; an unknown format or a missing package is one clear line."""
    if fmt not in FORMATS:
        raise GaikitError(f"--format {fmt!r}: unknown export format; expected one of {', '.join(FORMATS)}")
    missing = [name for name in NEEDS[fmt] if importlib.util.find_spec(name) is None]
    if missing:
        raise GaikitError(f"--format {fmt} needs {', '.join(missing)}, which are not installed: {INSTALL_HINT}")
    return fmt


@contextmanager
def _quiet_torch() -> Iterator[None]:
    """Meanwhile, torch's exporter notes (deprecations, optional torchvision ops) stay off the console."""
    logger = logging.getLogger("torch.onnx")
    level = logger.level
    logger.setLevel(logging.ERROR)
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            yield
    finally:
        logger.setLevel(level)


def write(
    module: nn.Module,
    fmt: str,
    example: tuple[torch.Tensor, ...],
    input_names: Sequence[str],
    output_names: Sequence[str],
    path: Path,
) -> None:
    """Write ``module`` (positional inputs ``example``, batch axis first) to ``path`` as ``fmt``."""
    path.parent.mkdir(parents=True, exist_ok=True)
    module.eval()
    try:
        with _quiet_torch(), torch.no_grad():
            if fmt == "onnx":
                batch = torch.export.Dim(BATCH)
                program = torch.onnx.export(
                    module, example, input_names=list(input_names), output_names=list(output_names),
                    dynamic_shapes=(tuple({0: batch} for _ in example),), dynamo=True, verbose=False,
                )
                if program is None:
                    raise RuntimeError("torch.onnx.export returned no program")
                program.save(str(path))
            else:
                traced = torch.jit.trace(module, example)
                torch.jit.save(traced, str(path))
    except OSError as exc:
        raise GaikitError(f"cannot write {path}: {exc.strerror or exc}") from exc
    except Exception as exc:  # the exporter's own failures (an operator it cannot translate, ...)
        raise GaikitError(f"export to {fmt} failed: {type(exc).__name__}: {first_line(exc)}") from exc


def run_file(path: Path, fmt: str, inputs: tuple[torch.Tensor, ...], input_names: Sequence[str]) -> list[np.ndarray]:
    """The outputs of the written file on ``inputs``: through ONNX Runtime (``onnx``) or ``torch.jit.load``."""
    if fmt == "onnx":
        import onnxruntime

        session = onnxruntime.InferenceSession(str(path), providers=["CPUExecutionProvider"])
        feed = {name: tensor.numpy() for name, tensor in zip(input_names, inputs)}
        return [np.asarray(out) for out in session.run(None, feed)]
    with _quiet_torch(), torch.no_grad():
        loaded = torch.jit.load(str(path), map_location="cpu")
        return [out.numpy() for out in loaded(*inputs)]
