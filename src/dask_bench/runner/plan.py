"""Plan a sweep: which worker counts, and at each, which workloads at which size."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

from dask_bench.deploy import WorkerLayout, resolve_layout
from dask_bench.study import Study
from dask_bench.workloads import Workload, get_workload, suite_workloads
from dask_bench.workloads.registry import OptionValue


@dataclass(frozen=True)
class PlannedPoint:
    """One workload at one size."""

    workload: Workload
    workers: int
    units: int
    chunks: int
    chunk_size: int
    options: Mapping[str, OptionValue]

    @property
    def label(self) -> str:
        """Short text for progress displays."""
        return f"{self.workload.key} @ {self.units} unit{'s' if self.units != 1 else ''}"


@dataclass(frozen=True)
class Step:
    """All points measured at one worker count."""

    workers: int
    units: int
    points: list[PlannedPoint] = field(default_factory=list)


@dataclass(frozen=True)
class Plan:
    """A whole sweep, in execution order (worker counts ascending)."""

    study: Study
    layout: WorkerLayout
    steps: list[Step]

    @property
    def points(self) -> list[PlannedPoint]:
        """Every point, in execution order."""
        return [p for s in self.steps for p in s.points]


def plan_study(study: Study, total_memory: int | None = None) -> Plan:
    """Expand a study into its sweep.

    Weak scaling: a point with ``u`` processing units gets ``per_unit * u`` chunks.
    Strong scaling: every point gets ``total`` chunks (default: ``per_unit`` times
    the largest processing units of the sweep).
    """
    layout = resolve_layout(study, total_memory)
    # with worker groups a size counts the workers of every group
    largest_units = layout.units(layout.total(max(study.deployment.workers)))
    steps = []
    # a study of scenarios alone (suites: {}) has no sweep
    sizes = study.deployment.workers if study.suites.selected() else []
    for swept in sizes:
        workers = layout.total(swept)
        units = layout.units(workers)
        points = []
        for suite_name, suite in study.suites.selected().items():
            if suite.workloads is None:
                chosen = suite_workloads(suite_name)
            else:
                chosen = [get_workload(suite_name, n) for n in suite.workloads]
            if study.mode == "weak":
                chunks = suite.chunks_per_unit * units
            else:
                chunks = suite.total or suite.chunks_per_unit * largest_units
            for wl in chosen:
                points.append(
                    PlannedPoint(
                        workload=wl,
                        workers=workers,
                        units=units,
                        chunks=chunks,
                        chunk_size=suite.chunk,
                        options=wl.resolve_options(suite.options),
                    )
                )
        steps.append(Step(workers=workers, units=units, points=points))
    return Plan(study=study, layout=layout, steps=steps)
