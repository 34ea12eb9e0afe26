"""Plot helpers shared by every figure: axes, legends, colours, rendering.

Figures are built on :class:`matplotlib.figure.Figure` with an Agg canvas, never
through pyplot, so that rendering does not depend on (or leak into) global state
and works without a display.
"""

from __future__ import annotations

import io
import math
from collections.abc import Sequence
from typing import Any

import pandas as pd
from matplotlib import colormaps
from matplotlib.axes import Axes
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure
from matplotlib.ticker import FixedLocator, FuncFormatter, LogLocator, NullFormatter, NullLocator

from dask_bench.report.tables import format_layout
from dask_bench.store.schema import Run

#: Size of one figure in inches, and the resolution of its PNG.
FIGSIZE = (7.0, 4.4)
DPI = 110
IDEAL_COLOR = "0.35"
#: Formats a figure can be written in; PNG is also what the HTML page embeds.
FIGURE_FORMATS = ("png", "svg", "pdf")


def blank_figure(figsize: tuple[float, float] = FIGSIZE) -> Figure:
    """An empty figure with constrained layout on an Agg canvas."""
    fig = Figure(figsize=figsize, layout="constrained")
    FigureCanvasAgg(fig)  # attaches itself to fig: PNG output without pyplot
    return fig


#: Workload panels per row in small-multiples figures.
GRID_COLUMNS = 3


def workload_grid(
    workloads: Sequence[str], row_height: float, *, sharex: bool = False, sharey: bool = False
) -> tuple[Figure, Any]:
    """A figure with one panel per workload, :data:`GRID_COLUMNS` to a row.

    Panels beyond the workloads are hidden; ``sharex`` and ``sharey`` are passed to
    :meth:`~matplotlib.figure.Figure.subplots`.
    Returns the figure and the 2-D array of axes.
    """
    ncols = min(GRID_COLUMNS, max(1, len(workloads)))
    nrows = math.ceil(len(workloads) / ncols) or 1
    fig = blank_figure((FIGSIZE[0] * 1.4, 1.1 + row_height * nrows))
    axes = fig.subplots(nrows, ncols, squeeze=False, sharex=sharex, sharey=sharey)
    for ax in list(axes.flat)[len(workloads) :]:
        ax.set_visible(False)
    return fig, axes


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


def run_label(run: Run) -> str:
    """How a run is named in legends: id, name, back-end and layout."""
    return f"#{run.id} {run.name} ({run.backend}, {format_layout(run.layout)})"


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


def legend(ax: Axes, *args: Any, title: str = "workload") -> None:
    """A legend outside the axes, so it never hides a line (constrained layout makes room)."""
    ax.legend(*args, title=title, fontsize="small", loc="upper left", bbox_to_anchor=(1.02, 1))


def plain_log_y(ax: Axes) -> None:
    """Label a log y axis with plain numbers at 1-2-5 steps (few decades are typical)."""
    ax.set_yscale("log")
    low, high = ax.get_ylim()
    # Within one decade 1-2-5 steps leave one or two labels: label every digit instead.
    narrow = low > 0 and high / low < 10
    subs = tuple(float(d) for d in range(1, 10)) if narrow else (1.0, 2.0, 5.0)
    ax.yaxis.set_major_locator(LogLocator(base=10, subs=subs, numticks=12))
    # Three significant figures: neighbouring ticks such as 9.5 and 10 stay distinct.
    ax.yaxis.set_major_formatter(FuncFormatter(lambda v, _pos: f"{v:,.3g}"))
    # No minor ticks: on small panels they add nothing but drawing time.
    ax.yaxis.set_minor_locator(NullLocator())
    ax.yaxis.set_minor_formatter(NullFormatter())


def no_data(ax: Axes, text: str = "no successful points") -> None:
    """Say so in the middle of an empty axes."""
    ax.text(0.5, 0.5, text, ha="center", va="center", transform=ax.transAxes)


def figure_bytes(fig: Figure, fmt: str = "png", dpi: int = DPI) -> bytes:
    """Render a figure to the bytes of a PNG, SVG or PDF file.

    Parameters
    ----------
    fig
        A figure of this package (or any Agg-renderable figure).
    fmt
        One of :data:`FIGURE_FORMATS`.
    dpi
        Resolution of raster output.

    Returns
    -------
    bytes
        The file's content.
    """
    buffer = io.BytesIO()
    # Fixed metadata keeps SVG and PDF output identical from one run to the next.
    metadata = {"Date": None} if fmt in ("svg", "pdf") else None
    fig.savefig(buffer, format=fmt, dpi=dpi, metadata=metadata)
    return buffer.getvalue()


def figure_png(fig: Figure, dpi: int = DPI) -> bytes:
    """Render a figure to PNG bytes (see :func:`figure_bytes`)."""
    return figure_bytes(fig, "png", dpi)
