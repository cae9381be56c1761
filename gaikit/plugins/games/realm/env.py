"""``RealmEnv``: the Gymnasium environment of one (player) country in a world of AI countries.

* Observation: ``Box(-10, 10, (len(FEATURES),), float32)``, the player's
  features (:data:`~gaikit.plugins.games.realm.features.FEATURES`) scaled
  by ``OBS_SCALE`` and clipped.
* Action: ``Discrete(10)``, see :data:`~gaikit.plugins.games.realm.player.ACTIONS`.
* Step: the action, then ``step_weeks`` weeks of the world.
* Reward: ``100 x`` the change in the player's share of world GDP, ``+2`` per
  state gained (``-2`` lost), ``-10`` per bankruptcy; ``-20`` and
  termination when the country is annexed. Episodes are truncated after
  ``years`` years.

Every other country is run by its strategy engine with the given game rules
(``behaviour_toward_players`` applies to the player). ``render_mode=
"rgb_array"`` draws the map: a tile per state in its owner's colour, the
player's states with a white border.
"""

from __future__ import annotations

from typing import Any, Mapping

import gymnasium as gym
import numpy as np

from gaikit.plugins.games.realm.features import FEATURES, OBS_CLIP, country_features, observation
from gaikit.plugins.games.realm.player import ACTIONS, apply_action
from gaikit.plugins.games.realm.simulation import new_world, step
from gaikit.plugins.games.realm.state import WorldState
from gaikit.plugins.games.realm.world import date_of
from gaikit.strategies.compiled import StrategySet

TILE = 24
_PALETTE = np.array([
    [31, 119, 180], [255, 127, 14], [44, 160, 44], [214, 39, 40], [148, 103, 189], [140, 86, 75],
    [227, 119, 194], [127, 127, 127], [188, 189, 34], [23, 190, 207], [174, 199, 232], [255, 187, 120],
    [152, 223, 138], [255, 152, 150], [197, 176, 213], [196, 156, 148],
], dtype=np.uint8)


class RealmEnv(gym.Env):
    """One player country of a realm world; the other countries are strategy-engine AIs."""

    metadata = {"render_modes": ["rgb_array"], "render_fps": 4}

    def __init__(
        self,
        strategies: StrategySet,
        *,
        countries: int = 8,
        states_per_country: int = 6,
        player: int = 0,
        years: int = 10,
        step_weeks: int = 4,
        rules: Mapping[str, str] | None = None,
        forecast: bool = True,
        render_mode: str | None = None,
        history: str | None = None,
    ) -> None:
        if render_mode not in (None, "rgb_array"):
            raise ValueError(f"realm renders 'rgb_array' only, got {render_mode!r}")
        self.strategies = strategies
        self.countries, self.states_per_country, self.player = countries, states_per_country, player
        self.weeks = years * 52
        self.step_weeks = step_weeks
        self.rules = dict(rules or {})
        self.forecast = forecast
        self.history = history
        self.render_mode = render_mode
        self.observation_space = gym.spaces.Box(-OBS_CLIP, OBS_CLIP, shape=(len(FEATURES),), dtype=np.float32)
        self.action_space = gym.spaces.Discrete(len(ACTIONS))
        #: The world of the current episode (``None`` before the first reset).
        self.world: WorldState | None = None
        self._score = (0.0, 0, 0)

    def _world(self) -> WorldState:
        if self.world is None:
            raise gym.error.ResetNeeded("call reset() before step()")
        return self.world

    def _status(self) -> tuple[float, int, int]:
        realm = self._world()
        c = realm.countries[self.player]
        total, _ = realm.totals()
        return float(realm.economy.gdp[self.player]) / total, int((realm.map.owner == self.player).sum()), c.bankruptcies

    def _obs(self) -> np.ndarray:
        realm = self._world()
        return observation(country_features(realm, realm.countries[self.player]))

    def _info(self, what: str = "") -> dict[str, Any]:
        realm = self._world()
        share, states, bankruptcies = self._status()
        return {"week": realm.week, "date": date_of(realm.week), "gdp_share": share, "states": states,
                "bankruptcies": bankruptcies, "treasury": float(realm.countries[self.player].treasury), "did": what}

    def reset(self, *, seed: int | None = None, options: dict[str, Any] | None = None) -> tuple[np.ndarray, dict[str, Any]]:
        """A new world (seeded from ``seed`` or the env's generator); the player is ``player``."""
        super().reset(seed=seed)
        world_seed = int(self.np_random.integers(2**31 - 1))
        self.world = new_world(
            self.strategies, countries=self.countries, states_per_country=self.states_per_country, seed=world_seed,
            rules=self.rules, player=self.player, player_controlled=True, forecast=self.forecast, history=self.history,
        )
        self._score = self._status()
        return self._obs(), self._info()

    def step(self, action: Any) -> tuple[np.ndarray, float, bool, bool, dict[str, Any]]:
        """Apply the player's action, then advance ``step_weeks`` weeks."""
        realm = self._world()
        c = realm.countries[self.player]
        did = apply_action(realm, c, int(action)) if not c.eliminated else "annexed"
        for _ in range(self.step_weeks):
            step(realm)
            if c.eliminated:
                break
        share, states, bankruptcies = self._status()
        old_share, old_states, old_bankruptcies = self._score
        reward = 100.0 * (share - old_share) + 2.0 * (states - old_states) - 10.0 * (bankruptcies - old_bankruptcies)
        self._score = (share, states, bankruptcies)
        terminated = c.eliminated
        if terminated:
            reward -= 20.0
        truncated = not terminated and realm.week >= self.weeks
        return self._obs(), float(reward), bool(terminated), bool(truncated), self._info(did)

    def render(self) -> np.ndarray | None:
        """The map as an RGB array (``render_mode="rgb_array"``), else ``None``."""
        if self.render_mode != "rgb_array" or self.world is None:
            return None
        m = self.world.map
        img = np.zeros((m.height * TILE, m.width * TILE, 3), dtype=np.uint8)
        for s in range(m.n):
            x, y = m.xy[s]
            tile = img[y * TILE:(y + 1) * TILE, x * TILE:(x + 1) * TILE]
            tile[:] = _PALETTE[int(m.owner[s]) % len(_PALETTE)]
            if int(m.owner[s]) == self.player:
                tile[:2], tile[-2:], tile[:, :2], tile[:, -2:] = 255, 255, 255, 255
            elif m.core[s] != m.owner[s]:
                tile[TILE // 2 - 1:TILE // 2 + 1] = 0  # conquered land: a dark stripe
        return img
