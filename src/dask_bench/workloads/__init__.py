"""Workloads: plain functions registered with :func:`workload`, grouped in suites.

Importing this package registers the built-in suites.
"""

from dask_bench.workloads import arrays, dataframes, tasks  # noqa: F401  (registers)
from dask_bench.workloads.registry import (
    SUITE_UNITS,
    SUITES,
    Metric,
    Suite,
    Trial,
    Workload,
    WorkloadContext,
    all_workloads,
    get_workload,
    suite_workloads,
    unregister,
    workload,
)

__all__ = [
    "SUITES",
    "SUITE_UNITS",
    "Metric",
    "Suite",
    "Trial",
    "Workload",
    "WorkloadContext",
    "all_workloads",
    "get_workload",
    "suite_workloads",
    "unregister",
    "workload",
]
