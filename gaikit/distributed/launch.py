"""Entry points the CLI and the Python API use to run with ``--actors``: Ray up, checks, the runner."""

from __future__ import annotations

import contextlib
from functools import partial
from typing import Any, Callable, Iterator

from gaikit.core.config import RunConfig
from gaikit.core.registry import Registry
from gaikit.distributed.ray_cluster import cluster_cpus, ray_session
from gaikit.distributed.runner import ActorLearnerRunner, check_actor_config


@contextlib.contextmanager
def ray_for_run(config: RunConfig, address: str | None) -> Iterator[Any]:
    """Ray started (local) or joined (``address``) for an actor–learner run, checked against its config.

    Refuses non-learned agents and more collectors than the cluster has CPUs
    before any actor starts.
    """
    if config.agent != "learned":
        check_actor_config(config, cpus=config.train.actors)  # the agent check, before starting Ray
    with ray_session(address) as ray:
        check_actor_config(config, cluster_cpus(ray))
        yield ray


def actor_learner_runner(ray: Any, registry: Registry) -> Callable[..., ActorLearnerRunner]:
    """A runner factory with :class:`~gaikit.core.runner.Runner`'s signature, bound to ``ray`` and ``registry``."""
    return partial(ActorLearnerRunner, ray=ray, registry=registry)
