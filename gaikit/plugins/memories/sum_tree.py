"""A sum tree and a min tree over one flat numpy array each, updated and searched in batches.

Prioritized replay needs three things fast: the total priority, the leaf whose
cumulative range contains a number drawn in ``[0, total)``, and the smallest
positive priority (for the largest importance weight). A binary tree answers
each in ``O(log n)``; here every operation handles a whole batch at once, a
few numpy calls per tree level, with no Python loop over the batch.

Layout (the classic binary heap): node ``1`` is the root, node ``i`` has
children ``2i`` and ``2i + 1``, and the ``capacity`` leaves (a power of two)
sit at the end, in ``[capacity, 2 * capacity)``; slot ``0`` is unused. Level
``l`` is the slice ``[2**l, 2**(l+1))``.

Invariants, kept *exactly* because parents are recomputed from their children
(``left + right``, ``min(left, right)``) rather than patched with deltas:
every internal sum node equals the sum of its children, every internal min
node the minimum of its children. A leaf of priority ``0`` holds ``+inf`` in
the min tree (so the minimum is over positive priorities) and is never
returned by :meth:`SumMinTree.find`.

Batched work: an update walks up with sibling gathers only through the wide
lower levels and recomputes the narrow top levels whole (a strided add per
level); a search jumps over the top levels with one ``cumsum`` +
``searchsorted`` on a small level, then descends with a few in-place numpy
calls per level.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from gaikit.core.errors import CheckpointError, GaikitError

#: An update of ``n`` leaves recomputes whole every level of at most ``max(this, 16 * n)`` nodes
#: (two strided numpy calls per level beat eight gathers per level there).
_WHOLE_LEVEL = 2048
#: A search jumps straight to the deepest level with at most this many nodes.
_JUMP_LEVEL = 1024


def last_write_wins(indices: np.ndarray, values: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Sorted unique ``indices`` with the value of each index's *last* occurrence."""
    unique, first_in_reversed = np.unique(indices[::-1], return_index=True)
    return unique, values[::-1][first_in_reversed]


class SumMinTree:
    """Sum and min trees over ``size`` leaves, rounded up to a power of two.

    :param size: number of leaves needed; :attr:`capacity` is the next power of two.
    """

    def __init__(self, size: int) -> None:
        if size < 1:
            raise GaikitError(f"sum tree: size must be >= 1, got {size}")
        #: Levels below the root (``capacity == 2 ** depth``).
        self.depth = int(size - 1).bit_length()
        #: Number of leaves (a power of two >= ``size``).
        self.capacity = 1 << self.depth
        self._sum = np.zeros(2 * self.capacity, dtype=np.float64)
        self._min = np.full(2 * self.capacity, np.inf, dtype=np.float64)
        # The deepest level small enough to search with one cumsum.
        self._jump_depth = min(self.depth, _JUMP_LEVEL.bit_length() - 1)

    @property
    def total(self) -> float:
        """Sum of all leaf priorities."""
        return float(self._sum[1])

    @property
    def min(self) -> float:
        """Smallest positive leaf priority (``inf`` when every leaf is 0)."""
        return float(self._min[1])

    @property
    def leaves(self) -> np.ndarray:
        """Read-only view of the leaf priorities."""
        view = self._sum[self.capacity :]
        view.flags.writeable = False
        return view

    def nodes(self, kind: str = "sum") -> np.ndarray:
        """Read-only view of the whole ``sum`` or ``min`` array (heap layout, slot 0 unused)."""
        view = (self._sum if kind == "sum" else self._min)[:]
        view.flags.writeable = False
        return view

    def get(self, indices: np.ndarray) -> np.ndarray:
        """Priorities of the given leaves."""
        return self._sum[self.capacity + np.asarray(indices, dtype=np.int64)]

    def update(self, indices: np.ndarray, priorities: np.ndarray) -> None:
        """Set many leaves at once; for a repeated index the last value wins.

        Parents are then recomputed level by level: each touched node's new
        value is combined with its sibling's current value, so two touched
        siblings produce the same parent value and repeated parents are
        harmless.
        """
        indices = np.asarray(indices, dtype=np.int64).reshape(-1)
        priorities = np.asarray(priorities, dtype=np.float64).reshape(-1)
        if indices.shape != priorities.shape:
            raise GaikitError(f"sum tree: {indices.shape[0]} indices but {priorities.shape[0]} priorities")
        if indices.shape[0] == 0:
            return
        if not np.all(np.isfinite(priorities)) or priorities.min() < 0:
            raise GaikitError("sum tree: priorities must be finite and >= 0")
        if indices.min() < 0 or indices.max() >= self.capacity:
            raise GaikitError(f"sum tree: leaf index out of range [0, {self.capacity})")
        indices, priorities = last_write_wins(indices, priorities)
        position = indices + self.capacity
        sums = priorities.copy()
        mins = np.where(priorities > 0, priorities, np.inf)
        self._sum[position] = sums
        self._min[position] = mins
        whole_depth = min(self.depth, max(_WHOLE_LEVEL, 16 * indices.shape[0]).bit_length() - 1)
        for _ in range(self.depth - whole_depth):
            sibling = position ^ 1
            np.add(sums, self._sum.take(sibling), out=sums)
            np.minimum(mins, self._min.take(sibling), out=mins)
            position >>= 1
            self._sum[position] = sums
            self._min[position] = mins
        self._recompute_levels(whole_depth)

    def _recompute_levels(self, below: int) -> None:
        """Recompute every node of the levels above level ``below`` from their children."""
        for level in range(below - 1, -1, -1):
            lo, hi = 1 << level, 1 << (level + 1)
            np.add(self._sum[2 * lo : 2 * hi : 2], self._sum[2 * lo + 1 : 2 * hi : 2], out=self._sum[lo:hi])
            np.minimum(self._min[2 * lo : 2 * hi : 2], self._min[2 * lo + 1 : 2 * hi : 2], out=self._min[lo:hi])

    def find(self, queries: np.ndarray) -> np.ndarray:
        """For each query ``q`` in ``[0, total)``, the leaf whose cumulative range holds it.

        Leaf ``i`` covers ``[sum(p[:i]), sum(p[:i+1]))``: a leaf of priority 0
        covers nothing and is never returned. Queries at or beyond the total
        (rounding) land in the last non-empty leaf.
        """
        return self.find_with_priorities(queries)[0]

    def find_with_priorities(self, queries: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """:meth:`find` and the priorities of the leaves found."""
        if not self._sum[1] > 0.0:
            raise GaikitError("sum tree: cannot search a tree whose total priority is 0")
        remaining = np.array(queries, dtype=np.float64).reshape(-1)
        # Jump straight to level ``small_depth`` with one cumsum over that level.
        top = 1 << self._jump_depth
        inclusive = np.cumsum(self._sum[top : 2 * top])
        np.minimum(remaining, np.nextafter(inclusive[-1], -np.inf), out=remaining)
        np.maximum(remaining, 0.0, out=remaining)
        first = np.searchsorted(inclusive, remaining, side="right")
        exclusive = np.concatenate(([0.0], inclusive))
        remaining -= exclusive[first]
        node = first + top
        total = self._sum
        for _ in range(self.depth - self._jump_depth):
            node <<= 1
            left = total.take(node)
            go_right = remaining >= left
            np.subtract(remaining, left, out=remaining, where=go_right)
            node += go_right
        # Rounding can, very rarely, step into an empty leaf; redo those queries with clamping.
        priorities = total.take(node)
        empty = priorities <= 0.0
        if empty.any():
            node[empty] = self._find_clamped(np.asarray(queries, dtype=np.float64).reshape(-1)[empty])
            priorities = total.take(node)
        return node - self.capacity, priorities

    def _find_clamped(self, queries: np.ndarray) -> np.ndarray:
        """Slow-path search that keeps each query strictly inside the current node's mass."""
        remaining = np.minimum(queries, np.nextafter(self._sum[1], -np.inf))
        remaining = np.maximum(remaining, 0.0)
        node = np.ones(queries.shape[0], dtype=np.int64)
        for _ in range(self.depth):
            node <<= 1
            left, right = self._sum[node], self._sum[node + 1]
            np.minimum(remaining, np.nextafter(left + right, -np.inf), out=remaining)
            go_right = remaining >= left
            np.subtract(remaining, left, out=remaining, where=go_right)
            node += go_right
        return node

    def rebuild(self) -> None:
        """Recompute every internal node from the leaves (after loading leaves in bulk)."""
        leaves = self._sum[self.capacity :]
        self._min[self.capacity :] = np.where(leaves > 0, leaves, np.inf)
        self._recompute_levels(self.depth)

    def state_dict(self) -> dict[str, Any]:
        """Leaf priorities (internal nodes are rebuilt on load)."""
        return {"capacity": self.capacity, "leaves": self._sum[self.capacity :].copy()}

    def load_state_dict(self, state: dict[str, Any]) -> None:
        """Restore what :meth:`state_dict` returned; the capacity must match."""
        if state.get("capacity") != self.capacity:
            raise CheckpointError(f"sum tree state has capacity {state.get('capacity')}, expected {self.capacity}")
        leaves = np.asarray(state["leaves"], dtype=np.float64)
        if leaves.shape != (self.capacity,) or not np.all(np.isfinite(leaves)) or leaves.min(initial=0.0) < 0:
            raise CheckpointError(f"sum tree state: leaves must be {self.capacity} finite priorities >= 0")
        self._sum[self.capacity :] = leaves
        self.rebuild()
