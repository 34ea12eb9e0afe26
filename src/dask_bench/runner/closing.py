"""Closing the points of a size: late disturbances, their metrics read in one go, the rows."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from dask_bench.runner.breakdown import finish_points
from dask_bench.runner.live import LivePoint
from dask_bench.runner.memory import SizeMemory
from dask_bench.runner.progress import Reporter
from dask_bench.runner.watch import WorkerWatch
from dask_bench.store import PointStatus, Store

if TYPE_CHECKING:
    from distributed import Client


@dataclass
class PointCloser:
    """Stores how the points of a size ended, with their breakdown and memory."""

    client: Client
    store: Store
    watch: WorkerWatch
    reporter: Reporter
    threads: int  # threads per worker
    #: Stores a failed point: ``fail_point(planned, row, error, **fields)``.
    fail_point: Callable[..., None]

    def finish(self, points: list[LivePoint], memory: SizeMemory | None) -> float:
        """Read the metrics of these points in one go, store them and close the points.

        Returns what reading the metrics cost (seconds).
        """
        cost = 0.0
        for p in points:
            p.report.stop()
            self._late_disturbances(p)
        metrics: list[Any] = [None] * len(points)
        observed = [
            p for p in points if p.observer is not None and p.run.outcome.status == PointStatus.OK
        ]
        if observed:
            try:
                found, cost = finish_points(
                    self.client,
                    [p.observer for p in observed],  # type: ignore[misc]
                    [p.run.outcome.timings for p in observed],
                    [p.planned.workers * self.threads for p in observed],
                    memory,
                )
            except Exception as exc:
                self.reporter.warn(f"metrics could not be read: {type(exc).__name__}: {exc}")
                found, cost = [None] * len(observed), 0.0
            by_point = dict(zip([id(p) for p in observed], found, strict=True))
            metrics = [by_point.get(id(p)) for p in points]
        for p, m in zip(points, metrics, strict=True):
            self._close(p, m)
        return cost

    def _late_disturbances(self, point: LivePoint) -> None:
        """Flag timed repetitions whose disturbance reached the client after they were stored."""
        for measurement_id, (start, stop) in point.windows.items():
            what = self.watch.between(start, stop, pauses=point.pauses_disturb)
            if what is not None:
                self.store.mark_disturbed(point.row, measurement_id, what)
                point.notes.append(f"a repetition was found disturbed afterwards: {what}")

    def _close(self, p: LivePoint, metrics: Any) -> None:
        out = p.run.outcome
        fields: dict[str, Any] = {
            "nbytes": p.trial.nbytes,
            "ntasks": p.trial.ntasks,
            "chunks": p.planned.chunks,
            "stopped_by": out.stopped_by,
            "performance_report": p.report.path,
            "notes": [*p.notes, *out.notes] or None,
        }
        if p.report.error:
            self.reporter.warn(p.report.error)
        p.trial.release()
        if out.status != PointStatus.OK:
            self.fail_point(p.planned, p.row, out.error, **fields)
            return
        if metrics is not None:
            self.store.add_breakdown(p.row, metrics.seconds)
            fields.update(
                tasks_per_second=metrics.tasks_per_second,
                scheduler_tasks=metrics.tasks,
                submit_seconds=metrics.submit_seconds,
                memory_peak=metrics.memory_peak,
                memory_mean=metrics.memory_mean,
                metrics_complete=metrics.complete,
                metrics_note=metrics.note,
                scheduler=metrics.scheduler,
            )
        self.store.finish_point(p.row, PointStatus.OK, **fields)
        self.reporter.point_done(p.planned, PointStatus.OK, None)
