"""Scaling figures of one run, per suite: efficiency, throughput, wall time, heatmap.

Each function takes the suite's rows of :func:`dask_bench.store.point_summaries`
and returns a :class:`matplotlib.figure.Figure`; rendering is the caller's job.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np
import pandas as pd
from matplotlib.axes import Axes
from matplotlib.colors import Normalize
from matplotlib.figure import Figure
from matplotlib.image import AxesImage
from matplotlib.lines import Line2D
from matplotlib.ticker import PercentFormatter

from dask_bench.report._plot import (
    FIGSIZE,
    IDEAL_COLOR,
    legend,
    new_figure,
    no_data,
    plain_log_y,
    sizes,
    units_axis,
)
from dask_bench.report.tables import format_layout, suite_frames
from dask_bench.store import Store
from dask_bench.store.schema import Run

#: Colour map of the efficiency heatmap: red (0 %) through yellow to green (100 %).
HEATMAP_CMAP = "RdYlGn"


def _title(run: Run, suite: str, what: str) -> str:
    return (
        f"{suite}: {what} — {run.mode} scaling\nback-end {run.backend}, {format_layout(run.layout)}"
    )


def efficiency_figure(run: Run, suite: str, points: pd.DataFrame) -> Figure:
    """Parallel efficiency against processing units, one line per workload.

    Parameters
    ----------
    run
        The run the points belong to (for the title and mode).
    suite
        Name of the suite.
    points
        That suite's rows of :func:`dask_bench.store.point_summaries`.

    Returns
    -------
    matplotlib.figure.Figure
        With the ideal efficiency (100 %) as a dashed line, a shaded band for the
        confidence interval of each line, and failed points marked on the x axis.
    """
    fig, ax = new_figure(points["workload"].nunique())
    units = sizes(points)
    ax.axhline(1.0, label="ideal (100%)", color=IDEAL_COLOR, linestyle="--", linewidth=1.2)
    good = points[points["efficiency"].notna()]
    top = 1.0
    for workload, group in good.groupby("workload", sort=False):
        group = group.sort_values("units")
        (line,) = ax.plot(group["units"], group["efficiency"], marker="o", label=str(workload))
        if "efficiency_low" in group:
            ax.fill_between(
                group["units"],
                group["efficiency_low"],
                group["efficiency_high"],
                color=line.get_color(),
                alpha=0.15,
                linewidth=0,
            )
            top = max(top, float(group["efficiency_high"].max()))
        top = max(top, float(group["efficiency"].max()))
    failed = points[points["n"] == 0]
    if not failed.empty:
        # Failed points have no efficiency; show where they were rather than hide them.
        ax.scatter(
            failed["units"],
            [0.0] * len(failed),
            marker="x",
            color="red",
            zorder=3,
            clip_on=False,
            label="failed point",
        )
    if good.empty:
        no_data(ax)
    units_axis(ax, units, log=len(units) > 2)
    ax.set_ylim(0, top * 1.08)
    ax.yaxis.set_major_formatter(PercentFormatter(xmax=1.0))
    what = "T(base)/T(n)" if run.mode == "weak" else "speedup / (n / base)"
    ax.set_ylabel(f"parallel efficiency (%), {what}")
    ax.grid(True, alpha=0.3)
    handles, labels = ax.get_legend_handles_labels()
    if not good.empty:
        handles.append(Line2D([], [], color=IDEAL_COLOR, alpha=0.3, linewidth=6))
        labels.append("band: confidence interval")
    legend(ax, handles, labels)
    ax.set_title(_title(run, suite, "parallel efficiency"), fontsize="medium")
    return fig


def throughput_figure(run: Run, suite: str, points: pd.DataFrame) -> Figure:
    """Throughput against processing units, one line per workload, with linear ideals.

    Parameters
    ----------
    run
        The run the points belong to (for the title and mode).
    suite
        Name of the suite.
    points
        That suite's rows of :func:`dask_bench.store.point_summaries`.

    Returns
    -------
    matplotlib.figure.Figure
        Log-log when more than one cluster size was measured; each workload's
        dashed ideal grows linearly from its smallest successful point.
    """
    fig, ax = new_figure(points["workload"].nunique())
    units = sizes(points)
    good = points[points["throughput"].notna() & (points["throughput"] > 0)]
    unit_names = sorted({str(u) for u in good["throughput_unit"] if u})
    for workload, group in good.groupby("workload", sort=False):
        group = group.sort_values("units")
        (line,) = ax.plot(group["units"], group["throughput"], marker="o", label=str(workload))
        base_units, base = float(group["units"].iloc[0]), float(group["throughput"].iloc[0])
        ideal_units = [u for u in units if u >= base_units]
        ideal = [base * u / base_units for u in ideal_units]
        ax.plot(ideal_units, ideal, color=line.get_color(), linestyle="--", lw=1.0, alpha=0.6)
    if good.empty:
        no_data(ax)
    log = len(units) > 1 and not good.empty
    if log:
        plain_log_y(ax)
    units_axis(ax, units, log=log)
    ax.set_ylabel(f"throughput ({', '.join(unit_names) or 'work/s'}, median time)")
    ax.grid(True, which="both", alpha=0.3)
    handles, labels = ax.get_legend_handles_labels()
    # One legend entry for all ideals: they share a meaning, only their colour differs.
    handles.append(Line2D([], [], color=IDEAL_COLOR, linestyle="--", linewidth=1.0))
    labels.append("dashed: ideal (linear in units)")
    legend(ax, handles, labels)
    ax.set_title(_title(run, suite, "throughput"), fontsize="medium")
    return fig


def walltime_figure(run: Run, suite: str, points: pd.DataFrame) -> Figure:
    """Median wall time against processing units, with CI error bars and ideals.

    Parameters
    ----------
    run
        The run the points belong to (the ideal depends on its mode).
    suite
        Name of the suite.
    points
        That suite's rows of :func:`dask_bench.store.point_summaries`.

    Returns
    -------
    matplotlib.figure.Figure
        Log-log; the dashed ideal is flat in weak scaling (constant time) and
        falls as ``1/n`` in strong scaling, from each workload's smallest point.
    """
    fig, ax = new_figure(points["workload"].nunique())
    units = sizes(points)
    good = points[points["median"].notna() & (points["median"] > 0)]
    for workload, group in good.groupby("workload", sort=False):
        group = group.sort_values("units")
        half = group["ci_halfwidth"].fillna(0.0)
        bars = ax.errorbar(
            group["units"], group["median"], yerr=half, marker="o", capsize=3, label=str(workload)
        )
        color = bars.lines[0].get_color()
        base_units, base = float(group["units"].iloc[0]), float(group["median"].iloc[0])
        ideal_units = [u for u in units if u >= base_units]
        ideal = [base * base_units / u if run.mode == "strong" else base for u in ideal_units]
        ax.plot(ideal_units, ideal, color=color, linestyle="--", lw=1.0, alpha=0.6)
    if good.empty:
        no_data(ax)
    else:
        plain_log_y(ax)
    units_axis(ax, units, log=len(units) > 1)
    ax.set_ylabel("wall time per repetition (s, median ± CI)")
    ax.grid(True, which="both", alpha=0.3)
    handles, labels = ax.get_legend_handles_labels()
    ideal_text = "constant time" if run.mode == "weak" else "time ∝ 1/units"
    handles.append(Line2D([], [], color=IDEAL_COLOR, linestyle="--", linewidth=1.0))
    labels.append(f"dashed: ideal ({ideal_text})")
    legend(ax, handles, labels)
    ax.set_title(_title(run, suite, "wall time"), fontsize="medium")
    return fig


def heatmap_panel(
    ax: Axes, points: pd.DataFrame, workloads: list[str], units: list[int]
) -> AxesImage:
    """Draw one run's efficiency grid (workloads x sizes) into ``ax``; return the image."""
    grid = np.full((len(workloads), len(units)), np.nan)
    failed: list[tuple[int, int]] = []
    for row in points.itertuples(index=False):
        i, j = workloads.index(str(row.workload)), units.index(int(row.units))
        if row.n == 0:
            failed.append((i, j))
        else:
            grid[i, j] = float(row.efficiency)
    norm = Normalize(vmin=0.0, vmax=1.0)
    image = ax.imshow(
        np.ma.masked_invalid(grid), cmap=HEATMAP_CMAP, norm=norm, aspect="auto", origin="upper"
    )
    ax.set_facecolor("0.92")  # not measured
    for (i, j), value in np.ndenumerate(grid):
        if not math.isnan(value):
            # Dark text on the light middle of the map, white on its dark ends.
            color = "black" if 0.25 < value < 0.9 else "white"
            ax.text(j, i, f"{value * 100:.0f}%", ha="center", va="center", color=color, size=8)
    for i, j in failed:
        ax.text(j, i, "x", ha="center", va="center", color="black", size=12)
    ax.set_xticks(range(len(units)), [str(u) for u in units])
    ax.set_yticks(range(len(workloads)), workloads)
    return image


def heatmap_colorbar(fig: Figure, image: AxesImage, axes: Any) -> None:
    """The efficiency colour scale beside ``axes``."""
    colorbar = fig.colorbar(image, ax=axes, format=PercentFormatter(xmax=1.0), shrink=0.9)
    colorbar.set_label("parallel efficiency (capped at 100%)")


def heatmap_figure(run: Run, suite: str, points: pd.DataFrame) -> Figure:
    """Efficiency of every workload (rows) at every size (columns), as coloured cells.

    Parameters
    ----------
    run
        The run the points belong to.
    suite
        Name of the suite.
    points
        That suite's rows of :func:`dask_bench.store.point_summaries`.

    Returns
    -------
    matplotlib.figure.Figure
        Cells show the efficiency in %; ``x`` marks a failed point and an empty
        cell a size that was not measured.
    """
    workloads = list(dict.fromkeys(points["workload"]))
    height = max(FIGSIZE[1] * 0.6, 1.2 + 0.32 * len(workloads))
    fig, ax = new_figure(figsize=(FIGSIZE[0], height))
    image = heatmap_panel(ax, points, workloads, sizes(points))
    ax.set_xlabel("processing units (threads over all workers)")
    heatmap_colorbar(fig, image, ax)
    ax.set_title(_title(run, suite, "efficiency heatmap (x: failed)"), fontsize="medium")
    return fig


#: The figures drawn for every suite of a run, by file-name suffix.
SUITE_FIGURES = {
    "efficiency": efficiency_figure,
    "throughput": throughput_figure,
    "walltime": walltime_figure,
    "heatmap": heatmap_figure,
}


def suite_figures(store: Store, run: Run) -> dict[str, list[Figure]]:
    """Every figure of every suite of a run (see :data:`SUITE_FIGURES`).

    Parameters
    ----------
    store
        The results database.
    run
        The run to plot.

    Returns
    -------
    dict
        Suite name to its figures, in :data:`SUITE_FIGURES` order, in suite order.
    """
    return {
        suite: [draw(run, suite, part) for draw in SUITE_FIGURES.values()]
        for suite, part in suite_frames(store, run).items()
    }
