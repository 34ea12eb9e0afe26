"""The point level of an export: one row per point, its summary and what to know about it.

Also the data file of the HTML report (``data/points.csv``).
"""

from __future__ import annotations

import pandas as pd

from dask_bench._defaults import DEFAULT_CONFIDENCE
from dask_bench.report._format import ending_text
from dask_bench.report.analysis.metric import metrics_of
from dask_bench.report.analysis.plausibility import plausibility_notes
from dask_bench.store.columns import POINT_FIELDS
from dask_bench.store.read import (
    BREAKDOWN_PREFIX,
    SCALING_FIELDS,
    SCHED_COLUMNS,
    SCHEDULER_FIELDS,
)
from dask_bench.store.schema import BREAKDOWN_CATEGORIES, Run

#: Leading columns of the point level, in order; any other column of the summaries follows.
POINT_COLUMNS = [
    "run_id",
    "run_name",
    "backend",
    "mode",
    "started_at",
    "point_id",
    *POINT_FIELDS[:2],  # suite, workload
    "metric",
    *POINT_FIELDS[2:],
    "status",
    "stopped_by",
    "ended",
    "precise",
    "n",
    "n_failed",
    "n_disturbed",
    "disturbance",
    "confidence",
    "median",
    "ci_low",
    "ci_high",
    "ci_rel",
    "mean",
    "std",
    "min",
    "max",
    "throughput",
    "throughput_unit",
    *SCALING_FIELDS,
    *(f"{BREAKDOWN_PREFIX}{c}" for c in BREAKDOWN_CATEGORIES),
    "dominant",
    "dominant_share",
    *SCHEDULER_FIELDS,
    *SCHED_COLUMNS,
    "notes",
    "checks",
    "error",
]


def points_export(points: pd.DataFrame, runs: list[Run]) -> pd.DataFrame:
    """The point-level export of summaries: one row per point, in :data:`POINT_COLUMNS` order.

    Parameters
    ----------
    points
        Rows of :func:`dask_bench.store.run_summaries` over ``runs``.
    runs
        The runs the points belong to (for the confidence level of their intervals).

    Returns
    -------
    pandas.DataFrame
        Adds ``metric`` (throughput or latency), ``ended`` (how the point ended, in
        words), ``confidence`` (of ``ci_low``/``ci_high`` and the efficiency
        interval) and ``checks`` (notes on implausible results, see
        :mod:`dask_bench.report.analysis.plausibility`, joined by ``; ``).
    """
    if points.empty:
        return pd.DataFrame(columns=POINT_COLUMNS)
    frame = points.copy()
    levels = {r.id: r.confidence for r in runs}
    checks = plausibility_notes(frame)
    frame["metric"] = metrics_of(frame)
    how = frame[[c for c in ("stopped_by", "status", "n_disturbed") if c in frame]]
    frame["ended"] = [ending_text(r) for r in how.to_dict("records")]
    frame["confidence"] = [levels.get(int(i), DEFAULT_CONFIDENCE) for i in frame["run_id"]]
    frame["checks"] = ["; ".join(checks.get(int(p), [])) or None for p in frame["point_id"]]
    for column in POINT_COLUMNS:
        if column not in frame:
            frame[column] = None
    rest = [c for c in frame.columns if c not in POINT_COLUMNS]
    return frame[[*POINT_COLUMNS, *rest]]
