"""Scaling figures of a run, one pair per suite: efficiency and throughput.

Figures are built on :class:`matplotlib.figure.Figure` with an Agg canvas, never
through pyplot, so that rendering does not depend on (or leak into) global state
and works without a display.
"""

from __future__ import annotations

import io
from typing import Any

import pandas as pd
from matplotlib import colormaps
from matplotlib.axes import Axes
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure
from matplotlib.lines import Line2D
from matplotlib.ticker import (
    FixedLocator,
    FuncFormatter,
    LogLocator,
    NullFormatter,
    NullLocator,
    PercentFormatter,
)

from dask_bench.report.tables import format_layout, suite_frames
from dask_bench.store import Store
from dask_bench.store.schema import Run

#: Size of one figure in inches, and the resolution of its PNG.
FIGSIZE = (7.0, 4.4)
DPI = 110
IDEAL_COLOR = "0.35"


def _new_figure(lines: int = 0) -> tuple[Figure, Axes]:
    fig = Figure(figsize=FIGSIZE, layout="constrained")
    FigureCanvasAgg(fig)  # attaches itself to fig: PNG output without pyplot
    ax = fig.add_subplot()
    if lines > 10:
        # the default cycle has 10 colours; more workloads would share colours
        ax.set_prop_cycle(color=[colormaps["tab20"](i) for i in range(20)])
    return fig, ax


def _title(run: Run, suite: str, what: str) -> str:
    return (
        f"{suite}: {what} — {run.mode} scaling\nback-end {run.backend}, {format_layout(run.layout)}"
    )


def _units_axis(ax: Axes, units: list[int], log: bool) -> None:
    """Processing units on x, ticked at the measured sizes only."""
    if log:
        ax.set_xscale("log", base=2)
    ax.xaxis.set_major_locator(FixedLocator(units))
    ax.xaxis.set_minor_locator(NullLocator())
    ax.set_xticklabels([str(u) for u in units])
    ax.set_xlabel("processing units (threads over all workers)")


def _sizes(points: pd.DataFrame) -> list[int]:
    return sorted({int(u) for u in points["units"]})


def _legend(ax: Axes, *args: list[Any]) -> None:
    # Outside the axes, so it never hides a line; constrained layout makes room for it.
    ax.legend(*args, title="workload", fontsize="small", loc="upper left", bbox_to_anchor=(1.02, 1))


def _plain_log_y(ax: Axes) -> None:
    """Label a log y axis with plain numbers at 1-2-5 steps (few decades are typical)."""
    ax.set_yscale("log")
    ax.yaxis.set_major_locator(LogLocator(base=10, subs=(1.0, 2.0, 5.0)))
    ax.yaxis.set_major_formatter(FuncFormatter(lambda v, _pos: f"{v:,.0f}" if v >= 1 else f"{v:g}"))
    ax.yaxis.set_minor_formatter(NullFormatter())


def _no_data(ax: Axes) -> None:
    ax.text(0.5, 0.5, "no successful points", ha="center", va="center", transform=ax.transAxes)


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
        With the ideal efficiency (100 %) as a dashed line and failed points
        marked on the x axis.
    """
    fig, ax = _new_figure(points["workload"].nunique())
    units = _sizes(points)
    ax.axhline(1.0, label="ideal (100%)", color=IDEAL_COLOR, linestyle="--", linewidth=1.2)
    good = points[points["efficiency"].notna()]
    top = 1.0
    for workload, group in good.groupby("workload", sort=False):
        group = group.sort_values("units")
        ax.plot(group["units"], group["efficiency"], marker="o", label=str(workload))
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
        _no_data(ax)
    _units_axis(ax, units, log=len(units) > 2)
    ax.set_ylim(0, top * 1.08)
    ax.yaxis.set_major_formatter(PercentFormatter(xmax=1.0))
    what = "T(base)/T(n)" if run.mode == "weak" else "speedup / (n / base)"
    ax.set_ylabel(f"parallel efficiency (%), {what}")
    ax.grid(True, alpha=0.3)
    _legend(ax)
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
    fig, ax = _new_figure(points["workload"].nunique())
    units = _sizes(points)
    good = points[points["throughput"].notna() & (points["throughput"] > 0)]
    unit_names = sorted({str(u) for u in good["throughput_unit"] if u})
    for workload, group in good.groupby("workload", sort=False):
        group = group.sort_values("units")
        (line,) = ax.plot(group["units"], group["throughput"], marker="o", label=str(workload))
        base_units, base = float(group["units"].iloc[0]), float(group["throughput"].iloc[0])
        ideal = [base * u / base_units for u in units if u >= base_units]
        ax.plot(
            [u for u in units if u >= base_units],
            ideal,
            color=line.get_color(),
            linestyle="--",
            linewidth=1.0,
            alpha=0.6,
        )
    if good.empty:
        _no_data(ax)
    log = len(units) > 1 and not good.empty
    if log:
        _plain_log_y(ax)
    _units_axis(ax, units, log=log)
    ax.set_ylabel(f"throughput ({', '.join(unit_names) or 'work/s'}, median time)")
    ax.grid(True, which="both", alpha=0.3)
    handles, labels = ax.get_legend_handles_labels()
    # One legend entry for all ideals: they share a meaning, only their colour differs.
    handles.append(Line2D([], [], color=IDEAL_COLOR, linestyle="--", linewidth=1.0))
    labels.append("dashed: ideal (linear in units)")
    _legend(ax, handles, labels)
    ax.set_title(_title(run, suite, "throughput"), fontsize="medium")
    return fig


def suite_figures(store: Store, run: Run) -> dict[str, list[Figure]]:
    """Efficiency and throughput figures of every suite of a run.

    Parameters
    ----------
    store
        The results database.
    run
        The run to plot.

    Returns
    -------
    dict
        Suite name to ``[efficiency figure, throughput figure]``, in suite order.
    """
    return {
        suite: [efficiency_figure(run, suite, part), throughput_figure(run, suite, part)]
        for suite, part in suite_frames(store, run).items()
    }


def figure_png(fig: Figure, dpi: int = DPI) -> bytes:
    """Render a figure to PNG bytes.

    Parameters
    ----------
    fig
        A figure from this module (or any Agg-renderable figure).
    dpi
        Resolution of the image.

    Returns
    -------
    bytes
        The PNG file's content.
    """
    buffer = io.BytesIO()
    fig.savefig(buffer, format="png", dpi=dpi)
    return buffer.getvalue()
