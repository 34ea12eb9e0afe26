"""Run a study: deploy, sweep, measure, store; close everything on every exit path."""

from __future__ import annotations

import time
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from dask.base import annotate

from dask_bench._version import __version__
from dask_bench.deploy import Backend, job_tag, make_backend
from dask_bench.deploy.scaling import connected_workers, scale_to
from dask_bench.errors import DaskBenchError, StoreError
from dask_bench.runner._setup import new_study_id, storable
from dask_bench.runner.baseline import baseline_size, hardware_baseline
from dask_bench.runner.calibrate import Calibration, calibration_memory
from dask_bench.runner.limits import process_info, raise_open_files
from dask_bench.runner.live import TimeBudget
from dask_bench.runner.perfreport import report_folder
from dask_bench.runner.placement import PlacementLog
from dask_bench.runner.plan import Plan, PlannedPoint, Step, plan_study
from dask_bench.runner.progress import Reporter
from dask_bench.runner.provenance import (
    environment,
)
from dask_bench.runner.recording import Recorder
from dask_bench.runner.resume import apply_resume, plan_resume
from dask_bench.runner.scenarios import ScenarioRunner
from dask_bench.runner.signals import sigterm_as_interrupt, uninterruptible
from dask_bench.runner.sweep import SizeSweep
from dask_bench.runner.watch import WorkerWatch
from dask_bench.store import Store, check_writable
from dask_bench.store.schema import Point, PointStatus, Run, RunStatus
from dask_bench.study import Study

if TYPE_CHECKING:
    from distributed import Client


@dataclass(frozen=True)
class RunResult:
    """What a finished (or interrupted) study left behind."""

    run_id: int
    name: str
    status: RunStatus
    database: str
    points: int
    failed_points: int
    message: str | None = None
    #: Shared by the runs of one study (its deployment variants).
    study_id: str | None = None
    variant: str | None = None
    #: The deployment error that ended the run, when the caller asked not to raise it.
    error: DaskBenchError | None = None


class _Execution:
    """State of one study execution (kept out of the public API)."""

    def __init__(
        self, plan: Plan, store: Store, run: Run, backend: Backend, reporter: Reporter
    ) -> None:
        self.plan, self.store, self.run, self.backend = plan, store, run, backend
        self.reporter = reporter
        self.failed = 0
        self.connected = 0  # workers connected after the last successful scale step
        #: Seconds the checks after the last scale step took (harness, not deployment).
        self.after_scale = 0.0
        #: The workers a size is measured on, when they are a subset of a fixed pool.
        self.subset: tuple[str, ...] | None = None
        self.watch: WorkerWatch | None = None
        self.calibration: Calibration | None = None
        self.budget = TimeBudget(plan.study.measurement.time_budget_seconds, len(plan.points))
        self.record = Recorder(store, run, backend, reporter, plan.study)
        #: Points of an interrupted size still open (closed as interrupted).
        self.open_points: list[Point] = []
        #: The study's scenarios, once the sweep is done.
        self.scenarios: ScenarioRunner | None = None
        #: Calibrated sizes a resumed run started with, per workload key.
        self.preset_calibration: dict[str, dict[str, Any]] = {}
        #: Where tasks ran, recorded once a point needs it (a fresh one per cluster).
        self.placement = PlacementLog(plan.layout)

    def sweep(self) -> None:
        import dask.config

        # the client's config for the whole sweep; LocalCluster's and dask-jobqueue's
        # scheduler run in this process, and nannies hand it on to their workers
        with dask.config.set(self.plan.study.config):
            self._sweep()

    def _sweep(self) -> None:
        study = self.plan.study
        client = self.backend.start()
        self.watch = WorkerWatch(client)
        self.calibration = Calibration(
            study,
            memory_limit=calibration_memory(self.plan.layout.memory_per_worker, self.plan.steps),
        )
        for key, found in self.preset_calibration.items():  # a resumed run's sizes
            self.calibration.factors[key] = int(found.get("factor", 1))
            self.calibration.found[key] = dict(found)
        # what only a started cluster knows (its name, address), even if no worker arrives
        self.store.update_provenance(self.run, deployment=self.backend.describe())
        self.record.transport(client)
        sizes = [step.workers for step in self.plan.steps]
        baseline_at = baseline_size(sizes) if study.measurement.hardware_baseline else None
        for step in self.plan.steps:
            self.reporter.scaling(step.workers)
            self.scale(client, step.workers, study.deployment.startup_timeout)
            if step.workers == baseline_at:
                # Between points: every worker of this size has arrived and is idle, no
                # point has started, and each point's own warm-up absorbs whatever the
                # benchmark leaves behind (page cache, connections between workers).
                self.record.hardware(hardware_baseline(client))
            self.measure_step(client, step, first=step is self.plan.steps[0])
        self.record.calibration(self.calibration)
        if study.scenarios:
            self.scenarios = ScenarioRunner(
                client=client,
                backend=self.backend,
                store=self.store,
                run=self.run,
                study=study,
                layout=self.plan.layout,
                reporter=self.reporter,
                scale=lambda workers: self.scale(client, workers, study.deployment.startup_timeout),
            )
            try:
                self.scenarios.run_all()
            finally:
                self.failed += self.scenarios.failed

    def scale(self, client: Client, workers: int, timeout: float) -> None:
        try:
            event = scale_to(self.backend, client, workers, timeout)
            # may refuse what arrived (a gateway that changed the layout): a failed step
            t0 = time.perf_counter()
            queue_seconds, details = self.backend.step_details()
            details_seconds = time.perf_counter() - t0
        except DaskBenchError as exc:
            self.store.add_scale_event(
                self.run,
                requested=workers,
                previous=self.connected,
                time_to_first=None,
                time_to_all=None,
                ok=False,
                error=str(exc),
            )
            raise
        if self.backend.fixed_pool:
            self.subset = event.workers
            details = {**(details or {}), "subset": list(event.workers)}
        self.store.add_scale_event(
            self.run,
            requested=workers,
            previous=event.previous,
            time_to_first=event.time_to_first,
            time_to_all=event.time_to_all,
            ok=True,
            queue_seconds=queue_seconds,
            details=details,
        )
        self.connected = workers
        t0 = time.perf_counter()
        self.record.transport(client)
        self.record.versions(client)
        self.record.dask_config(client)
        self.after_scale = time.perf_counter() - t0 + details_seconds

    def measure_step(self, client: Client, step: Step, first: bool) -> None:
        """Measure one size's points; on a fixed pool, only on the size's subset of workers."""
        assert self.watch is not None and self.calibration is not None
        sweep = SizeSweep(
            client=client,
            store=self.store,
            run=self.run,
            study=self.plan.study,
            reporter=self.reporter,
            watch=self.watch,
            calibration=self.calibration,
            threads=self.plan.layout.threads_per_worker,
            memory_per_worker=self.plan.layout.memory_per_worker,
            share=self.thread_share(client, step.workers),
            first=first,
            expected_workers=len(connected_workers(client)),
            fail_point=self.fail_point,
            recover=lambda workers: self.recover(client, workers),
            placement=self.placement,
        )
        try:
            if self.subset is None or self.whole_pool(client):
                sweep.measure(step, self.budget)
            else:
                # Global annotations reach every graph the client submits (compute,
                # persist, map, submit), collections built with dask-expr included.
                with annotate(workers=list(self.subset), allow_other_workers=False):
                    sweep.measure(step, self.budget)
        finally:
            self.record.breakdown_seconds += sweep.breakdown_cost
            self.open_points = sweep.open_rows()
            points = len(step.points)
            self.record.harness(
                step.workers, sweep.clock.figures(step.workers, points, self.after_scale)
            )

    def whole_pool(self, client: Client) -> bool:
        """Whether a fixed pool's subset is every worker it has: no restriction is needed.

        Restricting tasks to a list of workers costs the scheduler time per task and per
        listed worker (it resolves every address of every task's restriction): at the
        size that uses the whole pool, that cost would only distort the measurement.
        """
        return self.subset is not None and set(self.subset) >= set(connected_workers(client))

    def thread_share(self, client: Client, workers: int) -> float:
        """A size's share of the cluster's threads (below 1 on a subset of a pool)."""
        if self.subset is None:
            return 1.0
        total = sum(w.get("nthreads", 0) for w in connected_workers(client).values())
        used = self.plan.layout.units(workers)
        return min(1.0, used / total) if total else 1.0

    def recover(self, client: Client, workers: int) -> str:
        """Stop work a timed-out repetition left running; cancelling cannot stop a running task.

        Returns what was done, for the point's error message.
        """
        timeout = self.plan.study.deployment.startup_timeout
        try:
            client.restart(timeout=timeout, wait_for_workers=True)
        except Exception as exc:
            self.reporter.warn(f"could not restart the workers after a timeout: {exc}")
            return "workers could not be restarted; later points may be disturbed"
        if len(connected_workers(client)) != workers:
            scale_to(self.backend, client, workers, timeout)
        return "workers restarted"

    def fail_point(
        self, planned: PlannedPoint, row: Point, error: str | None, **fields: Any
    ) -> None:
        """Store a point as failed (a timed-out one has had its workers restarted)."""
        self.failed += 1
        self.store.finish_point(row, PointStatus.FAILED, error, **fields)
        self.reporter.point_done(planned, PointStatus.FAILED, error)


def run_study(
    study: Study,
    reporter: Reporter | None = None,
    *,
    study_id: str | None = None,
    raise_errors: bool = True,
    resume: str | None = None,
    accept_changed_study: bool = False,
) -> RunResult:
    """Run a study and store every measurement as it is taken.

    Parameters
    ----------
    study
        The validated study; when it has variants, use
        :func:`~dask_bench.runner.variants.run_variants`, which runs each in turn.
    reporter
        Receives progress events; default: none.
    study_id
        Shared by the runs of one study (its variants); default: a new one.
    raise_errors
        When false, a deployment error is returned in :attr:`RunResult.error` instead
        of raised (the run is stored as ``failed`` either way).
    resume
        Finish this stored run (id or name) instead of starting one: only its
        missing, failed or interrupted points (see :mod:`dask_bench.runner.resume`).
    accept_changed_study
        Resume although the study differs from the one the run started with.

    Returns
    -------
    RunResult
        Also when the study was interrupted by Ctrl-C or SIGTERM: then
        ``status == "interrupted"``, the cluster is closed and what was measured is kept.

    Raises
    ------
    DaskBenchError
        When the deployment fails (the run is stored as ``failed`` first).
    """
    if study.variants:
        raise ValueError("run_study() runs one variant; use run_variants() for a study with some")
    reporter = reporter or Reporter()
    plan = plan_study(study)
    backend = make_backend(study, layout=plan.layout)
    backend.check()
    backend.setup()  # MPI: scheduler and worker ranks stay here until the study ends
    check_writable(study.database)
    report_folder(study.measurement)  # a folder that cannot be created fails before any work
    store = Store(study.database, create=resume is None)
    calibration: dict[str, dict[str, Any]] = {}
    if resume is None:
        run = store.create_run(
            name=study.run_name,
            mode=study.mode,
            backend=study.deployment.backend,
            layout=plan.layout.as_dict(),
            study=storable(study),
            version=__version__,
            study_id=study_id or new_study_id(),
            variant=study.variant,
        )
    else:
        try:
            left = plan_resume(
                store, resume, plan, storable(study), accept_changed_study=accept_changed_study
            )
        except BaseException:
            store.close()
            raise
        plan, calibration = left.plan, left.calibration
        run = apply_resume(store, left)
    backend.tag = job_tag(run.id, run.study_id)
    # a resumed run keeps what it recorded
    store.update_provenance(
        run,
        **environment(backend.describe()),
        process=process_info(raise_open_files()),
        security={"tls": study.security.kind},
    )
    execution = _Execution(plan, store, run, backend, reporter)
    execution.preset_calibration = calibration
    status, message, error = RunStatus.FAILED, None, None
    try:
        with sigterm_as_interrupt():
            execution.sweep()
        status = RunStatus.COMPLETE
    except KeyboardInterrupt:
        status, message = RunStatus.INTERRUPTED, "interrupted by the user (Ctrl-C or SIGTERM)"
    except DaskBenchError as exc:
        message, error = str(exc), exc
        if raise_errors:
            raise
    except Exception as exc:
        message = f"{type(exc).__name__}: {exc}"
        raise
    finally:
        with uninterruptible():
            try:
                if execution.watch is not None:
                    execution.watch.close()
                try:
                    backend.close()
                except Exception as exc:
                    if message is None:
                        raise
                    # the error that stopped the study is the one to report
                    reporter.warn(f"closing the back-end also failed: {exc}")
            finally:
                point_status = (
                    PointStatus.INTERRUPTED
                    if status == RunStatus.INTERRUPTED
                    else PointStatus.FAILED
                )
                try:
                    for row in execution.open_points:
                        store.finish_point(row, point_status, message)
                    for scenario in execution.scenarios.open_rows if execution.scenarios else ():
                        store.finish_scenario(scenario, point_status, message)
                    store.finish_run(run, status, message)
                except StoreError:
                    # the database cannot take even this (a full disk): the error that
                    # stopped the study is the one to report; cleanup closes the run later
                    if status != RunStatus.FAILED:
                        raise
                npoints = len(run.points)
                store.close()
    return RunResult(
        run_id=run.id,
        name=run.name,
        status=status,
        database=study.database,
        points=npoints,
        failed_points=execution.failed,
        message=message,
        study_id=run.study_id,
        variant=run.variant,
        error=error,
    )
