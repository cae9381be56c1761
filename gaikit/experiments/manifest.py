"""The experiment directory of ``gaikit sweep`` and ``gaikit tune``: its manifest and its copies of the inputs.

A manifest is a JSON object ``{"kind": "gaikit-<what>", "version": N,
"created": ..., "spec": {...}}``; the ``spec`` is what decides the
experiment, so a rerun can tell the same experiment from a different one
(:func:`first_difference`). The inputs (``--config``, a space file) are
copied in, so that ``--resume EXP_DIR`` needs nothing else.
"""

from __future__ import annotations

import hashlib
import json
import shutil
import time
from pathlib import Path
from typing import Any

from gaikit.core.checkpoint import write_text_atomic
from gaikit.core.errors import ConfigError, GaikitError


def write_manifest(path: Path, what: str, version: int, spec: dict[str, Any], **extra: Any) -> None:
    """Write the manifest of a ``gaikit-<what>`` experiment (``extra``: more top-level fields, such as its trials)."""
    data = {"kind": f"gaikit-{what}", "version": version, "created": time.strftime("%Y-%m-%dT%H:%M:%S%z"),
            "spec": spec, **extra}
    write_text_atomic(path, json.dumps(data, indent=2) + "\n")


def read_manifest(exp_dir: Path, file_name: str, what: str, version: int) -> dict[str, Any]:
    """The ``spec`` of ``exp_dir/file_name``, a ``gaikit-<what>`` manifest of ``version``; one clear error otherwise."""
    manifest = exp_dir / file_name
    try:
        data = json.loads(manifest.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise ConfigError(f"{exp_dir}: not a {what}'s experiment directory ({file_name} is missing)") from None
    except (OSError, ValueError) as exc:
        raise ConfigError(f"{manifest}: cannot read: {exc}") from None
    if not isinstance(data, dict) or data.get("kind") != f"gaikit-{what}" or not isinstance(data.get("spec"), dict):
        raise ConfigError(f"{manifest}: not a gaikit {what} manifest (expected kind: gaikit-{what} and a spec)")
    if data.get("version") != version:
        raise ConfigError(f"{manifest}: manifest version {data.get('version')!r}; this gaikit reads {version}")
    return data["spec"]


def file_sha256(path: Path) -> str:
    """The SHA-256 of a file's bytes (a manifest records its inputs' contents, not only their paths)."""
    return hashlib.sha256(path.read_bytes()).hexdigest()


def create_experiment(exp_dir: Path, manifest_file: str, what: str, version: int, spec: dict[str, Any],
                      copies: dict[str, Path | None], **extra: Any) -> None:
    """Make a new experiment directory: each input of ``copies`` (name in the directory -> file, ``None``: none)
    copied in, then the manifest. ``exp_dir`` must not exist or be empty (one clear error otherwise)."""
    if exp_dir.exists() and (not exp_dir.is_dir() or any(exp_dir.iterdir())):
        raise ConfigError(f"{exp_dir} exists and is not a {what}'s experiment directory ({manifest_file} is missing); "
                          "choose another --out")
    try:
        exp_dir.mkdir(parents=True, exist_ok=True)
        for name, source in copies.items():
            if source is not None:
                shutil.copyfile(source, exp_dir / name)
        write_manifest(exp_dir / manifest_file, what, version, spec, **extra)
    except OSError as exc:
        raise GaikitError(f"cannot make experiment directory {exp_dir}: {exc.strerror or exc}") from None


def experiment_copy(exp_dir: Path, name: str, what: str, original: str) -> Path:
    """The experiment's copy ``name`` of an input (absolute); one clear error if it is missing."""
    path = (exp_dir / name).resolve()
    if not path.is_file():
        raise ConfigError(f"{exp_dir}: {name} (the {what}'s copy of {original}) is missing")
    return path


def first_difference(old: dict[str, Any], new: dict[str, Any], ignore: tuple[str, ...] = ()) -> str | None:
    """The first key where two specs differ, as ``key was OLD, now NEW``; ``None`` if they agree.

    ``ignore`` lists keys not compared (input paths, whose contents are compared by their hashes instead).
    """
    for key in old:
        if key not in ignore and old[key] != new.get(key):
            return f"{key} was {json.dumps(old[key])}, now {json.dumps(new.get(key))}"
    return None
