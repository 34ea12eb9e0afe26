"""How stored values are read: missing cells, finite numbers, nested provenance, point rows.

Shared by everything in the report: the summaries come as pandas frames whose missing
cells may be None, NaN or pandas' NA, and a run's provenance is nested JSON that older
versions stored only in part.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from dask_bench.store.schema import Run


def is_missing(value: Any) -> bool:
    """Whether a cell value is absent (None, NaN or pandas' NA)."""
    if value is None:
        return True
    try:
        return bool(value != value)  # NaN and NaT are the values unequal to themselves
    except (TypeError, ValueError):  # pandas.NA refuses to be a bool
        return True


def finite(value: Any) -> float | None:
    """``value`` as a finite float, or None (missing, NaN or infinite)."""
    if is_missing(value):
        return None
    try:
        number = float(value)
    except (TypeError, ValueError):
        return None
    return number if math.isfinite(number) else None


def nested(mapping: Any, *keys: str) -> Any:
    """``mapping[k1][k2]...`` or None when any level is missing (provenance may be partial)."""
    for key in keys:
        if not isinstance(mapping, Mapping):
            return None
        mapping = mapping.get(key)
    return mapping


def package_version(run: Run, package: str) -> str:
    """A package's version on the client, as recorded; ``unknown`` when not recorded."""
    version = nested(run.provenance.versions, "client", package)
    return str(version) if version else "unknown"


#: The columns a table of points shows (narrow frames are much quicker to turn into rows).
TABLE_COLUMNS = (
    "run_id",
    "point_id",
    "suite",
    "workload",
    "units",
    "workers",
    "threads_per_worker",
    "mode",
    "status",
    "n",
    "n_failed",
    "n_disturbed",
    "disturbance",
    "precise",
    "stopped_by",
    "median",
    "ci_low",
    "ci_high",
    "ci_rel",
    "throughput",
    "throughput_unit",
    "speedup",
    "efficiency",
    "efficiency_low",
    "efficiency_high",
    "dominant",
    "dominant_share",
    "error",
    "notes",
    "metrics_note",
)


def table_rows(points: Any) -> list[dict[str, Any]]:
    """The rows of a point frame as dicts, with the :data:`TABLE_COLUMNS` it has."""
    records: list[dict[str, Any]] = points[[c for c in TABLE_COLUMNS if c in points]].to_dict(
        "records"
    )
    return records


def placement_text(run: Run) -> str | None:
    """``scheduler a pod in namespace x; client login1 (no batch job or pod), other host``."""
    where = run.provenance.placement
    if not where:
        return None
    same_host = where.get("same_host")
    same = "" if same_host is None else ", same host" if same_host else ", another host"
    return (
        f"scheduler {where.get('scheduler', '?')}; client on {where.get('client', '?')} "
        f"({where.get('client_inside', '?')}){same}"
    )
