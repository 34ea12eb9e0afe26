"""Finishing a run that was interrupted, failed or crashed: only what is missing, same layout.

A resumed run keeps its id and study id. Its points stored ``ok`` stay; those that
failed, were interrupted or were left ``running`` by a crash are measured again,
with the points never reached, on a freshly deployed cluster whose worker layout
must be the run's. Calibrated sizes come from the run's provenance, so the work
per unit is the same as before. Every resume is recorded with the run.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from typing import Any

from dask_bench.errors import ConfigError
from dask_bench.runner.cleanup import recorded_pid, study_alive
from dask_bench.runner.plan import Plan, PlannedPoint, Step
from dask_bench.store import Store
from dask_bench.store.schema import Point, PointStatus, Run, RunStatus

#: Study keys that may differ on resume without changing what is measured.
_FREE_KEYS = ("database", "report")


@dataclass(frozen=True)
class Resumption:
    """What resuming a run will do; nothing is written until :func:`apply_resume`."""

    run: Run
    #: The plan limited to the points still to measure.
    plan: Plan
    #: Stored points measured again (failed, interrupted or left running).
    redo: list[Point]
    #: What calibration chose when the run started, per workload key.
    calibration: dict[str, dict[str, Any]]


def plan_resume(
    store: Store, ref: str, plan: Plan, study: dict[str, Any], *, accept_changed_study: bool
) -> Resumption:
    """Check that run ``ref`` can be resumed with ``plan``, and limit the plan to what is left.

    Parameters
    ----------
    store
        The database holding the run.
    ref
        Its id or name.
    plan
        The full plan of the study given now.
    study
        The study given now, as it would be stored (secrets hidden).
    accept_changed_study
        Resume although the study differs from the one the run started with.

    Raises
    ------
    ConfigError
        A complete or still running run, another worker layout, another study
        (unless accepted), or nothing left to measure; nothing is changed.
    """
    run = store.run(ref)
    if run.status == RunStatus.COMPLETE:
        raise ConfigError(f"run {run.id} ({run.name}) is complete; there is nothing to resume")
    if run.status == RunStatus.RUNNING and study_alive(run):
        raise ConfigError(
            f"run {run.id} is still running (process {recorded_pid(run)}); "
            "stop it first, or wait for it"
        )
    layout = plan.layout.as_dict()
    if dict(run.layout) != layout:
        changes = ", ".join(
            f"{k} {run.layout.get(k)} -> {layout.get(k)}"
            for k in sorted(set(layout) | set(run.layout))
            if run.layout.get(k) != layout.get(k)
        )
        raise ConfigError(
            f"run {run.id} was measured with another worker layout ({changes}); resume it "
            "with the layout it started with"
        )
    changed = sorted(
        k
        for k in set(study) | set(run.study or {})
        if k not in _FREE_KEYS and study.get(k) != (run.study or {}).get(k)
    )
    if changed and not accept_changed_study:
        raise ConfigError(
            f"the study differs from the one run {run.id} started with (in: "
            f"{', '.join(changed)}); give the same study, or pass --accept-changed-study"
        )
    done = {(p.suite, p.workload, p.workers) for p in run.points if p.status == PointStatus.OK}
    steps = []
    for step in plan.steps:
        left = [p for p in step.points if _key(p) not in done]
        if left:
            steps.append(Step(workers=step.workers, units=step.units, points=left))
    scenarios_done = {s.name for s in run.scenarios if s.status == PointStatus.OK}
    if not steps and set(plan.study.scenarios) <= scenarios_done:
        raise ConfigError(
            f"run {run.id} has every planned point and scenario measured; mark it complete with "
            f"'dask-bench cleanup {run.id}', or start a new run"
        )
    measuring = run.provenance.measuring
    return Resumption(
        run=run,
        plan=dataclasses.replace(plan, steps=steps),
        redo=[p for p in run.points if p.status != PointStatus.OK],
        calibration=dict(measuring.calibration),
    )


def _key(p: PlannedPoint) -> tuple[str, str, int]:
    return (p.workload.suite, p.workload.name, p.workers)


def apply_resume(store: Store, resumption: Resumption) -> Run:
    """Drop the points measured again, record the resume and mark the run running again."""
    run = resumption.run
    redo = [f"{p.suite}/{p.workload} @ {p.workers}" for p in resumption.redo]
    store.drop_points(resumption.redo)
    record = {
        "points_left": len(resumption.plan.points),
        "measured_again": redo,
        "status_before": run.status,
    }
    store.reopen_run(run, record)
    return run
