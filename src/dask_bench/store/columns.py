"""Every repetition of a run as plain rows, read with SQL alone: what ``export`` writes.

The columns (:data:`MEASUREMENT_COLUMNS`) are those of
:func:`~dask_bench.store.read.measurements_frame`. The rows come from one SQL query,
run by the standard library's ``sqlite3`` on a current-schema SQLite file (no pandas,
no SQLAlchemy: ``export`` answers at once) or through a :class:`~dask_bench.store.Store`'s
connection on any other database, and are made alike: flags as ``bool``, times as
:class:`~datetime.datetime`, missing values as ``None``.
"""

from __future__ import annotations

import sqlite3
from datetime import datetime
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from dask_bench.store.db import Store

#: Point attributes carried by the repetitions' and the points' tables, in column order.
POINT_FIELDS = (
    "suite",
    "workload",
    "workload_version",
    "workers",
    "threads_per_worker",
    "memory_per_worker",
    "units",
    "chunks",
    "chunk_size",
    "nbytes",
    "ntasks",
)
#: Repetition attributes of a row of :func:`repetition_rows`.
REPETITION_FIELDS = (
    "repetition",
    "warmup",
    "seconds",
    "ok",
    "error",
    "started_at",
    "disturbed",
    "disturbance",
)
#: Columns of :func:`repetition_rows` (and of ``measurements_frame``), in order.
MEASUREMENT_COLUMNS = [
    "run_id",
    "run_name",
    "backend",
    "mode",
    "point_id",
    *POINT_FIELDS,
    "point_status",
    "stopped_by",
    *REPETITION_FIELDS,
]

#: Columns that hold a flag (SQLite stores 0 or 1).
_FLAGS = frozenset({"warmup", "ok", "disturbed"})
#: Columns that hold a time (SQLite stores ISO text).
_TIMES = frozenset({"started_at"})

_QUERY = f"""
SELECT r.id, r.name, r.backend, r.mode, p.id,
       {", ".join(f"p.{f}" for f in POINT_FIELDS)}, p.status, p.stopped_by,
       {", ".join(f"m.{f}" for f in REPETITION_FIELDS)}
FROM points AS p
JOIN measurements AS m ON m.point_id = p.id
JOIN runs AS r ON r.id = p.run_id
WHERE p.run_id = :run_id
ORDER BY p.id, m.id
"""


def repetition_rows(source: sqlite3.Connection | Store, run_id: int) -> list[tuple[Any, ...]]:
    """Every repetition of a run (warm-ups included, flagged), as :data:`MEASUREMENT_COLUMNS`.

    Parameters
    ----------
    source
        A ``sqlite3`` connection to a current-schema file, or an open Store.
    run_id
        The run's id.

    Returns
    -------
    list of tuple
        One row per repetition, ordered by point and repetition.
    """
    params = {"run_id": int(run_id)}
    if isinstance(source, sqlite3.Connection):
        raw = source.execute(_QUERY, params).fetchall()
    else:
        from sqlalchemy import text

        raw = [tuple(r) for r in source.session.execute(text(_QUERY), params)]
    return [
        tuple(_value(c, v) for c, v in zip(MEASUREMENT_COLUMNS, row, strict=True)) for row in raw
    ]


def _value(column: str, value: Any) -> Any:
    """A database's value as every source gives it: bool flags, datetime times."""
    if value is None:
        return None
    if column in _FLAGS:
        return bool(value)
    if column in _TIMES and not isinstance(value, datetime):
        return datetime.fromisoformat(str(value))
    return value
