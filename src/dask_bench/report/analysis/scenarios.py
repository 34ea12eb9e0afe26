"""What a stored scenario says: the cost of its event, how precise that is, and what broke.

A ratio (``slowdown``; for ``scale-up`` also the makespan against starting at the
larger size) is the median time of the repetitions with the event over the median of
the other role's repetitions, with a bootstrap interval (:func:`dask_bench.stats.ratio_ci`);
only rounds whose event happened and whose repetitions succeeded count. Other figures
are medians over the repetitions with the event.
"""

from __future__ import annotations

import math
import statistics
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from dask_bench.stats import ratio_ci
from dask_bench.store.schema import Run, ScenarioRepetition, ScenarioRole, ScenarioRow

Interval = tuple[float, float]


@dataclass(frozen=True)
class Ratio:
    """Median with the event over median without it, with its interval (None: too few)."""

    value: float | None
    interval: Interval | None

    @property
    def includes_one(self) -> bool:
        """Whether the interval cannot tell the two apart."""
        return self.interval is not None and self.interval[0] <= 1 <= self.interval[1]


@dataclass(frozen=True)
class ScenarioSummary:
    """One scenario, summarised for tables and the report."""

    name: str
    kind: str
    workload: str
    workers: int
    event: str  # what happened and when, in words
    status: str
    error: str | None
    rounds: int  # rounds whose event happened and whose repetitions all succeeded
    planned: int
    control: float | None  # median seconds, without the event
    with_event: float | None
    target: float | None  # median seconds at the size the event leads to (scale-up)
    slowdown: Ratio  # with the event / control
    vs_target: Ratio  # with the event / at the target size (scale-up)
    figures: dict[str, float | None]  # medians of the event's figures, by name
    failed_events: int  # repetitions with the event that failed (KilledWorker...)
    killed_worker: int
    wrong: int  # results that failed their check
    notes: list[str] = field(default_factory=list)

    @property
    def correct(self) -> str:
        """``yes``, ``no`` (a wrong result) or ``—`` (nothing was checked)."""
        if self.wrong:
            return "no"
        return "yes" if self.rounds else "—"


#: Figures of the event kept as medians, by kind.
FIGURES = {
    "worker-loss": (
        "detected_after", "replaced_after", "restored_after", "recomputed",
        "recomputed_seconds", "lost", "interrupted",
    ),
    "adaptive": (
        "ramp_50", "ramp_90", "peak_workers", "linger", "worker_seconds",
        "worker_seconds_idle", "queue_seconds",
    ),
    "lifetime": (
        "event_at", "retired", "replaced_after", "restored_after", "recomputed",
        "recomputed_seconds", "lost", "interrupted",
    ),
    "scale-up": (
        "replaced_after", "all_arrived_after", "first_result_after", "queue_seconds",
        "recomputed",
    ),
}  # fmt: skip


def _median(values: Iterable[Any]) -> float | None:
    found = [float(v) for v in values if v is not None]
    return statistics.median(found) if found else None


def _ratio(top: list[float], bottom: list[float], confidence: float) -> Ratio:
    if not top or not bottom:
        return Ratio(None, None)
    value = statistics.median(top) / statistics.median(bottom)
    if len(top) < 2 or len(bottom) < 2:
        return Ratio(value, None)
    low, high = ratio_ci(top, bottom, confidence)
    return Ratio(value, None if math.isnan(low) else (low, high))


def _event_words(row: ScenarioRow) -> str:
    s = row.settings
    if s.get("at_seconds") is not None:
        when = f"after {float(s['at_seconds']):g} s"
    else:
        when = f"at {float(s.get('at_progress') or 0.5):.0%} of tasks"
    if row.kind == "scale-up":
        return f"add {s.get('add', 1)} to {row.workers} {when}"
    if row.kind == "lifetime":
        restart = "restarted" if s.get("restart", True) else "not restarted"
        return (
            f"{s.get('retiring', 1)} of {row.workers} workers living "
            f"{float(s.get('lifetime', 0)):g} s +/- {float(s.get('stagger', 0)):g} s, {restart}"
        )
    if row.kind == "adaptive":
        return (
            f"adapt between {s.get('minimum', 1)} and {s.get('maximum')} workers, "
            f"then {float(s.get('idle', 0)):g} s idle"
        )
    replaced = "replaced" if s.get("replace") else "not replaced"
    return f"lose {s.get('lose', 1)} of {row.workers} {when}, {replaced}"


def _good(rep: ScenarioRepetition | None) -> bool:
    return rep is not None and rep.ok and rep.seconds is not None


def summarise_scenario(row: ScenarioRow, confidence: float) -> ScenarioSummary:
    """The summary of one stored scenario."""
    by_round: dict[int, dict[str, ScenarioRepetition]] = {}
    for rep in row.repetitions:
        if rep.pair >= 0:
            by_round.setdefault(rep.pair, {})[rep.role] = rep
    events = [r[ScenarioRole.EVENT] for r in by_round.values() if ScenarioRole.EVENT in r]
    happened = [e for e in events if e.figures.get("happened")]
    scale_up = row.kind == "scale-up"
    good = [
        r
        for r in by_round.values()
        if _good(r.get(ScenarioRole.EVENT))
        and r[ScenarioRole.EVENT].figures.get("happened")
        and _good(r.get(ScenarioRole.CONTROL))
        and (not scale_up or _good(r.get(ScenarioRole.TARGET)))
    ]

    def seconds(role: ScenarioRole) -> list[float]:
        return [float(r[role].seconds or 0.0) for r in good if role in r]

    hit, base, big = (
        seconds(ScenarioRole.EVENT),
        seconds(ScenarioRole.CONTROL),
        seconds(ScenarioRole.TARGET),
    )
    slowdown = _ratio(hit, base, confidence)
    notes = []
    missed = len(events) - len(happened)
    if missed:
        notes.append(
            f"{missed} event(s) did not happen (the work ended first, or the event failed)"
        )
    if slowdown.value is not None and slowdown.interval is None:
        notes.append("too few rounds for an interval")
    failed = [e for e in events if not e.ok]
    return ScenarioSummary(
        name=row.name,
        kind=row.kind,
        workload=f"{row.suite}/{row.workload}",
        workers=row.workers,
        event=_event_words(row),
        status=row.status,
        error=row.error,
        rounds=len(good),
        planned=int(row.settings.get("repeats", 0)),
        control=_median(base),
        with_event=_median(hit),
        target=_median(big),
        slowdown=slowdown,
        vs_target=_ratio(hit, big, confidence) if scale_up else Ratio(None, None),
        figures={
            name: _median(e.figures.get(name) for e in happened)
            for name in FIGURES.get(row.kind, ())
        },
        failed_events=len(failed),
        killed_worker=sum("KilledWorker" in (e.error or "") for e in failed),
        wrong=sum(r.correct is False for r in row.repetitions),
        notes=notes,
    )


def scenario_summaries(run: Run) -> list[ScenarioSummary]:
    """Every scenario of ``run``, in the order they ran."""
    ordered = sorted(run.scenarios, key=lambda s: s.id)
    return [summarise_scenario(s, run.confidence) for s in ordered]
