"""``StrategyEngine.decide(admit=...)``: excluding options by their resolved tier and index."""

from __future__ import annotations

from gaikit.strategies.engine import StrategyEngine
from gaikit.strategies.loader import load_strategies

YAML = """\
game: toy
decisions:
  buy:
    options:
      vital: {tier: must-have, score: 1}
      useful: {tier: should-have, score: 50}
      luxury: {tier: nice-to-have, score: 100}
"""


def _engine(tmp_path) -> StrategyEngine:
    path = tmp_path / "toy.yaml"
    path.write_text(YAML)
    return StrategyEngine(load_strategies(path), seed=0)


def test_admit_sees_each_option_with_its_tier_and_excludes(tmp_path):
    engine = _engine(tmp_path)
    ctx = engine.context({})
    seen = []

    def admit(index: int, tier: str) -> bool:
        seen.append((index, tier))
        return tier != "must-have"

    d = engine.decide("buy", ctx, admit=admit)
    assert seen == [(0, "must-have"), (1, "should-have"), (2, "nice-to-have")]
    assert d.winner.kind == "useful"  # the must-have was excluded; should-have outranks nice-to-have
    assert not d.choice.eligible[0, 0] and d.choice.eligible[0, 1]


def test_admit_combines_with_mask_and_allowed_tiers(tmp_path):
    engine = _engine(tmp_path)
    ctx = engine.context({})
    d = engine.decide("buy", ctx, mask=[False, True, True], admit=lambda i, t: i != 1)
    assert d.winner.kind == "luxury"
    d = engine.decide("buy", ctx, allowed_tiers={"should-have", "nice-to-have"}, admit=lambda i, t: t != "nice-to-have")
    assert d.winner.kind == "useful"
    d = engine.decide("buy", ctx, admit=lambda i, t: False)
    assert d.winner is None and d.index == -1
