"""The manifest of an experiment directory (``gaikit sweep``, ``gaikit tune``): written once, read back checked.

A manifest is a JSON object ``{"kind": "gaikit-<what>", "version": N,
"created": ..., "spec": {...}}``; the ``spec`` is what decides the
experiment, so a rerun can tell the same experiment from a different one.
"""

from __future__ import annotations

import hashlib
import json
import time
from pathlib import Path
from typing import Any

from gaikit.core.checkpoint import write_text_atomic
from gaikit.core.errors import ConfigError


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
