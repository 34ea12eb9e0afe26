"""Where the worker time went at every size: one stacked bar per size and workload.

Reads the ``bd_<category>`` columns of :func:`dask_bench.store.point_summaries`
(thread-seconds per repetition) and shows each category's share, so that the
cause of lost efficiency is visible at a glance: the bars of a workload whose
efficiency falls grow transfer, overhead or idle time.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np
import pandas as pd
from matplotlib.figure import Figure
from matplotlib.patches import Patch

from dask_bench.report._format import BREAKDOWN_SHORT, format_layout
from dask_bench.report.figures._canvas import Series
from dask_bench.report.figures._grid import figure_labels, figure_legend, panel_grid
from dask_bench.report.figures._plot import run_colors, run_label, run_points, sizes
from dask_bench.store.read import BREAKDOWN_PREFIX
from dask_bench.store.schema import BREAKDOWN_CATEGORIES, BREAKDOWN_LABELS, Run

#: Colours of the categories: compute greens, communication blues, waste greys/reds.
COLORS = {
    "compute-cpu": "#2e7d32",
    "compute-other": "#9ccc65",
    "transfer": "#1565c0",
    "shuffle": "#00838f",
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
    """Stacked bars of one run's breakdown shares, one panel per workload, one bar per size.

    Takes the run, the suite's name and that suite's rows of point summaries (as every per-run
    figure does). The legend names every category with the short name the terminal tables use
    (``cpu``, ``noncpu``, ``xfer``, ``shuffle``, ...) and what it holds.
    """
    return breakdowns_figure(suite, run_points(run, points), [run])


def breakdowns_figure(
    suite: str,
    points: pd.DataFrame,
    runs: Sequence[Run],
    colors: Mapping[int, Any] | None = None,
) -> Figure:
    """Where the worker time goes in one or several runs: one panel per workload.

    At each size a stacked bar per run, side by side in the order of ``runs``, each
    outlined in its run's colour when there are several.

    Parameters
    ----------
    suite
        Name of the suite.
    points
        That suite's rows of :func:`dask_bench.store.run_summaries` over ``runs``.
    runs
        The runs, in legend order.
    colors
        Run id to colour (default :func:`~dask_bench.report.figures._plot.run_colors`).

    Returns
    -------
    matplotlib.figure.Figure
        Panels are named after the workloads; their series are keyed by run id and
        category (see :func:`~dask_bench.report.figures._canvas.panels_of`).
    """
    colors = colors or run_colors(runs)
    workloads = [str(w) for w in dict.fromkeys(points["workload"])]
    units = sizes(points) or [1]
    position = {u: k for k, u in enumerate(units)}
    columns = [f"{BREAKDOWN_PREFIX}{c}" for c in BREAKDOWN_CATEGORIES]
    several = len(runs) > 1
    handles: list[Any] = [Patch(color=COLORS[c]) for c in BREAKDOWN_CATEGORIES]
    labels = [f"{BREAKDOWN_SHORT[c]}: {BREAKDOWN_LABELS[c]}" for c in BREAKDOWN_CATEGORIES]
    if several:
        handles += [Patch(facecolor="white", edgecolor=colors[r.id]) for r in runs]
        labels += [f"outline: {run_label(r)}" for r in runs]
    grid = panel_grid(workloads, sharey=True, legend=labels, title_lines=2)
    canvas = grid.canvas
    grid.x_categories([str(u) for u in units])
    grid.y_percent(1.0)
    width = 0.7 / len(runs)
    groups = {(str(w), int(r)): g for (w, r), g in points.groupby(["workload", "run_id"])}
    for panel, workload in zip(grid.panels, workloads, strict=False):
        drawn = False
        for i, run in enumerate(runs):
            part = groups.get((workload, run.id))
            if part is None:
                continue
            part = part.sort_values("units")
            values = part[columns].to_numpy(dtype=float)
            totals = np.nansum(values, axis=1)
            offset = (i - (len(runs) - 1) / 2) * width
            xs = np.array([position[int(u)] + offset for u in part["units"]], dtype=float)
            bottom = np.zeros(len(xs))
            for k, category in enumerate(BREAKDOWN_CATEGORIES):
                share = np.divide(
                    np.nan_to_num(values[:, k]), totals, out=np.zeros(len(xs)), where=totals > 0
                )
                if share.any():
                    canvas.bars(panel, xs, bottom, share, color=COLORS[category], width=width * 0.9)
                    key = (run.id, category)
                    drawn_bars = Series(
                        key=key, color=COLORS[category], x=tuple(xs), y=tuple(share), kind="bar"
                    )
                    panel.series.append(drawn_bars)
                bottom += share
            if several:
                canvas.outlines(panel, xs[totals > 0], 1.0, width * 0.9, color=colors[run.id])
            drawn |= bool((totals > 0).any())
        canvas.title(panel, workload)
        if not drawn:
            canvas.note(panel, "no breakdown")
    if several:
        title = f"{suite}: where the worker time goes, by run (bars side by side at each size)"
    else:
        run = runs[0]
        title = (
            f"{suite}: where the worker time goes, run {run.id} {run.name}\n"
            f"{run.mode} scaling, back-end {run.backend}, {format_layout(run.layout, short=True)}"
        )
    figure_labels(grid, title, "processing units", "share of worker thread time")
    figure_legend(grid, handles, labels)
    return canvas.finish()
