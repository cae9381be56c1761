"""Atari environment builders: one emulator per env, pixels, RAM or both.

Observation layout (what encoders and memories receive; ``k`` = ``stack``,
``S`` = ``size``; the stack axis is always axis 0 of one env's observation,
axis 1 of a batch; the newest frame is last, ``[..., -1]`` along that axis):

=========  ==========================================  =====================
form       one env's observation                       dtype
=========  ==========================================  =====================
pixels     ``(k, S, S)`` grayscale (``(k, S, S, 3)``   ``uint8`` 0..255
           with ``grayscale: false``)
ram        ``(k, 128)`` the console's RAM bytes         ``uint8`` 0..255
mixed      ``Dict{"pixels": <pixels>, "ram": <ram>}``   ``uint8`` both
=========  ==========================================  =====================

In the mixed form both parts come from the *same* emulator after the *same*
step: the pixels are the max of the last two screens of the frame-skip window
and the RAM is read right after the last of those frames.

Stacks at episode start are zero-padded: the observation returned by a reset
is ``[0, ..., 0, f0]``. With ``terminal_on_life_loss`` an env that lost a
life reports ``terminated`` but the game goes on: the next observation
continues the same stack (it holds frames from before the life was lost).
So a memory that rebuilds stacks from single frames must store the whole
stack of the first observation after every ``terminated | truncated``.

Backends. Pixels-only vector envs use ale-py's ``AtariVectorEnv`` (C++).
RAM and mixed vector envs are gymnasium's ``SyncVectorEnv`` in ``SAME_STEP``
autoreset mode over single envs of gymnasium ``AtariPreprocessing`` (or
:class:`RamPreprocessing`) + :class:`PixelsAndRam` +
:class:`~.frame_stack.FrameStack`; single envs (evaluation, video) are built
the same way. Both pixel paths apply identical preprocessing (max-pool of the
last two frames, ``INTER_AREA`` resize, no FIRE reset): the same agent sees
the same pixels in either. RAM envs use :class:`RamPreprocessing`, which
plays the same emulator frames as ``AtariPreprocessing`` without touching
the screen, so all three forms play identical games for a seed and actions.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import partial
from typing import Any, Literal

import ale_py
import gymnasium as gym
import numpy as np
from ale_py.env import AtariEnv
from gymnasium.vector import AutoresetMode, SyncVectorEnv
from gymnasium.wrappers import AtariPreprocessing

from gaikit.core.errors import CheckpointError, GaikitError
from gaikit.plugins.games.atari_episodes import GameEpisodes, VectorGameEpisodes
from gaikit.plugins.games.frame_stack import FrameStack

gym.register_envs(ale_py)

ObservationForm = Literal["pixels", "ram", "mixed"]
#: The observation keys each form supplies (see :attr:`Encoder.observation_keys`).
FORM_KEYS: dict[str, tuple[str, ...]] = {"pixels": ("pixels",), "ram": ("ram",), "mixed": ("pixels", "ram")}
RAM_BYTES = 128


@dataclass(frozen=True)
class AtariSpec:
    """Everything needed to build an Atari env (resolved from the game's config)."""

    env_id: str
    rom: str
    observation: ObservationForm
    frame_skip: int
    stack: int
    grayscale: bool
    size: int
    noop_max: int
    repeat_action_probability: float
    terminal_on_life_loss: bool
    clip_rewards: bool
    max_frames: int
    env_threads: int


class RamPreprocessing(gym.Wrapper):
    """``AtariPreprocessing`` for the RAM alone: the same frames, no screen work.

    Plays exactly the emulator frames ``AtariPreprocessing`` would (no-op
    starts of single frames drawn from the same RNG, the action repeated
    ``frame_skip`` frames, stopping early at game over) and returns the RAM
    after the last one, so the ``ram`` form sees the same games as the pixel
    forms while skipping the grayscale, max-pool and resize of every step.
    """

    def __init__(self, env: gym.Env, *, noop_max: int, frame_skip: int) -> None:
        """Wrap an ``AtariEnv`` made with ``frameskip=1``, ``obs_type="ram"`` and the minimal action set."""
        super().__init__(env)
        self.noop_max = noop_max
        self.frame_skip = frame_skip
        self.observation_space = gym.spaces.Box(0, 255, (RAM_BYTES,), np.uint8)
        self._ale = _atari(env).ale
        self._actions = list(self._ale.getMinimalActionSet())
        space = env.action_space
        n_actions = int(space.n) if isinstance(space, gym.spaces.Discrete) else space
        if len(self._actions) != n_actions:
            raise GaikitError(
                f"RamPreprocessing: the env has {n_actions} actions but the game's minimal action set "
                f"{len(self._actions)}; make it with full_action_space=False"
            )

    def reset(self, *, seed: int | None = None, options: dict[str, Any] | None = None) -> tuple[np.ndarray, dict[str, Any]]:
        """Reset, then 1..noop_max single no-op frames (as ``AtariPreprocessing``)."""
        _, info = self.env.reset(seed=seed, options=options)
        noops = self.env.unwrapped.np_random.integers(1, self.noop_max + 1) if self.noop_max > 0 else 0
        for _ in range(noops):
            _, _, terminated, truncated, step_info = self.env.step(0)
            info.update(step_info)
            if terminated or truncated:
                _, info = self.env.reset(seed=seed, options=options)
        return self._ale.getRAM(), info

    def step(self, action: Any) -> tuple[np.ndarray, float, bool, bool, dict[str, Any]]:
        """Repeat ``action`` for ``frame_skip`` frames (fewer at game over); the RAM after the last."""
        ale, action_id = self._ale, self._actions[action]
        reward, terminated, truncated = 0.0, False, False
        for _ in range(self.frame_skip):
            reward += ale.act(action_id, 1.0)
            terminated, truncated = ale.game_over(with_truncation=False), ale.game_truncated()
            if terminated or truncated:
                break
        info = {"lives": ale.lives(), "episode_frame_number": ale.getEpisodeFrameNumber(),
                "frame_number": ale.getFrameNumber()}
        return ale.getRAM(), reward, terminated, truncated, info


class PixelsAndRam(gym.ObservationWrapper):
    """Joins the RAM to the preprocessed frame: ``{"pixels": frame, "ram": bytes}``.

    The RAM is read from the wrapped env's own emulator after the step that
    produced the frame, so both describe the same instant.
    """

    def __init__(self, env: gym.Env) -> None:
        """Wrap an ``AtariPreprocessing`` env."""
        super().__init__(env)
        ram_space = gym.spaces.Box(0, 255, (RAM_BYTES,), np.uint8)
        self.observation_space = gym.spaces.Dict({"pixels": env.observation_space, "ram": ram_space})
        self._ale = _atari(env).ale

    def observation(self, observation: Any) -> dict[str, np.ndarray]:
        """The frame and the RAM after the step just taken."""
        return {"pixels": observation, "ram": self._ale.getRAM()}


def make_single_env(spec: AtariSpec, render_mode: str | None = None, training: bool = False) -> gym.Env:
    """One Atari env with the spec's preprocessing and full-game statistics.

    ``training`` applies the spec's ``terminal_on_life_loss`` and
    ``clip_rewards``; otherwise (evaluation, video) games end only at game
    over and rewards are the raw score.
    """
    ram_only = spec.observation == "ram"
    env = gym.make(
        spec.env_id,
        obs_type="ram" if ram_only else ("grayscale" if spec.grayscale else "rgb"),
        frameskip=1,
        repeat_action_probability=spec.repeat_action_probability,
        full_action_space=False,
        max_num_frames_per_episode=spec.max_frames,
        render_mode=render_mode,
        disable_env_checker=True,
    )
    if ram_only:
        env = RamPreprocessing(env, noop_max=spec.noop_max, frame_skip=spec.frame_skip)
    else:
        env = AtariPreprocessing(
            env,
            noop_max=spec.noop_max,
            frame_skip=spec.frame_skip,
            screen_size=spec.size,
            terminal_on_life_loss=False,
            grayscale_obs=spec.grayscale,
            scale_obs=False,
        )
        if spec.observation == "mixed":
            env = PixelsAndRam(env)
    env = FrameStack(env, spec.stack)
    return GameEpisodes(
        env,
        terminal_on_life_loss=training and spec.terminal_on_life_loss,
        clip_rewards=training and spec.clip_rewards,
    )


def make_vector_env(spec: AtariSpec, num_envs: int, seed: int | None = None) -> gym.vector.VectorEnv:
    """``num_envs`` training envs in ``SameStep`` autoreset mode with full-game statistics.

    ``seed`` seeds the action space; the envs themselves are seeded by
    ``reset(seed=...)`` (env ``i`` gets ``seed + i``).
    """
    envs: gym.vector.VectorEnv
    if spec.observation == "pixels":
        from ale_py.vector_env import AtariVectorEnv

        base = AtariVectorEnv(
            spec.rom,
            num_envs,
            num_threads=spec.env_threads,
            max_num_frames_per_episode=spec.max_frames,
            repeat_action_probability=spec.repeat_action_probability,
            autoreset_mode=AutoresetMode.SAME_STEP,
            img_height=spec.size,
            img_width=spec.size,
            grayscale=spec.grayscale,
            stack_num=spec.stack,
            frameskip=spec.frame_skip,
            maxpool=True,
            noop_max=spec.noop_max,
            episodic_life=False,  # its life loss resets the whole game; we keep playing instead
            reward_clipping=False,  # clipped (if asked) after the unclipped score is counted
            use_fire_reset=False,
        )
        envs = VectorGameEpisodes(
            base, terminal_on_life_loss=spec.terminal_on_life_loss, clip_rewards=spec.clip_rewards
        )
    else:
        envs = SyncVectorEnv(
            [partial(make_single_env, spec, None, True) for _ in range(num_envs)],
            autoreset_mode=AutoresetMode.SAME_STEP,
        )
    if seed is not None:
        envs.action_space.seed(seed)
    return envs


def single_env_state(env: gym.Env) -> dict[str, Any]:
    """Emulator (with its RNG), reset RNG, frame stack and game counters of one env.

    ``env`` is one :func:`make_single_env` env; the result is plain arrays and numbers.
    """
    stack = _find(env, FrameStack)
    games = _find(env, GameEpisodes)
    atari = _atari(env)
    ale_bytes = atari.ale.cloneState(include_rng=True).serialize()
    return {
        "ale": np.frombuffer(ale_bytes, dtype=np.uint8).copy(),
        "np_random": atari.np_random.bit_generator.state,
        "frames": stack.frames(),
        "game": {
            "lives": games.lives,
            "return": games.game_return,
            "length": games.game_length,
            "continue": games.continue_game,
            "last_obs": games.last_obs if games.continue_game else None,
        },
    }


def load_single_env_state(env: gym.Env, state: dict[str, Any]) -> None:
    """Restore what :func:`single_env_state` returned into an env made from the same spec.

    The env is reset first (gymnasium's order checks allow no step before a
    reset); everything the reset changed is then overwritten.
    """
    stack = _find(env, FrameStack)
    games = _find(env, GameEpisodes)
    atari = _atari(env)
    env.reset()
    atari.ale.restoreState(ale_py.ALEState(np.asarray(state["ale"], dtype=np.uint8).tobytes()))
    atari.np_random.bit_generator.state = state["np_random"]
    try:
        stack.set_frames(state["frames"])
    except GaikitError as error:
        raise CheckpointError(f"env state of {atari.spec.id if atari.spec else 'the Atari env'}: {error}") from None
    if _has(env, AtariPreprocessing):
        preprocessing = _find(env, AtariPreprocessing)
        preprocessing.lives = atari.ale.lives()
        preprocessing.game_over = atari.ale.game_over()
    game = state["game"]
    games.lives = int(game["lives"])
    games.game_return = float(game["return"])
    games.game_length = int(game["length"])
    games.continue_game = bool(game["continue"])
    games.last_obs = game["last_obs"]


def _atari(env: gym.Env) -> AtariEnv:
    """The ``ale_py`` ``AtariEnv`` at the bottom of ``env``'s wrappers."""
    atari = env.unwrapped
    if not isinstance(atari, AtariEnv):
        raise GaikitError(f"expected an ale_py AtariEnv under the wrappers, got {type(atari).__name__}")
    return atari


def _has(env: gym.Env, cls: type) -> bool:
    """Whether ``env`` has a wrapper of type ``cls``."""
    try:
        _find(env, cls)
    except TypeError:
        return False
    return True


def _find(env: gym.Env, cls: type) -> Any:
    """The wrapper of type ``cls`` inside ``env`` (raises ``TypeError`` if absent)."""
    current: Any = env
    while current is not None:
        if isinstance(current, cls):
            return current
        current = getattr(current, "env", None)
    raise TypeError(f"{env!r} has no {cls.__name__} wrapper")
