"""The points of the size being measured, and the study's time budget shared over its sizes."""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from typing import Any

from dask_bench.runner.breakdown import PointObserver
from dask_bench.runner.measure import PointRun
from dask_bench.runner.perfreport import PointReport
from dask_bench.runner.plan import PlannedPoint
from dask_bench.store.schema import Point
from dask_bench.study import suite_info
from dask_bench.workloads import Trial


class TimeBudget:
    """The study's time budget, shared out over its sizes by their number of points."""

    def __init__(self, seconds: float | None, points: int) -> None:
        self.seconds, self.points_left = seconds, points
        self.start = time.perf_counter()

    def deadline(self, points: int) -> float | None:
        """When the next ``points`` points must end (a ``perf_counter`` value); None: never."""
        if self.seconds is None:
            return None
        now = time.perf_counter()
        left = self.seconds - (now - self.start)
        share = points / self.points_left if self.points_left else 1.0
        self.points_left -= points
        return now + max(0.0, left) * share


@dataclass
class LivePoint:
    """A point of the size being measured."""

    planned: PlannedPoint
    row: Point
    trial: Trial[Any]
    observer: PointObserver | None
    default_chunks: int
    report: PointReport = field(default_factory=lambda: PointReport(None, None))
    notes: list[str] = field(default_factory=list)
    run: PointRun = field(init=False)
    #: Stored timed repetitions: measurement id -> wall-clock start and end.
    windows: dict[int, tuple[float, float]] = field(default_factory=dict)

    @property
    def pauses_disturb(self) -> bool:
        """Whether workers pausing for memory disturb it (not when it is sized by memory)."""
        return not sized_by_memory(self.planned)


def sized_by_memory(planned: PlannedPoint) -> bool:
    """Whether the point's data is a share of the workers' memory (it then runs alone)."""
    return suite_info(planned.workload.suite).sized_by_memory
