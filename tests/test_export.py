"""``gaikit export``: a run's greedy policy as ONNX / TorchScript, equal to what gaikit itself plays.

For every built-in encoder and for ``ddqn`` and ``sac`` (plus ``tqc`` and
gSDE on the vector encoder) a learner is built directly on a small space,
exported in both formats, and the file's outputs (ONNX Runtime, or
``torch.jit.load``) are compared on a batch of fresh observations with the
module's and with the greedy selector's actions on ``Learner.predict``
(what ``gaikit eval`` and ``agent.predict(deterministic=True)`` play). A tiny
CartPole run goes through the command itself, and bad input is one line each.
"""

from __future__ import annotations

import shutil
from pathlib import Path
from typing import Any, Callable

import gymnasium as gym
import numpy as np
import onnxruntime
import pytest
import torch
from _strategy_toys import lanes  # noqa: F401  (fixture: the ``lanes`` game with a strategy agent)

import gaikit
from gaikit.cli import main
from gaikit.core.components import Learner
from gaikit.core.registry import get_registry
from gaikit.core.tensors import as_tensor_obs
from gaikit.export import export_module
from gaikit.export.inputs import sample_observations
from gaikit.plugins.selectors.gaussian import GaussianConfig, GaussianSelector
from gaikit.plugins.selectors.greedy import GreedySelector

#: torch marks torch.jit.load deprecated; reading TorchScript back is what these tests are for.
pytestmark = pytest.mark.filterwarnings("ignore:`torch.jit.load` is deprecated:DeprecationWarning")

PIXELS = gym.spaces.Box(0, 255, (2, 36, 36), np.uint8)  # the smallest frames the Nature CNN takes
RAM = gym.spaces.Box(0, 255, (2, 128), np.uint8)
#: Per built-in encoder: a small observation space it reads, tiny options, and the ONNX inputs expected.
ENCODERS: dict[str, tuple[gym.Space, dict[str, Any], dict[str, tuple[str, tuple[int | str, ...]]]]] = {
    "vector": (gym.spaces.Box(-np.inf, np.inf, (5,), np.float32), {"hidden": [8]},
               {"obs": ("float32", ("batch", 5))}),
    "image": (PIXELS, {"hidden": [8]}, {"obs": ("uint8", ("batch", 2, 36, 36))}),
    "ram": (RAM, {"hidden": [8]}, {"obs": ("uint8", ("batch", 2, 128))}),
    "mixed": (gym.spaces.Dict({"pixels": PIXELS, "ram": RAM}), {"ram_hidden": [8], "head": [8]},
              {"pixels": ("uint8", ("batch", 2, 36, 36)), "ram": ("uint8", ("batch", 2, 128))}),
}
DISCRETE = gym.spaces.Discrete(3, start=-1)  # a start other than 0: the export must shift argmax too
#: Asymmetric bounds: the scaling and the clip to the bounds both show.
BOX = gym.spaces.Box(np.array([-2.0, 0.0], np.float32), np.array([1.0, 3.0], np.float32))
LEARNERS: dict[str, tuple[gym.Space, dict[str, Any]]] = {
    "ddqn": (DISCRETE, {"head_hidden": [8]}),
    "sac": (BOX, {"hidden": [8]}),
    "tqc": (BOX, {"hidden": [8], "n_quantiles": 5, "n_critics": 2}),
    "sac-sde": (BOX, {"hidden": [8], "use_sde": True}),
}
CASES = [(encoder, learner) for encoder in ENCODERS for learner in ("ddqn", "sac")] + [("vector", "sac-sde")]


def build_learner(encoder: str, learner: str) -> tuple[Learner, gym.Space, gym.Space]:
    """The registered learner on the encoder's small space, with a few Adam steps' worth of non-default weights."""
    registry = get_registry()
    obs_space, encoder_options = ENCODERS[encoder][:2]
    action_space, learner_options = LEARNERS[learner]
    encoder_spec = registry.get("encoders", encoder)
    learner_spec = registry.get("learners", learner.split("-")[0])

    def make_encoder() -> Any:
        return encoder_spec.build(obs_space, encoder_spec.config.model_validate(encoder_options))

    built = learner_spec.build(obs_space, action_space, make_encoder,
                               learner_spec.config.model_validate(learner_options), seed=3)
    return built, obs_space, action_space


def greedy_actions(learner: Learner, action_space: gym.Space) -> Callable[[Any], np.ndarray]:
    """What ``gaikit eval`` plays: the greedy selector on ``Learner.predict``."""
    if isinstance(action_space, gym.spaces.Discrete):
        selector: Any = GreedySelector(action_space)
    else:
        selector = GaussianSelector(action_space, GaussianConfig(), seed=0)
    return lambda obs: selector.select(learner.predict(obs), step=10**9, explore=False)


def as_numpy(inputs: tuple[torch.Tensor, ...], space: gym.Space) -> Any:
    """The observation batch as ``Learner.predict`` takes it (a dict for ``Dict`` spaces)."""
    if isinstance(space, gym.spaces.Dict):
        return {key: tensor.numpy() for key, tensor in zip(space.spaces, inputs)}
    return inputs[0].numpy()


def test_every_builtin_encoder_is_covered() -> None:
    builtin = [spec.name for spec in get_registry().all() if spec.kind == "encoders" and spec.plugin.startswith("builtin")]
    assert sorted(builtin) == sorted(ENCODERS)


def module_outputs(
    learner: Learner, obs_space: gym.Space, action_space: gym.Space
) -> tuple[tuple[torch.Tensor, ...], list[np.ndarray]]:
    """Seven sample observations (neither the write batch 3 nor the check batch 5) and the greedy module's outputs.

    The module's action is asserted equal to the greedy selector's on ``Learner.predict``.
    """
    module = learner.greedy_policy_module()
    assert module is not None
    samples = sample_observations(obs_space, 7, seed=42)
    obs = as_numpy(samples, obs_space)
    with torch.no_grad():
        outputs = [out.numpy() for out in module(as_tensor_obs(obs))]
    np.testing.assert_array_equal(outputs[0], greedy_actions(learner, action_space)(obs))  # what gaikit eval plays
    return samples, outputs


def test_tqc_shares_sacs_greedy_policy() -> None:
    built, obs_space, action_space = build_learner("vector", "tqc")
    _, outputs = module_outputs(built, obs_space, action_space)
    assert outputs[0].shape == (7, 2) and np.all(outputs[0] >= BOX.low) and np.all(outputs[0] <= BOX.high)


@pytest.mark.parametrize(("encoder", "learner"), CASES)
def test_exported_policy_equals_torch_and_the_greedy_selector(encoder: str, learner: str, tmp_path: Path) -> None:
    built, obs_space, action_space = build_learner(encoder, learner)
    module = built.greedy_policy_module()
    assert module is not None
    expected_inputs = ENCODERS[encoder][2]
    samples, torch_out = module_outputs(built, obs_space, action_space)
    obs = as_numpy(samples, obs_space)
    if isinstance(action_space, gym.spaces.Discrete):
        assert torch_out[0].dtype == np.int64 and set(np.unique(torch_out[0])) <= {-1, 0, 1}
        np.testing.assert_allclose(torch_out[1], built.predict(obs).values, rtol=0, atol=0)
    else:
        assert torch_out[0].dtype == np.float32 and torch_out[0].shape == (7, 2)
        assert np.all(torch_out[0] >= BOX.low) and np.all(torch_out[0] <= BOX.high)

    for fmt, suffix in (("onnx", ".onnx"), ("torchscript", ".pt")):
        path = tmp_path / f"policy{suffix}"
        written = export_module(module, obs_space, fmt, path)
        assert {spec.name: (spec.dtype, spec.shape) for spec in written.inputs} == expected_inputs
        assert written.outputs[0].name == "action"
        if fmt == "onnx":
            session = onnxruntime.InferenceSession(str(path), providers=["CPUExecutionProvider"])
            assert [i.name for i in session.get_inputs()] == list(expected_inputs)
            assert all(i.shape[0] == "batch" for i in session.get_inputs())
            got = session.run(None, {name: tensor.numpy() for name, tensor in zip(expected_inputs, samples)})
            one = session.run(None, {name: tensor[:1].numpy() for name, tensor in zip(expected_inputs, samples)})
            assert one[0].shape == (1, *torch_out[0].shape[1:])  # batch 1 too: the axis is not specialised
            np.testing.assert_allclose(one[0], torch_out[0][:1], rtol=1e-5, atol=1e-5)
        else:
            got = [out.numpy() for out in torch.jit.load(str(path))(*samples)]
        assert [g.dtype for g in got] == [t.dtype for t in torch_out]
        if isinstance(action_space, gym.spaces.Discrete):
            np.testing.assert_array_equal(got[0], torch_out[0])
            np.testing.assert_allclose(got[1], torch_out[1], rtol=1e-5, atol=1e-5)
        else:
            np.testing.assert_allclose(got[0], torch_out[0], rtol=1e-5, atol=1e-5)
        assert max(written.max_abs_diff.values()) < 1e-4


# ---- through a run directory and the command --------------------------------------------------------

#: A CartPole run small enough for seconds: two checkpoints (steps 75 and 150), ~40 DDQN updates.
TINY = {
    "train.learning_starts": 60, "train.train_freq": 2, "train.gradient_steps": 1, "train.batch_size": 16,
    "train.eval_every": 150, "train.eval_episodes": 1, "train.checkpoint_every": 75, "train.log_every": 75,
    "train.threads": 1, "encoder.hidden": [16], "memory.capacity": 400, "selector.decay_steps": 100,
}


@pytest.fixture(scope="module")
def cartpole_run(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A finished tiny DDQN run on CartPole-v1."""
    run_dir = tmp_path_factory.mktemp("export") / "run"
    gaikit.train("CartPole-v1", steps=150, overrides=TINY, run_dir=run_dir)
    return run_dir


def cartpole_observations(count: int) -> np.ndarray:
    """Real CartPole observations: the first states of ``count`` random-action episodes."""
    env = gym.make("CartPole-v1")
    rows = []
    obs, _ = env.reset(seed=5)
    for _ in range(count):
        rows.append(obs)
        obs, _, terminated, truncated, _ = env.step(env.action_space.sample())
        if terminated or truncated:
            obs, _ = env.reset()
    env.close()
    return np.stack(rows).astype(np.float32)


def test_cli_writes_onnx_and_torchscript_that_play_like_gaikit_load(cartpole_run: Path, capsys) -> None:
    obs = cartpole_observations(32)
    agent = gaikit.load(cartpole_run)
    expected = agent.predict(obs, deterministic=True)
    q_values = agent.learner.predict(obs).values  # type: ignore[attr-defined]
    assert main(["export", str(cartpole_run), "--format", "onnx"]) == 0
    out = capsys.readouterr().out
    path = cartpole_run / "export" / "policy-step_150.onnx"
    assert f"wrote {path} (onnx): greedy policy of step_150 (step 150, learner ddqn, encoder vector)" in out
    assert "input   obs       float32  (batch, 4)" in out
    assert "output  action    int64    (batch,)" in out and "output  q_values  float32  (batch, 2)" in out
    assert "checked: ONNX Runtime vs torch" in out
    session = onnxruntime.InferenceSession(str(path), providers=["CPUExecutionProvider"])
    actions, q_onnx = session.run(["action", "q_values"], {"obs": obs})
    np.testing.assert_array_equal(actions, expected)
    np.testing.assert_allclose(q_onnx, q_values, rtol=1e-5, atol=1e-5)

    assert main(["export", str(cartpole_run), "--format", "torchscript"]) == 0
    assert "call: module(obs) -> (action, q_values)" in capsys.readouterr().out
    module = torch.jit.load(str(cartpole_run / "export" / "policy-step_150.pt"))
    actions, q_script = module(torch.as_tensor(obs))
    np.testing.assert_array_equal(actions.numpy(), expected)
    np.testing.assert_allclose(q_script.numpy(), q_values, rtol=1e-6, atol=1e-6)


def test_cli_exports_a_chosen_checkpoint_to_a_chosen_path(cartpole_run: Path, tmp_path: Path, capsys) -> None:
    target = tmp_path / "deploy" / "cartpole.pt"
    assert main(["export", str(cartpole_run), "--format", "torchscript", "--checkpoint", "75", "--output", str(target)]) == 0
    assert f"wrote {target} (torchscript): greedy policy of step_75 (step 75," in capsys.readouterr().out
    obs = torch.as_tensor(cartpole_observations(16))
    older, newer = torch.jit.load(str(target)), torch.jit.load(str(cartpole_run / "export" / "policy-step_150.pt"))
    assert not torch.equal(older(obs)[1], newer(obs)[1])  # step_75's network, not the newest


def error_line(capsys, argv: list[str]) -> str:
    """The command's exit code is 2 and stderr is one ``gaikit: error:`` line; returns it."""
    assert main(argv) == 2
    lines = capsys.readouterr().err.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("gaikit: error: "), lines
    return lines[0]


def test_bad_input_is_one_line_each(cartpole_run: Path, tmp_path: Path, capsys) -> None:
    missing = tmp_path / "nowhere"
    assert f"{missing}: run directory not found" in error_line(capsys, ["export", str(missing), "--format", "onnx"])
    assert "--format 'tflite': unknown export format; expected one of onnx, torchscript" in error_line(
        capsys, ["export", str(cartpole_run), "--format", "tflite"])
    assert "--checkpoint 999: no such checkpoint" in error_line(
        capsys, ["export", str(cartpole_run), "--format", "onnx", "--checkpoint", "999"])
    bare = tmp_path / "bare"
    bare.mkdir()
    shutil.copy(cartpole_run / "config.yaml", bare / "config.yaml")
    assert f"{bare}: no checkpoint found" in error_line(capsys, ["export", str(bare), "--format", "torchscript"])


def test_a_strategy_run_has_no_network_to_export(lanes, tmp_path: Path, capsys) -> None:  # noqa: F811
    run = gaikit.train("lanes", agent="strategy", steps=10, run_dir=tmp_path / "run", overrides={"train.threads": 1})
    assert f"run {run.dir} uses agent 'strategy', which has no network to export" in error_line(
        capsys, ["export", str(run.dir), "--format", "onnx"])


def test_without_the_export_extra_onnx_says_what_to_install(cartpole_run: Path, monkeypatch, capsys) -> None:
    import importlib.util

    real = importlib.util.find_spec
    monkeypatch.setattr(importlib.util, "find_spec", lambda name, *a: None if name == "onnxscript" else real(name, *a))
    line = error_line(capsys, ["export", str(cartpole_run), "--format", "onnx"])
    assert line.endswith("--format onnx needs onnxscript, which are not installed: pip install gaikit[export]")


def test_a_file_that_disagrees_with_torch_is_reported(cartpole_run: Path, tmp_path: Path, monkeypatch, capsys) -> None:
    import gaikit.export.policy_export as policy_export

    real = policy_export.run_file
    monkeypatch.setattr(policy_export, "run_file", lambda *args: [out + 1 for out in real(*args)])
    assert main(["export", str(cartpole_run), "--format", "torchscript", "--output", str(tmp_path / "p.pt")]) == 0
    captured = capsys.readouterr()
    assert "max |difference|: action 1, q_values 1" in captured.out
    assert "outputs differ from torch's on the check samples: action by 1, q_values by 1" in captured.err
