"""Run a study's scenarios on its cluster and store every repetition as it ends."""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from dask_bench.deploy import Backend, WorkerLayout
from dask_bench.errors import DaskBenchError
from dask_bench.runner.progress import Reporter
from dask_bench.runner.scenarios.worker_loss import (
    LossRepetition,
    control_target,
    restore,
    run_repetition,
)
from dask_bench.store import Store
from dask_bench.store.schema import PointStatus, Run, ScenarioRow
from dask_bench.study import Study, suite_info
from dask_bench.workloads import Trial, WorkloadContext, get_workload

if TYPE_CHECKING:
    from distributed import Client

    from dask_bench.study.scenarios import Scenario


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

    def run_all(self) -> None:
        """Run every scenario; one that fails is stored as failed and the next one runs."""
        with _expected_losses():
            self._run_all()

    def _run_all(self) -> None:
        for name, scenario in self.study.scenarios.items():
            self.reporter.info(f"scenario {name}: {scenario.describe()}")
            self.scale(scenario.workers)
            self.run_one(name, scenario)

    def run_one(self, name: str, scenario: Scenario) -> None:
        """Prepare the workload, warm it up, then run the pairs."""
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
            self._pairs(row, scenario, trial)
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

    def _pairs(self, row: ScenarioRow, scenario: Scenario, trial: Trial[Any]) -> None:
        warm = self._once(row, trial, pair=-1, scenario=None)
        if not warm.repetition.ok:
            raise DaskBenchError(f"the warm-up failed: {warm.repetition.error}")
        timeout = self.study.deployment.startup_timeout
        for pair in range(scenario.repeats):
            control = self._once(row, trial, pair=pair, scenario=None)
            if not control.repetition.ok:
                raise DaskBenchError(f"the control repetition failed: {control.repetition.error}")
            target = None
            if scenario.at_progress is not None:
                target = control_target(int(control.figures["done"] or 0), scenario.at_progress)
            event = run_repetition(
                client=self.client,
                backend=self.backend,
                trial=trial,
                index=pair,
                scenario=scenario,
                target=target,
            )
            event.figures["restored_after"] = restore(
                client=self.client,
                backend=self.backend,
                workers=scenario.workers,
                timeout=timeout,
                event_at=event.event_time,
            )
            self._store(row, event, pair=pair, event=True)
            self.reporter.info(_line(scenario.repeats, pair, control, event))

    def _once(
        self, row: ScenarioRow, trial: Trial[Any], *, pair: int, scenario: Scenario | None
    ) -> LossRepetition:
        rep = run_repetition(
            client=self.client, backend=self.backend, trial=trial, index=pair, scenario=scenario
        )
        self._store(row, rep, pair=pair, event=False)
        return rep

    def _store(self, row: ScenarioRow, rep: LossRepetition, *, pair: int, event: bool) -> None:
        self.store.add_scenario_repetition(
            row,
            pair=pair,
            event=event,
            seconds=rep.repetition.seconds,
            ok=rep.repetition.ok,
            correct=rep.correct,
            error=rep.repetition.error,
            started_at=rep.repetition.started_at,
            figures=rep.figures,
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


def _line(repeats: int, pair: int, control: LossRepetition, event: LossRepetition) -> str:
    """One progress line per pair: both times and what the event cost."""

    def secs(rep: LossRepetition) -> str:
        s = rep.repetition.seconds
        return f"{s:.2f} s" if s is not None else (rep.repetition.error or "failed")

    f = event.figures
    if not f.get("happened"):
        what = f.get("error") or "the work ended before the event"
    else:
        what = (
            f"detected after {_s(f.get('detected_after'))}, "
            f"{f.get('recomputed') or 0} task(s) recomputed"
        )
    return (
        f"  pair {pair + 1}/{repeats}: control {secs(control)}, "
        f"with the event {secs(event)} ({what})"
    )


def _s(value: float | None) -> str:
    return f"{value:.2f} s" if value is not None else "-"
