"""A samples-per-insert rate limiter, after Reverb's ``SampleToInsertRatio``.

Counts are in transitions: an insert of a chunk adds its env steps, a sample
adds its batch size. With ``diff = inserts * ratio - samples``, inserting
``n`` is allowed while ``diff + n * ratio <= max_diff`` and sampling ``n``
while ``diff - n >= min_diff``, where both bounds sit ``error_buffer`` either
side of ``min_size * ratio``. Below ``min_size`` inserts nothing may be
sampled and inserts are always allowed. So the learner blocks rather than
races and actors block rather than flood, and over ``I`` inserts the
realised ratio is within ``error_buffer / I`` of ``ratio``.

``ratio = 0`` switches limiting off: inserts never wait, samples wait only
for ``min_size``.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass
class SampleToInsertRatio:
    """Holds ``samples / inserts`` near ``ratio`` once ``min_size`` transitions are in."""

    ratio: float
    min_size: int
    error_buffer: float
    inserts: int = 0
    samples: int = 0

    def __post_init__(self) -> None:
        if self.ratio < 0 or self.min_size < 0 or self.error_buffer < 0:
            raise ValueError(f"rate limiter: ratio, min_size and error_buffer must be >= 0, got {self}")

    @property
    def _diff(self) -> float:
        return self.inserts * self.ratio - self.samples

    @property
    def _offset(self) -> float:
        return self.min_size * self.ratio

    def can_insert(self, count: int) -> bool:
        """Whether inserting ``count`` transitions now keeps the ratio."""
        if self.ratio == 0 or self.inserts < self.min_size:
            return True
        return self._diff + count * self.ratio <= self._offset + self.error_buffer

    def can_sample(self, count: int) -> bool:
        """Whether sampling ``count`` transitions now keeps the ratio."""
        if self.inserts < self.min_size:
            return False
        if self.ratio == 0:
            return True
        return self._diff - count >= self._offset - self.error_buffer

    def inserted(self, count: int) -> None:
        """Account ``count`` inserted transitions."""
        self.inserts += count

    def sampled(self, count: int) -> None:
        """Account ``count`` sampled transitions."""
        self.samples += count

    def realised_ratio(self) -> float:
        """Samples per insert so far, counting inserts after ``min_size`` (``nan`` before)."""
        after = self.inserts - self.min_size
        return self.samples / after if after > 0 else float("nan")


def error_buffer_for(ratio: float, min_size: int, *, insert_size: int, batch_size: int, tolerance: float) -> float:
    """The limiter's slack: ``tolerance * ratio * min_size``, but never too small to let a chunk and a batch through.

    An insert of ``insert_size`` needs ``ratio * insert_size`` of room and a
    sample ``batch_size``; with less slack than both together, actors and
    learner could wait for each other forever.
    """
    return max(tolerance * ratio * max(min_size, 1), ratio * insert_size + batch_size)
