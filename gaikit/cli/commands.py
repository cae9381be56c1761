"""Imports every command module so each attaches its commands to the app.

Add one import line per command module.
"""

from __future__ import annotations
