"""The timeline of a scenario: tasks finished over time, with and without the event.

One pair is drawn: the one whose slowdown is the median of the scenario's pairs,
so the figure shows a typical repetition and not the luckiest or the worst.
"""

from __future__ import annotations

import statistics
from collections.abc import Mapping, Sequence
from typing import Any

from matplotlib.figure import Figure

from dask_bench.report.figures._plot import IDEAL_COLOR, new_figure, no_data

#: Colour of the repetition with the event, and of the marks of what happened.
EVENT_COLOR = "#1565c0"
MARKS = {"event": "#c62828", "detected": "#ef6c00", "arrived": "#2e7d32"}


def _cumulative(timeline: Mapping[str, Any]) -> tuple[list[float], list[int]]:
    step = float(timeline.get("step") or 0.05)
    xs, ys, total = [0.0], [0], 0
    for i, count in enumerate(timeline.get("finished") or []):
        total += int(count)
        xs.append((i + 1) * step)
        ys.append(total)
    return xs, ys


def median_pair(pairs: Sequence[tuple[Mapping[str, Any], Mapping[str, Any]]]) -> int | None:
    """Index of the pair (control, event) whose slowdown is the median; None if none."""
    ratios = [
        (float(e["seconds"]) / float(c["seconds"]), i)
        for i, (c, e) in enumerate(pairs)
        if c.get("seconds") and e.get("seconds") and e["figures"].get("timeline")
    ]
    if not ratios:
        return None
    ratios.sort()
    middle = statistics.median_low([r for r, _ in ratios])
    return next(i for r, i in ratios if r == middle)


def scenario_figure(
    name: str, pairs: Sequence[tuple[Mapping[str, Any], Mapping[str, Any]]]
) -> Figure:
    """Tasks finished against time for a typical pair of a scenario.

    Parameters
    ----------
    name
        The scenario's name (the title).
    pairs
        Per pair, the control and the repetition with the event, as mappings with
        ``seconds`` and ``figures`` (as stored in ``scenario_repetitions``).
    """
    fig, ax = new_figure(2)
    chosen = median_pair(pairs)
    if chosen is None:
        no_data(ax, "no pair with a timeline")
        return fig
    control, event = pairs[chosen]
    xs, ys = _cumulative(control["figures"]["timeline"])
    ax.step(xs, ys, where="post", color=IDEAL_COLOR, label="control (no event)")
    figures = event["figures"]
    xs, ys = _cumulative(figures["timeline"])
    ax.step(xs, ys, where="post", color=EVENT_COLOR, label="with the event")
    at = figures.get("event_at")
    if at is not None:
        ax.axvline(at, color=MARKS["event"], linestyle="-", label="workers removed")
        detected = figures.get("detected_after")
        if detected is not None:
            ax.axvline(
                at + detected, color=MARKS["detected"], linestyle="--", label="scheduler noticed"
            )
    arrived = [t for t in figures["timeline"].get("added") or [] if at is None or t >= at]
    if arrived:
        ax.axvline(min(arrived), color=MARKS["arrived"], linestyle=":", label="worker arrived")
    ax.set_title(f"{name}: pair {chosen + 1} (median slowdown)", fontsize=10)
    ax.set_xlabel("seconds from the start of the repetition")
    ax.set_ylabel("tasks finished")
    ax.set_xlim(left=0)
    ax.set_ylim(bottom=0)
    ax.grid(True, alpha=0.3)
    ax.legend(loc="lower right", fontsize=8)
    return fig
