"""The chronicle: notable events of a realm run, one dated line each.

Kinds: ``start`` (initial strategies), ``strategy`` (a strategy change and its
cause), ``law``, ``desire`` (a hostile desire formed or given up),
``play``, ``war``, ``peace``, ``territory``, ``bankruptcy``. Lines are built
from integers and fixed-precision numbers only, so the same seed gives the
same text byte for byte.
"""

from __future__ import annotations

from dataclasses import dataclass

from gaikit.plugins.games.realm.world import date_of


@dataclass(frozen=True)
class Entry:
    """One chronicle line: week, kind, the country it is about (or -1) and the text."""

    week: int
    kind: str
    country: int
    text: str

    def line(self) -> str:
        """``YYYY-MM-DD  kind        text``."""
        return f"{date_of(self.week)}  {self.kind:<10}  {self.text}"


class Chronicle:
    """An append-only list of :class:`Entry` with text output and counts."""

    def __init__(self) -> None:
        self.entries: list[Entry] = []

    def add(self, week: int, kind: str, text: str, country: int = -1) -> None:
        """Append one entry."""
        self.entries.append(Entry(week, kind, country, text))

    def count(self, kind: str) -> int:
        """Entries of ``kind``."""
        return sum(1 for e in self.entries if e.kind == kind)

    def text(self) -> str:
        """Every entry, one line each, with a trailing newline."""
        return "".join(e.line() + "\n" for e in self.entries)

    def __len__(self) -> int:
        return len(self.entries)
