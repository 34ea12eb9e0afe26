"""Small multiples drawn on one canvas: panels are regions of a single full-figure axes.

A report has hundreds of small panels. A matplotlib ``Axes`` per panel costs tens of
milliseconds before anything is drawn in it (axes, spines, tick prototypes, text),
and its ticks cost three lines and two texts each; drawing them all was most of a
report's time. Here a figure has one axes in inches, each panel maps its data into
its rectangle (:class:`Scale`), and everything of one style across all panels
(grid, frames, error bars, the lines of one run, ...) becomes one collection. Lines
are clipped to their panel here, so no artist needs a clip path of its own.

What each panel shows is also kept as plain data (:attr:`Panel.series`), so tests
and callers can check a figure without reading pixels: see :func:`panels_of`.
"""

from __future__ import annotations

import math
import weakref
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure
from matplotlib.patches import PathPatch

from dask_bench.report.figures._geometry import clip_segments, compound, rectangle, within

#: Font size (points) of tick labels and panel titles.
SMALL = 7.5
#: Light grey of the grid, and the colour of frames and ticks.
GRID_COLOR = "0.88"
FRAME_COLOR = "0.15"

_PANELS: weakref.WeakKeyDictionary[Figure, dict[str, Panel]] = weakref.WeakKeyDictionary()


@dataclass(frozen=True)
class Scale:
    """Maps data values onto ``[0, 1]`` of a panel's width or height (log: base 10 or 2)."""

    low: float
    high: float
    log: bool = False

    def __call__(self, values: Any) -> np.ndarray:
        """The fraction of the panel at which each value lies (NaN stays NaN)."""
        v = np.asarray(values, dtype=float)
        if self.log:
            with np.errstate(divide="ignore", invalid="ignore"):
                v = np.log(np.where(v > 0, v, np.nan))
            low, high = math.log(self.low), math.log(self.high)
        else:
            low, high = self.low, self.high
        return (v - low) / ((high - low) or 1.0)


@dataclass(frozen=True)
class Series:
    """What a panel shows of one run: values with their interval ends (for inspection)."""

    key: Any
    color: Any
    x: tuple[float, ...]
    y: tuple[float, ...]
    low: tuple[float, ...] = ()
    high: tuple[float, ...] = ()
    kind: str = "line"


@dataclass
class Panel:
    """A rectangle of the canvas (inches) with the scales of its two axes.

    ``series``, ``texts`` (notes and cell labels) and ``ticks`` (labels drawn on
    ``x`` and ``y``) record what was drawn, for inspection.
    """

    name: str
    box: tuple[float, float, float, float]  # x0, y0, width, height in inches
    x: Scale = field(default_factory=lambda: Scale(0.0, 1.0))
    y: Scale = field(default_factory=lambda: Scale(0.0, 1.0))
    title: str = ""
    series: list[Series] = field(default_factory=list)
    texts: list[str] = field(default_factory=list)
    ticks: dict[str, list[str]] = field(default_factory=dict)

    def at(self, xs: Any, ys: Any) -> tuple[np.ndarray, np.ndarray]:
        """Canvas coordinates (inches) of data points."""
        x0, y0, w, h = self.box
        return x0 + self.x(xs) * w, y0 + self.y(ys) * h


def panels_of(fig: Figure) -> dict[str, Panel]:
    """The panels of a figure drawn on a :class:`Canvas`, by name; empty for others."""
    return _PANELS.get(fig, {})


class Canvas:
    """A figure of ``width`` x ``height`` inches whose panels are drawn as shared collections.

    Draw with the methods below, then call :meth:`finish` once: it turns what was
    gathered into collections, in a fixed stacking order.
    """

    def __init__(self, width: float, height: float) -> None:
        self.fig = Figure(figsize=(width, height))
        FigureCanvasAgg(self.fig)  # attaches itself: output without pyplot
        self.ax = self.fig.add_axes((0.0, 0.0, 1.0, 1.0))
        self.ax.set_xlim(0, width)
        self.ax.set_ylim(0, height)
        self.ax.set_axis_off()
        self.width, self.height = width, height
        self.panels: dict[str, Panel] = {}
        # (zorder, colour, width, style, alpha) -> segments or polylines
        self._lines: dict[tuple[Any, ...], list[np.ndarray]] = {}
        # (zorder, colour) -> polygons
        self._fills: dict[tuple[Any, ...], list[np.ndarray]] = {}
        # (colour, marker, size, hollow) -> points
        self._marks: dict[tuple[Any, ...], list[tuple[np.ndarray, np.ndarray]]] = {}
        _PANELS[self.fig] = self.panels

    def panel(self, name: str, box: tuple[float, float, float, float]) -> Panel:
        """Add a panel at ``box`` (x0, y0, width, height in inches)."""
        panel = Panel(name, box)
        self.panels[name] = panel
        return panel

    # --- gathering ---

    def _key(self, color: Any) -> Any:
        return tuple(color) if isinstance(color, (list, np.ndarray)) else color

    def segments(
        self,
        panel: Panel,
        p: np.ndarray,
        q: np.ndarray,
        *,
        color: Any,
        width: float = 0.9,
        style: str = "-",
        alpha: float = 1.0,
        zorder: float = 2.0,
        clip: bool = True,
    ) -> None:
        """Straight segments from ``p`` to ``q`` (canvas inches, n x 2), cut to the panel."""
        if clip:
            p, q = clip_segments(p, q, panel.box)
        if len(p):
            key = (zorder, self._key(color), width, style, alpha)
            self._lines.setdefault(key, []).extend(np.stack([p, q], axis=1))

    def polyline(
        self,
        panel: Panel,
        xs: Any,
        ys: Any,
        *,
        color: Any,
        width: float = 1.2,
        style: str = "-",
        alpha: float = 1.0,
        zorder: float = 3.0,
    ) -> None:
        """A line through data points of a panel (cut to the panel)."""
        cx, cy = panel.at(xs, ys)
        pts = np.column_stack([cx, cy])
        if len(pts) < 2:
            return
        inside = np.isfinite(pts).all(axis=1)
        box = panel.box
        if inside.all() and within(pts, box):
            key = (zorder, self._key(color), width, style, alpha)
            self._lines.setdefault(key, []).append(pts)
            return
        starts, ends = pts[:-1], pts[1:]
        self.segments(
            panel, starts, ends, color=color, width=width, style=style, alpha=alpha, zorder=zorder
        )

    def marks(
        self,
        panel: Panel,
        xs: Any,
        ys: Any,
        *,
        color: Any,
        marker: str = "o",
        size: float = 3.2,
        hollow: bool = False,
        axes_y: bool = False,
    ) -> None:
        """Markers at data points (``axes_y``: y is a fraction of the panel's height)."""
        if axes_y:
            cx = panel.at(xs, np.ones(len(np.atleast_1d(xs))))[0]
            cy = panel.box[1] + np.asarray(ys, dtype=float) * panel.box[3]
        else:
            cx, cy = panel.at(xs, ys)
        ok = np.isfinite(cx) & np.isfinite(cy)
        if ok.any():
            key = (self._key(color), marker, size, hollow)
            self._marks.setdefault(key, []).append((cx[ok], cy[ok]))

    def vbars(self, panel: Panel, xs: Any, lows: Any, highs: Any, *, color: Any) -> None:
        """Vertical error bars from ``lows`` to ``highs`` (equal ends: no bar)."""
        cx, lo = panel.at(xs, lows)
        _, hi = panel.at(xs, highs)
        keep = np.isfinite(lo) & np.isfinite(hi) & (hi > lo)
        p, q = np.column_stack([cx, lo])[keep], np.column_stack([cx, hi])[keep]
        self.segments(panel, p, q, color=color, width=0.9, zorder=2.5)

    def hband(self, panel: Panel, low: float, high: float, color: Any) -> None:
        """A shaded band across the panel between two y values."""
        x0, _, w, _ = panel.box
        _, ys = panel.at([1.0, 1.0], [low, high])
        y_low, y_high = (float(np.clip(y, panel.box[1], panel.box[1] + panel.box[3])) for y in ys)
        if y_high > y_low:
            rect = rectangle(x0, y_low, x0 + w, y_high)
            self._fills.setdefault((0.5, self._key(color)), []).append(rect)

    def bars(
        self, panel: Panel, xs: Any, bottoms: Any, heights: Any, *, color: Any, width: float
    ) -> None:
        """Filled bars of ``width`` (in x units) from ``bottoms`` up by ``heights``."""
        columns = (np.asarray(values, float) for values in (xs, bottoms, heights))
        for x, b, h in zip(*columns, strict=True):
            if not h > 0:
                continue
            cx, cy = panel.at([x - width / 2, x + width / 2], [b, b + h])
            rect = rectangle(cx[0], cy[0], cx[1], cy[1])
            self._fills.setdefault((1.5, self._key(color)), []).append(rect)

    def outlines(self, panel: Panel, xs: Any, height: float, width: float, *, color: Any) -> None:
        """Rectangles outlined (not filled) from 0 up to ``height``, ``width`` wide at ``xs``."""
        for x in np.asarray(xs, dtype=float):
            cx, cy = panel.at([x - width / 2, x + width / 2], [0.0, height])
            rect = rectangle(cx[0], cy[0], cx[1], cy[1], closed=True)
            key = (3.5, self._key(color), 1.1, "-", 1.0)
            self._lines.setdefault(key, []).append(rect)

    def hline(self, panel: Panel, y: float, *, color: Any, style: str = "--") -> None:
        """A horizontal line across the panel at a data value."""
        x0, _, w, _ = panel.box
        cy = float(panel.at([1.0], [y])[1][0])
        p, q = np.array([[x0, cy]]), np.array([[x0 + w, cy]])
        self.segments(panel, p, q, color=color, style=style, zorder=2.2)

    def text(self, x: float, y: float, text: str, **kwargs: Any) -> None:
        """A text at canvas inches."""
        kwargs.setdefault("fontsize", SMALL)
        self.ax.text(x, y, text, **kwargs)

    # --- axes furniture ---

    def frame(self, panel: Panel) -> None:
        """The panel's left and bottom edges."""
        x0, y0, w, h = panel.box
        p = np.array([[x0, y0], [x0, y0]])
        q = np.array([[x0 + w, y0], [x0, y0 + h]])
        self.segments(panel, p, q, color=FRAME_COLOR, width=0.8, zorder=4.0, clip=False)

    def grid(self, panel: Panel, xs: Iterable[float], ys: Iterable[float]) -> None:
        """Light lines at data values ``xs`` (vertical) and ``ys`` (horizontal)."""
        x0, y0, w, h = panel.box
        xs, ys = list(xs), list(ys)
        cx = panel.at(xs, np.ones(len(xs)))[0] if xs else np.array([])
        cy = panel.at(np.ones(len(ys)), ys)[1] if ys else np.array([])
        p = [*([x, y0] for x in cx), *([x0, y] for y in cy)]
        q = [*([x, y0 + h] for x in cx), *([x0 + w, y] for y in cy)]
        if p:
            starts, ends = np.array(p, float), np.array(q, float)
            self.segments(panel, starts, ends, color=GRID_COLOR, width=0.6, zorder=1.0)

    def ticks(
        self, panel: Panel, which: str, values: Sequence[float], labels: Sequence[str]
    ) -> None:
        """Tick marks and their labels outside the panel's bottom (``x``) or left (``y``) edge."""
        x0, y0, _, _ = panel.box
        ones = np.ones(len(values))
        panel.ticks[which] = list(labels)
        if which == "x":
            cx = panel.at(values, ones)[0]
            p = np.column_stack([cx, np.full(len(cx), y0)])
            q = np.column_stack([cx, np.full(len(cx), y0 - 0.04)])
            for x, label in zip(cx, labels, strict=True):
                self.text(float(x), y0 - 0.07, label, ha="center", va="top")
        else:
            cy = panel.at(ones, values)[1]
            p = np.column_stack([np.full(len(cy), x0), cy])
            q = np.column_stack([np.full(len(cy), x0 - 0.04), cy])
            for y, label in zip(cy, labels, strict=True):
                self.text(x0 - 0.07, float(y), label, ha="right", va="center")
        self.segments(panel, p, q, color=FRAME_COLOR, width=0.7, zorder=4.0, clip=False)

    def title(self, panel: Panel, text: str, color: Any = None) -> None:
        """The panel's title, centred above it."""
        x0, y0, w, h = panel.box
        panel.title = text
        extra = {} if color is None else {"color": color}
        self.text(
            x0 + w / 2, y0 + h + 0.05, text, ha="center", va="bottom", fontsize=SMALL + 0.5, **extra
        )

    def note(self, panel: Panel, text: str) -> None:
        """A remark in the middle of a panel (e.g. that it has no data)."""
        x0, y0, w, h = panel.box
        panel.texts.append(text)
        self.text(x0 + w / 2, y0 + h / 2, text, ha="center", va="center", color="0.35")

    # --- output ---

    def finish(self) -> Figure:
        """Turn everything gathered into artists (in stacking order); return the figure.

        Each style becomes one compound path (one ``<path>`` in SVG): writing a path
        per segment costs more than all the rest of a figure.
        """
        for (zorder, color), polygons in self._fills.items():
            patch = PathPatch(
                compound(polygons, closed=True), facecolor=color, linewidth=0, zorder=zorder
            )
            self.ax.add_artist(patch)  # not add_patch: limits are fixed, no need to measure
        for (zorder, color, width, style, alpha), lines in self._lines.items():
            patch = PathPatch(
                compound(lines, closed=False),
                fill=False,
                edgecolor=color,
                linewidth=width,
                linestyle=style,
                alpha=alpha,
                zorder=zorder,
                capstyle="butt",
                joinstyle="round",
            )
            self.ax.add_artist(patch)  # not add_patch: limits are fixed, no need to measure
        for (color, marker, size, hollow), groups in self._marks.items():
            xs = np.concatenate([g[0] for g in groups])
            ys = np.concatenate([g[1] for g in groups])
            face = "white" if hollow else color
            self.ax.plot(
                xs,
                ys,
                linestyle="none",
                marker=marker,
                markersize=size,
                color=color,
                markerfacecolor=face,
                zorder=5.0 if hollow else 4.5,
                scalex=False,
                scaley=False,
            )
        self._lines, self._fills, self._marks = {}, {}, {}
        return self.fig
