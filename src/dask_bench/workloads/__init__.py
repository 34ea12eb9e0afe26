"""Workloads: plain functions registered with :func:`workload`, grouped in suites.

Importing this package imports every public module in it, which registers the
workloads they hold: a new suite's workloads are one new module here, and its
entry in the suite catalogue (:func:`dask_bench.study.register_suite`).
"""

import importlib
import pkgutil

from dask_bench.workloads.registry import (
    Choice,
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

for _module in pkgutil.iter_modules(__path__):
    if not _module.name.startswith("_") and _module.name != "registry":
        importlib.import_module(f"{__name__}.{_module.name}")

__all__ = [
    "Choice",
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
