"""Full-game episode statistics, life-loss terminals and reward clipping for Atari envs.

Semantics (the same for one env and for a whole ``AtariVectorEnv``):

* Episode statistics describe *games*: every env whose game ended (game over
  or frame limit) reports ``info["episode"] = {"r", "l", "t"}`` — unclipped
  score, agent steps, wall seconds — whatever ``terminal_on_life_loss`` and
  ``clip_rewards`` say (gymnasium's ``RecordEpisodeStatistics`` convention;
  vector envs carry the mask ``_episode``, at the top level for
  :class:`VectorGameEpisodes`, inside ``final_info`` for a ``SyncVectorEnv``
  of :class:`GameEpisodes` envs).
* ``terminal_on_life_loss``: losing a life (game not over) reports
  ``terminated`` and the game goes on. The next observation continues the
  same game and frame stack; the final observation (``final_obs``) of that
  step is the observation the step returned.
* ``clip_rewards``: the agent receives ``sign(r)`` once the score is counted.

Both wrappers set ``records_episode_statistics = True`` so the runner trusts
the reported statistics from the first step on.
"""

from __future__ import annotations

import time
from typing import Any, SupportsFloat

import gymnasium as gym
import numpy as np
from gymnasium.vector import VectorWrapper


class GameEpisodes(gym.Wrapper):
    """One Atari env with full-game statistics, life-loss terminals and clipping."""

    records_episode_statistics = True

    def __init__(self, env: gym.Env, *, terminal_on_life_loss: bool, clip_rewards: bool) -> None:
        """Wrap ``env`` (whose info carries ``lives``)."""
        super().__init__(env)
        self.terminal_on_life_loss = terminal_on_life_loss
        self.clip_rewards = clip_rewards
        self.lives = 0
        self.game_return = 0.0
        self.game_length = 0
        self.game_start = time.perf_counter()
        self.continue_game = False
        self.last_obs: Any = None

    def reset(self, *, seed: int | None = None, options: dict[str, Any] | None = None) -> tuple[Any, dict[str, Any]]:
        """A new game; right after a life-loss terminal (no seed), the same game goes on."""
        if self.continue_game and seed is None and not options:
            self.continue_game = False
            return self.last_obs, {"lives": self.lives}
        self.continue_game = False
        self.last_obs = None
        obs, info = self.env.reset(seed=seed, options=options)
        self.lives = int(info["lives"])
        self.game_return, self.game_length, self.game_start = 0.0, 0, time.perf_counter()
        return obs, info

    def step(self, action: Any) -> tuple[Any, SupportsFloat, bool, bool, dict[str, Any]]:
        """Step; count the raw score; maybe end on a lost life; maybe clip the reward."""
        obs, reward, terminated, truncated, info = self.env.step(action)
        raw = float(reward)
        self.game_return += raw
        self.game_length += 1
        lives = int(info["lives"])
        if terminated or truncated:
            info["episode"] = {
                "r": self.game_return,
                "l": self.game_length,
                "t": time.perf_counter() - self.game_start,
            }
        elif self.terminal_on_life_loss and lives < self.lives:
            terminated = True
            self.continue_game = True
            self.last_obs = obs
        self.lives = lives
        return obs, (float(np.sign(raw)) if self.clip_rewards else raw), terminated, truncated, info


class VectorGameEpisodes(VectorWrapper):
    """The same as :class:`GameEpisodes`, vectorised, for ale-py's ``AtariVectorEnv``.

    Its final observations arrive batched: ``infos["final_obs"][i]`` is env
    ``i``'s wherever the added mask ``infos["_final_obs"][i]`` is true.
    """

    records_episode_statistics = True

    def __init__(self, env: gym.vector.VectorEnv, *, terminal_on_life_loss: bool, clip_rewards: bool) -> None:
        """Wrap an ``AtariVectorEnv`` created with ``episodic_life=False, reward_clipping=False``."""
        super().__init__(env)
        self.terminal_on_life_loss = terminal_on_life_loss
        self.clip_rewards = clip_rewards
        n = self.num_envs
        self._lives = np.zeros(n, dtype=np.int64)
        self._returns = np.zeros(n, dtype=np.float64)
        self._lengths = np.zeros(n, dtype=np.int64)
        self._starts = np.full(n, time.perf_counter())

    def reset(self, *, seed: int | list[int] | None = None, options: dict[str, Any] | None = None) -> tuple[Any, dict[str, Any]]:
        """Reset all envs (or those in ``options["reset_mask"]``) and their statistics."""
        # VectorEnv.reset is typed seed: int | None; SyncVectorEnv and AtariVectorEnv also take one seed per env.
        obs, infos = self.env.reset(seed=seed, options=options)  # type: ignore[arg-type]
        mask = np.ones(self.num_envs, dtype=bool)
        if options and "reset_mask" in options:
            mask = np.asarray(options["reset_mask"], dtype=bool)
        self._returns[mask] = 0.0
        self._lengths[mask] = 0
        self._starts[mask] = time.perf_counter()
        self._lives[mask] = np.asarray(infos["lives"])[mask]
        return obs, infos

    def step(self, actions: Any) -> tuple[Any, np.ndarray, np.ndarray, np.ndarray, dict[str, Any]]:
        """Step every env; add game statistics, life-loss terminals and clipped rewards."""
        actions = np.asarray(actions, dtype=np.int64).reshape(self.num_envs)
        obs, rewards, terminated, truncated, infos = self.env.step(actions)
        raw = np.asarray(rewards, dtype=np.float64)
        terminated = np.asarray(terminated, dtype=bool)
        truncated = np.asarray(truncated, dtype=bool)
        self._returns += raw
        self._lengths += 1
        game_over = terminated | truncated
        lives = np.asarray(infos["lives"], dtype=np.int64)
        if game_over.any():
            now = time.perf_counter()
            infos["episode"] = {
                "r": np.where(game_over, self._returns, 0.0),
                "l": np.where(game_over, self._lengths, 0),
                "t": np.where(game_over, now - self._starts, 0.0),
            }
            infos["_episode"] = game_over
            self._returns[game_over] = 0.0
            self._lengths[game_over] = 0
            self._starts[game_over] = now
        if self.terminal_on_life_loss:
            life_lost = (lives < self._lives) & ~game_over
            if life_lost.any():
                terminated = terminated | life_lost
                final = np.array(infos["final_obs"]) if "final_obs" in infos else np.array(obs)
                final[life_lost] = obs[life_lost]
                infos["final_obs"] = final
        if "final_obs" in infos:
            infos["_final_obs"] = terminated | truncated
        self._lives = lives
        out = np.sign(raw) if self.clip_rewards else raw
        return obs, out.astype(np.float32), terminated, truncated, infos
