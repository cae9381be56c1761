"""``gaikit export RUN_DIR --format onnx|torchscript``: a run's greedy policy as a standalone file."""

from __future__ import annotations

from pathlib import Path
from typing import Optional

import typer

from gaikit.cli.app import app
from gaikit.core.console import warn
from gaikit.export import FORMATS, ExportResult, export_run

#: A file whose outputs differ from torch's by more than this is reported (float outputs; actions must agree).
TOLERANCE = 1e-4


def describe(result: ExportResult) -> list[str]:
    """The lines the command prints: the file, then every input and output with dtype and shape."""
    lines = [f"wrote {result.path} ({result.format}): greedy policy of {result.checkpoint.name} "
             f"(step {result.step}, learner {result.learner}, encoder {result.encoder})"]
    width = max(len(spec.name) for spec in [*result.inputs, *result.outputs])
    for kind, specs in (("input ", result.inputs), ("output", result.outputs)):
        for spec in specs:
            lines.append(f"  {kind}  {spec.name.ljust(width)}  {spec.dtype.ljust(7)}  {spec.shape_text}")
    if result.format == "torchscript":
        lines.append(f"  call: module({', '.join(spec.name for spec in result.inputs)}) "
                     f"-> ({', '.join(spec.name for spec in result.outputs)})")
    diffs = ", ".join(f"{name} {value:.2g}" for name, value in result.max_abs_diff.items())
    reader = "ONNX Runtime" if result.format == "onnx" else "torch.jit.load"
    lines.append(f"checked: {reader} vs torch on fresh sample observations, max |difference|: {diffs}")
    return lines


@app.command("export")
def export_command(
    run_dir: Path = typer.Argument(..., help="A run directory written by gaikit run (or gaikit.train)."),
    fmt: str = typer.Option(..., "--format", help=f"File format: {' or '.join(FORMATS)}."),
    output: Optional[Path] = typer.Option(
        None, "--output", help="Where to write (default: RUN_DIR/export/policy-<checkpoint>.onnx or .pt)."),
    checkpoint: Optional[str] = typer.Option(
        None, "--checkpoint", help="A checkpoint directory, its name (step_500) or step (500); default: the newest usable."),
) -> int:
    """Write the greedy policy (observation -> action) of a run's checkpoint as an ONNX or TorchScript file."""
    result = export_run(run_dir, fmt, output, checkpoint)
    for line in describe(result):
        typer.echo(line)
    off = [f"{name} by {value:.3g}" for name, value in result.max_abs_diff.items() if not value <= TOLERANCE]  # NaN too
    if off:
        warn(f"{result.path}: outputs differ from torch's on the check samples: {', '.join(off)}")
    return 0
