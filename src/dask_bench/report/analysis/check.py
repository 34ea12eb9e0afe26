"""Check a stored run against performance references: pass or fail per reference.

A reference (see :mod:`dask_bench.study.references`) names a workload, its processing
units, an expected value in a unit and relative bounds. The run passes when every
referenced point was measured and lies within its bounds; a reference whose point
was not measured fails, so that a workload that silently stopped running is noticed.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import pandas as pd

from dask_bench.errors import ConfigError
from dask_bench.report._format import short_error
from dask_bench.store import Store, point_summaries
from dask_bench.store.schema import Run
from dask_bench.study import parse_references
from dask_bench.study.references import EFFICIENCY, TIME_UNITS, Reference, split_key

#: Relative tolerance at a bound: a value equal to it (up to rounding) passes.
BOUND_TOLERANCE = 1e-9
NOT_MEASURED = "not measured"


@dataclass(frozen=True)
class CheckRow:
    """The outcome of one reference.

    ``measured``, ``reference``, ``lower`` and ``upper`` are in ``unit``; the bounds
    are absolute (None: open). ``deviation`` is ``measured / reference - 1`` in %.
    """

    suite: str
    workload: str
    units: int
    metric: str
    unit: str
    measured: float | None
    reference: float
    lower: float | None
    upper: float | None
    passed: bool
    deviation: float | None
    reason: str


@dataclass(frozen=True)
class CheckResult:
    """Every reference of a check, with the run and where the references came from."""

    run_id: int
    run_name: str
    source: str
    rows: list[CheckRow]

    @property
    def passed(self) -> int:
        """Number of references met."""
        return sum(r.passed for r in self.rows)

    @property
    def failed(self) -> int:
        """Number of references missed (including those not measured)."""
        return len(self.rows) - self.passed

    @property
    def ok(self) -> bool:
        """Whether every reference was met."""
        return self.failed == 0

    def summary(self) -> str:
        """``12 passed, 1 failed``."""
        return f"{self.passed} passed, {self.failed} failed"


def metric_of(unit: str) -> str:
    """What a unit measures: ``median time``, ``throughput`` or ``efficiency``."""
    if unit in TIME_UNITS:
        return "median time"
    return "efficiency" if unit == EFFICIENCY else "throughput"


def _measured(row: Mapping[str, Any], unit: str) -> float | None:
    if unit in TIME_UNITS:
        value = float(row["median"]) * TIME_UNITS[unit]
    elif unit == EFFICIENCY:
        value = float(row["efficiency"])
    else:
        value = float(row["throughput"])
    return None if math.isnan(value) else value


def _within(value: float, low: float | None, high: float | None) -> tuple[bool, str]:
    def close(bound: float) -> bool:
        return math.isclose(value, bound, rel_tol=BOUND_TOLERANCE)

    if low is not None and value < low and not close(low):
        return False, "below the lower bound"
    if high is not None and value > high and not close(high):
        return False, "above the upper bound"
    return True, ""


def _not_measured(point: Mapping[str, Any] | None) -> str:
    if point is None:
        return NOT_MEASURED
    error = short_error(point.get("error"))
    return f"{NOT_MEASURED} (point {point.get('status')}{': ' + error if error else ''})"


def _check_one(key: str, units: int, ref: Reference, points: pd.DataFrame) -> CheckRow:
    suite, workload = split_key(key)
    low, high = ref.bounds()
    mine = points[
        (points["suite"] == suite) & (points["workload"] == workload) & (points["units"] == units)
    ]
    good = mine[mine["n"] > 0]
    # The last successful point, should a run ever hold the same one twice.
    measured = _measured(good.iloc[-1], ref.unit) if not good.empty else None
    deviation = None
    if good.empty:
        passed, reason = False, _not_measured(mine.iloc[-1].to_dict() if not mine.empty else None)
    elif measured is None:  # e.g. no byte count stored, so no throughput
        passed, reason = False, f"{NOT_MEASURED} (no {metric_of(ref.unit)} recorded)"
    else:
        passed, reason = _within(measured, low, high)
        deviation = (measured / ref.value - 1) * 100
    return CheckRow(
        suite=suite,
        workload=workload,
        units=units,
        metric=metric_of(ref.unit),
        unit=ref.unit,
        measured=measured,
        reference=ref.value,
        lower=low,
        upper=high,
        passed=passed,
        deviation=deviation,
        reason=reason,
    )


def check_run(
    store: Store,
    run: Run,
    references: Mapping[str, Mapping[int, Reference]] | None = None,
    *,
    source: str | None = None,
) -> CheckResult:
    """Compare a stored run with performance references.

    Parameters
    ----------
    store
        The results database.
    run
        The run to check.
    references
        ``<suite>/<workload>`` -> processing units -> reference, e.g.
        ``load_study(path).references`` to check an old run against new references;
        default: the references stored with the run's study.
    source
        Where the references come from, named in the result (default: the run, or
        ``"given references"``).

    Returns
    -------
    CheckResult
        One row per reference, in the order given, units ascending.

    Raises
    ------
    ConfigError
        When there are no references, or the stored ones are invalid.
    """
    if references is None:
        where = f"run {run.id}"
        references = parse_references(run.study.get("references") or {}, where)
        source = source or f"the study of {where}"
        if not any(references.values()):
            raise ConfigError(
                f"run {run.id} has no references; add 'references:' to the study file "
                "or pass --references STUDY.yaml"
            )
    elif not any(references.values()):
        raise ConfigError(
            f"no references given to check run {run.id} against; "
            "add 'references:' to the study file"
        )
    points = point_summaries(store, run)
    if points.empty:
        points = pd.DataFrame(columns=["suite", "workload", "units", "n", "status", "error"])
    rows = [
        _check_one(key, units, by_units[units], points)
        for key, by_units in references.items()
        for units in sorted(by_units)
    ]
    return CheckResult(
        run_id=run.id, run_name=run.name, source=source or "given references", rows=rows
    )
