"""Run a study's scenarios on its cluster and store every repetition as it ends."""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from dask_bench.deploy import Backend, WorkerLayout
from dask_bench.deploy.scaling import scale_to
from dask_bench.errors import DaskBenchError
from dask_bench.runner.progress import Reporter
from dask_bench.runner.scenarios._repetition import Observed, Round, observe
from dask_bench.runner.scenarios.adaptive import adaptive_round
from dask_bench.runner.scenarios.lifetime import lifetime_round
from dask_bench.runner.scenarios.scale_up import scale_up_round
from dask_bench.runner.scenarios.worker_loss import loss_round
from dask_bench.store import Store
from dask_bench.store.schema import PointStatus, Run, ScenarioRole, ScenarioRow
from dask_bench.study import Study, suite_info
from dask_bench.workloads import Trial, WorkloadContext, get_workload

if TYPE_CHECKING:
    from distributed import Client

    from dask_bench.study.scenarios import Scenario

from dask_bench.study.scenarios import Lifetime, ScaleUp, WorkerLoss


@dataclass
class ScenarioRunner:
    """Runs each scenario of a study in turn (see :mod:`dask_bench.runner.scenarios`)."""

    client: Client
    backend: Backend
    store: Store
    run: Run
    study: Study
    layout: WorkerLayout
    reporter: Reporter
    #: Scales the cluster and records the step: ``scale(workers)``.
    scale: Callable[[int], None]
    #: Scenarios started and not yet closed (after an interrupt or an error).
    open_rows: list[ScenarioRow] = field(default_factory=list)
    failed: int = 0
    _rounds_done: int = 0  # of the scenario running

    def run_all(self) -> None:
        """Run every scenario; one that fails is stored as failed and the next one runs."""
        with _expected_losses():
            self._run_all()

    def _run_all(self) -> None:
        # a resumed run keeps the scenarios it finished and runs the others again
        done = {s.name for s in self.run.scenarios if s.status == PointStatus.OK}
        self.store.drop_scenarios([s for s in self.run.scenarios if s.name not in done])
        for name, scenario in self.study.scenarios.items():
            if name in done:
                self.reporter.info(f"scenario {name}: kept from before the resume")
                for _ in range(scenario.repeats):
                    self.reporter.round_done()
                continue
            self.reporter.info(f"scenario {name}: {scenario.describe()}")
            self.scale(scenario.workers)
            self.run_one(name, scenario)

    def run_one(self, name: str, scenario: Scenario) -> None:
        """Prepare the workload, warm it up, then run the rounds."""
        self._rounds_done = 0
        try:
            self._run_one(name, scenario)
        finally:
            for _ in range(scenario.repeats - self._rounds_done):
                self.reporter.round_done()  # a failed scenario's rounds still count as done

    def _run_one(self, name: str, scenario: Scenario) -> None:
        workload = get_workload(scenario.suite, scenario.workload_name)
        ctx = self._context(scenario, workload.resolve_options(scenario.options))
        row = self.store.add_scenario(
            self.run,
            name=name,
            kind=scenario.kind,
            suite=scenario.suite,
            workload=scenario.workload_name,
            workload_version=workload.version,
            workers=scenario.workers,
            chunks=ctx.chunks,
            chunk_size=ctx.chunk_size,
            settings=scenario.model_dump(mode="json"),
        )
        self.open_rows.append(row)
        trial: Trial[Any] | None = None
        try:
            trial = workload.func(ctx)
            self.store.finish_scenario(
                row, PointStatus.RUNNING, nbytes=trial.nbytes, ntasks=trial.ntasks
            )
            self._rounds(row, scenario, trial)
        except DaskBenchError as exc:
            self._fail(row, name, str(exc))
            return
        except Exception as exc:
            self._fail(row, name, f"{type(exc).__name__}: {exc}")
            return
        finally:
            if trial is not None:
                trial.release()
        self.store.finish_scenario(row, PointStatus.OK)
        self.open_rows.remove(row)

    def _fail(self, row: ScenarioRow, name: str, error: str) -> None:
        self.failed += 1
        self.store.finish_scenario(row, PointStatus.FAILED, error)
        self.open_rows.remove(row)
        self.reporter.warn(f"scenario {name} failed: {error}")

    def _rounds(self, row: ScenarioRow, scenario: Scenario, trial: Trial[Any]) -> None:
        self.reporter.scenario(row.name, "warm-up")
        warm = observe(client=self.client, trial=trial, index=-1)
        self._keep(row, warm, -1, ScenarioRole.WARMUP)
        if not warm.repetition.ok:
            raise DaskBenchError(f"the warm-up failed: {warm.repetition.error}")
        r = Round(
            client=self.client,
            trial=trial,
            keep=lambda observed, pair, role: self._keep(row, observed, pair, role),
            scale=self._scale_since,
            say=self.reporter.info,
        )
        for pair in range(scenario.repeats):
            self.reporter.scenario(row.name, f"round {pair + 1} of {scenario.repeats}")
            if isinstance(scenario, WorkerLoss):
                loss_round(r, self.backend, scenario, pair)
            elif isinstance(scenario, ScaleUp):
                scale_up_round(r, self.backend, scenario, pair)
            elif isinstance(scenario, Lifetime):
                lifetime_round(r, self.backend, scenario, pair)
            else:
                adaptive_round(r, self.backend, scenario, pair)
            self._rounds_done += 1
            self.reporter.round_done()

    def _scale_since(self, workers: int, since: float | None) -> float | None:
        """Scale to ``workers`` and wait for them; seconds from ``since`` until they were."""
        self.backend.restore(workers)
        try:
            scale_to(self.backend, self.client, workers, self.study.deployment.startup_timeout)
        except DaskBenchError as exc:
            raise DaskBenchError(f"the cluster did not reach {workers} workers: {exc}") from None
        return time.time() - since if since is not None else None

    def _keep(self, row: ScenarioRow, observed: Observed, pair: int, role: str) -> None:
        rep = observed.repetition
        self.store.add_scenario_repetition(
            row,
            pair=pair,
            role=ScenarioRole(role),
            seconds=rep.seconds,
            ok=rep.ok,
            correct=observed.correct,
            error=rep.error,
            started_at=rep.started_at,
            figures=observed.figures,
        )

    def _context(self, scenario: Scenario, options: dict[str, Any]) -> WorkloadContext:
        suite = self.study.suites.get(scenario.suite)
        info = suite_info(scenario.suite)
        per_unit = suite.chunks_per_unit if suite is not None else info.per_unit
        chunk_size = scenario.chunk_size or (suite.chunk if suite is not None else info.chunk_size)
        units = self.layout.units(scenario.workers)
        return WorkloadContext(
            client=self.client,
            units=units,
            chunks=scenario.chunks or per_unit * units,
            chunk_size=chunk_size,
            options=options,
            seed=self.study.measurement.seed,
            timeout=scenario.timeout,
            io_directory=self.study.io.directory,
        )


@contextmanager
def _expected_losses() -> Iterator[None]:
    """Quiet the scheduler's warnings about lost workers and results: they are the event.

    Its lists of every lost key would bury the progress lines; errors still show.
    """
    names = ("distributed.scheduler", "distributed.nanny")
    loggers = [logging.getLogger(n) for n in names]
    levels = [lg.level for lg in loggers]
    for lg in loggers:
        lg.setLevel(max(lg.getEffectiveLevel(), logging.ERROR))
    try:
        yield
    finally:
        for lg, level in zip(loggers, levels, strict=True):
            lg.setLevel(level)
