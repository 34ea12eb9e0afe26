"""dask-bench: how well Dask scales on a deployment, why, and compared with another.

The public API, importable from here::

    from dask_bench import build_study, load_study, run_study, Store, point_summaries

Names are loaded on first use, so that the command line starts without importing Dask.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

from dask_bench._version import __version__

if TYPE_CHECKING:
    from dask_bench.errors import DaskBenchError
    from dask_bench.runner import RunResult, plan_study, run_study, run_variants
    from dask_bench.runner.checks import build_study, load_study
    from dask_bench.store import Store, measurements_frame, point_summaries
    from dask_bench.study import Study
    from dask_bench.workloads import Trial, WorkloadContext, workload

_EXPORTS = {
    "Study": "dask_bench.study",
    "build_study": "dask_bench.runner.checks",
    "load_study": "dask_bench.runner.checks",
    "DaskBenchError": "dask_bench.errors",
    "RunResult": "dask_bench.runner",
    "plan_study": "dask_bench.runner",
    "run_study": "dask_bench.runner",
    "run_variants": "dask_bench.runner",
    "Store": "dask_bench.store",
    "measurements_frame": "dask_bench.store",
    "point_summaries": "dask_bench.store",
    "Trial": "dask_bench.workloads",
    "WorkloadContext": "dask_bench.workloads",
    "workload": "dask_bench.workloads",
}

__all__ = [
    "DaskBenchError",
    "RunResult",
    "Store",
    "Study",
    "Trial",
    "WorkloadContext",
    "__version__",
    "build_study",
    "load_study",
    "measurements_frame",
    "plan_study",
    "point_summaries",
    "run_study",
    "run_variants",
    "workload",
]


def __getattr__(name: str) -> Any:
    module = _EXPORTS.get(name)
    if module is None:
        raise AttributeError(f"module 'dask_bench' has no attribute {name!r}")
    return getattr(importlib.import_module(module), name)
