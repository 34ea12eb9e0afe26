"""The startup-latency figure: how long workers took to arrive after each scale request.

One line per run, in the run's colour in every figure of a report
(:func:`~dask_bench.report.figures._plot.run_colors`).
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from typing import Any

from matplotlib.figure import Figure
from matplotlib.lines import Line2D

from dask_bench.report.figures._plot import IDEAL_COLOR, new_figure, no_data, run_label, units_axis
from dask_bench.store.schema import Run


def startup_figure(runs: Sequence[Run], colors: Mapping[int, Any]) -> Figure:
    """Time from a scale request to the first and to all N workers, against N.

    Parameters
    ----------
    runs
        The runs whose scale steps to draw (scale-ups only: a scale-down has no
        arrival time).
    colors
        Run id to colour (:func:`~dask_bench.report.figures._plot.run_colors`).

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
                ax.plot(
                    [ev.requested for ev in queued],
                    [float(ev.queue_seconds or 0.0) for ev in queued],
                    marker="s",
                    linestyle="--",
                    color=color,
                )
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
