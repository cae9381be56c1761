"""Checkpoints: atomic directories that can be loaded without executing code.

A checkpoint is ``checkpoints/step_<N>/`` holding

- ``tensors.pt``: every torch tensor of the state (``torch.load(weights_only=True)``),
- ``arrays.npz``: every numpy array and scalar (``np.load(allow_pickle=False)``),
- ``state.json``: the rest of the nested state, with references to the above,
- ``manifest.json``: format, step and the size and sha256 of each file.

It is written under a temporary name (each file via temp file + ``os.replace``,
the manifest last) and renamed into place, so a crash leaves either the old
set of checkpoints or the new one. Loading verifies the manifest, the hashes
and the contents; an unusable checkpoint is reported and the previous one
used. Only the newest ``keep`` checkpoints are kept.
"""

from __future__ import annotations

import base64
import errno
import hashlib
import json
import os
import shutil
import warnings
from pathlib import Path
from typing import Any, Iterable, Iterator

import numpy as np
import torch

from gaikit.core.console import warn
from gaikit.core.errors import CheckpointError, describe_exception, first_line

FORMAT = 1
CHECKPOINTS_DIR = "checkpoints"
FILES = ("state.json", "tensors.pt", "arrays.npz")
_PREFIX = "__gk_"


class CheckpointMismatchError(CheckpointError):
    """A checkpoint read back intact but its contents do not fit the run.

    Missing keys, values of the wrong type, or weights whose shapes do not
    match the (edited) config: ``gaikit run --resume`` then falls back to
    the previous checkpoint.
    """


def mismatch(exc: BaseException) -> CheckpointMismatchError:
    """A one-line :class:`CheckpointMismatchError` for a restore that raised ``exc``."""
    if isinstance(exc, CheckpointError):
        reason = str(exc)
    else:
        reason = describe_exception(exc)
    return CheckpointMismatchError(f"its state does not fit this run ({reason})")


def _split(value: Any, path: str, tensors: dict[str, torch.Tensor], arrays: dict[str, np.ndarray]) -> Any:
    """JSON tree of ``value`` with tensors and arrays moved out into the two tables."""
    if value is None or isinstance(value, (bool, int, float, str)):
        return value
    if isinstance(value, torch.Tensor):
        key = f"t{len(tensors)}"
        tensor = value.detach()
        tensors[key] = tensor.clone() if tensor._base is not None else tensor
        return {f"{_PREFIX}tensor": key}
    if isinstance(value, (np.ndarray, np.generic)):
        array = np.asarray(value)
        if array.dtype.hasobject:
            raise CheckpointError(f"cannot checkpoint an object array at {path or 'state'}")
        key = f"a{len(arrays)}"
        arrays[key] = array
        kind = "array" if isinstance(value, np.ndarray) else "npscalar"
        return {f"{_PREFIX}{kind}": key}
    if isinstance(value, dict):
        if all(isinstance(k, str) and not k.startswith(_PREFIX) for k in value):
            return {k: _split(v, f"{path}.{k}", tensors, arrays) for k, v in value.items()}
        return {f"{_PREFIX}dict": [[_split(k, path, tensors, arrays), _split(v, f"{path}.{k}", tensors, arrays)]
                                   for k, v in value.items()]}
    if isinstance(value, tuple):
        return {f"{_PREFIX}tuple": [_split(v, f"{path}[{i}]", tensors, arrays) for i, v in enumerate(value)]}
    if isinstance(value, list):
        return [_split(v, f"{path}[{i}]", tensors, arrays) for i, v in enumerate(value)]
    if isinstance(value, bytes):
        return {f"{_PREFIX}bytes": base64.b64encode(value).decode("ascii")}
    raise CheckpointError(f"cannot checkpoint a value of type {type(value).__name__} at {path or 'state'}")


def split_state(state: dict[str, Any]) -> tuple[Any, dict[str, torch.Tensor], dict[str, np.ndarray]]:
    """``(json_tree, tensors, arrays)`` for a nested state dict."""
    tensors: dict[str, torch.Tensor] = {}
    arrays: dict[str, np.ndarray] = {}
    return _split(state, "", tensors, arrays), tensors, arrays


def join_state(tree: Any, tensors: Any, arrays: Any, skip: Iterable[tuple[str, ...]] = (), _path: tuple = ()) -> Any:
    """Inverse of :func:`split_state`; subtrees at the ``skip`` key paths are left out."""
    if isinstance(tree, list):
        return [join_state(v, tensors, arrays, skip, _path) for v in tree]
    if not isinstance(tree, dict):
        return tree
    if len(tree) == 1:
        (marker, payload), = tree.items()
        if marker == f"{_PREFIX}tensor":
            return tensors[payload]
        if marker == f"{_PREFIX}array":
            return arrays[payload]
        if marker == f"{_PREFIX}npscalar":
            return arrays[payload][()]
        if marker == f"{_PREFIX}tuple":
            return tuple(join_state(v, tensors, arrays, skip, _path) for v in payload)
        if marker == f"{_PREFIX}dict":
            return {join_state(k, tensors, arrays): join_state(v, tensors, arrays, skip, _path) for k, v in payload}
        if marker == f"{_PREFIX}bytes":
            return base64.b64decode(payload)
    skip = tuple(skip)
    return {k: join_state(v, tensors, arrays, skip, _path + (k,)) for k, v in tree.items() if _path + (k,) not in skip}


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for chunk in iter(lambda: handle.read(1 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest()


def _write_atomic(path: Path, write: Any) -> None:
    """Write ``path`` through ``write(handle)`` into a temp file, fsync, ``os.replace``."""
    tmp = path.with_name(f".{path.name}.tmp")
    with tmp.open("wb") as handle:
        write(handle)
        handle.flush()
        os.fsync(handle.fileno())
    os.replace(tmp, path)


def write_text_atomic(path: Path, text: str) -> None:
    """Replace ``path`` with ``text`` atomically (temp file + ``os.replace``)."""
    _write_atomic(Path(path), lambda handle: handle.write(text.encode("utf-8")))


def checkpoint_dirs(run_dir: Path) -> list[tuple[int, Path]]:
    """``(step, path)`` of every ``checkpoints/step_<N>`` directory, newest first."""
    root = Path(run_dir) / CHECKPOINTS_DIR
    found = []
    if root.is_dir():
        for path in root.iterdir():
            name = path.name
            if path.is_dir() and name.startswith("step_") and name[5:].isdigit():
                found.append((int(name[5:]), path))
    return sorted(found, reverse=True)


def save_checkpoint(run_dir: Path, step: int, state: dict[str, Any], keep: int) -> Path:
    """Write ``state`` as ``checkpoints/step_<step>`` atomically; keep the newest ``keep``.

    Whatever stops the write (a full disk, a read-only directory, a second
    Ctrl-C) removes the partial temporary directory and leaves the previous
    checkpoints as they were; an ``OSError`` becomes one :class:`CheckpointError`
    line naming the directory and the cause.
    """
    root = Path(run_dir) / CHECKPOINTS_DIR
    tree, tensors, arrays = split_state(state)
    tmp = root / f".tmp-step_{step}-{os.getpid()}"
    try:
        return _save(root, step, tree, tensors, arrays, keep, tmp)
    except OSError as exc:
        _undo(run_dir, tmp)
        raise CheckpointError(f"cannot write checkpoint step_{step} in {root}: {describe_os_error(exc)}; "
                              "the previous checkpoints are intact") from None
    except BaseException:
        _undo(run_dir, tmp)
        raise


def _undo(run_dir: Path, tmp: Path) -> None:
    """Remove a partial checkpoint write and put back a set-aside copy of the same step."""
    shutil.rmtree(tmp, ignore_errors=True)
    try:
        clean_stale(run_dir)
    except OSError:
        pass


def describe_os_error(exc: OSError) -> str:
    """A short cause for a failed write: disk full, read-only file system, permission denied, ..."""
    causes = {errno.ENOSPC: "the disk is full", errno.EDQUOT: "the disk quota is exceeded",
              errno.EROFS: "the file system is read-only", errno.EACCES: "permission denied",
              errno.EPERM: "operation not permitted", errno.ENOTDIR: "a path component is not a directory"}
    cause = causes.get(exc.errno or -1) or exc.strerror or type(exc).__name__
    return f"{cause} ({exc.filename})" if exc.filename else cause


def _save(root: Path, step: int, tree: Any, tensors: dict[str, torch.Tensor], arrays: dict[str, np.ndarray],
          keep: int, tmp: Path) -> Path:
    root.mkdir(parents=True, exist_ok=True)
    shutil.rmtree(tmp, ignore_errors=True)
    tmp.mkdir()
    _write_atomic(tmp / "state.json", lambda h: h.write(json.dumps(tree).encode("utf-8")))
    _write_atomic(tmp / "tensors.pt", lambda h: torch.save(tensors, h))
    # numpy's stubs type **kwds like its allow_pickle: bool; split_state's keys are "a0", "a1", ...
    _write_atomic(tmp / "arrays.npz", lambda h: np.savez(h, **arrays))  # type: ignore[arg-type]
    files = {name: {"bytes": (tmp / name).stat().st_size, "sha256": _sha256(tmp / name)} for name in FILES}
    manifest = {"format": FORMAT, "step": int(step), "files": files}
    _write_atomic(tmp / "manifest.json", lambda h: h.write(json.dumps(manifest, indent=1).encode("utf-8")))
    final = root / f"step_{step}"
    old = root / f".old-step_{step}-{os.getpid()}"
    if final.exists():
        os.replace(final, old)
    os.replace(tmp, final)
    shutil.rmtree(old, ignore_errors=True)
    _fsync_dir(root)
    for _, path in checkpoint_dirs(root.parent)[keep:]:
        shutil.rmtree(path, ignore_errors=True)
    clean_stale(root.parent)
    return final


def clean_stale(run_dir: Path) -> None:
    """Remove leftovers of interrupted checkpoint writes in ``run_dir/checkpoints``.

    ``.tmp-step_*`` directories (a write that never finished) are removed. An
    ``.old-step_<N>-*`` directory is the previous copy of ``step_<N>`` set
    aside while the same step was written again: it is put back when
    ``step_<N>`` is missing (the crash came between the two renames) and
    removed otherwise.
    """
    root = Path(run_dir) / CHECKPOINTS_DIR
    if not root.is_dir():
        return
    for stale in root.glob(".tmp-step_*"):
        shutil.rmtree(stale, ignore_errors=True)
    for old in root.glob(".old-step_*"):
        name = old.name[len(".old-"):].rsplit("-", 1)[0]
        final = root / name
        if name.startswith("step_") and name[5:].isdigit() and not final.exists():
            os.replace(old, final)
        else:
            shutil.rmtree(old, ignore_errors=True)


def _fsync_dir(path: Path) -> None:
    try:
        fd = os.open(path, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(fd)
    except OSError:
        pass
    finally:
        os.close(fd)


def load_checkpoint(path: Path, skip: Iterable[tuple[str, ...]] = ()) -> dict[str, Any]:
    """Verify and load one checkpoint directory; any defect is a :class:`CheckpointError`.

    ``skip`` lists key paths left out of the result, e.g. ``[("agent", "memory")]``.
    """
    path = Path(path)
    try:
        manifest = json.loads((path / "manifest.json").read_text(encoding="utf-8"))
        files = manifest["files"]
        if manifest.get("format") != FORMAT:
            raise CheckpointError(f"unknown checkpoint format {manifest.get('format')!r}")
    except CheckpointError:
        raise
    except (OSError, ValueError, KeyError, TypeError) as exc:
        raise CheckpointError(f"bad manifest: {type(exc).__name__}: {exc}") from None
    for name in FILES:
        entry = files.get(name) if isinstance(files, dict) else None
        file = path / name
        if not isinstance(entry, dict) or not file.is_file():
            raise CheckpointError(f"{name} is missing")
        if file.stat().st_size != entry.get("bytes") or _sha256(file) != entry.get("sha256"):
            raise CheckpointError(f"{name} does not match its manifest hash (truncated or modified)")
    try:
        tree = json.loads((path / "state.json").read_text(encoding="utf-8"))
        with warnings.catch_warnings():  # torch warns about foreign pickle protocols before refusing them
            warnings.simplefilter("ignore")
            tensors = torch.load(path / "tensors.pt", weights_only=True, map_location="cpu")
        with np.load(path / "arrays.npz", allow_pickle=False) as arrays:
            return join_state(tree, tensors, arrays, skip)
    except Exception as exc:  # any decoding failure means the file is unusable
        raise CheckpointError(f"unreadable contents: {type(exc).__name__}: {first_line(exc)}") from None


def usable_checkpoints(run_dir: Path, skip: Iterable[tuple[str, ...]] = (),
                       problems: list[str] | None = None) -> Iterator[tuple[Path, dict[str, Any]]]:
    """``(path, state)`` of each checkpoint of ``run_dir`` that reads back intact, newest first.

    Unusable ones are reported (a warning each) and passed over. When none is
    left, a :class:`CheckpointError` names ``run_dir`` and every problem,
    including those the caller appended to ``problems`` (e.g. a state that
    read back intact but did not fit the run).
    """
    run_dir = Path(run_dir)
    candidates = checkpoint_dirs(run_dir)
    if not candidates:
        raise CheckpointError(f"{run_dir}: no checkpoint found in {run_dir / CHECKPOINTS_DIR}")
    problems = [] if problems is None else problems
    pending: list[tuple[Path, CheckpointError]] = []
    for _, path in candidates:
        try:
            state = load_checkpoint(path, skip)
        except CheckpointError as exc:
            problems.append(f"{path.name}: {exc}")
            pending.append((path, exc))
            continue
        for bad, error in pending:
            warn(f"checkpoint {bad} is unusable ({error}); using {path.name} instead")
        pending = []
        yield path, state
    raise CheckpointError(f"{run_dir}: no usable checkpoint ({'; '.join(problems)})")


def load_latest_checkpoint(run_dir: Path, skip: Iterable[tuple[str, ...]] = ()) -> tuple[Path, dict[str, Any]]:
    """The newest usable checkpoint of ``run_dir``; unusable ones are reported and passed over."""
    return next(iter(usable_checkpoints(run_dir, skip)))


def set_aside_newer(run_dir: Path, step: int) -> None:
    """Rename checkpoints newer than ``step`` (unusable ones) to ``step_<N>.unusable``.

    Called when a run resumes from an older checkpoint, so the resumed run's
    own checkpoints are never confused with (or pruned in favour of) them.
    """
    for found, path in checkpoint_dirs(run_dir):
        if found > step:
            target = path.with_name(f"{path.name}.unusable")
            shutil.rmtree(target, ignore_errors=True)
            os.replace(path, target)
