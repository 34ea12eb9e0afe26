"""Measure one point: warm up until steady, then repeat until the median is known precisely.

A :class:`PointRun` takes one repetition at a time, so that the runner can
interleave the repetitions of several points (see :mod:`dask_bench.runner.sweep`);
:func:`measure` runs a single point to its end.
"""

from __future__ import annotations

import dataclasses
import time
from collections.abc import Callable
from contextlib import AbstractContextManager, nullcontext
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Protocol

from dask_bench.errors import RepetitionTimeout, WorkersKilled, WrongResult
from dask_bench.stats import precise_enough, relative_halfwidth
from dask_bench.store.db import now
from dask_bench.store.schema import Ending, PointStatus
from dask_bench.study import Measurement
from dask_bench.workloads import Trial


@dataclass(frozen=True)
class Repetition:
    """One execution of a trial: its time, or why it failed, and what disturbed it."""

    index: int
    warmup: bool
    seconds: float | None
    ok: bool
    error: str | None
    started_at: datetime
    timed_out: bool = False
    #: A worker left, arrived or paused while it ran: kept, never counted.
    disturbance: str | None = None


@dataclass
class Outcome:
    """How measuring a point ended."""

    status: PointStatus
    error: str | None = None
    timings: list[float] = field(default_factory=list)
    stopped_by: Ending | None = None
    timed_out: bool = False  # the failure was a repetition timeout
    warmups: int = 0
    disturbed: int = 0
    notes: list[str] = field(default_factory=list)


class Observer(Protocol):
    """Watches a point's repetitions (see :class:`dask_bench.runner.breakdown.PointObserver`)."""

    def repetition(self, index: int, warmup: bool) -> AbstractContextManager[Any]:
        """The context one repetition's timed region runs in."""

    def discard_last(self) -> None:
        """The last repetition, entered as timed, turned out to be a warm-up."""

    def steady(self) -> None:
        """The warm-ups are over: the repetitions from now on are timed for good."""


class Watch(Protocol):
    """Tells what happened to the workers (see :class:`dask_bench.runner.watch.WorkerWatch`)."""

    def mark(self) -> int:
        """A mark of everything seen so far."""

    def since(self, mark: int) -> str | None:
        """What happened after ``mark``, in words; None when nothing did."""

    def memory_kills(self, mark: int) -> str | None:
        """``workers killed for memory: ...`` if that happened after ``mark``; else None."""


#: Called after a warm-up shorter than ``min_repetition_seconds`` with its duration;
#: returns a larger trial to measure instead, or None to keep the current one.
Calibrate = Callable[[float], Trial[Any] | None]


def _describe(exc: BaseException) -> str:
    if isinstance(exc, WrongResult):
        return f"wrong result: {exc}"
    if isinstance(exc, RepetitionTimeout):
        return f"timeout: {exc}"
    if isinstance(exc, WorkersKilled):
        return str(exc)
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


class PointRun:
    """One point being measured, a repetition at a time.

    Parameters
    ----------
    trial
        The prepared workload.
    settings
        The study's measurement settings.
    on_repetition
        Called after every repetition (warm-ups and disturbed ones included), e.g. to
        store it.
    clock
        Monotonic clock in seconds.
    observer
        Puts every repetition in a context of its own (a Dask span).
    watch
        Tells whether the workers changed while a repetition ran.
    calibrate
        Makes the trial larger while its warm-ups are shorter than
        ``min_repetition_seconds`` (sizes left at their defaults only).
    """

    def __init__(
        self,
        trial: Trial[Any],
        settings: Measurement,
        *,
        on_repetition: Callable[[Repetition], None] = lambda r: None,
        clock: Callable[[], float] = time.perf_counter,
        observer: Observer | None = None,
        watch: Watch | None = None,
        calibrate: Calibrate | None = None,
    ) -> None:
        self.trial, self.settings = trial, settings
        self.on_repetition, self.clock = on_repetition, clock
        self.observer, self.watch, self.calibrate = observer, watch, calibrate
        self.outcome = Outcome(PointStatus.RUNNING)
        self.spent = 0.0  # seconds of the timed phase: repetitions and their checks
        self._next = 0  # index of the next timed repetition (disturbed ones included)
        self.done = False

    # --- warm-up -------------------------------------------------------------

    def warm_up(self) -> bool:
        """Warm up until a repetition is no longer faster than the earlier ones.

        At least ``settings.warmup`` warm-ups run; then each further repetition is
        entered as timed, and kept as the first timed one once it is not more than
        ``warmup_tolerance`` faster than the fastest warm-up (start-up absorbed),
        or once ``max_warmup`` warm-ups have run. Returns False when the point ended
        (a failure).
        """
        s = self.settings
        seen: list[float] = []
        need = s.warmup
        while True:
            provisional = len(seen) >= need
            mark = self.watch.mark() if self.watch is not None else 0
            index = self._next if provisional else len(seen)
            rep = run_once(self.trial, index, not provisional, self.clock, self.observer)
            if self._killed(rep, mark, warmup=not provisional, index=index):
                return False
            if not rep.ok or rep.seconds is None:
                if provisional:  # meant as the first timed repetition
                    self._next += 1
                    self.on_repetition(dataclasses.replace(rep, warmup=False, index=0))
                    self._end(Ending.FAILURE, rep.error, timed_out=rep.timed_out)
                else:
                    self.on_repetition(rep)
                    self._end(Ending.FAILURE, f"warm-up: {rep.error}", timed_out=rep.timed_out)
                return False
            bigger = self._calibrated(rep.seconds)
            if bigger:
                # the larger trial starts afresh: its own warm-ups first
                self._as_warmup(rep, provisional, len(seen))
                seen, need = [], max(s.warmup, 1)
                continue
            disturbed = self.watch.since(mark) if self.watch is not None else None
            steady = disturbed is None and (
                not seen or rep.seconds >= (1 - s.warmup_tolerance) * min(seen)
            )
            if provisional and (steady or len(seen) >= s.max_warmup):
                self.outcome.warmups = len(seen)
                if not steady and disturbed is None:
                    self.outcome.notes.append(
                        f"timings still falling after {len(seen)} warm-ups (max_warmup)"
                    )
                self._timed(rep, mark)
                if self.observer is not None:
                    self.observer.steady()
                return not self.done
            self._as_warmup(rep, provisional, len(seen))
            seen.append(rep.seconds)

    def _killed(self, rep: Repetition, mark: int, *, warmup: bool, index: int) -> bool:
        """A worker was killed for memory while ``rep`` ran: store it, end the point.

        Repeating would only kill again, and what the killed worker held is lost.
        """
        reason = self.watch.memory_kills(mark) if self.watch is not None else None
        if reason is None:
            return False
        if rep.ok:  # it finished all the same, on fewer workers
            rep = dataclasses.replace(rep, disturbance=reason)
        if not warmup:
            self._next += 1
        self.on_repetition(dataclasses.replace(rep, warmup=warmup, index=index))
        self._end(Ending.FAILURE, reason)
        return True

    def _calibrated(self, seconds: float) -> bool:
        if self.calibrate is None or seconds >= self.settings.min_repetition_seconds:
            return False
        bigger = self.calibrate(seconds)
        if bigger is None:
            return False
        self.trial = bigger
        return True

    def _as_warmup(self, rep: Repetition, provisional: bool, index: int) -> None:
        if provisional and self.observer is not None:
            self.observer.discard_last()
        self.on_repetition(dataclasses.replace(rep, warmup=True, index=index))

    # --- timed repetitions ---------------------------------------------------

    def step(self, after: str | None = None) -> None:
        """Take one timed repetition (after :meth:`warm_up`) and decide whether to stop.

        ``after``: what changed the worker set just before (a worker restarted): the
        repetition then runs on a cold worker, and counts as disturbed by it.
        """
        if self.done:
            return
        mark = self.watch.mark() if self.watch is not None else 0
        rep = run_once(self.trial, self._next, False, self.clock, self.observer)
        if self._killed(rep, mark, warmup=False, index=self._next):
            return
        if not rep.ok and (self.watch is None or self.watch.since(mark) is None):
            self._next += 1
            self.on_repetition(rep)
            self._end(Ending.FAILURE, rep.error, timed_out=rep.timed_out)
            return
        self._timed(rep, mark, after)

    def _timed(self, rep: Repetition, mark: int | None = None, after: str | None = None) -> None:
        began = self.clock()
        rep = dataclasses.replace(rep, index=self._next, warmup=False)
        self._next += 1
        what = self.watch.since(mark) if self.watch is not None and mark is not None else None
        if what is None and after is not None:
            what = f"first repetition after: {after}"
        if what is not None:
            rep = dataclasses.replace(rep, disturbance=what)
            if self.observer is not None:
                self.observer.discard_last()
            self.on_repetition(rep)
            self.outcome.disturbed += 1
            self.spent += (rep.seconds or 0.0) + self.clock() - began
            if self.outcome.disturbed > self.settings.max_disturbed:
                self._end(Ending.DISTURBED, f"disturbed: {what}")
            return
        assert rep.seconds is not None
        self.on_repetition(rep)
        timings = self.outcome.timings
        timings.append(rep.seconds)
        self.spent += rep.seconds + self.clock() - began
        s = self.settings
        if precise_enough(
            timings, target=s.target_ci, min_repeats=s.min_repeats, confidence=s.confidence
        ):
            self._end(Ending.PRECISION)
        elif len(timings) >= s.max_repeats:
            self._end(Ending.MAX_REPEATS)
        elif (
            s.point_budget is not None
            and self.spent >= s.point_budget
            and len(timings) >= s.min_repeats
        ):
            self._end(Ending.BUDGET)

    @property
    def uncertainty(self) -> float:
        """How far the point is from its target: relative half-width over the target.

        Infinite while the interval does not exist or ``min_repeats`` are not done,
        so that such points are served first.
        """
        timings = self.outcome.timings
        if len(timings) < self.settings.min_repeats:
            return float("inf")
        return relative_halfwidth(timings, self.settings.confidence) / self.settings.target_ci

    @property
    def has_minimum(self) -> bool:
        """Whether ``min_repeats`` undisturbed timings exist."""
        return len(self.outcome.timings) >= self.settings.min_repeats

    def stop(self, ending: Ending) -> None:
        """End the point from outside (the study's time budget is spent)."""
        if not self.done:
            self._end(ending)

    def _end(self, ending: Ending, error: str | None = None, *, timed_out: bool = False) -> None:
        out = self.outcome
        out.stopped_by, out.timed_out = ending, timed_out
        if ending is Ending.FAILURE or (ending is Ending.DISTURBED and not self.has_minimum):
            out.status, out.error = PointStatus.FAILED, error
        else:
            out.status = PointStatus.OK
            if error:
                out.notes.append(error)
        self.done = True


def measure(
    trial: Trial[Any],
    settings: Measurement,
    on_repetition: Callable[[Repetition], None] = lambda r: None,
    clock: Callable[[], float] = time.perf_counter,
    observer: Observer | None = None,
    watch: Watch | None = None,
) -> Outcome:
    """Warm up until steady, then repeat until precise, the maximum, or the point budget.

    The stopping rule: after at least ``min_repeats`` timed repetitions, stop once
    the distribution-free interval of the median is within ``target_ci`` of the
    median; never run more than ``max_repeats``; with a ``point_budget``, stop once
    the point's timed phase has used it and ``min_repeats`` are done. The first
    failed repetition ends the point; a disturbed one is kept aside and repeated.
    The parameters are those of :class:`PointRun`, which does the work.
    """
    point = PointRun(
        trial, settings, on_repetition=on_repetition, clock=clock, observer=observer, watch=watch
    )
    if point.warm_up():
        while not point.done:
            point.step()
    return point.outcome
