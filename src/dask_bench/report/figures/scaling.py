"""Scaling figures per suite: efficiency, throughput and wall time, as small multiples.

One small panel per workload, sharing the x axis (processing units) and, where the
values are comparable, the y axis; a line per run, in the run's colour in every
figure of a report. Every point carries the asymmetric interval of its median (or of
its efficiency) as an error bar, hollow markers flag points that missed their
precision target, and each panel keeps its ideal. Latency workloads have no
throughput panel: their result is their time. Each function takes rows of
:func:`dask_bench.store.point_summaries` (or ``run_summaries``) and returns a
:class:`matplotlib.figure.Figure`; rendering is the caller's job.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np
import pandas as pd
from matplotlib.figure import Figure
from matplotlib.lines import Line2D
from matplotlib.patches import Patch

from dask_bench.report._format import ci_label, format_layout
from dask_bench.report.analysis.efficiency import HIGH_EFFICIENCY
from dask_bench.report.analysis.metric import is_latency
from dask_bench.report.figures._canvas import Canvas, Panel, Series
from dask_bench.report.figures._grid import Grid, dodge, figure_labels, figure_legend, panel_grid
from dask_bench.report.figures._plot import IDEAL_COLOR, run_colors, run_label, sizes
from dask_bench.store.schema import Run

#: What each metric shows: y label, and whether its axis is logarithmic.
METRICS: dict[str, tuple[str, bool]] = {
    "efficiency": ("parallel efficiency", False),
    "throughput": ("throughput", True),
    "walltime": ("wall time per repetition (s, median)", True),
}
#: How each metric is named in titles.
TITLES = {"efficiency": "parallel efficiency", "throughput": "throughput", "walltime": "wall time"}
#: Shade of the efficiencies above 110 %: implausible, explained in the notes.
IMPLAUSIBLE_SHADE = "#efe4f7"
#: The columns the figures read.
_COLUMNS = (
    "run_id",
    "suite",
    "workload",
    "units",
    "n",
    "median",
    "ci_low",
    "ci_high",
    "precise",
    "throughput",
    "throughput_unit",
    "efficiency",
    "efficiency_low",
    "efficiency_high",
)
#: y axes are shared when all panels' values lie within this factor of each other.
SHARE_SPAN = 100.0


def _values(metric: str, rows: pd.DataFrame) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Value, interval low and high of a metric (NaN ends where the interval is unknown)."""
    if metric == "efficiency":
        cols = ("efficiency", "efficiency_low", "efficiency_high")
        eff, low, high = (rows[c].to_numpy(dtype=float) for c in cols)
        return eff, low, high
    median = rows["median"].to_numpy(dtype=float)
    low, high = rows["ci_low"].to_numpy(dtype=float), rows["ci_high"].to_numpy(dtype=float)
    if metric == "walltime":
        return median, low, high
    value = rows["throughput"].to_numpy(dtype=float)
    with np.errstate(divide="ignore", invalid="ignore"):
        # work / time: the slow end of the time interval is the low end of the throughput's
        return value, value * median / high, value * median / low


def _plotted(metric: str, rows: pd.DataFrame) -> pd.DataFrame:
    values = rows[_column(metric)]
    keep = values.notna() & (values > 0 if METRICS[metric][1] else True)
    return rows[keep].sort_values("units")


def bar_ends(
    value: np.ndarray, low: np.ndarray, high: np.ndarray, log: bool
) -> tuple[np.ndarray, np.ndarray]:
    """The ends of asymmetric error bars: never below zero, and positive on log axes.

    An unknown end (NaN: too few repetitions) collapses onto the value: no bar.
    """
    floor = value * 1e-3 if log else np.zeros_like(value)
    low = np.where(np.isnan(low), value, np.clip(low, floor, value))
    high = np.where(np.isnan(high), value, np.maximum(high, value))
    return low, high


def _draw_run(
    canvas: Canvas,
    panel: Panel,
    metric: str,
    rows: pd.DataFrame,
    run: Run,
    color: Any,
    x: list[float],
) -> None:
    """One run's line, its error bars and its imprecise points (hollow markers)."""
    value, low, high = _values(metric, rows)
    low, high = bar_ends(value, low, high, METRICS[metric][1])
    canvas.vbars(panel, x, low, high, color=color)
    canvas.polyline(panel, x, value, color=color)
    canvas.marks(panel, x, value, color=color)
    if "precise" in rows:
        imprecise = ~rows["precise"].fillna(False).astype(bool).to_numpy()
        if imprecise.any():
            xs, ys = np.asarray(x)[imprecise], value[imprecise]
            canvas.marks(panel, xs, ys, color=color, size=4.2, hollow=True)
    drawn = Series(
        key=run.id, color=color, x=tuple(x), y=tuple(value), low=tuple(low), high=tuple(high)
    )
    panel.series.append(drawn)


def _ideal(metric: str, rows: pd.DataFrame, units: Sequence[int], mode: str) -> np.ndarray:
    """The ideal from a run's smallest point: linear throughput, flat or ``1/n`` time."""
    value = _values(metric, rows)[0]
    base_u, base = float(rows["units"].iloc[0]), float(value[0])
    xs = np.array([u for u in units if u >= base_u], dtype=float)
    if metric == "throughput":
        ys = base * xs / base_u
    else:
        ys = base * base_u / xs if mode == "strong" else np.full_like(xs, base)
    return np.column_stack([xs, ys])


def _failed(canvas: Canvas, panel: Panel, part: pd.DataFrame) -> None:
    """Red crosses on the x axis where points failed (they have no value to plot)."""
    failed = part[part["n"] == 0]
    if not failed.empty:
        xs = failed["units"].to_numpy(dtype=float)
        ys = np.full(len(xs), 0.04)  # a fraction of the panel's height: just above the x axis
        canvas.marks(panel, xs, ys, color="red", marker="x", size=4.5, axes_y=True)


def _workloads(suite: str, metric: str, points: pd.DataFrame) -> list[str]:
    names = [str(w) for w in dict.fromkeys(points["workload"])]
    return [w for w in names if not is_latency(suite, w)] if metric == "throughput" else names


def _efficiency_top(points: pd.DataFrame) -> float:
    values = points["efficiency"].dropna()
    peak = float(values.max()) if not values.empty else 1.0
    highs = points["efficiency_high"].dropna() if "efficiency_high" in points else values
    reach = float(highs.max()) if not highs.empty else peak
    # Whiskers may reach a little further than the points; far outliers are cut at the edge.
    return max(HIGH_EFFICIENCY, 1.08 * peak, 1.03 * min(reach, 1.5 * peak))


def _log_range(metric: str, frame: pd.DataFrame) -> tuple[float, float] | None:
    value, low, high = _values(metric, frame)
    every = np.concatenate([value, low, high])
    every = every[np.isfinite(every) & (every > 0)]
    return (float(every.min()), float(every.max())) if every.size else None


def metric_figure(
    suite: str,
    metric: str,
    points: pd.DataFrame,
    runs: Sequence[Run],
    colors: Mapping[int, Any] | None = None,
) -> Figure:
    """One panel per workload of a suite, a line per run, for one metric.

    Parameters
    ----------
    suite
        Name of the suite.
    metric
        ``efficiency`` (linear, the 100 % ideal, above 110 % shaded), ``throughput``
        (log-log, the linear ideal from each run's smallest point; latency
        workloads left out) or ``walltime`` (log-log, ideal flat in weak scaling
        and ``1/n`` in strong scaling).
    points
        That suite's rows of :func:`dask_bench.store.run_summaries` over ``runs``.
    runs
        The runs, in legend order (one run: a single-run figure).
    colors
        Run id to colour (default :func:`~._plot.run_colors`).

    Returns
    -------
    matplotlib.figure.Figure
        Error bars: the confidence interval of the median (throughput: its image),
        or of the efficiency; hollow markers: points that missed the precision target;
        red crosses on the x axis: failed points.
    """
    colors = colors or run_colors(runs)
    log = METRICS[metric][1]
    points = points[[c for c in _COLUMNS if c in points]]  # narrow: cheaper to split
    names = _workloads(suite, metric, points)
    part_of = {str(w): g for w, g in points.groupby("workload", sort=False) if str(w) in names}
    rows_of = {(str(w), int(r)): g for (w, r), g in points.groupby(["workload", "run_id"])}
    ranges = {w: _log_range(metric, p) for w, p in part_of.items()} if log else {}
    known = [r for r in ranges.values() if r is not None]
    span = (min(r[0] for r in known), max(r[1] for r in known)) if known else (1.0, 10.0)
    shared = not log or span[1] / span[0] <= SHARE_SPAN
    top = _efficiency_top(points) if metric == "efficiency" else 0.0
    shaded = top > HIGH_EFFICIENCY + 0.03
    failed = bool((points.loc[points["workload"].isin(names), "n"] == 0).any())
    handles, labels = _legend(metric, runs, colors, failed, shaded)
    grid = panel_grid(names, sharey=shared, legend=labels, title_lines=1 if len(runs) > 1 else 2)
    canvas = grid.canvas
    units = sizes(points) or [1]
    x_log = grid.x_axis(units)
    for k, (panel, workload) in enumerate(zip(grid.panels, names, strict=False)):
        if metric == "efficiency":
            grid.y_percent(top, k)
            canvas.hline(panel, 1.0, color=IDEAL_COLOR)
            if shaded:
                canvas.hband(panel, HIGH_EFFICIENCY, top, IMPLAUSIBLE_SHADE)
        else:
            grid.y_log(*(span if shared else ranges.get(workload) or span), k)
        part = part_of[workload]
        drawn = False
        for i, run in enumerate(runs):
            found = rows_of.get((workload, run.id))
            rows = _plotted(metric, found) if found is not None else None
            if rows is None or rows.empty:
                continue
            drawn = True
            x = dodge(list(rows["units"]), i, len(runs), x_log)
            _draw_run(canvas, panel, metric, rows, run, colors[run.id], x)
            if metric != "efficiency":
                ideal = _ideal(metric, rows, units, run.mode)
                xs, ys, color = ideal[:, 0], ideal[:, 1], colors[run.id]
                canvas.polyline(
                    panel, xs, ys, color=color, width=0.9, style="--", alpha=0.6, zorder=2.0
                )
                drawn_ideal = Series(
                    key=run.id, color=color, x=tuple(xs), y=tuple(ys), kind="ideal"
                )
                panel.series.append(drawn_ideal)
        _failed(canvas, panel, part)
        if not drawn:
            canvas.note(panel, "no data")
        latency = is_latency(suite, workload)
        canvas.title(
            panel, f"{workload} (latency)" if latency and metric == "walltime" else workload
        )
    if not names:
        canvas.note(grid.panels[0], "no throughput workloads\n(latency workloads: see wall time)")
    _labels(grid, suite, metric, points, runs)
    figure_legend(grid, handles, labels)
    return canvas.finish()


def _column(metric: str) -> str:
    return {"efficiency": "efficiency", "throughput": "throughput"}.get(metric, "median")


def _labels(grid: Grid, suite: str, metric: str, points: pd.DataFrame, runs: Sequence[Run]) -> None:
    ci = ci_label(runs[0].confidence) if runs else "CI"
    if metric == "efficiency":
        mode = runs[0].mode if runs else "weak"
        what = "T(base)/T(n)" if mode == "weak" else "speedup / (n / base)"
        ylabel = f"parallel efficiency, {what}"
    elif metric == "throughput":
        units = sorted({str(u) for u in points.get("throughput_unit", []) if u})
        ylabel = f"throughput ({', '.join(units) or 'work/s'}, at the median time)"
    else:
        ylabel = METRICS[metric][0]
    if len(runs) == 1:
        run = runs[0]
        title = (
            f"{suite}: {TITLES[metric]} — {run.mode} scaling, error bars: {ci}\n"
            f"run {run.id} {run.name}, back-end {run.backend}, "
            f"{format_layout(run.layout, short=True)}"
        )
    else:
        title = f"{suite}: {TITLES[metric]} by run — error bars: {ci}"
    figure_labels(grid, title, "processing units (threads over all workers)", ylabel)


def _legend(
    metric: str, runs: Sequence[Run], colors: Mapping[int, Any], failed: bool, shaded: bool
) -> tuple[list[Any], list[str]]:
    handles: list[Any] = []
    labels: list[str] = []
    if len(runs) > 1:
        handles += [Line2D([], [], color=colors[r.id], marker="o", markersize=3.5) for r in runs]
        labels += [run_label(r) for r in runs]
    grey = IDEAL_COLOR
    handles.append(Line2D([], [], color=grey, marker="o", markersize=3.5))
    labels.append(
        "median, with its interval" if metric != "efficiency" else "efficiency, with its interval"
    )
    handles.append(
        Line2D(
            [],
            [],
            color=grey,
            marker="o",
            markersize=4.2,
            linestyle="none",
            markerfacecolor="white",
        )
    )
    labels.append("hollow: imprecise (interval wider than the target)")
    ideal = {
        "efficiency": "dashed: ideal (100%)",
        "throughput": "dashed: ideal (linear in units)",
        "walltime": "dashed: ideal (flat in weak, 1/units in strong scaling)",
    }[metric]
    handles.append(Line2D([], [], color=grey, linestyle="--", linewidth=0.9))
    labels.append(ideal)
    if shaded:
        handles.append(Patch(color=IMPLAUSIBLE_SHADE))
        labels.append("shaded: above 110 %, implausible (see notes)")
    if failed:
        handles.append(Line2D([], [], color="red", marker="x", linestyle="none"))
        labels.append("x: failed point")
    return handles, labels


def has_throughput(suite: str, points: pd.DataFrame) -> bool:
    """Whether a suite has a workload judged by its throughput (see ``analysis.metric``)."""
    return bool(_workloads(suite, "throughput", points))


def overlay_figure(
    suite: str, metric: str, points: pd.DataFrame, runs: Sequence[Run], colors: Mapping[int, Any]
) -> Figure:
    """:func:`metric_figure` of several runs, each line in its run's colour in ``colors``.

    The colours are those of every figure of a report (:func:`~._plot.run_colors`).
    """
    return metric_figure(suite, metric, points, runs, colors)
