"""The contracts every component honours, built-in or third-party.

Data flow of one training iteration (DESIGN.md)::

    env -> observation -> Encoder -> Learner.predict -> ActionSelector.select
        -> action -> env.step -> Memory.add -> Memory.sample -> Learner.update
        -> Memory.update_priorities

Arrays crossing component boundaries are numpy arrays with a leading batch
axis (one row per parallel environment, or per sampled transition). Only the
encoder and learner speak torch.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable, ClassVar, Mapping, Union

import gymnasium as gym
import numpy as np
import torch
from torch import nn

#: One observation batch: an array, or a dict of arrays for ``Dict`` spaces
#: (e.g. ``{"pixels": ..., "ram": ...}`` taken from one emulator step).
Observation = Union[np.ndarray, Mapping[str, np.ndarray]]
#: The torch counterpart of :data:`Observation`.
TensorObservation = Union[torch.Tensor, Mapping[str, torch.Tensor]]
#: A component's serialisable state: nested dicts/lists of tensors, arrays,
#: numbers and strings only (checkpoints are loaded with ``weights_only=True``).
StateDict = dict[str, Any]


class Encoder(nn.Module, ABC):
    """Maps a batch of observations to a flat feature batch.

    Built by a factory ``factory(observation_space, config) -> Encoder``.
    ``forward`` takes a :data:`TensorObservation` with a leading batch axis in
    the observation space's own dtype (e.g. ``uint8`` pixels; the encoder does
    its own scaling) and returns a ``float32`` tensor ``(batch, features_dim)``.
    """

    #: Width of the feature vector ``forward`` returns.
    features_dim: int
    #: Parts of a multi-form observation this encoder reads, e.g. ``("pixels",)``,
    #: ``("ram",)`` or ``("pixels", "ram")``; ``None``: whatever the game gives.
    #: Read from the registered factory (``getattr(factory, "observation_keys",
    #: None)``) and handed to :meth:`Game.select_observation` before envs are made.
    observation_keys: ClassVar[tuple[str, ...] | None] = None

    @abstractmethod
    def forward(self, obs: TensorObservation) -> torch.Tensor:
        """Encode a batch of observations into ``(batch, features_dim)`` features."""

    def parameter_count(self) -> int:
        """Number of trainable parameters, printed in the run header."""
        return sum(p.numel() for p in self.parameters() if p.requires_grad)


@dataclass
class Batch:
    """A batch of ``B`` transitions sampled from a :class:`Memory`.

    Every field is a numpy array with a leading batch axis of length ``B``
    (the ``batch_size`` asked of :meth:`Memory.sample`):

    * ``obs``, ``next_obs``: ``(B, *obs_shape)`` in the observation space's
      dtype, or for a ``Dict`` space a dict of such arrays, one per key;
    * ``actions``: ``(B,)`` ``int64`` for a ``Discrete`` action space,
      ``(B, *action_shape)`` in the space's dtype for a ``Box``
      (``float32`` by default);
    * ``rewards``, ``discounts``, ``weights``: ``(B,)`` ``float32``;
    * ``indices``: ``(B,)`` ``int64``.

    ``discounts`` already folds in termination and n-step returns: the
    learner's bootstrap target is ``rewards + discounts * V(next_obs)``, where
    ``discounts`` is ``gamma**n`` if the n-step window ended without
    termination (including truncation: a time limit still bootstraps) and
    ``0`` if the episode terminated inside it. The contract suite (clause
    MEM-2, :mod:`gaikit.testing.memory`) checks every shape and dtype above.
    """

    #: Observations the actions were taken in.
    obs: Observation
    #: The actions taken (one row per transition).
    actions: np.ndarray
    #: Discounted sum of the rewards in each transition's n-step window.
    rewards: np.ndarray
    #: The observation to bootstrap from (the end of the n-step window).
    next_obs: Observation
    #: Bootstrap discount: ``gamma**n``, or ``0`` after a termination.
    discounts: np.ndarray
    #: Positions in the memory, handed back to :meth:`Memory.update_priorities`.
    indices: np.ndarray
    #: Importance-sampling weights (all ones for uniform sampling).
    weights: np.ndarray


class Memory(ABC):
    """Stores transitions from N parallel environments and samples batches.

    Built by ``factory(observation_space, action_space, config, *, num_envs,
    gamma, seed) -> Memory``. ``gamma`` is needed for n-step returns.
    """

    @abstractmethod
    def add(self, transition: Transition) -> None:
        """Store one step of every environment: the :class:`Transition` the runner hands the agent.

        Each of its arrays has ``num_envs`` rows. ``transition.next_obs`` is
        the true successor of ``transition.obs``: for an environment whose
        episode ended at this step it is the final observation, not the reset
        one. ``terminated`` stops bootstrapping; ``truncated`` does not.
        ``infos`` is not stored.
        """

    @abstractmethod
    def sample(self, batch_size: int) -> Batch:
        """Sample ``batch_size`` transitions with their indices and IS weights (see :class:`Batch`)."""

    def update_priorities(self, indices: np.ndarray, priorities: np.ndarray) -> None:
        """Set new priorities (e.g. absolute TD errors) for sampled transitions.

        Memories without priorities ignore the call.
        """

    @abstractmethod
    def __len__(self) -> int:
        """Number of transitions that can currently be sampled."""

    @abstractmethod
    def state_dict(self) -> StateDict:
        """Everything needed to resume exactly: contents, cursors, RNG state."""

    @abstractmethod
    def load_state_dict(self, state: StateDict) -> None:
        """Restore what :meth:`state_dict` returned."""


@dataclass
class Preferences:
    """What a learner (or strategy) says about the actions for a batch of states.

    Discrete action spaces fill ``values`` ``(batch, n_actions)`` (Q-values or
    scores); continuous ones fill ``mean`` and ``log_std`` ``(batch, action_dim)``
    of a Gaussian *before* tanh squashing to the action bounds. A policy with
    state-dependent exploration (gSDE) adds ``sde_latent`` ``(batch,
    latent_dim)`` and ``sde_std`` ``(latent_dim, action_dim)``: its noise is
    ``sde_latent @ (sde_std * eps)`` for a standard normal ``eps`` matrix that
    a selector may hold over several steps (``log_std`` is then the marginal).
    """

    values: np.ndarray | None = None
    mean: np.ndarray | None = None
    log_std: np.ndarray | None = None
    sde_latent: np.ndarray | None = None
    sde_std: np.ndarray | None = None


@dataclass
class UpdateResult:
    """What one :meth:`Learner.update` produced.

    ``metrics`` are scalars for logging; ``td_errors`` (one per sampled
    transition, absolute) feed :meth:`Memory.update_priorities` when given.
    """

    metrics: dict[str, float]
    td_errors: np.ndarray | None = None


class Learner(ABC):
    """Owns networks and optimisers; values actions and learns from batches.

    Built by ``factory(observation_space, action_space, make_encoder, config,
    *, seed) -> Learner`` where ``make_encoder()`` builds a fresh
    :class:`Encoder` for each network that needs one.
    """

    #: The discount factor the memory must use for its bootstrap discounts.
    gamma: float
    #: n-step return horizon the memory must use (1 for plain TD).
    n_step: int = 1
    #: Whether the learner learns from replayed experience of older policies. An on-policy learner sets
    #: ``False``: actor–learner runs (``--actors``), whose experience always lags the learner, refuse it.
    off_policy: ClassVar[bool] = True

    @abstractmethod
    def predict(self, obs: Observation) -> Preferences:
        """Action preferences for a batch of observations, without gradients."""

    @abstractmethod
    def update(self, batch: Batch) -> UpdateResult:
        """One gradient step on ``batch``; returns metrics and TD errors."""

    @abstractmethod
    def state_dict(self) -> StateDict:
        """Networks, target networks, optimisers and counters."""

    @abstractmethod
    def load_state_dict(self, state: StateDict) -> None:
        """Restore what :meth:`state_dict` returned."""

    def encoder_parameter_count(self) -> int:
        """Trainable parameters of the (online) encoder, for the run header."""
        return 0

    def policy_state(self) -> StateDict:
        """The acting part of :meth:`state_dict`: what :meth:`predict` reads (default: the whole state).

        Actor–learner runs ship it from the learner to each collector's copy
        every ``train.sync_every`` updates; a learner overrides it to ship
        less (e.g. DDQN's online network, SAC's actor).
        """
        return self.state_dict()

    def load_policy_state(self, state: StateDict) -> None:
        """Restore what :meth:`policy_state` returned (default: :meth:`load_state_dict`)."""
        self.load_state_dict(state)

    def greedy_policy_module(self) -> nn.Module | None:
        """The greedy policy as a standalone module, for ``gaikit export`` (default ``None``: none to export).

        Its ``forward`` takes a :data:`TensorObservation` batch as the encoder
        does and returns a tuple of tensors, named by the module's
        ``output_names`` attribute; the first, ``action``, is the batch of env
        actions the greedy selector would choose (``int64 (batch,)`` for
        ``Discrete``, ``(batch, *shape)`` inside the bounds for ``Box``).
        """
        return None


class ActionSelector(ABC):
    """Turns preferences into actions, with its own schedule state and seeded RNG.

    Built by ``factory(action_space, config, *, seed) -> ActionSelector``.
    """

    @abstractmethod
    def select(self, prefs: Preferences, step: int, explore: bool = True) -> np.ndarray:
        """Actions for a batch; ``step`` drives schedules, ``explore=False`` is greedy."""

    def explain(self) -> dict[str, Any] | None:
        """Why the last batch of actions was chosen, where the selector can say."""
        return None

    def set_actor(self, index: int, count: int) -> None:
        """Make this copy actor ``index`` of ``count`` collectors (actor–learner runs; default: no change).

        Called once on each collector's selector before it acts. Selectors
        with per-actor exploration (Ape-X's epsilon ladder) set it here.
        """

    def state_dict(self) -> StateDict:
        """Schedule position and RNG state."""
        return {}

    def load_state_dict(self, state: StateDict) -> None:
        """Restore what :meth:`state_dict` returned."""


@dataclass
class Transition:
    """One vectorised environment step, as the runner hands it to an agent and an agent to :meth:`Memory.add`.

    Every array has one row per environment (``num_envs`` rows).
    """

    #: Observations the actions were taken in: ``(num_envs, *obs_shape)`` or a dict of such.
    obs: Observation
    #: Actions taken: ``(num_envs,)`` for ``Discrete``, ``(num_envs, *action_shape)`` for ``Box``.
    actions: np.ndarray
    #: Rewards received: ``(num_envs,)``.
    rewards: np.ndarray
    #: True successors of ``obs`` (final observations where an episode ended, not reset ones).
    next_obs: Observation
    #: Episodes that terminated (no bootstrapping): ``(num_envs,)`` bool.
    terminated: np.ndarray
    #: Episodes cut by a time limit (still bootstrapped): ``(num_envs,)`` bool.
    truncated: np.ndarray
    #: The vector env's ``infos`` of this step (not stored by memories).
    infos: dict[str, Any] = field(default_factory=dict)
    #: Initial priorities ``(num_envs,)`` (absolute TD errors computed by an actor–learner collector), for
    #: memories that prioritise; ``None``: the memory's own default (e.g. the largest priority seen).
    priorities: np.ndarray | None = None


class Agent(ABC):
    """What the runner drives: a learned agent or a strategy agent.

    The runner calls :meth:`act`, steps the environments, hands the step to
    :meth:`observe`, and calls :meth:`learn` on its train schedule.
    """

    @abstractmethod
    def act(self, obs: Observation, step: int, explore: bool = True) -> np.ndarray:
        """Actions for a batch of observations (one row per environment)."""

    def observe(self, transition: Transition) -> None:
        """Take in one environment step (e.g. store it in memory)."""

    def learn(self) -> dict[str, float]:
        """One learning step; returns metrics (empty for agents that do not learn)."""
        return {}

    def can_learn(self) -> bool:
        """Whether :meth:`learn` would do anything now (e.g. memory holds a batch)."""
        return False

    def explain(self) -> dict[str, Any] | None:
        """Why the last decision was taken, where the agent can say."""
        return None

    def explain_records(self) -> list[dict[str, Any]]:
        """Explanations made since the last call, for the run's ``explain.jsonl`` (default: none).

        The runner calls this after every :meth:`act` of training play and
        appends what it gets (see :mod:`gaikit.core.explain_log`).
        """
        return []

    def describe(self) -> dict[str, Any]:
        """A short description for the run header (component names, sizes)."""
        return {}

    def state_dict(self) -> StateDict:
        """Everything needed to resume exactly."""
        return {}

    def load_state_dict(self, state: StateDict) -> None:
        """Restore what :meth:`state_dict` returned."""


def seeded_env(env: gym.Env, seed: int | None) -> gym.Env:
    """``env`` reset with ``seed`` and its action space seeded (unchanged for ``None``): what :meth:`Game.make_env` returns."""
    if seed is not None:
        env.reset(seed=seed)
        env.action_space.seed(seed)
    return env


class Game(ABC):
    """How a game is played and how parts compose for it.

    Built by ``factory(config) -> Game``; ``config`` is the game's own pydantic
    model (validated from the ``game:`` section of the run config).
    """

    #: Registered name, e.g. ``"asterix"`` or a Gymnasium id.
    name: str

    @property
    def title(self) -> str:
        """What run headers and plots call the game: its name, or what a family game plays (e.g. an ALE id)."""
        return self.name

    @abstractmethod
    def make_env(self, seed: int | None = None, render_mode: str | None = None) -> gym.Env:
        """One environment, e.g. for evaluation or video.

        Its observations and actions have the format of one row of
        :meth:`make_vector_env`'s (same preprocessing), so an agent can play it
        by adding a batch axis; ``render_mode="rgb_array"`` must be supported
        for ``gaikit eval --video``.
        """

    def make_vector_env(self, num_envs: int, seed: int) -> gym.vector.VectorEnv:
        """``num_envs`` environments stepped together, autoreset in ``SameStep`` mode.

        In ``SameStep`` mode an environment whose episode ended returns the reset
        observation and puts the final one in ``infos["final_obs"]``.
        """
        from gymnasium.vector import AutoresetMode, SyncVectorEnv

        fns: list[Callable[[], gym.Env]] = [lambda: self.make_env() for _ in range(num_envs)]
        return SyncVectorEnv(fns, autoreset_mode=AutoresetMode.SAME_STEP)

    def select_observation(self, keys: tuple[str, ...] | None) -> None:
        """Pick the observation form the chosen encoder reads, before any env is made.

        The runner calls this with the encoder factory's ``observation_keys``
        (``None`` when it declares none). A game offering several forms (e.g.
        Atari pixels, RAM, or both as a ``Dict``) picks the matching one and
        raises :class:`~gaikit.core.errors.ConfigError` if it cannot supply
        them; games with one form ignore the call.
        """

    def default_config_path(self) -> Path | None:
        """The game's default run YAML (components, hyperparameters), if it ships one."""
        return None

    def learner_defaults_path(self, learner: str) -> Path | None:
        """Tuned defaults for this game played by ``learner`` (a layered YAML), if the game ships any.

        Layered over :meth:`default_config_path` and under the user's
        ``--config``, e.g. a zoo entry per Gymnasium id and learner. It may
        choose other components (a continuous-action learner's selector) but
        not another learner.
        """
        return None

    def features(self, env: gym.Env | None, obs: Any) -> dict[str, float]:
        """Named numeric features of the current state, for strategy agents.

        ``obs`` is one environment's observation (no batch axis). ``env`` is that
        single env when the caller has it, else ``None`` (the strategy agent in
        the runner sees only observations): compute features from ``obs``.
        Games without declared features raise; strategy agents need them.
        """
        raise NotImplementedError(f"game {self.name!r} declares no features for strategy agents")

    def feature_names(self) -> list[str]:
        """Names :meth:`features` returns (used to validate strategy triggers)."""
        return []

    def env_state(self, env: gym.Env) -> StateDict | None:
        """Serialisable state of a single env, for exact resume; ``None`` if unsupported."""
        return None

    def load_env_state(self, env: gym.Env, state: StateDict) -> None:
        """Restore what :meth:`env_state` returned."""
