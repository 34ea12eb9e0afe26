"""The results database: every measurement with its provenance."""

from dask_bench.store._opening import check_writable, database_url
from dask_bench.store.db import Store
from dask_bench.store.read import (
    measurements_frame,
    point_summaries,
    run_summaries,
    timed_samples,
)
from dask_bench.store.schema import SCHEMA_VERSION, Ending, PointStatus, RunStatus, ScenarioRole

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
