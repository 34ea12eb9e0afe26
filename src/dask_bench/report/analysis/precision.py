"""How precise a run's points are: the confidence of their intervals, the target, who missed it."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from dask_bench.report._values import finite, is_missing, nested
from dask_bench.store.schema import Ending, Run


def target_of(run: Run) -> float:
    """The relative half-width a point's interval had to reach (``measurement.target_ci``)."""
    value = nested(run.study, "measurement", "target_ci")
    return float(value) if isinstance(value, (int, float)) else 0.05


def is_imprecise(row: Mapping[str, Any]) -> bool:
    """Whether a measured point missed its precision target (its interval is too wide)."""
    n = finite(row.get("n"))
    if n is None or n == 0:
        return False
    precise = row.get("precise")
    if precise is not None and not is_missing(precise):
        return not bool(precise)
    return row.get("stopped_by") not in (None, Ending.PRECISION.value)
