"""Worker memory over one size of the sweep, shared out to its points."""

from __future__ import annotations

from contextlib import AbstractContextManager
from typing import TYPE_CHECKING

from distributed.diagnostics.memory_sampler import MemorySampler

if TYPE_CHECKING:
    from distributed import Client

#: Seconds between memory samples while a point's timed repetitions run.
MEMORY_INTERVAL = 0.1


class SizeMemory:
    """Worker memory sampled over one size; each point takes the samples of its repetitions.

    One sampler runs while all the points of a size are measured (their repetitions
    may be interleaved); a point's peak and mean come from the samples taken while
    its own timed repetitions ran.
    """

    def __init__(self, client: Client, label: str) -> None:
        self._sampler = MemorySampler()
        self._label = label
        self._sampling: AbstractContextManager[None] | None = self._sampler.sample(
            label, client=client, measure="process", interval=MEMORY_INTERVAL
        )
        self._sampling.__enter__()

    def stop(self) -> None:
        """Stop sampling (also when the size failed)."""
        if self._sampling is not None:
            sampling, self._sampling = self._sampling, None
            sampling.__exit__(None, None, None)

    def within(self, windows: list[tuple[float, float]]) -> tuple[float | None, float | None]:
        """Peak and mean of the samples taken inside these wall-clock windows."""
        self.stop()
        frame = self._sampler.to_pandas(align=False)
        if frame.empty or not windows:
            return None, None
        series = frame.iloc[:, 0]
        stamps = series.index.astype("int64") / 1e9  # the sampler's wall-clock times
        keep = [
            any(lo - MEMORY_INTERVAL <= t <= hi + MEMORY_INTERVAL for lo, hi in windows)
            for t in stamps
        ]
        picked = series[keep]
        if picked.empty:
            return None, None
        return float(picked.max()), float(picked.mean())
