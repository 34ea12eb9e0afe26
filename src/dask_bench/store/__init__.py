"""The results database: every measurement with its provenance.

:class:`Store` (SQLAlchemy) and the frames of :mod:`.read` (pandas, and scipy through
the statistics) are loaded on first use (PEP 562): listing runs (:mod:`.listing`)
reads a SQLite file with the standard library and needs neither.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

from dask_bench.store._opening import check_writable, database_url
from dask_bench.store._versions import SCHEMA_VERSION
from dask_bench.store.states import Ending, PointStatus, RunStatus, ScenarioRole

if TYPE_CHECKING:
    from dask_bench.store.db import Store
    from dask_bench.store.read import (
        measurements_frame,
        point_summaries,
        run_summaries,
        timed_samples,
    )

#: Attribute -> the module that holds it, imported on first use.
_LAZY = {
    "Store": "dask_bench.store.db",
    **{
        name: "dask_bench.store.read"
        for name in ("measurements_frame", "point_summaries", "run_summaries", "timed_samples")
    },
}

__all__ = [
    "SCHEMA_VERSION",
    "Ending",
    "PointStatus",
    "RunStatus",
    "ScenarioRole",
    "Store",
    "check_writable",
    "database_url",
    "measurements_frame",
    "point_summaries",
    "run_summaries",
    "timed_samples",
]


def __getattr__(name: str) -> Any:
    if name not in _LAZY:
        raise AttributeError(f"module 'dask_bench.store' has no attribute {name!r}")
    return getattr(importlib.import_module(_LAZY[name]), name)
