"""Comparing and vetting component state: nested dicts/lists of tensors, arrays and scalars."""

from __future__ import annotations

import copy
import io
import json
import math
from collections.abc import Iterable
from typing import Any

import numpy as np
import torch

def checkpoint_problem(state: Any) -> str | None:
    """Why ``state`` does not survive gaikit's checkpoint format unchanged, or ``None``.

    The state goes through :func:`gaikit.core.checkpoint.split_state`, real
    serialisation (JSON, ``torch.save``/``torch.load(weights_only=True)``,
    ``np.savez``/``np.load(allow_pickle=False)``) and
    :func:`~gaikit.core.checkpoint.join_state`, in memory.
    """
    from gaikit.core.checkpoint import join_state, split_state

    try:
        tree, tensors, arrays = split_state(state)
        tree = json.loads(json.dumps(tree))
        buffer = io.BytesIO()
        torch.save(tensors, buffer)
        tensors = torch.load(io.BytesIO(buffer.getvalue()), weights_only=True, map_location="cpu")
        buffer = io.BytesIO()
        np.savez(buffer, **arrays)  # type: ignore[arg-type]  # numpy's stubs type **kwds like allow_pickle: bool
        with np.load(io.BytesIO(buffer.getvalue()), allow_pickle=False) as loaded:
            arrays = {key: loaded[key] for key in loaded.files}
        restored = join_state(tree, tensors, arrays)
    except Exception as exc:  # the codec's message names the offending path
        return f"cannot be checkpointed: {type(exc).__name__}: {exc}"
    found = difference(state, restored)
    return None if found is None else f"changes in a checkpoint round trip: {found}"


def snapshot(state: Any) -> Any:
    """A deep copy of a state dict, as a checkpoint written at that moment would hold it."""
    return copy.deepcopy(state)


def difference(a: Any, b: Any, path: str = "state", atol: float = 0.0) -> str | None:
    """The first place where two nested states differ, or ``None`` if they are equal."""
    if isinstance(a, dict) and isinstance(b, dict):
        if set(a) != set(b):
            return f"{path} keys differ: {sorted(map(str, set(a) ^ set(b)))}"
        for key in a:
            found = difference(a[key], b[key], f"{path}[{key!r}]", atol)
            if found:
                return found
        return None
    if isinstance(a, (list, tuple)) and isinstance(b, (list, tuple)):
        if len(a) != len(b):
            return f"{path} lengths differ: {len(a)} != {len(b)}"
        for index, (x, y) in enumerate(zip(a, b)):
            found = difference(x, y, f"{path}[{index}]", atol)
            if found:
                return found
        return None
    if isinstance(a, (torch.Tensor, np.ndarray)) or isinstance(b, (torch.Tensor, np.ndarray)):
        x = a.detach().cpu().numpy() if isinstance(a, torch.Tensor) else np.asarray(a)
        y = b.detach().cpu().numpy() if isinstance(b, torch.Tensor) else np.asarray(b)
        if x.shape != y.shape:
            return f"{path} shapes differ: {x.shape} != {y.shape}"
        if x.dtype.kind in "fc" or y.dtype.kind in "fc":
            if not np.allclose(x, y, atol=atol, rtol=0.0, equal_nan=True):
                return f"{path} values differ (max abs diff {np.nanmax(np.abs(x - y)):.3g})"
            return None
        if not np.array_equal(x, y):
            return f"{path} values differ"
        return None
    if isinstance(a, float) and isinstance(b, float) and math.isnan(a) and math.isnan(b):
        return None
    if isinstance(a, float) or isinstance(b, float):
        if not math.isclose(float(a), float(b), abs_tol=atol, rel_tol=0.0):
            return f"{path}: {a!r} != {b!r}"
        return None
    if a != b:
        return f"{path}: {a!r} != {b!r}"
    return None


def non_finite(state: Any, path: str = "state") -> str | None:
    """Where a nested state holds NaN or inf in a float tensor or array, or ``None``.

    Plain Python floats are not checked: they may be deliberate sentinels.
    """
    items: Iterable[tuple[Any, Any]]
    if isinstance(state, dict):
        items = state.items()
    elif isinstance(state, (list, tuple)):
        items = enumerate(state)
    else:
        if isinstance(state, torch.Tensor) and state.is_floating_point():
            if not bool(torch.isfinite(state).all()):
                return path
        elif isinstance(state, np.ndarray) and state.dtype.kind in "fc":
            if not np.isfinite(state).all():
                return path
        return None
    for key, value in items:
        found = non_finite(value, f"{path}[{key!r}]")
        if found:
            return found
    return None
