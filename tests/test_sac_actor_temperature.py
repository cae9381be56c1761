"""The actor step weighs the entropy term by the temperature: its gradient is ``alpha * grad log pi`` when Q is flat.

A known way to get SAC wrong is an actor loss of ``mean(log pi - Q)`` that
ignores alpha: the policy then behaves as if alpha were 1 whatever the
temperature says. With the critic made flat in the action (its output
layers zeroed), the ``- Q`` term has no gradient, so the actor's gradient is
exactly ``alpha`` times the gradient of ``mean(log pi)`` for the same noise.
"""

from __future__ import annotations

import pytest
import torch

from gaikit.plugins.encoders.vector import VectorEncoderConfig, make_vector_encoder
from gaikit.plugins.learners.sac import SACConfig, SACLearner

from _sac_spaces import ACTIONS, OBS


def make_learner(**options):
    config = SACConfig(hidden=[16, 16], **options)
    return SACLearner(OBS, ACTIONS, lambda: make_vector_encoder(OBS, VectorEncoderConfig(hidden=[])), config, seed=2)


def flatten_critic(learner) -> None:
    """Zero the last layer's weights of both Q heads: Q(s, a) is then a constant (its bias)."""
    with torch.no_grad():
        for head in (learner.critic.q1, learner.critic.q2):
            last = [m for m in head.modules() if isinstance(m, torch.nn.Linear)][-1]
            last.weight.zero_()
            last.bias.fill_(0.7)


@pytest.mark.parametrize("alpha", [0.2, 0.05])
def test_actor_gradient_is_alpha_times_the_log_prob_gradient_when_q_is_flat(alpha):
    learner = make_learner(alpha=alpha)
    flatten_critic(learner)
    obs = torch.rand(64, 3, generator=torch.Generator().manual_seed(0)) * 2 - 1
    state = learner.generator.get_state()

    # The expected gradient: d/dtheta mean(log pi(a|s)) with the noise the step will draw, times alpha.
    generator = torch.Generator()
    generator.set_state(state)
    _, log_pi = learner.actor.sample(obs, generator)
    params = list(learner.actor.parameters())
    grads = torch.autograd.grad(log_pi.mean(), params)
    learner.actor.zero_grad(set_to_none=True)

    out = learner.actor_and_alpha_step(obs)
    for p, g in zip(params, grads):
        assert g.abs().max() > 1e-4  # the entropy term reaches this parameter
        torch.testing.assert_close(p.grad, alpha * g, rtol=1e-5, atol=1e-7)
    assert out["alpha"] == pytest.approx(alpha)
    assert out["actor_loss"] == pytest.approx(alpha * float(log_pi.detach().mean()) - 0.7, rel=1e-5)
