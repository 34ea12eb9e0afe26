"""Repeat a prepared workload until its mean is known precisely enough."""

from __future__ import annotations

import time
from collections.abc import Callable
from contextlib import AbstractContextManager, nullcontext
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Protocol

from dask_bench.config import Measurement
from dask_bench.errors import RepetitionTimeout, WrongResult
from dask_bench.stats import precise_enough
from dask_bench.store.db import now
from dask_bench.workloads import Trial


@dataclass(frozen=True)
class Repetition:
    """One execution of a trial: its time, or why it failed."""

    index: int
    warmup: bool
    seconds: float | None
    ok: bool
    error: str | None
    started_at: datetime
    timed_out: bool = False


@dataclass
class Outcome:
    """How measuring a point ended."""

    status: str  # ok | failed
    error: str | None = None
    timings: list[float] = field(default_factory=list)
    stopped_by: str = ""  # precision | max_repeats | budget | failure
    timed_out: bool = False  # the failure was a repetition timeout


class Observer(Protocol):
    """Watches a point's repetitions (see :class:`dask_bench.runner.breakdown.PointObserver`)."""

    def repetition(self, index: int, warmup: bool) -> AbstractContextManager[Any]:
        """The context one repetition's timed region runs in."""

    def timed_start(self) -> None:
        """Called once, after the warm-ups and before the first timed repetition."""


def _describe(exc: BaseException) -> str:
    if isinstance(exc, WrongResult):
        return f"wrong result: {exc}"
    if isinstance(exc, RepetitionTimeout):
        return f"timeout: {exc}"
    text = str(exc).strip().splitlines()[0] if str(exc).strip() else ""
    return f"{type(exc).__name__}: {text}" if text else type(exc).__name__


def run_once(
    trial: Trial[Any],
    index: int,
    warmup: bool,
    clock: Callable[[], float] = time.perf_counter,
    observer: Observer | None = None,
) -> Repetition:
    """Run the timed region once, then check its result outside the timing.

    Exceptions other than ``KeyboardInterrupt``/``SystemExit`` become a failed
    repetition carrying their message. With an ``observer``, the timed region (and
    only it: not the check) runs in the context it gives, e.g. a Dask span.
    """
    started = now()
    seconds: float | None = None
    around = observer.repetition(index, warmup) if observer is not None else nullcontext()
    try:
        with around:
            t0 = clock()
            result = trial.run()
            seconds = clock() - t0
        trial.check(result)
        del result  # release the result before the next repetition
    except Exception as exc:
        timed_out = isinstance(exc, RepetitionTimeout)
        return Repetition(index, warmup, seconds, False, _describe(exc), started, timed_out)
    return Repetition(index, warmup, seconds, True, None, started)


def measure(
    trial: Trial[Any],
    settings: Measurement,
    on_repetition: Callable[[Repetition], None] = lambda r: None,
    clock: Callable[[], float] = time.perf_counter,
    observer: Observer | None = None,
) -> Outcome:
    """Warm up, then repeat until precise enough, the maximum, or the time budget.

    The stopping rule: after at least ``min_repeats`` timed repetitions, stop once
    the confidence interval half-width of the mean is within ``target_ci`` of the
    mean; never run more than ``max_repeats``; with a ``point_budget``, stop once
    the point has used it and ``min_repeats`` are done. The first failed repetition
    ends the point.

    Parameters
    ----------
    trial
        The prepared workload.
    settings
        The study's measurement settings.
    on_repetition
        Called after every repetition (warm-up included), e.g. to store it.
    clock
        Monotonic clock in seconds.
    observer
        Puts every repetition in a context of its own and is told when the timed
        repetitions begin (its own work there is outside the point's budget).
    """
    start = clock()
    for i in range(settings.warmup):
        rep = run_once(trial, i, True, clock, observer)
        on_repetition(rep)
        if not rep.ok:
            return Outcome("failed", f"warm-up: {rep.error}", [], "failure", rep.timed_out)
    timings: list[float] = []
    if observer is not None:
        observed = clock()
        observer.timed_start()
        start += clock() - observed
    while True:
        rep = run_once(trial, len(timings), False, clock, observer)
        on_repetition(rep)
        if not rep.ok:
            return Outcome("failed", rep.error, timings, "failure", rep.timed_out)
        assert rep.seconds is not None
        timings.append(rep.seconds)
        if precise_enough(
            timings,
            target=settings.target_ci,
            min_repeats=settings.min_repeats,
            confidence=settings.confidence,
        ):
            return Outcome("ok", None, timings, "precision")
        if len(timings) >= settings.max_repeats:
            return Outcome("ok", None, timings, "max_repeats")
        spent = clock() - start
        over_budget = settings.point_budget is not None and spent >= settings.point_budget
        if over_budget and len(timings) >= settings.min_repeats:
            return Outcome("ok", None, timings, "budget")
