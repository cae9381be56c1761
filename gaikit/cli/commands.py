"""Imports every command module so each attaches its commands to the app.

Add one import line per command module.
"""

from __future__ import annotations

from gaikit.cli import evaluate, plugins, run  # noqa: F401,E402
from gaikit.cli import explain, odds, strategy  # noqa: F401,E402  (strategy files, odds, explain)
from gaikit.cli import compare  # noqa: F401,E402  (gaikit compare)
from gaikit.cli import config_show  # noqa: F401,E402  (gaikit config show)
from gaikit.cli import export  # noqa: F401,E402  (gaikit export)
from gaikit.cli import sweep  # noqa: F401,E402  (gaikit sweep)
from gaikit.cli import tune  # noqa: F401,E402  (gaikit tune)
