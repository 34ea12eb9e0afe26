"""Whether a workload is judged by its throughput or by its latency.

Workloads declare it in the registry (``Workload.metric``). Stored runs may name
workloads this version no longer knows, and older versions of the registry have no
metric at all: then the name decides (``random-access`` reads a few scattered
elements, so MB/s would say little about it).
"""

from __future__ import annotations

import functools

import pandas as pd

#: The two figures of merit (the values of ``dask_bench.workloads.Metric``).
THROUGHPUT = "throughput"
LATENCY = "latency"
#: Workloads taken as latency workloads when the registry cannot tell.
LATENCY_NAMES = frozenset({"random-access"})


@functools.lru_cache(maxsize=512)
def workload_metric(suite: str, workload: str) -> str:
    """``throughput`` or ``latency``: how a workload's results are best shown.

    Parameters
    ----------
    suite, workload
        The workload, as stored with its points.

    Returns
    -------
    str
        The registry's ``Workload.metric`` when the workload is registered and has
        one; otherwise ``latency`` for the names in :data:`LATENCY_NAMES`.
    """
    try:
        from dask_bench.workloads import get_workload

        metric = getattr(get_workload(suite, workload), "metric", None)
    except Exception:  # unknown workload, or workloads that cannot be imported here
        metric = None
    if metric is None:
        return LATENCY if workload in LATENCY_NAMES else THROUGHPUT
    return LATENCY if str(getattr(metric, "value", metric)) == LATENCY else THROUGHPUT


def is_latency(suite: str, workload: str) -> bool:
    """Whether a workload is a latency workload (see :func:`workload_metric`)."""
    return workload_metric(suite, workload) == LATENCY


def metrics_of(points: pd.DataFrame) -> list[str]:
    """:func:`workload_metric` of every row of a point frame, in row order."""
    if points.empty:
        return []
    return [
        workload_metric(str(s), str(w))
        for s, w in zip(points["suite"], points["workload"], strict=True)
    ]
