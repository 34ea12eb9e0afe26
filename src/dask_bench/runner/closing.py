"""Closing the points of a size: late disturbances, their metrics read in one go, the rows."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from dask_bench.runner.breakdown import finish_points
from dask_bench.runner.live import LivePoint
from dask_bench.runner.memory import SizeMemory
from dask_bench.runner.placement import PlacementLog, judge, read
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
    #: Where tasks ran is recorded (worker groups, or tasks that need a resource).
    placement: PlacementLog | None = None

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
            p
            for p in points
            if p.observer is not None
            and p.observer.metrics
            and p.run.outcome.status == PointStatus.OK
        ]
        if observed:
            try:
                found, cost = finish_points(
                    self.client,
                    [p.observer for p in observed],  # type: ignore[misc]
                    [p.run.outcome.timings for p in observed],
                    [p.planned.units for p in observed],
                    memory,
                )
            except Exception as exc:
                self.reporter.warn(f"metrics could not be read: {type(exc).__name__}: {exc}")
                found, cost = [None] * len(observed), 0.0
            by_point = dict(zip([id(p) for p in observed], found, strict=True))
            metrics = [by_point.get(id(p)) for p in points]
        placed = self._placement(points)
        for p, m in zip(points, metrics, strict=True):
            self._close(p, m, placed.get(id(p)))
        return cost

    def _placement(self, points: list[LivePoint]) -> dict[int, tuple[dict[str, Any], list[str]]]:
        """Where each point's tasks ran, and what ran where it should not (by point)."""
        log = self.placement
        if log is None or not log.installed:
            return {}
        chosen = [
            p
            for p in points
            if p.observer is not None
            and p.run.outcome.status == PointStatus.OK
            and log.wanted(p.trial.placement)
        ]
        if not chosen:
            return {}
        try:
            seen = read(self.client, [p.observer.span_ids for p in chosen if p.observer])
        except Exception as exc:
            self.reporter.warn(f"task placement could not be read: {type(exc).__name__}: {exc}")
            return {}
        found = {}
        for p, each in zip(chosen, seen, strict=True):
            judged = judge(each, log.layout, p.trial.placement)
            found[id(p)] = (judged.as_dict(p.trial.placement), judged.violations)
        return found

    def _late_disturbances(self, point: LivePoint) -> None:
        """Flag timed repetitions whose disturbance reached the client after they were stored."""
        for measurement_id, (start, stop) in point.windows.items():
            what = self.watch.between(start, stop, pauses=point.pauses_disturb)
            if what is not None:
                self.store.mark_disturbed(point.row, measurement_id, what)
                point.notes.append(f"a repetition was found disturbed afterwards: {what}")

    def _close(
        self, p: LivePoint, metrics: Any, placed: tuple[dict[str, Any], list[str]] | None
    ) -> None:
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
        if placed is not None:
            fields["placement"] = placed[0]
        if out.status != PointStatus.OK:
            self.fail_point(p.planned, p.row, out.error, **fields)
            return
        if placed is not None and placed[1]:
            error = "tasks ran on the wrong workers: " + "; ".join(placed[1])
            self.fail_point(p.planned, p.row, error, **fields)
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
