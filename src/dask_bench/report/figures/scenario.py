"""The timeline of a scenario: tasks finished over time, with and without the event.

One round is drawn: the one whose slowdown is the median of the scenario's rounds,
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


Round = Mapping[str, Mapping[str, Any]]  # role -> {"seconds": ..., "figures": ...}

#: How each kind's event is marked.
EVENT_LABELS = {"worker-loss": "workers removed", "scale-up": "workers asked for"}


def median_pair(rounds: Sequence[Round]) -> int | None:
    """Index of the round whose slowdown (event / control) is the median; None if none."""
    ratios = [
        (float(r["event"]["seconds"]) / float(r["control"]["seconds"]), i)
        for i, r in enumerate(rounds)
        if "control" in r
        and "event" in r
        and r["control"].get("seconds")
        and r["event"].get("seconds")
        and r["event"]["figures"].get("timeline")
    ]
    if not ratios:
        return None
    ratios.sort()
    middle = statistics.median_low([r for r, _ in ratios])
    return next(i for r, i in ratios if r == middle)


def scenario_figure(name: str, kind: str, rounds: Sequence[Round]) -> Figure:
    """Tasks finished against time for a typical round of a scenario.

    Parameters
    ----------
    name
        The scenario's name (the title).
    kind
        Its kind (``worker-loss``, ``scale-up``), which names the event's mark.
    rounds
        Per round, its repetitions by role (``control``, ``event``, ``target``), as
        mappings with ``seconds`` and ``figures`` (as stored).
    """
    fig, ax = new_figure(3)
    chosen = median_pair(rounds)
    if chosen is None:
        no_data(ax, "no round with a timeline")
        return fig
    chosen_round = rounds[chosen]
    xs, ys = _cumulative(chosen_round["control"]["figures"]["timeline"])
    ax.step(xs, ys, where="post", color=IDEAL_COLOR, label="control (no event)")
    target = chosen_round.get("target")
    if target is not None and target["figures"].get("timeline"):
        xs, ys = _cumulative(target["figures"]["timeline"])
        ax.step(xs, ys, where="post", color=IDEAL_COLOR, linestyle=":", label="at the larger size")
    figures = chosen_round["event"]["figures"]
    xs, ys = _cumulative(figures["timeline"])
    ax.step(xs, ys, where="post", color=EVENT_COLOR, label="with the event")
    at = figures.get("event_at")
    if at is not None:
        ax.axvline(at, color=MARKS["event"], linestyle="-", label=EVENT_LABELS.get(kind, kind))
        detected = figures.get("detected_after")
        if detected is not None:
            ax.axvline(
                at + detected, color=MARKS["detected"], linestyle="--", label="scheduler noticed"
            )
    arrived = [t for t in figures["timeline"].get("added") or [] if at is None or t >= at]
    if arrived:
        ax.axvline(min(arrived), color=MARKS["arrived"], linestyle=":", label="worker arrived")
    ax.set_title(f"{name}: round {chosen + 1} (median slowdown)", fontsize=10)
    ax.set_xlabel("seconds from the start of the repetition")
    ax.set_ylabel("tasks finished")
    ax.set_xlim(left=0)
    ax.set_ylim(bottom=0)
    ax.grid(True, alpha=0.3)
    ax.legend(loc="lower right", fontsize=8)
    return fig


def adaptive_figure(name: str, maximum: int, rounds: Sequence[Round]) -> Figure:
    """Workers and tasks over time for a typical adaptive round, against the ideal ramp.

    The ideal is every one of ``maximum`` workers there from the start (as on the fixed
    cluster); the samples show how adaptive scaling got there and how it scaled down.
    """
    fig, ax = new_figure(3)
    chosen = median_pair(rounds)
    samples = (
        rounds[chosen]["event"]["figures"]["timeline"].get("samples")
        if chosen is not None
        else None
    )
    if chosen is None or not samples:
        no_data(ax, "no adaptive round with samples")
        return fig
    figures = rounds[chosen]["event"]["figures"]
    ts = [float(x[0]) for x in samples]
    ax.step(ts, [int(x[1]) for x in samples], where="post", color=EVENT_COLOR, label="workers")
    ax.axhline(maximum, color=IDEAL_COLOR, linestyle="--", label="ideal (all from the start)")
    end = figures.get("work_seconds")
    if end is not None:
        ax.axvline(float(end), color=MARKS["detected"], linestyle=":", label="work done")
    ax.set_xlabel("seconds from the start of the repetition")
    ax.set_ylabel("workers")
    ax.set_ylim(bottom=0, top=max(maximum, max(int(x[1]) for x in samples)) + 1)
    tasks = ax.twinx()
    tasks.plot(ts, [int(x[2]) for x in samples], color="0.6", linewidth=1, label="processing")
    tasks.plot(ts, [int(x[3]) for x in samples], color="0.6", linestyle=":", label="queued")
    tasks.set_ylabel("tasks")
    tasks.set_ylim(bottom=0)
    ax.set_title(f"{name}: round {chosen + 1} (median slowdown)", fontsize=10)
    handles, labels = ax.get_legend_handles_labels()
    more, more_labels = tasks.get_legend_handles_labels()
    ax.legend(handles + more, labels + more_labels, loc="upper right", fontsize=8)
    ax.grid(True, alpha=0.3)
    return fig
