"""The points of one or several runs split by suite, in the fixed order of the suites."""

from __future__ import annotations

import pandas as pd

from dask_bench.store import Store, point_summaries
from dask_bench.store.schema import Run
from dask_bench.study.catalogue import suite_rank


def split_suites(frame: pd.DataFrame) -> dict[str, pd.DataFrame]:
    """Rows of :func:`~dask_bench.store.run_summaries` split by suite, in a fixed suite order.

    Rows are sorted by workload (in order of first appearance), processing units,
    run and point; empty when the frame is.
    """
    if frame.empty:
        return {}
    names = list(dict.fromkeys(frame["suite"]))
    names.sort(key=suite_rank)
    out: dict[str, pd.DataFrame] = {}
    for suite in names:
        part = frame[frame["suite"] == suite].copy()
        order = {w: i for i, w in enumerate(dict.fromkeys(part["workload"]))}
        part["_order"] = part["workload"].map(order)
        part = part.sort_values(["_order", "units", "run_id", "point_id"], kind="stable")
        out[suite] = part.drop(columns="_order").reset_index(drop=True)
    return out


def suite_frames(store: Store, run: Run) -> dict[str, pd.DataFrame]:
    """Point summaries of a run split by suite (see :func:`split_suites`).

    Parameters
    ----------
    store
        The results database.
    run
        The run to read.

    Returns
    -------
    dict
        Suite name to that suite's rows of :func:`dask_bench.store.point_summaries`.
    """
    return split_suites(point_summaries(store, run))
