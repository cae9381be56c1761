"""Command-line interface: ``gaikit run | eval | export | plugins | compare | strategy | odds | explain``.

Each command lives in its own module and attaches itself to :data:`app`;
:func:`main` turns every :class:`~gaikit.core.errors.GaikitError` into one
line on stderr and a non-zero exit (``gaikit --debug ...`` shows the traceback).
"""

from __future__ import annotations

import sys

import typer

from gaikit.cli.app import DEBUG, app
from gaikit.cli import commands  # noqa: F401  (attaches the commands to app)
from gaikit.core.errors import GaikitError

__all__ = ["app", "main"]


def main(argv: list[str] | None = None) -> int:
    """Entry point of the ``gaikit`` console script; returns the exit code."""
    args = list(sys.argv[1:] if argv is None else argv)
    debug = "--debug" in args
    try:
        result = app(args=args, prog_name="gaikit", standalone_mode=False)
    except GaikitError as exc:
        if debug or DEBUG["enabled"]:
            raise
        print(f"gaikit: error: {exc}", file=sys.stderr)
        return 2
    except typer.Abort:
        print("gaikit: aborted", file=sys.stderr)
        return 130
    except typer.TyperException as exc:  # usage errors: bad option value, unknown option, ...
        message = exc.format_message()
        if message:  # an empty message: the help was already shown (no arguments given)
            hint = f" (see 'gaikit {args[0]} --help')" if args and not args[0].startswith("-") else ""
            print(f"gaikit: error: {message}{hint}", file=sys.stderr)
        return getattr(exc, "exit_code", 2)
    except typer.Exit as exc:
        return exc.exit_code
    return result if isinstance(result, int) else 0


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
