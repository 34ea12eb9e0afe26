"""Where the worker time went at every size: one stacked bar per size and workload.

Reads the ``bd_<category>`` columns of :func:`dask_bench.store.point_summaries`
(thread-seconds per repetition) and shows each category's share, so that the
cause of lost efficiency is visible at a glance: the bars of a workload whose
efficiency falls grow transfer, overhead or idle time.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from matplotlib.figure import Figure
from matplotlib.patches import Patch
from matplotlib.ticker import PercentFormatter

from dask_bench.report._plot import no_data, workload_grid
from dask_bench.report.tables import format_layout
from dask_bench.store.read import BREAKDOWN_PREFIX
from dask_bench.store.schema import BREAKDOWN_CATEGORIES, BREAKDOWN_LABELS, Run

#: Colours of the categories: compute greens, communication blues, waste greys/reds.
COLORS = {
    "compute-cpu": "#2e7d32",
    "compute-other": "#9ccc65",
    "transfer": "#1565c0",
    "serialization": "#64b5f6",
    "spill": "#8e24aa",
    "overhead": "#ef6c00",
    "idle": "#bdbdbd",
}


def has_breakdown(points: pd.DataFrame) -> bool:
    """Whether any point of the frame has a stored breakdown."""
    column = f"{BREAKDOWN_PREFIX}{BREAKDOWN_CATEGORIES[0]}"
    return column in points and bool(points[column].notna().any())


def breakdown_figure(run: Run, suite: str, points: pd.DataFrame) -> Figure:
    """Stacked bars of the breakdown's shares, one panel per workload, one bar per size.

    Parameters
    ----------
    run
        The run the points belong to (for the title).
    suite
        Name of the suite.
    points
        That suite's rows of :func:`dask_bench.store.point_summaries`.

    Returns
    -------
    matplotlib.figure.Figure
    """
    workloads = list(dict.fromkeys(points["workload"]))
    fig, axes = workload_grid(workloads, 2.2, sharey=True)
    columns = [f"{BREAKDOWN_PREFIX}{c}" for c in BREAKDOWN_CATEGORIES]
    for ax, workload in zip(axes.flat, workloads, strict=False):
        part = points[points["workload"] == workload].sort_values("units")
        values = part[columns].to_numpy(dtype=float)
        totals = np.nansum(values, axis=1)
        labels = [str(int(u)) for u in part["units"]]
        xs = np.arange(len(labels))
        bottom = np.zeros(len(labels))
        for k, category in enumerate(BREAKDOWN_CATEGORIES):
            share = np.divide(
                np.nan_to_num(values[:, k]), totals, out=np.zeros(len(labels)), where=totals > 0
            )
            ax.bar(xs, share, bottom=bottom, color=COLORS[category], width=0.7)
            bottom += share
        ax.set_xticks(xs, labels)
        ax.set_title(workload, fontsize="small")
        ax.yaxis.set_major_formatter(PercentFormatter(xmax=1.0))
        ax.set_ylim(0, 1)
        if not (totals > 0).any():
            no_data(ax, "no breakdown")
    fig.supylabel("share of worker thread time", fontsize="medium")
    for ax in axes[-1]:
        ax.set_xlabel("processing units", fontsize="small")
    handles = [Patch(color=COLORS[c]) for c in BREAKDOWN_CATEGORIES]
    labels = [BREAKDOWN_LABELS[c] for c in BREAKDOWN_CATEGORIES]
    fig.legend(handles, labels, loc="outside lower center", ncols=3, fontsize="small")
    fig.suptitle(
        f"{suite}: where the worker time goes — {run.mode} scaling, back-end {run.backend}, "
        f"{format_layout(run.layout)}",
        fontsize="medium",
    )
    return fig
