"""Measure all the points of one size: warm up each, then interleave their repetitions.

Each point is prepared and warmed up in turn (at the smallest size, workloads left
at their default sizes are calibrated during their warm-ups). Then the timed
repetitions go, one at a time, to the point that needs them most: first every
point gets ``min_repeats`` in turn, then the point whose interval is widest
relative to its target, until every point has ended (precise, point budget,
``max_repeats``, disturbed) or this size's share of the study's time budget is
spent. Slow drift of the machine therefore spreads over all workloads of a size
instead of landing on one of them.

Points whose data is a share of the workers' memory (the ``memory`` suite) come
last, one at a time, each alone on the cluster once the other points have released
their data: they are never interleaved or calibrated.

Between repetitions the worker set is checked (a :class:`WorkerWatch` receives the
scheduler's events): a repetition during which a worker left, arrived or paused
is stored as disturbed and repeated (pauses for memory excepted, for points sized
by memory); a worker lost between repetitions is waited for before the next one. A
worker killed by its nanny for memory stops the work in progress at once and ends
the point as failed (``workers killed for memory: ...``).
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from dask_bench.deploy.scaling import connected_workers, worker_count
from dask_bench.errors import DaskBenchError, RepetitionTimeout, WorkersKilled
from dask_bench.runner.breakdown import PointObserver
from dask_bench.runner.calibrate import Calibration, short_note
from dask_bench.runner.closing import PointCloser
from dask_bench.runner.harness import HarnessClock
from dask_bench.runner.live import LivePoint, TimeBudget, sized_by_memory
from dask_bench.runner.measure import PointRun, Repetition
from dask_bench.runner.memory import SizeMemory
from dask_bench.runner.perfreport import point_report
from dask_bench.runner.placement import PlacementLog
from dask_bench.runner.plan import PlannedPoint, Step
from dask_bench.runner.progress import Reporter
from dask_bench.runner.watch import WorkerWatch
from dask_bench.store import Store
from dask_bench.store.schema import Ending, Point, PointStatus, Run
from dask_bench.workloads import Trial, WorkloadContext

if TYPE_CHECKING:
    from distributed import Client

    from dask_bench.study import Study


@dataclass
class SizeSweep:
    """Measures the points of one size; see the module's description."""

    client: Client
    store: Store
    run: Run
    study: Study
    reporter: Reporter
    watch: WorkerWatch
    calibration: Calibration
    threads: int  # threads per worker
    memory_per_worker: int
    share: float  # the points' share of the cluster's threads
    first: bool  # the smallest size: calibrate here
    expected_workers: int
    #: Stores a failed point: ``fail_point(planned, row, error, **fields)``.
    fail_point: Callable[..., None]
    #: Restarts the workers after a timed-out repetition; says what it did.
    recover: Callable[[int], str]
    #: Where tasks ran (worker groups, tasks that need a resource); None: not recorded.
    placement: PlacementLog | None = None
    breakdown_cost: float = 0.0
    _mark: int = 0
    #: A worker left during a repetition: its replacement's arrival is news.
    _recovering: bool = False
    _live: list[LivePoint] = field(default_factory=list)
    _rows: list[Point] = field(default_factory=list)
    _closer: PointCloser = field(init=False)
    #: What the harness spent on this size (see :mod:`dask_bench.runner.harness`).
    clock: HarnessClock = field(default_factory=HarnessClock)
    #: Workers present at the last check between repetitions (following them is O(workers)).
    _known: int = -1

    def __post_init__(self) -> None:
        self._closer = PointCloser(
            client=self.client,
            store=self.store,
            watch=self.watch,
            reporter=self.reporter,
            threads=self.threads,
            fail_point=self.fail_point,
            placement=self.placement,
        )

    def measure(self, step: Step, budget: TimeBudget) -> None:
        """Measure every point of ``step``; failed points are stored as failed."""
        settings = self.study.measurement
        interleave = settings.interleave and settings.performance_report is None
        self.clock = HarnessClock()
        with self.clock.section("memory"):
            memory = SizeMemory(self.client, f"size {step.workers}") if settings.breakdown else None
        self._live = live = []
        deadline = budget.deadline(len(step.points))
        try:
            addresses = _addresses(self.client)
            self.watch.follow(addresses)
            self._known = len(addresses)
            self._mark = self.watch.mark()
            alone = [p for p in step.points if sized_by_memory(p)]
            for planned in [p for p in step.points if p not in alone]:
                point = self._start(self.calibration.resize(planned), planned.chunks)
                if point is None:
                    continue
                if not interleave:
                    self._repeat([point], deadline)
                    self._finish([point], memory)
                    continue
                if point.run.done:
                    self._finish([point], memory)
                else:
                    live.append(point)
            self._repeat(live, deadline)
            self._finish(live, memory)
            # Sized by the workers' memory: one at a time, once the others' data is gone.
            for planned in alone:
                point = self._start(planned, planned.chunks)
                if point is not None:
                    self._repeat([point], deadline)
                    self._finish([point], memory)
        finally:
            if memory is not None:
                with self.clock.section("memory"):
                    memory.stop()
            for point in live:
                point.report.stop()

    def open_rows(self) -> list[Point]:
        """Stored points of this size not yet closed (after an interrupt or an error)."""
        return [row for row in self._rows if row.status == PointStatus.RUNNING]

    # --- one point -------------------------------------------------------------

    def _start(self, planned: PlannedPoint, default_chunks: int) -> LivePoint | None:
        settings = self.study.measurement
        before = self._between(pauses=not sized_by_memory(planned))
        self.reporter.point(planned)
        row = self._row(planned)
        try:
            trial = self._prepare(planned)
        except Exception as exc:
            error = f"preparation failed: {type(exc).__name__}: {exc}"
            if isinstance(exc, WorkersKilled):
                error = f"{exc} (while the point was prepared)"
            if isinstance(exc, RepetitionTimeout):
                error = f"{error}; {self.recover(planned.workers)}"
                self._prepare_again(None)
            self.fail_point(planned, row, error)
            return None
        observer = None
        placed = self.placement is not None and self.placement.wanted(trial.placement)
        if settings.breakdown or placed:
            tags = (
                f"dask-bench run {self.run.id}",
                planned.workload.suite,
                planned.workload.name,
                f"{planned.units} units",
            )
            # without the breakdown: spans only, which tell where each repetition's tasks ran
            observer = PointObserver(
                self.client, tags, share=self.share, metrics=settings.breakdown
            )
        point = LivePoint(planned, row, trial, observer, default_chunks)
        point.notes.extend(trial.notes)
        if placed and self.placement is not None:
            self.placement.ensure(self.client)
        if before is not None:
            point.notes.append(f"before this point: {before}")
        calibrate = None
        if self.first and self.calibration.automatic(planned):
            calibrate = self._calibrator(point)
        point.run = PointRun(
            trial,
            settings,
            on_repetition=lambda rep: self._store(point, rep),
            observer=observer,
            watch=self.watch if point.pauses_disturb else self.watch.expecting_pauses(),
            calibrate=calibrate,
        )
        warm = point.run.warm_up()
        if point.run.outcome.timed_out:
            self._after_timeout(point)
        self._settle(point)
        if warm:
            point.report = point_report(self.client, settings, self.run.id, point.planned)
            point.report.start()  # after the warm-ups: the report covers timed repetitions
        return point

    def _calibrator(self, point: LivePoint) -> Callable[[float], Trial[Any] | None]:
        def grow(seconds: float) -> Trial[Any] | None:
            bigger = self.calibration.grow(point.planned, seconds, point.trial.nbytes)
            if bigger is None:
                return None
            point.trial.release()
            point.planned = bigger
            point.trial = self._prepare(bigger)
            return point.trial

        return grow

    def _settle(self, point: LivePoint) -> None:
        """After the warm-ups: say what calibration chose, or that the size is too short."""
        timings = point.run.outcome.timings
        if not timings:
            return
        if self.first and self.calibration.automatic(point.planned):
            note = self.calibration.settle(point.planned, timings[0], point.default_chunks)
            if note:
                self.reporter.info(f"{point.planned.workload.key}: {note}")
        elif not self.calibration.automatic(point.planned):
            note = short_note(point.planned, timings[0], self.study)
            if note:
                self.reporter.warn(f"{point.planned.label}: {note}")
        else:
            note = None
        if note:
            point.notes.append(note)
        warmups = point.run.outcome.warmups
        if warmups > 1:
            point.notes.append(f"{warmups} warm-ups until the timings were steady")

    def _row(self, planned: PlannedPoint) -> Point:
        row = self.store.add_point(
            self.run,
            suite=planned.workload.suite,
            workload=planned.workload.name,
            workload_version=planned.workload.version,
            workers=planned.workers,
            threads_per_worker=self.threads,
            memory_per_worker=self.memory_per_worker,
            units=planned.units,
            chunks=planned.chunks,
            chunk_size=planned.chunk_size,
            options=dict(planned.options),
        )
        self._rows.append(row)
        return row

    def _prepare(self, planned: PlannedPoint) -> Trial[Any]:
        t0 = time.perf_counter()
        try:
            return planned.workload.func(self._context(planned))
        finally:
            self.clock.prepare += time.perf_counter() - t0

    def _context(self, planned: PlannedPoint) -> WorkloadContext:
        settings = self.study.measurement
        return WorkloadContext(
            client=self.client,
            units=planned.units,
            chunks=planned.chunks,
            chunk_size=planned.chunk_size,
            options=planned.options,
            seed=settings.seed,
            timeout=settings.repetition_timeout,
            io_directory=self.study.io.directory,
            interrupt=self.watch.interrupt,
        )

    def _store(self, point: LivePoint, rep: Repetition) -> None:
        self.clock.repetition(rep.seconds)
        with self.clock.section("store"):
            self._store_row(point, rep)

    def _store_row(self, point: LivePoint, rep: Repetition) -> None:
        measurement_id = self.store.add_measurement(
            point.row,
            repetition=rep.index,
            warmup=rep.warmup,
            seconds=rep.seconds,
            ok=rep.ok,
            error=rep.error,
            started_at=rep.started_at,
            disturbance=rep.disturbance,
        )
        if not rep.warmup and rep.disturbance is None and rep.seconds is not None:
            start = rep.started_at.timestamp() if rep.started_at.tzinfo else _utc(rep)
            point.windows[measurement_id] = (start, start + rep.seconds)
        self.reporter.repetition(point.planned, rep.index, rep.warmup)
        if rep.disturbance is not None and "left" in rep.disturbance:
            self._recovering = True
        self._mark = self.watch.mark()

    # --- the timed phase -------------------------------------------------------

    def _repeat(self, points: list[LivePoint], deadline: float | None) -> None:
        while True:
            open_points = [p for p in points if not p.run.done]
            if not open_points:
                return
            if deadline is not None and time.perf_counter() >= deadline:
                for p in open_points:
                    if p.run.has_minimum:
                        p.run.stop(Ending.TIME_BUDGET)
                open_points = [p for p in open_points if not p.run.done]
                if not open_points:
                    return
            # first everyone to min_repeats, in turn; then the widest interval
            pick = min(
                open_points,
                key=lambda p: (p.run.has_minimum, -p.run.uncertainty, len(p.run.outcome.timings)),
            )
            what = self._between(pauses=pick.pauses_disturb)
            if what is not None:
                pick.notes.append(f"between repetitions: {what}")
            pick.run.step(after=what)
            if pick.run.outcome.timed_out:
                self._after_timeout(pick)

    def _between(self, pauses: bool = True) -> str | None:
        with self.clock.section("between"):
            return self._check_workers(pauses)

    def _check_workers(self, pauses: bool) -> str | None:
        """Between repetitions: wait for any worker lost since the last one; say what happened.

        Arrivals alone, with every expected worker present, are the study's own
        scaling and go unmentioned, unless they replace a worker lost before (a
        restarted worker is cold: the next repetition counts as disturbed).
        ``pauses=False``: workers pausing for memory are no news (the next point is
        sized by memory).
        """
        what = self.watch.since(self._mark, pauses=pauses)
        # a reply of constant size: this runs before every repetition
        present, _ = worker_count(self.client)
        if present < self.expected_workers:
            lost = what or f"{self.expected_workers - present} worker(s) missing"
            timeout = self.study.deployment.startup_timeout
            self.reporter.warn(f"between repetitions: {lost}; waiting up to {timeout:g} s")
            try:
                self.client.wait_for_workers(self.expected_workers, timeout=timeout)
            except TimeoutError:
                raise DaskBenchError(
                    f"{lost}, and {self.expected_workers - present} worker(s) did not come "
                    f"back within {timeout:g} s (deployment.startup_timeout)"
                ) from None
            present, _ = worker_count(self.client)
            what = f"{lost}; waited until the workers were back"
            self._recovering = False
        elif what is not None and all(p.endswith("arrived") for p in what.split("; ")):
            if not self._recovering:
                what = None  # the study's own scaling
            self._recovering = False
        elif what is None and self._recovering:
            what = "a worker was replaced during the previous repetition, and is still cold"
            self._recovering = False
        if what is not None or present != self._known:
            # only when the worker set changed: following new workers needs every address
            self.watch.follow(_addresses(self.client))
            self._known = present
        self._mark = self.watch.mark()
        return what

    def _after_timeout(self, failed: LivePoint) -> None:
        """A timed-out repetition: restart the workers, then prepare the other points again."""
        note = self.recover(failed.planned.workers)
        failed.run.outcome.error = f"{failed.run.outcome.error}; {note}"
        failed.run.outcome.timed_out = False  # recovered here, not again when stored
        self._prepare_again(failed)

    def _prepare_again(self, failed: LivePoint | None) -> None:
        for p in self._live:
            if p is failed or p.run.done:
                continue
            p.trial.release()
            p.trial = self._prepare(p.planned)
            p.run.trial = p.trial
            p.notes.append("prepared again after another point's timeout restarted the workers")
        self._mark = self.watch.mark()

    def _finish(self, points: list[LivePoint], memory: SizeMemory | None) -> None:
        with self.clock.section("close"):
            cost = self._closer.finish(points, memory)
        self.breakdown_cost += cost
        self.clock.sections["breakdown"] = self.clock.sections.get("breakdown", 0.0) + cost


def _addresses(client: Client) -> list[str]:
    return list(connected_workers(client))


def _utc(rep: Repetition) -> float:
    from datetime import UTC

    return rep.started_at.replace(tzinfo=UTC).timestamp()
