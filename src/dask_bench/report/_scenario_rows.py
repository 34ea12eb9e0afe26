"""A scenario's figures as labelled text, shared by the terminal and the HTML report."""

from __future__ import annotations

from dataclasses import dataclass

from dask_bench.report._format import format_ratio_interval, format_seconds
from dask_bench.report.analysis.scenarios import Ratio, ScenarioSummary


@dataclass(frozen=True)
class Row:
    """One line of a scenario's table; ``level`` is ``""``, ``warn`` or ``bad``."""

    label: str
    text: str
    level: str = ""


def _count(value: float | None) -> str:
    return "—" if value is None else f"{value:g}"


def _ratio(label: str, ratio: Ratio, confidence: float) -> Row:
    if ratio.value is None:
        return Row(label, "—")
    if ratio.interval is None:
        return Row(label, f"{ratio.value:.2f}x (no interval)", "warn")
    text = f"{ratio.value:.2f}x {format_ratio_interval(*ratio.interval, percent=False)}"
    return Row(label, f"{text} ({confidence:.0%})", "warn" if ratio.includes_one else "")


def _loss_rows(s: ScenarioSummary, confidence: float) -> list[Row]:
    f = s.figures
    spent = format_seconds(f.get("recomputed_seconds"))
    recomputed = (
        "—" if f.get("recomputed") is None else f"{f['recomputed']:g} task(s), {spent} of compute"
    )
    return [
        Row("control", format_seconds(s.control)),
        Row("with the event", format_seconds(s.with_event)),
        _ratio("slowdown", s.slowdown, confidence),
        Row("detected after", format_seconds(f.get("detected_after"))),
        Row("replaced after", format_seconds(f.get("replaced_after"))),
        Row("all back after", format_seconds(f.get("restored_after"))),
        Row("recomputed", recomputed),
        Row("results lost", _count(f.get("lost"))),
        Row("tasks interrupted", _count(f.get("interrupted"))),
    ]


def _scale_up_rows(s: ScenarioSummary, confidence: float) -> list[Row]:
    f = s.figures
    return [
        Row(f"at {s.workers} worker{'s' if s.workers != 1 else ''}", format_seconds(s.control)),
        Row("growing", format_seconds(s.with_event)),
        Row("at the larger size", format_seconds(s.target)),
        _ratio("growing / staying", s.slowdown, confidence),
        _ratio("growing / larger from the start", s.vs_target, confidence),
        Row("first new worker after", format_seconds(f.get("replaced_after"))),
        Row("all new workers after", format_seconds(f.get("all_arrived_after"))),
        Row("of which in the batch queue", format_seconds(f.get("queue_seconds"))),
        Row("first result on a new worker", format_seconds(f.get("first_result_after"))),
    ]


def _adaptive_rows(s: ScenarioSummary, confidence: float) -> list[Row]:
    f = s.figures
    fixed = None if s.control is None else s.control * s.workers
    spent = f.get("worker_seconds")
    return [
        Row(f"fixed, {s.workers} workers", format_seconds(s.control)),
        Row("adaptive", format_seconds(s.with_event)),
        _ratio("adaptive / fixed", s.slowdown, confidence),
        Row("half the maximum after", format_seconds(f.get("ramp_50"))),
        Row("90 % of the maximum after", format_seconds(f.get("ramp_90"))),
        Row("of which in the batch queue", format_seconds(f.get("queue_seconds"))),
        Row("peak workers", _count(f.get("peak_workers"))),
        Row(
            "worker-seconds, work",
            f"{_count(None if spent is None else round(spent, 1))} "
            f"(fixed: {_count(None if fixed is None else round(fixed, 1))})",
        ),
        Row("worker-seconds, idle watch", _count(_round(f.get("worker_seconds_idle")))),
        Row(
            "back to the minimum after",
            format_seconds(f.get("linger"))
            if f.get("linger") is not None
            else "not within the watch",
            "warn" if f.get("linger") is None else "",
        ),
    ]


def _lifetime_rows(s: ScenarioSummary, confidence: float) -> list[Row]:
    f = s.figures
    lost = f.get("lost")
    return [
        Row("control (fresh workers)", format_seconds(s.control)),
        Row("with lifetimes", format_seconds(s.with_event)),
        _ratio("slowdown", s.slowdown, confidence),
        Row("first retirement at", format_seconds(f.get("event_at"))),
        Row("workers retired", _count(f.get("retired"))),
        Row("restarted after", format_seconds(f.get("replaced_after"))),
        Row("results lost", _count(lost), "warn" if lost else ""),
        Row("tasks interrupted", _count(f.get("interrupted"))),
        Row("recomputed", _count(f.get("recomputed"))),
    ]


def _round(value: float | None) -> float | None:
    return None if value is None else round(value, 1)


def scenario_rows(s: ScenarioSummary, confidence: float) -> list[Row]:
    """The figures of one scenario, then its notes (each a ``note`` row)."""
    failed = f"{s.failed_events}" + (
        f" ({s.killed_worker} KilledWorker)" if s.killed_worker else ""
    )
    rows = [
        Row("rounds measured", f"{s.rounds} of {s.planned}", "warn" if s.rounds < s.planned else "")
    ]
    kinds = {"scale-up": _scale_up_rows, "adaptive": _adaptive_rows, "lifetime": _lifetime_rows}
    rows += kinds.get(s.kind, _loss_rows)(s, confidence)
    rows += [
        Row("event runs failed", failed, "bad" if s.failed_events else ""),
        Row("results correct", s.correct, "bad" if s.correct == "no" else ""),
    ]
    notes = list(s.notes)
    if s.error:
        notes.insert(0, f"stopped: {s.error}")
    if s.slowdown.includes_one or s.vs_target.includes_one:
        notes.append(
            "an interval includes 1x: at this many rounds the difference is not told apart "
            "from run-to-run noise; raise repeats"
        )
    rows += [Row("note", n, "warn") for n in notes]
    return rows
