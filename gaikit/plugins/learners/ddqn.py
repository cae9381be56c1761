"""Learner ``ddqn``: Double DQN (van Hasselt et al., 2016), CleanRL style.

One update, top to bottom (:meth:`DDQN.update`)::

    a*      = argmax_a Q_online(s', a)              # the online net chooses ...
    target  = r + discount * Q_target(s', a*)       # ... the target net evaluates
    loss    = mean(w * huber(Q_online(s, a) - target))
    Adam step (optionally clipping the gradient norm)
    every target_update_period steps: target <- tau * online + (1 - tau) * target

``r`` and ``discount`` come from the memory, which already folds n-step
returns and termination into them (see :class:`gaikit.core.components.Batch`).
``w`` are the memory's importance weights (ones for uniform replay).
Gradients come from autograd; Adam is ``torch.optim.Adam``. With
``precision: bf16-mixed`` the forward passes run under ``torch.autocast`` in
bfloat16; the loss, targets, gradients, weights and Adam's moments stay float32.
"""

from __future__ import annotations

import copy
from typing import Callable, Literal

import gymnasium as gym
import numpy as np
import torch
import torch.nn.functional as F
from pydantic import BaseModel, ConfigDict, Field, PositiveInt

from gaikit.core.components import (
    Batch,
    Encoder,
    Learner,
    Observation,
    Preferences,
    StateDict,
    UpdateResult,
)
from gaikit.core.errors import CheckpointError, GaikitError
from gaikit.core.hookspecs import Register
from gaikit.core.precision import resolve_precision
from gaikit.core.tensors import as_tensor_obs
from gaikit.plugins.learners.greedy_policy import DiscreteGreedyPolicy
from gaikit.plugins.learners.q_network import QNetwork

#: Version of the layout :meth:`DDQN.state_dict` writes (its ``"format"`` entry).
STATE_FORMAT = 2
#: A state without ``"format"``: written before the entry existed, with the same keys; it loads as it is.
UNVERSIONED_FORMAT = 1


class DDQNConfig(BaseModel):
    """Hyperparameters of the ``ddqn`` learner."""

    model_config = ConfigDict(extra="forbid")

    gamma: float = Field(0.99, ge=0.0, le=1.0, description="Discount factor.")
    lr: float = Field(1e-3, gt=0.0, description="Adam learning rate.")
    adam_eps: float = Field(1e-8, gt=0.0, description="Adam epsilon (numerical stability term).")
    n_step: int = Field(1, ge=1, description="n-step return horizon (the memory builds the returns).")
    target_update_period: int = Field(500, ge=1, description="Gradient steps between target-network updates.")
    tau: float = Field(1.0, gt=0.0, le=1.0, description="Target update rate; 1.0 copies the online net (hard update).")
    huber_delta: float = Field(1.0, gt=0.0, description="Huber loss threshold between quadratic and linear.")
    max_grad_norm: float | None = Field(10.0, gt=0.0, description="Gradient-norm clipping threshold (null: off).")
    double: bool = Field(True, description="Double DQN target (online argmax, target eval); false: max target.")
    dueling: bool = Field(False, description="Dueling head: V(s) + A(s,a) - mean A.")
    head_hidden: list[PositiveInt] = Field(default_factory=list, description="Hidden widths of the Q head.")
    device: str = Field("cpu", description="Torch device for the networks, e.g. cpu or cuda.")
    precision: Literal["float32", "bf16-mixed", "auto"] = Field(
        "float32",
        description="bf16-mixed: the update's forward passes under torch.autocast in bfloat16 (AMX, tensor "
        "cores); loss, targets, gradients, weights and Adam stay float32 (Lightning's name for it). "
        "auto: bf16-mixed where the device has native bfloat16 units (AMX/AVX-512 BF16 CPUs, CUDA), else float32.",
    )


class DDQN(Learner):
    """Double DQN with Huber loss, Adam, hard or soft target updates and IS weights (discrete actions only)."""

    def __init__(
        self,
        observation_space: gym.Space,
        action_space: gym.Space,
        make_encoder: Callable[[], Encoder],
        config: DDQNConfig,
        *,
        seed: int,
    ) -> None:
        if not isinstance(action_space, gym.spaces.Discrete):
            raise GaikitError(
                f"learner 'ddqn' needs a Discrete action space, got {type(action_space).__name__}; "
                "use a continuous-control learner such as 'sac'"
            )
        self.config = config
        self.gamma = config.gamma
        self.n_step = config.n_step
        self.device = torch.device(config.device)
        #: ``float32`` or ``bf16-mixed``: the configured precision, ``auto`` resolved for this device.
        self.precision = resolve_precision(config.precision, self.device)
        n_actions = int(action_space.n)
        #: Env action ``a`` is Q column ``a - action_start`` (``Discrete(n, start=...)``).
        self.action_start = int(action_space.start)
        # Seed network initialisation without touching the global torch RNGs: build on the CPU
        # (whatever torch's default device), from the CPU generator alone, restored afterwards
        # (torch.manual_seed would reseed every accelerator's generator too, which fork_rng(devices=[])
        # does not restore).
        with torch.random.fork_rng(devices=[]), torch.device("cpu"):
            torch.default_generator.manual_seed(seed)
            self.online = QNetwork(make_encoder(), n_actions, config.head_hidden, config.dueling).to(self.device)
            self.target = QNetwork(make_encoder(), n_actions, config.head_hidden, config.dueling).to(self.device)
        self.target.load_state_dict(self.online.state_dict())
        self.target.requires_grad_(False)
        #: The online network's parameters: what Adam updates and the gradient norm is taken over.
        self.params = list(self.online.parameters())
        # fused: one kernel for all tensors (torch >= 2.4 has it for CPU and accelerators alike).
        self.optimizer = torch.optim.Adam(self.params, lr=config.lr, eps=config.adam_eps, fused=True)
        #: Gradient steps taken so far (drives the target update period).
        self.gradient_steps = 0

    def predict(self, obs: Observation) -> Preferences:
        """Q-values ``(batch, n_actions)`` of the online network."""
        with torch.inference_mode():
            q_values = self.online(as_tensor_obs(obs, self.device))
        return Preferences(values=q_values.cpu().numpy())

    def update(self, batch: Batch) -> UpdateResult:
        """One gradient step on ``batch``; ``td_errors`` are ``|Q(s, a) - target|``, for new priorities."""
        config, device = self.config, self.device
        obs = as_tensor_obs(batch.obs, device)
        next_obs = as_tensor_obs(batch.next_obs, device)
        actions = torch.as_tensor(np.asarray(batch.actions) - self.action_start, dtype=torch.int64, device=device)
        rewards = torch.as_tensor(np.asarray(batch.rewards), dtype=torch.float32, device=device)
        discounts = torch.as_tensor(np.asarray(batch.discounts), dtype=torch.float32, device=device)
        weights = torch.as_tensor(np.asarray(batch.weights), dtype=torch.float32, device=device)

        with torch.no_grad(), self._autocast():
            next_q_target = self.target(next_obs).float()
            if config.double:  # the online net picks a*, the target net evaluates it
                next_actions = self.online(next_obs).argmax(dim=1, keepdim=True)
                next_value = next_q_target.gather(1, next_actions).squeeze(1)
            else:
                next_value = next_q_target.max(dim=1).values
            target = rewards + discounts * next_value

        with self._autocast():
            q_all = self.online(obs)
        q_taken = q_all.float().gather(1, actions.unsqueeze(1)).squeeze(1)
        per_sample = F.huber_loss(q_taken, target, reduction="none", delta=config.huber_delta)
        loss = (weights * per_sample).mean()

        self.optimizer.zero_grad(set_to_none=True)
        loss.backward()
        grad_norm = None
        if config.max_grad_norm is not None:
            grad_norm = torch.nn.utils.clip_grad_norm_(self.params, config.max_grad_norm, foreach=True)
        self.optimizer.step()

        self.gradient_steps += 1
        if self.gradient_steps % config.target_update_period == 0:
            self._update_target()

        q_taken = q_taken.detach()
        td_abs = (q_taken - target).abs()
        scalars = [loss.detach(), q_taken.mean(), target.mean(), td_abs.mean()]
        if grad_norm is not None:
            scalars.append(grad_norm)
        # One transfer to the host for the TD errors and every metric.
        on_host = torch.cat([td_abs, torch.stack(scalars)]).cpu().numpy()
        n = len(td_abs)
        metrics = dict(zip(("loss", "q_mean", "target_mean", "td_abs_mean", "grad_norm"), on_host[n:].tolist()))
        return UpdateResult(metrics=metrics, td_errors=on_host[:n])

    def _autocast(self) -> torch.autocast:
        """The update's forward passes in bfloat16 when ``precision: bf16-mixed``; a no-op context otherwise."""
        enabled = self.precision == "bf16-mixed"
        return torch.autocast(self.device.type, dtype=torch.bfloat16, enabled=enabled)

    @torch.no_grad()
    def _update_target(self) -> None:
        """``target <- tau * online + (1 - tau) * target`` (a plain copy when tau is 1)."""
        tau = self.config.tau
        for target_param, online_param in zip(self.target.parameters(), self.online.parameters()):
            if tau == 1.0:
                target_param.copy_(online_param)
            else:
                target_param.lerp_(online_param, tau)
        for target_buffer, online_buffer in zip(self.target.buffers(), self.online.buffers()):
            target_buffer.copy_(online_buffer)

    def state_dict(self) -> StateDict:
        """A snapshot (copied tensors) of both networks, the optimiser and the step counter."""
        return copy.deepcopy(
            {
                "format": STATE_FORMAT,
                "online": self.online.state_dict(),
                "target": self.target.state_dict(),
                "optimizer": self.optimizer.state_dict(),
                "gradient_steps": self.gradient_steps,
            }
        )

    def policy_state(self) -> StateDict:
        """The online network (what :meth:`predict` reads), as CPU tensors."""
        return {"online": {key: value.detach().cpu().clone() for key, value in self.online.state_dict().items()}}

    def load_policy_state(self, state: StateDict) -> None:
        """Load the online network :meth:`policy_state` shipped."""
        self.online.load_state_dict(state["online"])

    def load_state_dict(self, state: StateDict) -> None:
        """Restore what :meth:`state_dict` returned, or a state from before its ``"format"`` entry.

        A state of another format, or one that does not fit these networks,
        is a :class:`~gaikit.core.errors.CheckpointError`.
        """
        found = state.get("format", UNVERSIONED_FORMAT)
        if found not in (STATE_FORMAT, UNVERSIONED_FORMAT):
            raise CheckpointError(
                f"learner 'ddqn': state format {found!r}, expected {STATE_FORMAT} "
                f"(or none, for states written before format numbers)"
            )
        missing = [key for key in ("online", "target", "optimizer", "gradient_steps") if key not in state]
        if missing:
            raise CheckpointError(f"learner 'ddqn': state lacks {', '.join(missing)}")
        try:
            self.online.load_state_dict(state["online"])
            self.target.load_state_dict(state["target"])
            self.optimizer.load_state_dict(state["optimizer"])
        except (RuntimeError, ValueError, KeyError) as exc:
            reason = " ".join(str(exc).split()) or type(exc).__name__
            raise CheckpointError(f"learner 'ddqn': the state does not fit this network: {reason}") from None
        # Adam's kernels walk a moment as if laid out like its parameter; states of format 1 stored
        # the first layer's weight, and so its moments, transposed (column-major).
        for param, param_state in self.optimizer.state.items():
            for key, value in param_state.items():
                if torch.is_tensor(value) and value.shape == param.shape and value.stride() != param.stride():
                    param_state[key] = torch.empty_like(param).copy_(value)
        self.gradient_steps = int(state["gradient_steps"])

    def encoder_parameter_count(self) -> int:
        """Trainable parameters of the online encoder."""
        return self.online.encoder.parameter_count()

    def greedy_policy_module(self) -> DiscreteGreedyPolicy:
        """``obs -> (action, q_values)``: argmax of the online network's Q-values (what ``gaikit export`` writes)."""
        return DiscreteGreedyPolicy(self.online, self.action_start)


def register(register_fn: Register) -> None:
    """Register the ``ddqn`` learner."""
    register_fn(
        "ddqn",
        DDQN,
        config=DDQNConfig,
        description="Double DQN: online net picks argmax, target net evaluates; Huber loss, Adam.",
    )
