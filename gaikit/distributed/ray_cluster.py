"""Starting or joining Ray the way users expect: a local instance by default, a cluster when given.

With no address, gaikit starts a local Ray instance sized to the machine
(``ray.init(num_cpus=...)``, no dashboard) and shuts it down at exit. An
address (``auto`` or ``HOST:PORT``) joins a running cluster, started with
``ray start --head`` (see ``docs/distributed.md``); an unreachable address
is one clear error within :data:`CONNECT_TIMEOUT_S`. A Ray instance already
initialised in this process (a notebook, a test fixture) is used as it is
and left running.
"""

from __future__ import annotations

import contextlib
import os
import socket
from types import ModuleType
from typing import Iterator

from gaikit.core.errors import ConfigError, GaikitError

#: What to install for actor–learner training.
INSTALL_HINT = "pip install 'gaikit[distributed]'"
#: Seconds an address may take to answer before it is called unreachable.
CONNECT_TIMEOUT_S = 5.0


def import_ray(feature: str = "--actors") -> ModuleType:
    """The ``ray`` module, or one clear error saying what to install."""
    try:
        import ray
    except ImportError:
        raise GaikitError(f"{feature} needs Ray, which is not installed: {INSTALL_HINT}") from None
    return ray


def check_reachable(address: str, timeout: float = CONNECT_TIMEOUT_S, *, given_as: str = "--ray-address") -> None:
    """Raise :class:`ConfigError` unless ``[ray://]HOST:PORT`` accepts a TCP connection within ``timeout`` seconds."""
    host, sep, port_text = address.removeprefix("ray://").rpartition(":")
    if not sep or not host or not port_text.isdigit():
        raise ConfigError(f"{given_as} {address!r}: expected 'auto' or HOST:PORT (e.g. 10.0.0.5:6379)")
    try:
        with socket.create_connection((host, int(port_text)), timeout=timeout):
            pass
    except OSError as exc:
        local = "unset RAY_ADDRESS" if given_as == "RAY_ADDRESS" else "drop --ray-address"
        raise ConfigError(f"{given_as} {address}: no Ray cluster answers there ({exc}); "
                          f"start one with `ray start --head` or {local} to run locally") from None


@contextlib.contextmanager
def ray_session(address: str | None = None, *, num_cpus: int | None = None,
                log_to_driver: bool = True) -> Iterator[ModuleType]:
    """A connected Ray for the ``with`` block; yields the ``ray`` module.

    ``address=None`` joins the cluster in ``RAY_ADDRESS`` when that is set
    (as ``ray job submit`` does for its entrypoint), and otherwise starts a
    new local instance with ``num_cpus`` CPUs (default: this machine's) —
    never a cluster that ``ray start`` left running on this machine. A Ray
    already initialised in this process is used as it is. The instance gaikit
    started is shut down on exit; a joined cluster is only disconnected from.
    ``log_to_driver=False`` keeps the workers' output off this console (for
    callers that send each task's output to its own log file).
    """
    ray = import_ray()
    if ray.is_initialized():
        yield ray
        return
    kwargs: dict[str, object] = {"include_dashboard": False, "log_to_driver": log_to_driver,
                                 "runtime_env": {"env_vars": {"OMP_NUM_THREADS": "1"}}}
    given_as = "--ray-address"
    if address is None and os.environ.get("RAY_ADDRESS"):
        address, given_as = os.environ["RAY_ADDRESS"], "RAY_ADDRESS"
    if address is None:
        kwargs["address"] = "local"
        kwargs["num_cpus"] = num_cpus or os.cpu_count() or 1
    elif address != "auto":
        check_reachable(address, given_as=given_as)
        kwargs["address"] = address
    else:
        kwargs["address"] = "auto"
    try:
        ray.init(**kwargs)
    except (ConnectionError, RuntimeError, ValueError) as exc:
        where = "a local Ray instance" if address is None else f"the Ray cluster at {address}"
        raise GaikitError(f"could not start or join {where}: {str(exc).splitlines()[0]}") from None
    try:
        yield ray
    finally:
        ray.shutdown()


def cluster_cpus(ray: ModuleType) -> int:
    """CPUs the connected Ray cluster offers, summed over its nodes."""
    return int(ray.cluster_resources().get("CPU", 0))


def trial_slots(ray: ModuleType, cpus_per_trial: int, max_concurrent: int | None) -> int:
    """How many trials of ``cpus_per_trial`` CPUs run at once: ``max_concurrent``, or all the cluster holds.

    Asking for more than the cluster's CPUs hold is one clear error (the extra
    trials would only queue, and a typo such as ``--max-concurrent 80`` on a
    laptop should not pass silently).
    """
    total = cluster_cpus(ray)
    fits = total // cpus_per_trial
    if fits < 1:
        raise ConfigError(f"a trial asks for {cpus_per_trial} CPUs (train.threads) but the Ray cluster has {total}")
    if max_concurrent is not None and max_concurrent > fits:
        plural = "s" if cpus_per_trial > 1 else ""
        raise ConfigError(f"--max-concurrent {max_concurrent}: the Ray cluster has {total} CPUs, room for {fits} "
                          f"trials of {cpus_per_trial} CPU{plural} at once; pass at most {fits}")
    return max_concurrent or fits
