"""Worker memory over one size of the sweep, shared out to its points."""

from __future__ import annotations

import logging
from contextlib import AbstractContextManager
from typing import TYPE_CHECKING

from distributed.diagnostics.memory_sampler import MemorySampler

if TYPE_CHECKING:
    from distributed import Client

logger = logging.getLogger(__name__)

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
        """Stop sampling (also when the size failed); samples the scheduler lost are none."""
        if self._sampling is not None:
            sampling, self._sampling = self._sampling, None
            try:
                sampling.__exit__(None, None, None)
            except Exception as exc:  # memory figures are not worth the study
                # e.g. KeyError: the scheduler dropped the sampler's state when it lost the
                # client (seen at a million tasks), or the connection is gone
                logger.warning("worker memory samples lost (%s: %s)", type(exc).__name__, exc)

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
