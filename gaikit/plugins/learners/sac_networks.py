"""The networks of SAC: a squashed Gaussian actor and a twin Q critic.

Both follow Stable-Baselines3's ``MlpPolicy`` layout for SAC: each network
(actor, critic) owns its own encoder (SB3's ``share_features_extractor=False``),
the two Q heads of the critic share the critic's encoder, and every head is
an MLP of ``Linear -> ReLU`` blocks with PyTorch's default initialisation.
With an identity-like encoder (``vector`` with ``hidden: []``) the networks
are exactly SB3's and CleanRL's.

The layers are ordinary ``nn.Linear`` modules (so parameters, state dicts and
initialisation are PyTorch's), evaluated by the functions of
:mod:`~gaikit.plugins.learners.fused_mlp` and
:mod:`~gaikit.plugins.learners.squashed_gaussian`: the same values and
gradients as the ``nn.Sequential`` / ``torch.distributions`` formulation, with
the backward written out. ``forward``, ``values`` and ``sample`` are ordinary
autograd functions; SAC's update uses the ``*_taped`` variants and each
network's own backward, which skip autograd for the heads altogether (the
encoders still backpropagate through autograd when they have weights).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Sequence

import gymnasium as gym
import numpy as np
import torch
from torch import nn

from gaikit.core.components import Encoder, TensorObservation
from gaikit.plugins.learners.fused_mlp import MLPTape, linear_params, mlps_backward, mlps_forward, relu_mlps
from gaikit.plugins.learners.squashed_gaussian import (
    SampleTape,
    sample_squashed,
    squash,
    squashed_sample_backward,
    squashed_sample_forward,
    standard_noise,
)


def mlp(in_dim: int, hidden: Sequence[int], out_dim: int | None = None) -> nn.Sequential:
    """``Linear -> ReLU`` blocks of widths ``hidden``, then an optional linear output layer.

    The networks below keep their layers in these modules (parameter names,
    initialisation and state dicts are PyTorch's) but evaluate them with
    :func:`relu_mlps` / :func:`mlps_forward`, the same function.
    """
    layers: list[nn.Module] = []
    for width in hidden:
        layers += [nn.Linear(in_dim, width), nn.ReLU(inplace=True)]
        in_dim = width
    if out_dim is not None:
        layers.append(nn.Linear(in_dim, out_dim))
    return nn.Sequential(*layers)


def _last_width(in_dim: int, hidden: Sequence[int]) -> int:
    return hidden[-1] if hidden else in_dim


def linear_layers(*modules: nn.Module) -> list[nn.Linear]:
    """The ``Linear`` layers of ``modules`` in order: what :func:`relu_mlps` evaluates."""
    return [m for module in modules for m in module.modules() if isinstance(m, nn.Linear)]


def encode_features(
    encoder: Encoder, weights: Sequence[torch.Tensor], obs: TensorObservation, *, with_grad: bool
) -> torch.Tensor:
    """``encoder(obs)``, recording autograd history only if asked and some of its ``weights`` train."""
    if with_grad and any(p.requires_grad for p in weights):
        with torch.enable_grad():
            return encoder(obs)
    return encoder(obs)


def check_no_grad() -> None:
    """Raise unless gradients are disabled: the written-out forwards and backwards record no history."""
    if torch.is_grad_enabled():
        raise RuntimeError("the *_taped methods and backward run under torch.no_grad() (they backpropagate by hand)")


def accumulate_grads(
    params: Sequence[torch.Tensor],
    grads: Sequence[torch.Tensor] | None,
    features: torch.Tensor,
    grad_features: torch.Tensor | None,
) -> None:
    """``param.grad += grad`` (or ``= grad`` when unset), as autograd's leaves do; then the encoder's by autograd."""
    assert grads is not None
    for p, g in zip(params, grads):
        if p.grad is None:
            p.grad = g
        else:
            p.grad.add_(g)
    if grad_features is not None:
        features.backward(grad_features)


@dataclass
class ActorTape:
    """What :meth:`Actor.sample_taped` keeps for :meth:`Actor.backward`."""

    features: torch.Tensor
    mlp: MLPTape
    sample: SampleTape


@dataclass
class CriticTape:
    """What :meth:`TwinCritic.values_taped` keeps for the critic's backward."""

    features: torch.Tensor
    mlp: MLPTape


class BoxScaling(nn.Module):
    """The affine map between ``(-1, 1)`` and a bounded Box action space (as buffers)."""

    def __init__(self, action_space: gym.spaces.Box) -> None:
        super().__init__()
        low = np.asarray(action_space.low, dtype=np.float32).reshape(-1)
        high = np.asarray(action_space.high, dtype=np.float32).reshape(-1)
        self.register_buffer("scale", torch.as_tensor((high - low) / 2.0))
        self.register_buffer("bias", torch.as_tensor((high + low) / 2.0))
        self.register_buffer("log_scale_sum", torch.log(self.scale).sum())
        self.identity = bool(np.all(low == -1.0) and np.all(high == 1.0))

    def normalise(self, actions: torch.Tensor) -> torch.Tensor:
        """Box actions -> ``[-1, 1]`` (what the critic sees, whatever the bounds)."""
        if self.identity:  # (a - 0) / 1 is a, bit for bit
            return actions
        return (actions - self.bias) / self.scale


class Actor(nn.Module):
    """``obs -> (mean, log_std)`` of the pre-squash Gaussian, and reparameterised sampling."""

    def __init__(
        self,
        encoder: Encoder,
        scaling: BoxScaling,
        hidden: Sequence[int],
        log_std_bounds: tuple[float, float],
    ) -> None:
        super().__init__()
        action_dim = scaling.scale.numel()
        self.encoder = encoder
        self.trunk = mlp(encoder.features_dim, hidden)
        width = _last_width(encoder.features_dim, hidden)
        # One layer gives both heads (the same function as two Linear(width, action_dim)).
        self.heads = nn.Linear(width, 2 * action_dim)
        self.scaling = scaling
        self.log_std_min, self.log_std_max = log_std_bounds
        # The Parameter objects themselves (load_state_dict copies into them in place).
        self._params = linear_params([linear_layers(self.trunk, self.heads)])
        self._encoder_params = list(encoder.parameters())

    def _heads_output(self, obs: TensorObservation) -> torch.Tensor:
        """``(batch, 2 * action_dim)``: the mean, then the unclamped log standard deviation."""
        return relu_mlps([self.encoder(obs)], self._params)[0]

    def forward(self, obs: TensorObservation) -> tuple[torch.Tensor, torch.Tensor]:
        """Mean and clamped log standard deviation, each ``(batch, action_dim)``."""
        mean, log_std = self._heads_output(obs).chunk(2, dim=-1)
        return mean, log_std.clamp(self.log_std_min, self.log_std_max)

    def sample(
        self, obs: TensorObservation, generator: torch.Generator | None = None
    ) -> tuple[torch.Tensor, torch.Tensor]:
        """A reparameterised Box action and its log-probability ``(batch,)``."""
        s = self.scaling
        bounds = (self.log_std_min, self.log_std_max)
        return sample_squashed(self._heads_output(obs), bounds, s.scale, s.bias, s.log_scale_sum, generator)

    def sample_taped(
        self, obs: TensorObservation, generator: torch.Generator | None = None
    ) -> tuple[torch.Tensor, torch.Tensor, ActorTape]:
        """:meth:`sample` for a hand-written backward: ``(action, log_prob, tape)`` for :meth:`backward`.

        Runs under ``torch.no_grad()``; only a trainable encoder records autograd history.
        """
        check_no_grad()
        features = encode_features(self.encoder, self._encoder_params, obs, with_grad=True)
        (out,), mlp_tape = mlps_forward([features], self._params)
        s = self.scaling
        bounds = (self.log_std_min, self.log_std_max)
        noise = standard_noise(out, generator)
        action, log_prob, sample_tape = squashed_sample_forward(out, bounds, noise, s.scale, s.bias, s.log_scale_sum)
        assert sample_tape is not None
        return action, log_prob, ActorTape(features, mlp_tape, sample_tape)

    def backward(self, tape: ActorTape, grad_action: torch.Tensor, grad_log_prob: torch.Tensor) -> None:
        """Accumulate into ``.grad`` the gradient of a loss whose gradients in
        :meth:`sample_taped`'s action and log-probability are given (the encoder's by autograd)."""
        grad_out = squashed_sample_backward(tape.sample, grad_action, grad_log_prob)
        encoder_grad = tape.features.requires_grad
        (grad_features,), grads = mlps_backward(tape.mlp, (grad_out,), param_grads=True, input_grads=(encoder_grad,))
        accumulate_grads(self._params, grads, tape.features, grad_features)

    def greedy(self, obs: TensorObservation) -> torch.Tensor:
        """The squashed mean: the deterministic action used in evaluation."""
        mean, _ = self(obs)
        return squash(mean, self.scaling.scale, self.scaling.bias)


class HeadsCritic(nn.Module):
    """Q heads on one encoder, each an MLP on ``cat(encoder(obs), normalised action)``.

    What SAC's and TQC's critics share: the autograd :meth:`values`, the taped
    forward and the written-out backward. A subclass registers its head
    modules and calls :meth:`_set_heads`; with ``scalar`` heads (one output
    each) the output is ``(heads, batch)``, else ``(heads, batch, outputs)``.
    """

    def __init__(self, encoder: Encoder, scaling: BoxScaling) -> None:
        super().__init__()
        self.encoder = encoder
        self.scaling = scaling
        self._encoder_params = list(encoder.parameters())

    def _set_heads(self, heads: Sequence[nn.Module], *, scalar: bool) -> None:
        self._params = linear_params([linear_layers(head) for head in heads])  # head after head
        self._n_heads = len(heads)
        self._scalar = scalar

    def _outputs(self, outputs: Any) -> torch.Tensor:
        return outputs if self._scalar else torch.stack(outputs)

    def values(self, obs: TensorObservation, actions: torch.Tensor) -> torch.Tensor:
        """Every head's output stacked along a first axis (an ordinary autograd function, :func:`relu_mlps`)."""
        inputs = [self.encoder(obs), self.scaling.normalise(actions)]
        return self._outputs(relu_mlps(inputs, self._params, self._n_heads, stack=self._scalar))

    def values_taped(
        self, obs: TensorObservation, actions: torch.Tensor, *, frozen: bool = False
    ) -> tuple[torch.Tensor, CriticTape]:
        """:meth:`values` for a hand-written backward, and the tape for it.

        Runs under ``torch.no_grad()``; only a trainable encoder records
        autograd history, and not with ``frozen``: then only
        :meth:`action_grad` follows (the actor's step).
        """
        check_no_grad()
        features = encode_features(self.encoder, self._encoder_params, obs, with_grad=not frozen)
        inputs = [features, self.scaling.normalise(actions)]
        outputs, mlp_tape = mlps_forward(inputs, self._params, self._n_heads, stack=self._scalar)
        return self._outputs(outputs), CriticTape(features, mlp_tape)

    def _head_grads(self, grad: torch.Tensor) -> Any:
        return grad if self._scalar else grad.unbind(0)

    def backward(self, tape: CriticTape, grad: torch.Tensor) -> None:
        """Accumulate into ``.grad`` the gradient of a loss whose gradient in
        :meth:`values_taped`'s output is ``grad`` (the encoder's by autograd)."""
        encoder_grad = tape.features.requires_grad
        (grad_features, _), grads = mlps_backward(
            tape.mlp, self._head_grads(grad), param_grads=True, input_grads=(encoder_grad, False)
        )
        accumulate_grads(self._params, grads, tape.features, grad_features)

    def action_grad(self, tape: CriticTape, grad: torch.Tensor) -> torch.Tensor:
        """The gradient in the actions given ``grad``, the weights untouched (frozen)."""
        (_, grad_normalised), _ = mlps_backward(
            tape.mlp, self._head_grads(grad), param_grads=False, input_grads=(False, True)
        )
        assert grad_normalised is not None
        return grad_normalised if self.scaling.identity else grad_normalised / self.scaling.scale


class TwinCritic(HeadsCritic):
    """Two Q heads on one encoder: ``(obs, action) -> (q1, q2)``, each ``(batch,)``; :meth:`values` gives ``(2, batch)``.

    The action enters the first layer of each head, normalised to ``[-1, 1]``.
    """

    def __init__(self, encoder: Encoder, scaling: BoxScaling, hidden: Sequence[int]) -> None:
        super().__init__(encoder, scaling)
        in_dim = encoder.features_dim + scaling.scale.numel()
        self.q1 = mlp(in_dim, hidden, 1)
        self.q2 = mlp(in_dim, hidden, 1)
        self._set_heads([self.q1, self.q2], scalar=True)

    def forward(self, obs: TensorObservation, actions: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        """Both Q estimates for a batch of observation-action pairs, each ``(batch,)``."""
        q1, q2 = self.values(obs, actions).unbind(0)
        return q1, q2
