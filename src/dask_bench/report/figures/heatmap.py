"""Efficiency heatmaps: workloads (rows) by processing units (columns), one panel per run.

Red (0 %) through yellow to green (100 %); an efficiency above 110 % is too good to
be true and gets a colour of its own, never green. ``x`` marks a failed point and a
grey cell a size that was not measured. Drawn on a :class:`~._canvas.Canvas`.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np
import pandas as pd
from matplotlib import colormaps
from matplotlib.collections import PolyCollection
from matplotlib.figure import Figure

from dask_bench.report._format import format_layout
from dask_bench.report.analysis.efficiency import HIGH_EFFICIENCY
from dask_bench.report.figures._canvas import Canvas, Panel, Series
from dask_bench.report.figures._geometry import rectangle
from dask_bench.report.figures._plot import run_points, sizes
from dask_bench.store.schema import Run

#: Colour map of the efficiency heatmap: red (0 %) through yellow to green (100 %).
HEATMAP_CMAP = "RdYlGn"
#: Colour of cells above 110 %: implausible, see the notes; and of sizes not measured.
IMPLAUSIBLE_COLOR = "#b39ddb"
NOT_MEASURED = "0.92"
#: Inches per column (size) and per row (workload), and room for the workload names.
CELL = (0.5, 0.22)
NAMES_ROOM = 1.35


def _shown(value: float) -> float:
    """The colour value of an efficiency: 100-110 % as 100 %, beyond as 'over' (its own colour)."""
    if value > HIGH_EFFICIENCY:
        return 2.0
    return min(value, 1.0)


def efficiency_grid(
    points: pd.DataFrame, workloads: list[str], units: list[int]
) -> tuple[np.ndarray, list[tuple[int, int]]]:
    """One run's efficiencies as a workloads x sizes array (NaN: not measured), and failed cells."""
    grid = np.full((len(workloads), len(units)), np.nan)
    failed: list[tuple[int, int]] = []
    for row in points.itertuples(index=False):
        i, j = workloads.index(str(row.workload)), units.index(int(row.units))
        if row.n == 0:
            failed.append((i, j))
        else:
            grid[i, j] = float(row.efficiency)
    return grid, failed


def _cell_colors(grid: np.ndarray) -> list[Any]:
    cmap = colormaps[HEATMAP_CMAP]
    out = []
    for value in grid.flat:
        if math.isnan(value):
            out.append(NOT_MEASURED)
        elif value > HIGH_EFFICIENCY:
            out.append(IMPLAUSIBLE_COLOR)
        else:
            out.append(cmap(max(0.0, min(value, 1.0))))
    return out


def _panel(canvas: Canvas, panel: Panel, grid: np.ndarray, failed: list[tuple[int, int]]) -> None:
    """Coloured cells with their efficiency in %; ``x`` on failed points."""
    rows, cols = grid.shape
    x0, y0, _, _ = panel.box
    cells = [
        rectangle(x0 + j * CELL[0], top, x0 + (j + 1) * CELL[0], top - CELL[1])
        for i in range(rows)
        for j in range(cols)
        for top in [y0 + (rows - i) * CELL[1]]
    ]
    canvas.ax.add_collection(
        PolyCollection(cells, facecolors=_cell_colors(grid), edgecolors="white", linewidths=0.5),
        autolim=False,
    )
    for (i, j), value in np.ndenumerate(grid):
        cx, cy = x0 + (j + 0.5) * CELL[0], y0 + (rows - i - 0.5) * CELL[1]
        if not math.isnan(value):
            # Dark text on the light middle of the map, white on its dark ends.
            color = "black" if 0.25 < value < 0.9 or value > HIGH_EFFICIENCY else "white"
            mark = "!" if value > HIGH_EFFICIENCY else ""
            canvas.text(cx, cy, f"{value * 100:.0f}%{mark}", ha="center", va="center", color=color)
            panel.texts.append(f"{value * 100:.0f}%{mark}")
        elif (i, j) in failed:
            canvas.text(cx, cy, "x", ha="center", va="center", fontsize=10)
            panel.texts.append("x")


def _colorbar(canvas: Canvas, x0: float, y0: float, height: float) -> None:
    """The colour scale from 0 to 100 %, and the colour of implausible values above it."""
    steps = 50
    cmap = colormaps[HEATMAP_CMAP]
    h = height * 0.85 / steps
    slices = [rectangle(x0, y0 + k * h, x0 + 0.12, y0 + (k + 1) * h) for k in range(steps)]
    colors: list[Any] = [cmap((k + 0.5) / steps) for k in range(steps)]
    top = y0 + steps * h
    slices.append(np.array([(x0, top + 0.04), (x0 + 0.12, top + 0.04), (x0 + 0.06, top + 0.2)]))
    colors.append(IMPLAUSIBLE_COLOR)
    canvas.ax.add_collection(PolyCollection(slices, facecolors=colors, linewidths=0), autolim=False)
    for frac in (0.0, 0.25, 0.5, 0.75, 1.0):
        canvas.text(x0 + 0.17, y0 + frac * steps * h, f"{frac * 100:.0f}%", va="center")
    canvas.text(x0 + 0.17, top + 0.12, "> 110%: implausible", va="center")


def heatmaps_figure(
    suite: str,
    points: pd.DataFrame,
    runs: Sequence[Run],
    colors: Mapping[int, Any] | None = None,
) -> Figure:
    """Efficiency heatmaps of runs side by side, sharing rows and the colour scale.

    Parameters
    ----------
    suite
        Name of the suite.
    points
        That suite's rows of :func:`dask_bench.store.run_summaries` over ``runs``.
    runs
        The runs, one panel each, in this order.
    colors
        Run id to colour: with several runs, each panel's title is drawn in its run's colour.

    Returns
    -------
    matplotlib.figure.Figure
        Panels are named ``run <id>``; see :func:`~dask_bench.report.figures._canvas.panels_of`.
    """
    workloads = [str(w) for w in dict.fromkeys(points["workload"])]
    units = sizes(points) or [1]
    panel_w, panel_h = CELL[0] * len(units), CELL[1] * max(1, len(workloads))
    gap, bar, top, bottom = 0.25, 1.5, 0.75, 0.55
    width = max(6.0, NAMES_ROOM + len(runs) * panel_w + (len(runs) - 1) * gap + bar)
    height = top + bottom + max(panel_h, 1.2)
    canvas = Canvas(width, height)
    for k, run in enumerate(runs):
        x0 = NAMES_ROOM + k * (panel_w + gap)
        panel = canvas.panel(f"run {run.id}", (x0, bottom, panel_w, panel_h))
        grid, failed = efficiency_grid(points[points["run_id"] == run.id], workloads, units)
        _panel(canvas, panel, grid, failed)
        shown = Series(key=run.id, color=None, x=tuple(units), y=tuple(grid.flat), kind="grid")
        panel.series.append(shown)
        for j, u in enumerate(units):
            canvas.text(x0 + (j + 0.5) * CELL[0], bottom - 0.05, str(u), ha="center", va="top")
        if k == 0:
            for i, name in enumerate(workloads):
                y = bottom + (len(workloads) - i - 0.5) * CELL[1]
                canvas.text(x0 - 0.06, y, name, ha="right", va="center")
        if len(runs) > 1:
            canvas.title(panel, f"run {run.id}: {run.name}", (colors or {}).get(run.id))
    _colorbar(canvas, NAMES_ROOM + len(runs) * (panel_w + gap), bottom, max(panel_h, 1.2))
    canvas.text(NAMES_ROOM, 0.08, "processing units (threads over all workers)", fontsize=8.5)
    if len(runs) == 1:
        run = runs[0]
        title = (
            f"{suite}: efficiency heatmap (x: failed) — {run.mode} scaling\n"
            f"back-end {run.backend}, {format_layout(run.layout, short=True)}"
        )
    else:
        title = f"{suite}: efficiency heatmap by run (x: failed)"
    canvas.text(0.15, height - 0.08, title, va="top", fontsize=9.5)
    return canvas.finish()


def heatmap_figure(run: Run, suite: str, points: pd.DataFrame) -> Figure:
    """Efficiency of every workload (rows) at every size (columns) of one run.

    Takes the run, the suite's name and that suite's rows of point summaries (as every per-run
    figure does). Cells show the efficiency in %; ``x`` marks a failed point and an empty cell a
    size that was not measured; above 110 % is marked ``!`` in a colour of its own.
    """
    return heatmaps_figure(suite, run_points(run, points), [run])
