"""Where a point's time went: Dask spans, fine performance metrics and worker memory.

Every repetition runs in a sub-span of the point's span (``distributed.span``). The
scheduler's spans extension then holds, per repetition, the thread-seconds the
workers spent executing its tasks, split by activity (CPU, non-CPU, executor
overhead, spilling...), and the thread-seconds available while it ran
(``active_cpu_seconds``). Transfers between workers are not attributed to spans
upstream, so they are read from the scheduler's cluster-wide worker metrics just
before and just after the first repetition after the warm-ups, when nothing else
runs; so is the spilling of the workers' memory monitors, which happens outside
tasks (e.g. while data is persisted). Shuffles (P2P) move data through buffers even
within one worker, and through files on disk; their sends, receives and disk are
their own category, ``shuffle``.

Metrics arrive with worker heartbeats. Rather than sleeping, every worker is asked
for a heartbeat, which carries everything it measured so far. After all the points
of a size are measured, one such flush and one read of every point's spans give
their figures, checked against the scheduler's own task durations; while they
are short, the flush is repeated ``FLUSH_RETRIES`` times with short pauses before
the point is marked incomplete. A repetition itself only pays for entering a span
(microseconds); the readings are outside every timed region and their cost is
stored with the run.

Should the tasks of a repetition land in no span of their own (dask-expr warns that
it drops annotations; tasks can also join a task group opened in an earlier span),
the same categories come from the cluster-wide metrics over the first timed
repetition, with its wall time times the threads as the available thread time;
the point's note says so.
"""

from __future__ import annotations

import time
import warnings
from collections.abc import Hashable, Iterator, Mapping
from contextlib import AbstractContextManager, contextmanager
from dataclasses import dataclass, field
from typing import Any

from distributed import Client, span

from dask_bench._remote import cluster_metrics, heartbeat, read_spans
from dask_bench.runner._categories import OUTSIDE_TASKS
from dask_bench.runner._categories import categorize as categorize  # public here
from dask_bench.runner._categories import transfers as transfers
from dask_bench.runner.memory import SizeMemory
from dask_bench.runner.scheduler_probe import (
    ProbeReading,
    RepetitionFigures,
    SchedulerProbe,
    monitor_peaks,
    scheduler_figures,
)
from dask_bench.store.schema import BREAKDOWN_CATEGORIES

#: Breakdown categories, in the order they are stacked in figures.
CATEGORIES = BREAKDOWN_CATEGORIES
#: Known execute seconds below this share of the scheduler's task durations mean
#: that some metrics have not arrived yet.
COMPLETE_SHARE = 0.8
#: Further forced heartbeats when a size's figures are short (a periodic heartbeat
#: may still be on its way to a busy scheduler), and the first pause between them.
FLUSH_RETRIES = 2
FLUSH_PAUSE = 0.02

Metrics = dict[tuple[Hashable, ...], float]


@dataclass
class PointMetrics:
    """What a point's timed repetitions cost, per repetition (means)."""

    seconds: dict[str, float]
    complete: bool
    tasks: float | None = None
    tasks_per_second: float | None = None
    submit_seconds: float | None = None
    memory_peak: float | None = None
    memory_mean: float | None = None
    note: str | None = None
    #: ``points.scheduler``: see :func:`~dask_bench.runner.scheduler_probe.scheduler_figures`.
    scheduler: dict[str, Any] | None = None


def _flush(client: Client) -> None:
    # every worker sends its metrics, in parallel (one broadcast, not one call per worker)
    client.run(heartbeat)


def _cluster_metrics(client: Client) -> Metrics:
    # Cluster-wide, without span ids: transfers and the memory monitor's spilling are
    # never attributed to spans.
    found: Metrics = client.run_on_scheduler(cluster_metrics, ("execute", "p2p", *OUTSIDE_TASKS))
    return found


def _delta(before: Mapping[tuple[Hashable, ...], float], after: Metrics) -> Metrics:
    return {k: float(v) - float(before.get(k, 0.0)) for k, v in after.items()}


@dataclass
class _Timed:
    """A timed repetition's span and when it ran (wall clock, as the scheduler's)."""

    span_id: str
    started: float
    stopped: float = 0.0
    reading: ProbeReading | None = None


@dataclass
class PointObserver:
    """Spans around a point's repetitions, and what they tell afterwards.

    Every repetition runs in a span of its own, which costs microseconds. The
    first repetition after the warm-ups is also bracketed by two readings of the
    cluster-wide metrics (each after a forced heartbeat): transfers between workers are never
    attributed to spans upstream, so they are measured over that one repetition,
    when nothing else runs. Everything else is read once per size, for all points
    together (:func:`finish_points`).

    Parameters
    ----------
    client
        The study's client.
    tags
        Names of the point's span, e.g. ``("study", "arrays", "std", "4 units")``.
    share
        Share of the cluster's threads the point may use (a subset of a fixed pool
        of workers): the spans count every thread of the cluster as available.
    """

    client: Client
    tags: tuple[str, ...]
    share: float = 1.0
    #: False: spans only (where tasks ran is still known by span), no metrics read.
    metrics: bool = True
    _timed: list[_Timed] = field(default_factory=list)
    #: Cluster-wide metrics over the observed repetition (its index in _timed).
    _observed: tuple[int, Metrics] | None = None
    #: Seconds spent reading metrics (outside every timed region).
    cost: float = 0.0
    #: Warm-ups over: only then is a repetition bracketed by cluster-wide readings, so
    #: that repetitions which turn out to be warm-ups cost no readings.
    _steady: bool = False
    #: Reads the scheduler process around every repetition entered as timed.
    probe: SchedulerProbe | None = None

    def repetition(self, index: int, warmup: bool) -> AbstractContextManager[Any]:
        """The span one repetition's graph is submitted in."""
        return self._span(index, warmup)

    @contextmanager
    def _span(self, index: int, warmup: bool) -> Iterator[None]:
        name = f"warm-up {index}" if warmup else f"repetition {index}"
        observe = self.metrics and not warmup and self._steady and self._observed is None
        before = self._cluster() if observe else {}
        probe = None if warmup else self.probe or SchedulerProbe(self.client)
        self.probe = self.probe or probe
        if probe is not None:
            probe.begin()  # outside the timed region, like every reading
        with span(*self.tags, name) as span_id, warnings.catch_warnings():
            # dask-expr warns that it drops annotations; finish_points() handles that case.
            warnings.filterwarnings("ignore", "Dask annotations", UserWarning)
            timed = _Timed(span_id, time.time())  # wall clock: compared with the scheduler's
            yield
            timed.stopped = time.time()
        timed.reading = probe.end() if probe is not None else None
        if not warmup:
            self._timed.append(timed)
            if observe:
                self._observed = (len(self._timed) - 1, _delta(before, self._cluster()))

    def _cluster(self) -> Metrics:
        t0 = time.perf_counter()
        _flush(self.client)
        metrics = _cluster_metrics(self.client)
        self.cost += time.perf_counter() - t0
        return metrics

    def steady(self) -> None:
        """The warm-ups are over: the next timed repetition is the one observed."""
        self._steady = True

    def discard_last(self) -> None:
        """The last repetition entered as timed was a warm-up, or was disturbed."""
        if not self._timed:
            return
        self._timed.pop()
        if self._observed is not None and self._observed[0] >= len(self._timed):
            self._observed = None

    @property
    def span_ids(self) -> list[str]:
        """The spans of every kept timed repetition."""
        return [t.span_id for t in self._timed]

    @property
    def windows(self) -> list[tuple[float, float]]:
        """Wall-clock start and stop of every kept timed repetition."""
        return [(t.started, t.stopped) for t in self._timed]

    def combine(
        self,
        spans: list[dict[str, Any] | None],
        timings: list[float],
        nthreads: int,
        memory: tuple[float | None, float | None],
        scheduler_peak: float | None = None,
    ) -> PointMetrics | None:
        """The point's metrics from its spans as read on the scheduler (None: no timed run)."""
        if not self._timed:
            return None
        transfer = self._observed[1] if self._observed is not None else {}
        if any(s is None or s["tasks"] == 0 for s in spans):
            out = self._cluster_wide(transfer, timings, nthreads, memory)
        else:
            out = self._combine(spans, transfer, memory)
        reps = [
            RepetitionFigures(
                t.started, s["enqueued"], s["start"], s["stop"], s["tasks"], t.reading
            )
            for s, t in zip(spans, self._timed, strict=True)
            if s is not None
        ]
        shared = self.probe.shared if self.probe is not None else None
        out.scheduler = scheduler_figures(reps, scheduler_peak, shared)
        return out

    def _cluster_wide(
        self,
        delta: Metrics,
        timings: list[float],
        nthreads: int,
        memory: tuple[float | None, float | None] = (None, None),
    ) -> PointMetrics:
        if not delta:
            return PointMetrics(
                seconds={},
                memory_peak=memory[0],
                memory_mean=memory[1],
                complete=False,
                note="no task of a timed repetition ran in its span, and the cluster-wide "
                "reading is missing",
            )
        totals = categorize(delta)
        for category, seconds in transfers({}, delta).items():
            totals[category] += seconds
        observed = timings[self._observed[0]] if self._observed is not None else timings[0]
        _fill_idle(totals, observed * nthreads)
        return PointMetrics(
            seconds=totals,
            memory_peak=memory[0],
            memory_mean=memory[1],
            complete=True,
            note="the tasks of some repetitions were in no span of their own (dask-expr "
            "drops annotations; tasks may join a task group of an earlier span): breakdown "
            "measured cluster-wide over the first timed repetition",
        )

    def _combine(
        self,
        spans: list[dict[str, Any] | None],
        transfer: Metrics,
        memory: tuple[float | None, float | None],
    ) -> PointMetrics:
        found = [s for s in spans if s is not None]
        n = len(self._timed)
        totals = dict.fromkeys(CATEGORIES, 0.0)
        active = 0.0
        for s in found:
            for category, seconds in categorize(s["metrics"]).items():
                totals[category] += seconds
            active += float(s["active"]) * self.share
        per_rep = {k: v / n for k, v in totals.items()}
        # transfers: over the one observed repetition, already per repetition
        for category, seconds in transfers({}, transfer).items():
            per_rep[category] += seconds
        _fill_idle(per_rep, active / n)
        complete = len(found) == n and _complete(spans)
        note = None
        if not complete:
            missing = n - len(found)
            note = (
                f"{missing} of {n} repetition span(s) not found on the scheduler"
                if missing
                else "some task metrics had not arrived with the workers' heartbeats"
            )
        if self._observed is None:
            note = "; ".join(filter(None, [note, "transfers not measured"]))
        rates = [
            float(s["tasks"]) / (s["stop"] - s["enqueued"])
            for s in found
            if s["stop"] > s["enqueued"]
        ]
        submit = [
            s["enqueued"] - t.started
            for s, t in zip(spans, self._timed, strict=True)
            if s is not None
        ]
        return PointMetrics(
            seconds=per_rep,
            tasks=_mean([float(s["tasks"]) for s in found]),
            tasks_per_second=_mean(rates),
            submit_seconds=_mean([max(0.0, x) for x in submit]),
            memory_peak=memory[0],
            memory_mean=memory[1],
            complete=complete,
            note=note,
        )


def finish_points(
    client: Client,
    observers: list[PointObserver],
    timings: list[list[float]],
    nthreads: list[int],
    memory: SizeMemory | None,
) -> tuple[list[PointMetrics | None], float]:
    """The metrics of every point of a size, read in one go; and what reading cost (s).

    One forced heartbeat and one read of all the points' spans; when some figures
    are short (a periodic heartbeat still on its way), up to ``FLUSH_RETRIES``
    more, with short pauses. Spans that cannot fill (no task of the repetition ran
    in it) are recognised at once and never waited for.
    """
    t0 = time.perf_counter()
    ids = [t.span_id for o in observers for t in o._timed]
    spans: list[dict[str, Any] | None] = []
    pause = FLUSH_PAUSE
    for attempt in range(FLUSH_RETRIES + 1):
        _flush(client)
        spans = client.run_on_scheduler(read_spans, ids) if ids else []
        waiting = [s for s in spans if s is not None and s["tasks"] > 0]
        if _complete(waiting) or attempt == FLUSH_RETRIES:
            break
        time.sleep(pause)
        pause *= 2
    peaks = monitor_peaks(client, [o.windows for o in observers])
    out: list[PointMetrics | None] = []
    start = 0
    for observer, point_timings, threads, peak in zip(
        observers, timings, nthreads, peaks, strict=True
    ):
        mine = spans[start : start + len(observer._timed)]
        start += len(observer._timed)
        mem = memory.within(observer.windows) if memory is not None else (None, None)
        out.append(observer.combine(mine, point_timings, threads, mem, peak))
    cost = (
        time.perf_counter() - t0 + sum(o.cost + (o.probe.cost if o.probe else 0) for o in observers)
    )
    return out, cost


def _fill_idle(totals: dict[str, float], available: float) -> None:
    """Idle is the available thread time that no other category accounts for."""
    busy = sum(v for k, v in totals.items() if k != "idle")
    totals["idle"] = max(0.0, available - busy)


def _complete(spans: list[dict[str, Any] | None]) -> bool:
    for s in spans:
        if s is None or not s["done"]:
            return False
        known = sum(
            v
            for k, v in s["metrics"].items()
            if k[0] == "execute" and k[-1] == "seconds" and k[-2] != "idle or other spans"
        )
        if known < COMPLETE_SHARE * float(s["duration"]):
            return False
    return True


def _mean(values: list[float]) -> float | None:
    return sum(values) / len(values) if values else None
