"""Small multiples: one small panel per workload, laid out by hand, with readable ticks.

The layout is computed once, in inches, on a :class:`~._canvas.Canvas` (one axes for
the whole figure) instead of by matplotlib's constrained layout. Panels show the
same y range where the values are comparable; ticks and their labels are then drawn
only on the outer panels, so no label is repeated inside a figure.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from matplotlib.figure import Figure

from dask_bench.report.figures._canvas import Canvas, Panel, Scale

#: Panels per row, and the size of one panel in inches.
GRID_COLUMNS = 4
PANEL = (2.15, 1.45)
#: Narrowest figure, so that titles and legends fit above and below a single panel.
MIN_WIDTH = 7.0
#: Room for tick labels beside a panel (in inches) and for a panel's title above it.
TICK_ROOM = 0.5
TITLE_ROOM = 0.26


@dataclass
class Grid:
    """Panels on a canvas, :data:`GRID_COLUMNS` to a row.

    Attributes
    ----------
    canvas
        What the panels are drawn on.
    panels
        One panel per item, in reading order.
    ncols
        Panels per row.
    sharey
        Whether the panels show the same y range (only the first of a row labels it).
    units
        The values on x, once :meth:`x_axis` or :meth:`x_categories` has set them.
    legend_cols
        Entries per line of the legend below the panels.
    """

    canvas: Canvas
    panels: list[Panel]
    ncols: int
    sharey: bool
    units: tuple[float, ...] = ()
    legend_cols: int = 1

    @property
    def fig(self) -> Figure:
        """The figure."""
        return self.canvas.fig

    def is_bottom(self, index: int) -> bool:
        """Whether no panel lies below panel ``index`` (its x tick labels are drawn)."""
        return index + self.ncols >= len(self.panels)

    def is_left(self, index: int) -> bool:
        """Whether panel ``index`` starts a row."""
        return index % self.ncols == 0

    def x_axis(self, units: Sequence[int]) -> bool:
        """Processing units on every panel's x: log 2 beyond two sizes; labels below each column.

        Call before :meth:`y_log` or :meth:`y_percent`, which draw the grid. Returns
        whether the axis is logarithmic.
        """
        log = len(units) > 2
        if log:
            scale = Scale(min(units) / 1.35, max(units) * 1.35, log=True)
        else:
            span = max(units) - min(units) or 1
            scale = Scale(min(units) - 0.25 * span, max(units) + 0.25 * span)
        self._x(scale, [float(u) for u in units], [str(u) for u in units])
        return log

    def x_categories(self, labels: Sequence[str]) -> None:
        """Categories (e.g. sizes as bars) at 0, 1, 2, ... on every panel's x."""
        self._x(Scale(-0.6, len(labels) - 0.4), [float(k) for k in range(len(labels))], labels)

    def _x(self, scale: Scale, ticks: list[float], labels: Sequence[str]) -> None:
        self.units = tuple(ticks)
        for i, panel in enumerate(self.panels):
            panel.x = scale
            if self.is_bottom(i):
                self.canvas.ticks(panel, "x", ticks, labels)

    def y_percent(self, top: float, index: int | None = None) -> None:
        """A linear y axis from 0 to ``top`` (a fraction) in whole percent, on one or all panels."""
        step = 0.25 if top <= 1.6 else (0.5 if top <= 3.2 else 1.0)
        ticks = [i * step for i in range(int(top / step) + 1)]
        self._y(Scale(0.0, top), ticks, [f"{t * 100:.0f}%" for t in ticks], index)

    def y_log(self, low: float, high: float, index: int | None = None) -> None:
        """A log y axis over ``[low, high]`` (padded), plain numbers, on one or all panels."""
        low, high = low / 1.25, high * 1.25
        ticks = [t for t in log_ticks(low, high) if low <= t <= high]
        self._y(Scale(low, high, log=True), ticks, [plain(t) for t in ticks], index)

    def _y(self, scale: Scale, ticks: list[float], labels: list[str], index: int | None) -> None:
        for i in range(len(self.panels)) if index is None else [index]:
            panel = self.panels[i]
            panel.y = scale
            self.canvas.grid(panel, self.units, ticks)
            self.canvas.frame(panel)
            if self.is_left(i) or not self.sharey:  # else the row's first panel labels it
                self.canvas.ticks(panel, "y", ticks, labels)


def panel_grid(
    names: Sequence[str],
    *,
    sharey: bool,
    legend: Sequence[str],
    title_lines: int = 1,
    ncols: int | None = None,
) -> Grid:
    """A canvas holding one panel per name (at least one), sharing x (and y when asked).

    Parameters
    ----------
    names
        One panel per name, in reading order.
    sharey
        The panels will show one y range (labelled on the first panel of each row);
        otherwise every panel gets its own y tick labels.
    legend
        The labels of the legend below the panels, to leave room for (see
        :func:`figure_legend`).
    title_lines
        Lines of the figure's title.
    ncols
        Panels per row (default :data:`GRID_COLUMNS`, fewer when there are fewer panels).

    Returns
    -------
    Grid
    """
    names = list(names) or [""]
    count = len(names)
    cols = min(ncols or GRID_COLUMNS, count)
    rows = math.ceil(count / cols)
    left, right = 0.72, 0.15
    gap_x = 0.14 if sharey else TICK_ROOM
    top = 0.18 + 0.2 * title_lines + TITLE_ROOM
    width = left + right + cols * PANEL[0] + (cols - 1) * gap_x
    if width < MIN_WIDTH:  # centre a narrow block of panels
        left += (MIN_WIDTH - width) / 2
        width = MIN_WIDTH
    legend_cols, legend_lines = legend_layout(legend, width)
    bottom = 0.72 + 0.2 * legend_lines
    height = top + bottom + rows * PANEL[1] + (rows - 1) * TITLE_ROOM
    canvas = Canvas(width, height)
    panels = []
    for i, name in enumerate(names):
        row, col = divmod(i, cols)
        x0 = left + col * (PANEL[0] + gap_x)
        y0 = height - top - (row + 1) * PANEL[1] - row * TITLE_ROOM
        panels.append(canvas.panel(name, (x0, y0, PANEL[0], PANEL[1])))
    return Grid(canvas=canvas, panels=panels, ncols=cols, sharey=sharey, legend_cols=legend_cols)


def figure_labels(grid: Grid, title: str, xlabel: str, ylabel: str) -> None:
    """The figure's title and its shared axis labels, at fixed places."""
    canvas = grid.canvas
    boxes = [p.box for p in grid.panels]
    left, right = min(b[0] for b in boxes), max(b[0] + b[2] for b in boxes)
    top, bottom = boxes[0][1] + boxes[0][3], min(b[1] for b in boxes)
    centre = (left + right) / 2
    canvas.text(centre, canvas.height - 0.1, title, ha="center", va="top", fontsize=9.5)
    canvas.text(
        left - 0.6, (top + bottom) / 2, ylabel, rotation=90, ha="left", va="center", fontsize=8.5
    )
    canvas.text(centre, bottom - 0.38, xlabel, ha="center", va="top", fontsize=8.5)


#: Inches per character of a legend label, and around each entry (its line and gap).
LEGEND_CHAR, LEGEND_ENTRY = 0.058, 0.5


def legend_layout(labels: Sequence[str], width: float) -> tuple[int, int]:
    """Entries per line (at most 3) and lines of a legend that fits ``width`` inches."""
    if not labels:
        return 1, 0
    column = max(len(label) for label in labels) * LEGEND_CHAR + LEGEND_ENTRY
    cols = max(1, min(3, len(labels), int((width - 0.3) // column)))
    return cols, math.ceil(len(labels) / cols)


def figure_legend(grid: Grid, handles: Sequence[Any], labels: Sequence[str]) -> None:
    """A legend below the panels, in the room :func:`panel_grid` left for it."""
    height = grid.canvas.height
    grid.fig.legend(
        handles,
        labels,
        loc="lower center",
        bbox_to_anchor=(0.5, 0.06 / height),
        ncols=grid.legend_cols,
        fontsize=7.5,
        frameon=False,
        handlelength=2.2,
        columnspacing=1.4,
        borderaxespad=0.0,
    )


def dodge(units: Sequence[float], index: int, count: int, log: bool) -> list[float]:
    """Shift the x of run ``index`` of ``count`` a little, so error bars do not hide each other."""
    if count < 2:
        return [float(u) for u in units]
    step = (index - (count - 1) / 2) * 0.07
    return [float(u) * 2**step if log else float(u) + step for u in units]


def plain(value: float) -> str:
    """A tick label: three significant figures, plain digits with thousands separators."""
    if value == 0:
        return "0"
    digits = math.floor(math.log10(abs(value)))
    rounded = round(value, 2 - digits)
    if abs(rounded) >= 1000:
        return f"{rounded:,.0f}"
    decimals = max(0, 2 - digits)
    text = f"{rounded:.{decimals}f}"
    return text.rstrip("0").rstrip(".") if "." in text else text


def log_ticks(low: float, high: float) -> list[float]:
    """Tick values for a log axis from ``low`` to ``high``: decades, 1-2-5 steps, or 1-9.

    The first of these that gives three to six ticks (a longer list is thinned to six
    at most); labels (:func:`plain`) all differ. Two ticks when the range holds no
    more, the ends and the middle when it holds fewer.
    """
    best: list[float] = []
    for subs in ((1.0,), (1.0, 2.0, 5.0), (1.0, 2.0, 3.0, 4.0, 5.0, 6.0, 7.0, 8.0, 9.0)):
        ticks = [
            s * 10.0**e
            for e in range(math.floor(math.log10(low)) - 1, math.ceil(math.log10(high)) + 1)
            for s in subs
            if low <= s * 10.0**e <= high
        ]
        if len(ticks) > 6:
            ticks = ticks[:: math.ceil(len(ticks) / 6)]
        if len(ticks) >= 3:
            return _distinct(ticks)
        best = ticks if len(ticks) > len(best) else best
    if len(best) == 2:
        return _distinct(best)
    # Narrower than one step of 1..9: the ends and the middle, rounded.
    return _distinct([low * 1.02, math.sqrt(low * high), high / 1.02])


def _distinct(ticks: list[float]) -> list[float]:
    out: list[float] = []
    seen: set[str] = set()
    for t in ticks:
        label = plain(t)
        if label not in seen:
            seen.add(label)
            out.append(float(label.replace(",", "")))
    return out
