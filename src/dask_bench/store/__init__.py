"""The results database: every measurement with its provenance.

The frames of :mod:`.read` (pandas, and scipy through the statistics) are loaded on
first use (PEP 562), so that opening the database to list its runs stays quick.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

from dask_bench.store._opening import check_writable, database_url
from dask_bench.store.db import Store
from dask_bench.store.schema import SCHEMA_VERSION, Ending, PointStatus, RunStatus, ScenarioRole

if TYPE_CHECKING:
    from dask_bench.store.read import (
        measurements_frame,
        point_summaries,
        run_summaries,
        timed_samples,
    )

_READ = {"measurements_frame", "point_summaries", "run_summaries", "timed_samples"}

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
    if name not in _READ:
        raise AttributeError(f"module 'dask_bench.store' has no attribute {name!r}")
    return getattr(importlib.import_module("dask_bench.store.read"), name)
