"""SAC and TQC learner states saved before the autograd rewrite load as they are and resume the same training.

``data/sac_tqc_states_format1.pt`` holds, for SAC, SAC with gSDE and TQC, a
learner state saved by the hand-written-gradient learners (networks, target
critic, Adam moments, temperature, noise generator, update count) with the
next batch, the policy means and the metrics and target critic those
learners produced from it.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
import torch

from gaikit.core.components import Batch
from gaikit.plugins.encoders.vector import VectorEncoderConfig, make_vector_encoder
from gaikit.plugins.learners.sac import SACConfig, SACLearner
from gaikit.plugins.learners.tqc import TQCConfig, TQCLearner

from _sac_spaces import ACTIONS, OBS

FIXTURE = Path(__file__).parent / "data" / "sac_tqc_states_format1.pt"


@pytest.mark.parametrize("case", ["sac", "sac_sde", "tqc"])
def test_state_saved_by_the_previous_learner_loads_and_resumes(case):
    # Loaded per test: Adam adopts the loaded moment tensors and the update changes them in place.
    saved = torch.load(FIXTURE, weights_only=True)[case]
    encoder = lambda: make_vector_encoder(OBS, VectorEncoderConfig(hidden=[]))  # noqa: E731
    if saved["algo"] == "sac":
        learner = SACLearner(OBS, ACTIONS, encoder, SACConfig(**saved["config"]), seed=99)
    else:
        learner = TQCLearner(OBS, ACTIONS, encoder, TQCConfig(**saved["config"]), seed=99)
    learner.load_state_dict(saved["state"])
    probe = saved["probe"].numpy()
    torch.testing.assert_close(torch.as_tensor(learner.predict(probe).mean), saved["mean"], rtol=1e-6, atol=1e-6)

    batch = Batch(**{key: value.numpy() for key, value in saved["batch"].items()})
    metrics = learner.update(batch).metrics
    assert set(metrics) == set(saved["metrics"])
    for key, value in saved["metrics"].items():
        assert metrics[key] == pytest.approx(value, rel=1e-4, abs=1e-5), key
    # Adam resumed from the saved moments and step counts, the generator from its saved state.
    torch.testing.assert_close(torch.as_tensor(learner.predict(probe).mean), saved["mean_after"], rtol=1e-4, atol=1e-5)
    for name, tensor in learner.critic_target.state_dict().items():
        torch.testing.assert_close(tensor, saved["critic_target_after"][name], rtol=1e-4, atol=1e-5)
    assert np.isfinite(list(metrics.values())).all()
