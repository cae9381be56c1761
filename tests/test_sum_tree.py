"""Sum/min tree invariants under random batched updates, and batched prefix-sum search."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from gaikit.core.errors import CheckpointError, GaikitError
from gaikit.plugins.memories.sum_tree import SumMinTree

# Integer-valued priorities keep every float sum exact, so the checks below can be exact too.
priority = st.integers(0, 1_000).map(float)


def updates(max_size: int):
    """A list of batches ``(indices, priorities)``; indices may repeat inside a batch."""
    batch = st.integers(1, 40).flatmap(
        lambda n: st.tuples(
            st.lists(st.integers(0, max_size - 1), min_size=n, max_size=n),
            st.lists(priority, min_size=n, max_size=n),
        )
    )
    return st.lists(batch, min_size=1, max_size=8)


def apply_reference(leaves: np.ndarray, batches) -> np.ndarray:
    """The leaves after applying the batches one element at a time (so the last write wins)."""
    for indices, values in batches:
        for i, v in zip(indices, values):
            leaves[i] = v
    return leaves


def assert_invariants(tree: SumMinTree) -> None:
    sums, mins = tree.nodes("sum"), tree.nodes("min")
    internal = np.arange(1, tree.capacity)
    assert np.array_equal(sums[internal], sums[2 * internal] + sums[2 * internal + 1])
    assert np.array_equal(mins[internal], np.minimum(mins[2 * internal], mins[2 * internal + 1]))
    leaves = tree.leaves
    assert np.array_equal(mins[tree.capacity :], np.where(leaves > 0, leaves, np.inf))
    assert tree.total == leaves.sum()
    positive = leaves[leaves > 0]
    assert tree.min == (positive.min() if positive.size else np.inf)


@settings(max_examples=150, deadline=None)
@given(size=st.integers(1, 3000), data=st.data())
def test_random_batched_updates_keep_every_node_exact(size, data):
    tree = SumMinTree(size)
    batches = data.draw(updates(size))
    expected = np.zeros(tree.capacity)
    for indices, values in batches:
        tree.update(np.array(indices), np.array(values))
    apply_reference(expected, batches)
    assert np.array_equal(tree.leaves, expected)  # repeated index: the last write won
    assert_invariants(tree)


@settings(max_examples=150, deadline=None)
@given(size=st.integers(1, 3000), data=st.data())
def test_find_returns_the_leaf_whose_range_holds_the_query(size, data):
    tree = SumMinTree(size)
    for indices, values in data.draw(updates(size)):
        tree.update(np.array(indices), np.array(values))
    if tree.total == 0:
        with pytest.raises(GaikitError, match="total priority is 0"):
            tree.find(np.array([0.0]))
        return
    cumulative = np.cumsum(tree.leaves)
    # Queries on range boundaries, just inside them, and random ones.
    edges = np.concatenate([[0.0], cumulative[:-1]])
    queries = np.concatenate(
        [edges[edges < tree.total], np.nextafter(cumulative, 0.0), np.array(data.draw(st.lists(
            st.floats(0.0, tree.total, exclude_max=True), min_size=1, max_size=50)))]
    )
    found = tree.find(queries)
    expected = np.searchsorted(cumulative, queries, side="right")
    assert np.array_equal(found, expected)
    assert np.all(tree.leaves[found] > 0)  # zero-priority leaves are never returned


@settings(max_examples=100, deadline=None)
@given(
    leaves=st.lists(st.one_of(st.just(0.0), st.floats(1e-12, 1e6)), min_size=1, max_size=600),
    data=st.data(),
)
def test_float_priorities_never_return_empty_leaves_even_at_the_total(leaves, data):
    tree = SumMinTree(len(leaves))
    tree.update(np.arange(len(leaves)), np.array(leaves))
    if tree.total == 0:
        return
    queries = np.array(data.draw(st.lists(st.floats(0.0, tree.total), min_size=1, max_size=50)))
    queries = np.concatenate([queries, [tree.total, np.nextafter(tree.total, 0.0), 0.0]])
    found = tree.find(queries)
    assert np.all(tree.leaves[found] > 0)
    cumulative = np.cumsum(tree.leaves)
    low = cumulative[found] - tree.leaves[found]
    tolerance = 1e-9 * tree.total
    assert np.all(queries >= low - tolerance)
    assert np.all(np.minimum(queries, cumulative[-1]) <= cumulative[found] + tolerance)


def test_large_tree_exercises_the_whole_level_recompute_and_the_search_jump():
    rng = np.random.default_rng(0)
    tree = SumMinTree(100_000)  # 17 levels: top ones recomputed whole, searched by one cumsum
    leaves = rng.integers(0, 100, tree.capacity).astype(float)
    tree.update(np.arange(tree.capacity), leaves)
    for _ in range(20):
        idx = rng.integers(0, tree.capacity, 300)
        val = rng.integers(0, 100, 300).astype(float)
        tree.update(idx, val)
        apply_reference(leaves, [(idx, val)])
    assert np.array_equal(tree.leaves, leaves)
    assert_invariants(tree)
    queries = rng.uniform(0, tree.total, 2_000)
    assert np.array_equal(tree.find(queries), np.searchsorted(np.cumsum(leaves), queries, side="right"))


def test_rebuild_and_state_round_trip():
    tree = SumMinTree(37)
    tree.update(np.array([3, 5, 36]), np.array([2.0, 0.0, 7.5]))
    restored = SumMinTree(37)
    restored.load_state_dict(tree.state_dict())
    assert np.array_equal(restored.nodes("sum"), tree.nodes("sum"))
    assert np.array_equal(restored.nodes("min"), tree.nodes("min"))
    assert restored.min == 2.0 and restored.total == 9.5
    with pytest.raises(CheckpointError, match="capacity"):
        SumMinTree(100).load_state_dict(tree.state_dict())


def test_bad_updates_are_clear_errors():
    tree = SumMinTree(8)
    with pytest.raises(GaikitError, match="out of range"):
        tree.update(np.array([8]), np.array([1.0]))
    with pytest.raises(GaikitError, match="finite and >= 0"):
        tree.update(np.array([0]), np.array([-1.0]))
    with pytest.raises(GaikitError, match="finite and >= 0"):
        tree.update(np.array([0]), np.array([np.nan]))
    with pytest.raises(GaikitError, match="2 indices but 1"):
        tree.update(np.array([0, 1]), np.array([1.0]))


def test_rounding_never_lands_in_an_empty_leaf(monkeypatch):
    """Priorities spanning 23 orders of magnitude make the fast descent round into empty leaves;
    the clamped slow path must catch every such query."""
    slow_path_queries = []
    clamped = SumMinTree._find_clamped

    def spy(self, queries):
        slow_path_queries.append(len(queries))
        return clamped(self, queries)

    monkeypatch.setattr(SumMinTree, "_find_clamped", spy)
    rng = np.random.default_rng(0)
    for _ in range(20):
        n = int(rng.integers(2, 5000))
        leaves = np.where(rng.random(n) < 0.5, 0.0, 10.0 ** rng.uniform(-15, 8, n))
        tree = SumMinTree(n)
        tree.update(np.arange(n), leaves)
        cumulative = np.cumsum(tree.leaves)
        queries = np.concatenate([np.nextafter(cumulative, 0), cumulative, rng.random(200) * tree.total])
        found = tree.find(np.minimum(queries, tree.total))
        assert np.all(tree.leaves[found] > 0)
    assert sum(slow_path_queries) > 0  # the guarded case really occurred


@pytest.mark.parametrize(
    "indices, values, expected",
    [
        ([2, 2, 5, 5, 5], [1.0, 2.0, 3.0, 4.0, 0.0], {2: 2.0, 5: 0.0}),  # sorted (stratified samples)
        ([5, 2, 5, 2, 7], [3.0, 1.0, 4.0, 6.0, 9.0], {2: 6.0, 5: 4.0, 7: 9.0}),  # unsorted
    ],
)
def test_repeated_indices_keep_their_last_value(indices, values, expected):
    tree = SumMinTree(8)
    tree.update(np.array(indices), np.array(values))
    for leaf, value in expected.items():
        assert tree.leaves[leaf] == value
    assert tree.total == sum(expected.values())
    assert_invariants(tree)


@pytest.mark.parametrize("size", [1, 2, 5, 1000, 100_000])
def test_small_updates_leave_the_nodes_a_rebuild_gives_bit_for_bit(size):
    """Float priorities (inexact sums), a few leaves at a time (a memory's adds): every node is what
    recomputing the whole tree from its leaves gives, so a checkpoint restores the very same tree."""
    rng = np.random.default_rng(size)
    tree, rebuilt = SumMinTree(size), SumMinTree(size)
    for _ in range(300):
        n = int(rng.integers(1, 7))
        tree.update(rng.integers(0, size, n), rng.random(n) ** 3 * (rng.random(n) > 0.2))  # zeros too
    rebuilt.load_state_dict(tree.state_dict())
    for kind in ("sum", "min"):
        assert np.array_equal(tree.nodes(kind), rebuilt.nodes(kind)), kind
