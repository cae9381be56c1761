"""The one exception type users see: a clear, one-line message, never a traceback."""

from __future__ import annotations


class GaikitError(Exception):
    """An error caused by the user's input or environment.

    The message must name what was wrong (file, line, field, name) and what was
    expected. The CLI prints it as one line on stderr and exits non-zero; with
    ``--debug`` it shows the traceback too.
    """


class ConfigError(GaikitError):
    """A configuration file or override has a wrong type, unknown field or bad value."""


class RegistryError(GaikitError):
    """A component name is unknown, duplicated, or its plugin misbehaved."""


class CheckpointError(GaikitError):
    """A run directory or checkpoint is missing, truncated or corrupt."""


def first_line(exc: BaseException) -> str:
    """The first non-blank line of an exception's message (empty if it has none)."""
    return (str(exc).strip().splitlines() or [""])[0]


def describe_exception(exc: BaseException) -> str:
    """``TypeName: first line of the message`` (just ``TypeName`` for an empty message): a foreign error in one line."""
    first = first_line(exc)
    return f"{type(exc).__name__}: {first}" if first else type(exc).__name__
