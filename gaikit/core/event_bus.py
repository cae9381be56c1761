"""Sending run events to the runner's own writers and to every plugin implementing ``gaikit_run_event``.

The runner's own consumers (the ``metrics.jsonl``/``episodes.csv``/TensorBoard
writer, :class:`gaikit.core.metrics.MetricsLogger`) get each event first and
their errors propagate: a log that cannot be written stops the run as before.
Then each plugin's hook implementation is called on its own, in pluggy's call
order, so one plugin's failure cannot keep the event from the others: a
:class:`~gaikit.core.errors.GaikitError` (a deliberate one-line refusal, such
as a missing package) propagates; any other exception is reported once and
that plugin is sent nothing more in this run.
"""

from __future__ import annotations

from typing import Callable, Sequence

import pluggy

from gaikit.core.console import warn
from gaikit.core.errors import GaikitError, first_line
from gaikit.core.run_events import RunEvent

#: A consumer of run events: the signature of the ``gaikit_run_event`` hook.
Consumer = Callable[[RunEvent], None]


class RunEventBus:
    """Delivers each event to ``own`` consumers, then to the plugins of ``manager`` (``None``: no plugins)."""

    def __init__(self, manager: pluggy.PluginManager | None, own: Sequence[Consumer] = ()) -> None:
        self.manager = manager
        self.own = list(own)
        #: Plugins muted after raising (by plugin name).
        self.muted: set[str] = set()

    def emit(self, event: RunEvent) -> None:
        """Send ``event`` to every consumer (see the module doc for errors)."""
        for consumer in self.own:
            consumer(event)
        if self.manager is None:
            return
        caller = getattr(self.manager.hook, "gaikit_run_event", None)
        if caller is None:
            return
        for impl in reversed(caller.get_hookimpls()):  # pluggy's own call order
            name = impl.plugin_name
            if name in self.muted:
                continue
            try:
                impl.function(event=event)
            except GaikitError:
                raise
            except Exception as exc:
                self.muted.add(name)
                warn(f"plugin {name!r}: gaikit_run_event raised {type(exc).__name__}: {first_line(exc)} (on "
                     f"{type(event).__name__} at step {event.step:,}); it gets no more events of this run")

    def emit_quietly(self, event: RunEvent) -> None:
        """Send ``event`` where the run is already failing: every error is only reported."""
        try:
            self.emit(event)
        except Exception as exc:
            warn(f"while reporting {type(event).__name__}: {type(exc).__name__}: {exc}")
