"""A scenario's figures as labelled text, shared by the terminal and the HTML report."""

from __future__ import annotations

from dataclasses import dataclass

from dask_bench.report._format import format_ratio_interval, format_seconds
from dask_bench.report.analysis.scenarios import ScenarioSummary


@dataclass(frozen=True)
class Row:
    """One line of a scenario's table; ``level`` is ``""``, ``warn`` or ``bad``."""

    label: str
    text: str
    level: str = ""


def _count(value: float | None) -> str:
    return "—" if value is None else f"{value:g}"


def _slowdown(s: ScenarioSummary, confidence: float) -> Row:
    if s.slowdown is None:
        return Row("slowdown", "—")
    if s.slowdown_ci is None:
        return Row("slowdown", f"{s.slowdown:.2f}x (no interval)", "warn")
    low, high = s.slowdown_ci
    text = f"{s.slowdown:.2f}x {format_ratio_interval(low, high, percent=False)}"
    return Row("slowdown", f"{text} ({confidence:.0%})", "warn" if low <= 1 <= high else "")


def scenario_rows(s: ScenarioSummary, confidence: float) -> list[Row]:
    """The figures of one scenario, then its notes (each a ``note`` row)."""
    recomputed = (
        "—"
        if s.recomputed is None
        else f"{s.recomputed:g} task(s), {format_seconds(s.recomputed_seconds)} of compute"
    )
    failed = f"{s.failed_events}" + (
        f" ({s.killed_worker} KilledWorker)" if s.killed_worker else ""
    )
    rows = [
        Row("pairs measured", f"{s.pairs} of {s.planned}", "warn" if s.pairs < s.planned else ""),
        Row("control", format_seconds(s.control)),
        Row("with the event", format_seconds(s.with_event)),
        _slowdown(s, confidence),
        Row("detected after", format_seconds(s.detected_after)),
        Row("replaced after", format_seconds(s.replaced_after)),
        Row("all back after", format_seconds(s.restored_after)),
        Row("recomputed", recomputed),
        Row("results lost", _count(s.lost)),
        Row("tasks interrupted", _count(s.interrupted)),
        Row("event runs failed", failed, "bad" if s.failed_events else ""),
        Row("results correct", s.correct, "bad" if s.correct == "no" else ""),
    ]
    notes = list(s.notes)
    if s.error:
        notes.insert(0, f"stopped: {s.error}")
    if s.slowdown_ci is not None and s.slowdown_ci[0] <= 1 <= s.slowdown_ci[1]:
        notes.append(
            "the interval includes 1x: at this many pairs the cost is not told apart "
            "from run-to-run noise; raise repeats"
        )
    rows += [Row("note", n, "warn") for n in notes]
    return rows
