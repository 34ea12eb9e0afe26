"""Plot helpers shared by the figures: blank figures, colours, run labels, axes, a run's rows.

Figures are built on :class:`matplotlib.figure.Figure` with an Agg canvas, never
through pyplot, so that rendering does not depend on (or leak into) global state
and works without a display.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import pandas as pd
from matplotlib import colormaps
from matplotlib.axes import Axes
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure
from matplotlib.ticker import FixedLocator, NullLocator

from dask_bench.report._format import format_layout
from dask_bench.store.schema import Run

#: Size of one figure in inches.
FIGSIZE = (7.0, 4.4)
IDEAL_COLOR = "0.35"


def blank_figure(figsize: tuple[float, float] = FIGSIZE) -> Figure:
    """An empty figure with constrained layout on an Agg canvas."""
    fig = Figure(figsize=figsize, layout="constrained")
    FigureCanvasAgg(fig)  # attaches itself to fig: PNG output without pyplot
    return fig


def new_figure(lines: int = 0, figsize: tuple[float, float] = FIGSIZE) -> tuple[Figure, Axes]:
    """A figure with one axes, with enough distinct colours for ``lines`` lines."""
    fig = blank_figure(figsize)
    ax = fig.add_subplot()
    if lines > 10:
        # the default cycle has 10 colours; more lines would share colours
        ax.set_prop_cycle(color=palette(lines))
    return fig, ax


def palette(n: int) -> list[Any]:
    """``n`` distinct colours: tab10 up to 10, then tab20 (cycled beyond 20)."""
    cmap = colormaps["tab10" if n <= 10 else "tab20"]
    size = 10 if n <= 10 else 20
    return [cmap(i % size) for i in range(n)]


def run_colors(runs: Sequence[Run]) -> dict[int, Any]:
    """One colour per run, in the order given, used by every figure of a report."""
    return dict(zip((r.id for r in runs), palette(len(runs)), strict=True))


def run_label(run: Run) -> str:
    """How a run is named in legends: id, name, back-end and layout."""
    return f"#{run.id} {run.name} ({run.backend}, {format_layout(run.layout, short=True)})"


def units_axis(ax: Axes, units: Sequence[int], log: bool) -> None:
    """Processing units on x, ticked at the measured sizes only."""
    if log:
        ax.set_xscale("log", base=2)
    ax.xaxis.set_major_locator(FixedLocator(list(units)))
    ax.xaxis.set_minor_locator(NullLocator())
    ax.set_xticklabels([str(u) for u in units])
    ax.set_xlabel("processing units (threads over all workers)")


def sizes(points: pd.DataFrame) -> list[int]:
    """The measured processing units, ascending."""
    return sorted({int(u) for u in points["units"]})


def run_points(run: Run, points: pd.DataFrame) -> pd.DataFrame:
    """The rows of ``points`` that belong to ``run``, with a ``run_id`` column.

    The figures of one run take that run's :func:`dask_bench.store.point_summaries`
    (no ``run_id`` column: all its rows) or rows of :func:`dask_bench.store.run_summaries`.
    """
    frame = points if "run_id" in points else points.assign(run_id=run.id)
    return frame[frame["run_id"] == run.id]


def no_data(ax: Axes, text: str = "no successful points") -> None:
    """Say so in the middle of an empty axes."""
    ax.text(0.5, 0.5, text, ha="center", va="center", transform=ax.transAxes)
