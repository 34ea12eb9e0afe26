"""What a stored scenario says: the cost of its event, how precise that is, and what broke.

The slowdown is the median time of the repetitions with the event over the median
of their controls, with a bootstrap interval (:func:`dask_bench.stats.ratio_ci`);
only pairs whose event happened and whose two repetitions succeeded count. Other
figures are medians over the repetitions with the event.
"""

from __future__ import annotations

import math
import statistics
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from dask_bench.stats import ratio_ci
from dask_bench.store.schema import Run, ScenarioRepetition, ScenarioRow


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
    pairs: int  # pairs whose event happened and whose repetitions both succeeded
    planned: int
    control: float | None  # median seconds
    with_event: float | None
    slowdown: float | None
    slowdown_ci: tuple[float, float] | None
    detected_after: float | None
    replaced_after: float | None
    restored_after: float | None
    recomputed: float | None
    recomputed_seconds: float | None
    lost: float | None  # results the removed workers held
    interrupted: float | None  # tasks they were running
    failed_events: int  # repetitions with the event that failed (KilledWorker...)
    killed_worker: int
    wrong: int  # results that failed their check
    notes: list[str] = field(default_factory=list)

    @property
    def correct(self) -> str:
        """``yes``, ``no`` (a wrong result) or ``—`` (nothing was checked)."""
        if self.wrong:
            return "no"
        return "yes" if self.pairs else "—"


def _median(values: Iterable[Any]) -> float | None:
    found = [float(v) for v in values if v is not None]
    return statistics.median(found) if found else None


def _event_words(row: ScenarioRow) -> str:
    s = row.settings
    if s.get("at_seconds") is not None:
        when = f"after {float(s['at_seconds']):g} s"
    else:
        when = f"at {float(s.get('at_progress') or 0.5):.0%} of tasks"
    replaced = "replaced" if s.get("replace") else "not replaced"
    return f"lose {s.get('lose', 1)} of {row.workers} {when}, {replaced}"


def summarise_scenario(row: ScenarioRow, confidence: float) -> ScenarioSummary:
    """The summary of one stored scenario."""
    reps: list[ScenarioRepetition] = sorted(row.repetitions, key=lambda r: (r.pair, r.event))
    controls = {r.pair: r for r in reps if not r.event and r.pair >= 0}
    events = [r for r in reps if r.event]
    good = [
        (controls[r.pair], r)
        for r in events
        if r.ok
        and r.seconds is not None
        and r.figures.get("happened")
        and r.pair in controls
        and controls[r.pair].ok
        and controls[r.pair].seconds is not None
    ]
    base = [float(c.seconds) for c, _ in good if c.seconds is not None]
    hit = [float(e.seconds) for _, e in good if e.seconds is not None]
    slowdown = statistics.median(hit) / statistics.median(base) if base else None
    ci: tuple[float, float] | None = None
    if len(good) >= 2:
        low, high = ratio_ci(hit, base, confidence)
        ci = None if math.isnan(low) else (low, high)
    happened = [e for e in events if e.figures.get("happened")]
    notes = []
    missed = len(events) - len(happened)
    if missed:
        notes.append(f"{missed} event(s) did not happen (the work ended first, or removal failed)")
    if slowdown is not None and ci is None:
        notes.append("too few pairs for an interval")
    failed = [e for e in events if not e.ok]
    return ScenarioSummary(
        name=row.name,
        kind=row.kind,
        workload=f"{row.suite}/{row.workload}",
        workers=row.workers,
        event=_event_words(row),
        status=row.status,
        error=row.error,
        pairs=len(good),
        planned=int(row.settings.get("repeats", 0)),
        control=_median(base),
        with_event=_median(hit),
        slowdown=slowdown,
        slowdown_ci=ci,
        detected_after=_median(e.figures.get("detected_after") for e in happened),
        replaced_after=_median(e.figures.get("replaced_after") for e in happened),
        restored_after=_median(e.figures.get("restored_after") for e in happened),
        recomputed=_median(e.figures.get("recomputed") for e in happened),
        recomputed_seconds=_median(e.figures.get("recomputed_seconds") for e in happened),
        lost=_median(e.figures.get("lost") for e in happened),
        interrupted=_median(e.figures.get("interrupted") for e in happened),
        failed_events=len(failed),
        killed_worker=sum("KilledWorker" in (e.error or "") for e in failed),
        wrong=sum(r.correct is False for r in reps),
        notes=notes,
    )


def scenario_summaries(run: Run) -> list[ScenarioSummary]:
    """Every scenario of ``run``, in the order they ran."""
    return [
        summarise_scenario(s, run.confidence) for s in sorted(run.scenarios, key=lambda s: s.id)
    ]
