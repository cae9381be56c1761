"""A run directory's own copies of its strategy file, mods and history, with content hashes.

At the start of a run, :func:`store_run_files` copies every file that the
run's ``strategy.file``, ``strategy.mods``, ``game.options.mods`` and
``game.options.history`` name (a mod's includes too) into
``RUN_DIR/strategy_files/`` and writes ``strategy_files/manifest.json``: per
entry the path as given, where it was resolved, where its copy lies, and each
file's sha256. ``config.yaml`` keeps the paths as given (a record of the
command).

:func:`use_stored_files` is how ``gaikit explain RUN``, ``gaikit strategy
show RUN`` and ``gaikit run --resume RUN`` read a run's config: the paths are
replaced by the stored copies, so they work from any working directory and
see what the run saw. Checks, by design:

* a stored copy that is missing or whose sha256 differs from the manifest is
  an error naming the file and both hashes (the run can no longer be
  reproduced as it was);
* an original file that changed since the run started is a warning naming
  the file and both hashes; the run goes on with its stored copy (a resumed
  run continues exactly as it began; to use the changed mod, start a new run).

A run directory without a manifest (made before copies were kept) is read
as before: the paths as given, from the working directory.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
from pathlib import Path
from typing import Any, Callable

from gaikit.core.config import RunConfig
from gaikit.core.errors import CheckpointError, ConfigError
from gaikit.strategies.mods import mod_files

STORE_DIR = "strategy_files"
MANIFEST = "manifest.json"


def sha256_of(path: Path) -> str:
    """The sha256 of a file's bytes, as hex."""
    return hashlib.sha256(Path(path).read_bytes()).hexdigest()


def _fields(config: RunConfig) -> list[tuple[str, int, str]]:
    """``(field, index, path as given)`` for every file or directory the config names."""
    out: list[tuple[str, int, str]] = []
    if config.strategy.file:
        out.append(("strategy.file", 0, config.strategy.file))
    out.extend(("strategy.mods", i, m) for i, m in enumerate(config.strategy.mods))
    options = config.game.options
    game_mods = options.get("mods")
    if isinstance(game_mods, list):
        out.extend(("game.mods", i, m) for i, m in enumerate(game_mods) if isinstance(m, str))
    if isinstance(options.get("history"), str):
        out.append(("game.history", 0, options["history"]))
    return out


def _files(field: str, path: Path) -> list[Path]:
    """Every file an entry reads, as its loader reads them: a mod's YAML files with their includes; a strategy
    file or history: the file, or a directory's ``*.yaml``/``*.yml`` files."""
    if field.endswith("mods"):
        return mod_files(path)
    if path.is_dir():
        files = sorted(p.resolve() for p in path.iterdir() if p.suffix in (".yaml", ".yml") and p.is_file())
        if files:
            return files
        raise ConfigError(f"{field} {path}: no .yaml files in the directory")
    if not path.is_file():
        raise ConfigError(f"{field} {path}: no such file or directory")
    return [path]


def store_run_files(config: RunConfig, run_dir: Path) -> dict[str, Any] | None:
    """Copy the run's strategy file, mods and history into ``run_dir``; returns the manifest (``None``: nothing named)."""
    entries = []
    fields = _fields(config)
    if not fields:
        return None
    store = Path(run_dir) / STORE_DIR
    for k, (field, index, given) in enumerate(fields):
        resolved = Path(given).resolve()
        files = _files(field, resolved)
        anchor = resolved if resolved.is_dir() else resolved.parent
        root = Path(os.path.commonpath([anchor, *(f.parent for f in files)]))
        dest = store / str(k)
        copied = []
        for f in files:
            target = dest / f.relative_to(root)
            target.parent.mkdir(parents=True, exist_ok=True)
            shutil.copyfile(f, target)
            copied.append({"original": str(f), "stored": str(target.relative_to(run_dir)), "sha256": sha256_of(target)})
        entries.append({"field": field, "index": index, "given": given, "resolved": str(resolved),
                        "stored": str((dest / resolved.relative_to(root)).relative_to(run_dir)), "files": copied})
    manifest = {"format": 1, "entries": entries}
    (store / MANIFEST).write_text(json.dumps(manifest, indent=2) + "\n", encoding="utf-8")
    return manifest


def read_manifest(run_dir: Path) -> dict[str, Any] | None:
    """The run's manifest, or ``None`` when the run kept no copies; a damaged one is a clear error."""
    path = Path(run_dir) / STORE_DIR / MANIFEST
    if not path.is_file():
        return None
    try:
        manifest = json.loads(path.read_text(encoding="utf-8"))
        entries = manifest["entries"]
        assert isinstance(entries, list)
    except (ValueError, KeyError, TypeError, AssertionError):
        raise CheckpointError(f"{path}: not a manifest of stored strategy files (expected JSON with 'entries')") from None
    return manifest


def check_stored(run_dir: Path, manifest: dict[str, Any], warn: Callable[[str], None]) -> None:
    """Stored copies must match the manifest (else an error); changed originals are warned about."""
    for entry in manifest["entries"]:
        for f in entry["files"]:
            stored = Path(run_dir) / f["stored"]
            if not stored.is_file():
                raise CheckpointError(f"{stored}: the run's stored copy of {f['original']} is missing (sha256 "
                                      f"{f['sha256']} when the run started); the run can no longer be reproduced")
            now = sha256_of(stored)
            if now != f["sha256"]:
                raise CheckpointError(f"{stored}: the run's stored copy of {f['original']} changed: sha256 "
                                      f"{f['sha256']} when the run started, {now} now; restore it")
            original = Path(f["original"])
            if original.is_file():
                current = sha256_of(original)
                if current != f["sha256"]:
                    warn(f"{original} changed since the run started (sha256 {f['sha256']} then, {current} now); "
                         f"using the run's stored copy {stored}")


def use_stored_files(config: RunConfig, run_dir: Path, warn: Callable[[str], None]) -> RunConfig:
    """``config`` with its strategy file, mods and history replaced by the run's checked stored copies."""
    manifest = read_manifest(run_dir)
    if manifest is None:
        return config
    check_stored(run_dir, manifest, warn)
    stored = {(e["field"], e["index"]): e for e in manifest["entries"]}

    def swap(field: str, index: int, given: str) -> str:
        entry = stored.get((field, index))
        if entry is None or entry["given"] != given:
            return given  # not what the run started with (config.yaml was edited): taken as it is
        return str((Path(run_dir) / entry["stored"]).resolve())

    strategy = config.strategy.model_copy(update={
        "file": swap("strategy.file", 0, config.strategy.file) if config.strategy.file else None,
        "mods": [swap("strategy.mods", i, m) for i, m in enumerate(config.strategy.mods)],
    })
    options = dict(config.game.options)
    if isinstance(options.get("mods"), list):
        options["mods"] = [swap("game.mods", i, m) if isinstance(m, str) else m for i, m in enumerate(options["mods"])]
    if isinstance(options.get("history"), str):
        options["history"] = swap("game.history", 0, options["history"])
    game = config.game.model_copy(update={"options": options})
    return config.model_copy(update={"strategy": strategy, "game": game})
