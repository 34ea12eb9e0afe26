"""Figures that put several runs side by side, and the startup-latency figure.

Every run keeps one colour in every figure of a report (:func:`run_colors`), so a
deployment is recognised at a glance across suites and metrics.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from typing import Any

import pandas as pd
from matplotlib.axes import Axes
from matplotlib.figure import Figure
from matplotlib.lines import Line2D
from matplotlib.ticker import PercentFormatter

from dask_bench.report._plot import (
    FIGSIZE,
    IDEAL_COLOR,
    blank_figure,
    new_figure,
    no_data,
    palette,
    plain_log_y,
    run_label,
    sizes,
    units_axis,
    workload_grid,
)
from dask_bench.report.figures import heatmap_colorbar, heatmap_panel
from dask_bench.store.schema import Run

#: What each overlay metric plots: column, y label, log scale.
METRICS: dict[str, tuple[str, str, bool]] = {
    "efficiency": ("efficiency", "parallel efficiency (%)", False),
    "throughput": ("throughput", "throughput", True),
    "walltime": ("median", "wall time (s, median)", True),
}


#: How each metric is named in titles.
TITLES = {"efficiency": "parallel efficiency", "throughput": "throughput", "walltime": "wall time"}


def run_colors(runs: Sequence[Run]) -> dict[int, Any]:
    """One colour per run, in the order given, used by every figure of a report."""
    return dict(zip((r.id for r in runs), palette(len(runs)), strict=True))


def _panel(ax: Axes, metric: str, part: pd.DataFrame, runs: Sequence[Run], colors: Any) -> None:
    column, _, log = METRICS[metric]
    units = sizes(part)
    drawn = False
    for run in runs:
        rows = part[(part["run_id"] == run.id) & part[column].notna()].sort_values("units")
        if log:
            rows = rows[rows[column] > 0]
        if rows.empty:
            continue
        drawn = True
        color = colors[run.id]
        ax.plot(rows["units"], rows[column], marker="o", markersize=4, color=color)
        if metric == "efficiency":
            ax.fill_between(
                rows["units"],
                rows["efficiency_low"],
                rows["efficiency_high"],
                color=color,
                alpha=0.15,
                linewidth=0,
            )
    if metric == "efficiency":
        ax.axhline(1.0, color=IDEAL_COLOR, linestyle="--", linewidth=1.0)
        ax.yaxis.set_major_formatter(PercentFormatter(xmax=1.0))
        ax.set_ylim(bottom=0)
    if not drawn:
        no_data(ax, "no data")
    elif log:
        plain_log_y(ax)
    units_axis(ax, units, log=log and len(units) > 1)
    ax.set_xlabel("")
    ax.grid(True, which="both", alpha=0.3)


def overlay_figure(
    suite: str, metric: str, points: pd.DataFrame, runs: Sequence[Run], colors: Mapping[int, Any]
) -> Figure:
    """One panel per workload of a suite, one line per run, in the runs' colours.

    Parameters
    ----------
    suite
        Name of the suite.
    metric
        ``efficiency`` (with CI bands and the 100 % ideal), ``throughput`` or
        ``walltime`` (log scales).
    points
        That suite's rows of :func:`dask_bench.store.run_summaries` over ``runs``.
    runs
        The runs, in legend order.
    colors
        Run id to colour (:func:`run_colors`).

    Returns
    -------
    matplotlib.figure.Figure
    """
    workloads = list(dict.fromkeys(points["workload"]))
    fig, axes = workload_grid(workloads, 2.3, sharex=True)
    nrows = len(axes)
    for ax, workload in zip(axes.flat, workloads, strict=False):
        _panel(ax, metric, points[points["workload"] == workload], runs, colors)
        ax.set_title(workload, fontsize="small")
    unit = next((str(u) for u in points.get("throughput_unit", []) if u), "work/s")
    ylabel = METRICS[metric][1] + (f" ({unit})" if metric == "throughput" else "")
    fig.supylabel(ylabel, fontsize="medium")
    for ax in axes[-1]:
        ax.set_xlabel("processing units", fontsize="small")
    for ax in axes[-2] if nrows > 1 else []:
        # a panel above an empty slot is the last of its column
        if not axes[-1][list(axes[-2]).index(ax)].get_visible():
            ax.set_xlabel("processing units", fontsize="small")
            ax.xaxis.set_tick_params(labelbottom=True)
    handles: list[Any] = [Line2D([], [], color=colors[r.id], marker="o") for r in runs]
    labels = [run_label(r) for r in runs]
    if metric == "efficiency":
        handles.append(Line2D([], [], color=IDEAL_COLOR, linestyle="--"))
        labels.append("ideal (100%); bands: confidence interval")
    fig.legend(handles, labels, loc="outside lower center", fontsize="small", ncols=1)
    fig.suptitle(f"{suite}: {TITLES[metric]} by run", fontsize="medium")
    return fig


def heatmaps_figure(
    suite: str, points: pd.DataFrame, runs: Sequence[Run], colors: Mapping[int, Any]
) -> Figure:
    """Efficiency heatmaps of several runs side by side, sharing rows and colour scale.

    Parameters
    ----------
    suite
        Name of the suite.
    points
        That suite's rows of :func:`dask_bench.store.run_summaries` over ``runs``.
    runs
        The runs, one panel each, in this order.
    colors
        Run id to colour: each panel's title is drawn in its run's colour.

    Returns
    -------
    matplotlib.figure.Figure
    """
    workloads = list(dict.fromkeys(points["workload"]))
    units = sizes(points)
    width = max(FIGSIZE[0], 2.0 + 0.45 * len(units) * len(runs))
    fig = blank_figure((width, max(FIGSIZE[1] * 0.6, 1.4 + 0.32 * len(workloads))))
    axes = fig.subplots(1, len(runs), squeeze=False, sharey=True)[0]
    image = None
    for ax, run in zip(axes, runs, strict=True):
        image = heatmap_panel(ax, points[points["run_id"] == run.id], workloads, units)
        ax.set_title(f"run {run.id}: {run.name}", fontsize="small", color=colors[run.id])
    if image is not None:
        heatmap_colorbar(fig, image, axes)
    fig.supxlabel("processing units (threads over all workers)", fontsize="medium")
    fig.suptitle(f"{suite}: efficiency heatmap by run (x: failed)", fontsize="medium")
    return fig


def startup_figure(runs: Sequence[Run], colors: Mapping[int, Any]) -> Figure:
    """Time from a scale request to the first and to all N workers, against N.

    Parameters
    ----------
    runs
        The runs whose scale steps to draw (scale-ups only: a scale-down has no
        arrival time).
    colors
        Run id to colour (:func:`run_colors`).

    Returns
    -------
    matplotlib.figure.Figure
        Solid lines: all workers arrived; dotted: the first new worker arrived;
        dashed: the longest wait of a job in the batch queue (when the scheduler
        tells it; the rest is process start); red crosses: steps that failed.
    """
    fig, ax = new_figure(len(runs))
    requested: set[int] = set()
    any_queue = False
    for run in runs:
        steps = sorted(
            (ev for ev in run.scale_events if ev.requested > ev.previous),
            key=lambda ev: ev.requested,
        )
        ok = [ev for ev in steps if ev.ok and ev.time_to_all is not None]
        requested.update(ev.requested for ev in steps)
        if ok:
            color = colors[run.id]
            xs = [ev.requested for ev in ok]
            ax.plot(xs, [_seconds(ev.time_to_all) for ev in ok], marker="o", color=color)
            first = [_seconds(ev.time_to_first) for ev in ok]
            ax.plot(xs, first, marker=".", linestyle=":", color=color)
            queued = [ev for ev in ok if ev.queue_seconds is not None]
            if queued:  # batch schedulers: the part of the wait spent in the queue
                ax.plot([ev.requested for ev in queued],
                        [float(ev.queue_seconds or 0.0) for ev in queued],
                        marker="s", linestyle="--", color=color)  # fmt: skip
                any_queue = True
        bad = [ev.requested for ev in steps if not ev.ok]
        if bad:
            ax.scatter(bad, [0.0] * len(bad), marker="x", color="red", zorder=3, clip_on=False)
    if not requested:
        no_data(ax, "no scale steps recorded")
    else:
        units_axis(ax, sorted(requested), log=False)
    ax.set_xlabel("workers requested (N)")
    ax.set_ylabel("seconds from request")
    ax.set_ylim(bottom=0)
    ax.grid(True, alpha=0.3)
    handles: list[Any] = [Line2D([], [], color=colors[r.id]) for r in runs]
    labels = [run_label(r) for r in runs]
    handles += [
        Line2D([], [], color=IDEAL_COLOR, marker="o"),
        Line2D([], [], color=IDEAL_COLOR, marker=".", linestyle=":"),
        Line2D([], [], color="red", marker="x", linestyle=""),
    ]
    labels += ["solid: all N workers", "dotted: first new worker", "failed step"]
    if any_queue:
        handles.append(Line2D([], [], color=IDEAL_COLOR, marker="s", linestyle="--"))
        labels.append("dashed: longest wait in the batch queue")
    fig.legend(handles, labels, fontsize="small", loc="outside lower center", ncols=2)
    ax.set_title("startup latency: time until workers arrive", fontsize="medium")
    return fig


def _seconds(value: float | None) -> float:
    return math.nan if value is None else float(value)
