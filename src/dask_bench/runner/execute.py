"""Run a study: deploy, sweep, measure, store; close everything on every exit path."""

from __future__ import annotations

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
from dask_bench.runner.plan import Plan, PlannedPoint, Step, plan_study
from dask_bench.runner.progress import Reporter
from dask_bench.runner.provenance import (
    cluster_versions,
    enforced_layout,
    environment,
    http_listeners,
    merge_versions,
    mismatch_warning,
    require_matching_versions,
    require_tls,
    transport,
)
from dask_bench.runner.resume import apply_resume, plan_resume
from dask_bench.runner.signals import sigterm_as_interrupt, uninterruptible
from dask_bench.runner.sweep import SizeSweep
from dask_bench.runner.watch import WorkerWatch
from dask_bench.store import Store, check_writable
from dask_bench.store.schema import Point, Run
from dask_bench.study import Study

if TYPE_CHECKING:
    from distributed import Client


@dataclass(frozen=True)
class RunResult:
    """What a finished (or interrupted) study left behind."""

    run_id: int
    name: str
    status: str
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
        self.versions: dict[str, Any] | None = None
        self.failed = 0
        self.connected = 0  # workers connected after the last successful scale step
        self.hardware: dict[str, Any] | None = None
        #: The workers a size is measured on, when they are a subset of a fixed pool.
        self.subset: tuple[str, ...] | None = None
        self.watch: WorkerWatch | None = None
        self.calibration: Calibration | None = None
        self.budget = TimeBudget(plan.study.measurement.time_budget_seconds, len(plan.points))
        #: Seconds spent reading the breakdown's metrics (outside timed regions).
        self.breakdown_cost = 0.0
        #: Points of an interrupted size still open (closed as interrupted).
        self.open_points: list[Point] = []
        #: Calibrated sizes a resumed run started with, per workload key.
        self.preset_calibration: dict[str, dict[str, Any]] = {}

    def sweep(self) -> None:
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
        env = dict(self.run.environment or {})
        self.store.set_environment(self.run, {**env, "deployment": self.backend.describe()})
        self.check_transport(client)
        sizes = [step.workers for step in self.plan.steps]
        baseline_at = baseline_size(sizes) if study.measurement.hardware_baseline else None
        for step in self.plan.steps:
            self.reporter.scaling(step.workers)
            self.scale(client, step.workers, study.deployment.startup_timeout)
            if step.workers == baseline_at:
                # Between points: every worker of this size has arrived and is idle, no
                # point has started, and each point's own warm-up absorbs whatever the
                # benchmark leaves behind (page cache, connections between workers).
                self.hardware = hardware_baseline(client)
                if "error" in self.hardware:
                    self.reporter.warn(f"hardware baseline failed: {self.hardware['error']}")
            self.keep_hardware()
            self.measure_step(client, step, first=step is self.plan.steps[0])
        self.keep_calibration()

    def keep_calibration(self) -> None:
        """Store what calibration chose and what reading the metrics cost, with the run."""
        assert self.calibration is not None
        env = dict(self.run.environment or {})
        facts = {
            "calibration": self.calibration.found,
            "breakdown_seconds": round(self.breakdown_cost, 4),
        }
        self.store.set_environment(self.run, {**env, "measuring": facts})

    def keep_hardware(self) -> None:
        """Put the baseline into the provenance, which every scale step rewrites."""
        env = dict(self.run.environment or {})
        if self.hardware is not None and env.get("hardware") != self.hardware:
            self.store.set_environment(self.run, {**env, "hardware": self.hardware})

    def scale(self, client: Client, workers: int, timeout: float) -> None:
        try:
            event = scale_to(self.backend, client, workers, timeout)
            # may refuse what arrived (a gateway that changed the layout): a failed step
            queue_seconds, details = self.backend.step_details()
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
        self.check_transport(client)
        self.record_versions(client)

    def check_transport(self, client: Client) -> None:
        """Record how scheduler and workers are reached; with TLS asked, insist on tls://."""
        seen = {**transport(client), "dashboard": http_listeners(client)}
        env = dict(self.run.environment or {})
        security = {**env.get("security", {}), **seen}
        enforced = enforced_layout(client)
        if security != env.get("security") or enforced != env.get("layout_enforced"):
            # what the workers enforce, which a deployer may cap (LocalCluster: the memory)
            env = {**env, "security": security, "layout_enforced": enforced}
            self.store.set_environment(self.run, env)
        if self.plan.study.security.enabled:
            require_tls(seen)

    def record_versions(self, client: Client) -> None:
        """Record the cluster's versions; stop on a mismatch unless the study allows it.

        Runs after every scale step (new workers may bring other versions), so before
        any point is measured at that size.
        """
        self.versions = merge_versions(self.versions, cluster_versions(client))
        env = {
            **(self.run.environment or {}),
            **environment(self.backend.describe(), self.versions),
        }
        # stored before stopping, so the failed run still shows what differed
        self.store.set_environment(self.run, env)
        mismatches = env["version_mismatches"]
        require_matching_versions(mismatches, self.plan.study.deployment.allow_version_mismatch)
        for m in mismatches:
            self.reporter.warn(mismatch_warning(m))

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
        )
        try:
            if self.subset is None:
                sweep.measure(step, self.budget)
            else:
                # Global annotations reach every graph the client submits (compute,
                # persist, map, submit), collections built with dask-expr included.
                with annotate(workers=list(self.subset), allow_other_workers=False):
                    sweep.measure(step, self.budget)
        finally:
            self.breakdown_cost += sweep.breakdown_cost
            self.open_points = sweep.open_rows()

    def thread_share(self, client: Client, workers: int) -> float:
        """A size's share of the cluster's threads (below 1 on a subset of a pool)."""
        if self.subset is None:
            return 1.0
        total = sum(w.get("nthreads", 0) for w in connected_workers(client).values())
        used = workers * self.plan.layout.threads_per_worker
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
        self.store.finish_point(row, "failed", error, **fields)
        self.reporter.point_done(planned, "failed", error)


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
    backend.tag = job_tag(run.id)
    store.set_environment(
        run,
        {
            **(run.environment or {}),  # a resumed run keeps what it recorded
            **environment(backend.describe()),
            "process": process_info(raise_open_files()),
            "security": {"tls": study.security.kind},
        },
    )
    execution = _Execution(plan, store, run, backend, reporter)
    execution.preset_calibration = calibration
    status, message, error = "failed", None, None
    try:
        with sigterm_as_interrupt():
            execution.sweep()
        status = "complete"
    except KeyboardInterrupt:
        status, message = "interrupted", "interrupted by the user (Ctrl-C or SIGTERM)"
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
                point_status = "interrupted" if status == "interrupted" else "failed"
                try:
                    for row in execution.open_points:
                        store.finish_point(row, point_status, message)
                    store.finish_run(run, status, message)
                except StoreError:
                    # the database cannot take even this (a full disk): the error that
                    # stopped the study is the one to report; cleanup closes the run later
                    if status != "failed":
                        raise
                npoints = len(run.points)
                store.close()
    return RunResult(
        run.id, run.name, status, study.database, npoints, execution.failed, message,
        run.study_id, run.variant, error,
    )  # fmt: skip
