"""Where a point's time went: Dask spans, fine performance metrics and worker memory.

Every repetition runs in a sub-span of the point's span (``distributed.span``). The
scheduler's spans extension then holds, per repetition, the thread-seconds the
workers spent executing its tasks, split by activity (CPU, non-CPU, executor
overhead, spilling...), and the thread-seconds available while it ran
(``active_cpu_seconds``). Transfers between workers are not attributed to spans
upstream, so they are read from the scheduler's cluster-wide worker metrics,
before and after the point's timed repetitions: nothing else runs meanwhile.

Metrics arrive with worker heartbeats. Rather than sleeping, every worker is asked
for a heartbeat, which carries everything it measured so far; the figures are
then checked against the scheduler's own task durations; while they are short
(a periodic heartbeat may still be in flight), flushing is repeated for up to
``FLUSH_PATIENCE`` seconds before the point is marked incomplete.

Reading happens once before and once after the timed repetitions of a point, so
a repetition itself only pays for entering a span (microseconds).

Should the tasks of a repetition land in no span of their own (dask-expr warns that
it drops annotations; tasks can also join a task group opened in an earlier span),
the same categories come from the cluster-wide metrics over the timed repetitions,
with the timed wall time times the threads as the available thread time; the
point's note says so.
"""

from __future__ import annotations

import time
import warnings
from collections.abc import Hashable, Iterator, Mapping
from contextlib import AbstractContextManager, contextmanager
from dataclasses import dataclass, field
from typing import Any

from distributed import Client, span
from distributed.diagnostics.memory_sampler import MemorySampler

from dask_bench.store.schema import BREAKDOWN_CATEGORIES

#: Breakdown categories, in the order they are stacked in figures.
CATEGORIES = BREAKDOWN_CATEGORIES
#: Activities of the fine performance metrics, by category (the rest is overhead).
_ACTIVITY = {
    "thread-cpu": "compute-cpu",
    "thread-noncpu": "compute-other",
    "network": "transfer",
    "send": "transfer",
    "serialize": "serialization",
    "deserialize": "serialization",
    "compress": "serialization",
    "decompress": "serialization",
    "disk-read": "spill",
    "disk-write": "spill",
}
#: Known execute seconds below this share of the scheduler's task durations mean
#: that some metrics have not arrived yet.
COMPLETE_SHARE = 0.8
#: Seconds to wait for late heartbeats before a point's metrics are called incomplete.
FLUSH_PATIENCE = 3.0
#: Seconds between memory samples while a point's timed repetitions run.
MEMORY_INTERVAL = 0.1

Metrics = dict[tuple[Hashable, ...], float]


@dataclass
class PointMetrics:
    """What a point's timed repetitions cost, per repetition (means)."""

    seconds: dict[str, float]
    tasks: float | None
    tasks_per_second: float | None
    submit_seconds: float | None
    memory_peak: float | None
    memory_mean: float | None
    complete: bool
    note: str | None = None


async def _heartbeat(dask_worker: Any) -> None:
    # Sends every metric measured so far to the scheduler, and waits for it to arrive.
    await dask_worker.heartbeat()


def _flush(client: Client) -> None:
    client.run(_heartbeat)


def _cluster_metrics(dask_scheduler: Any = None) -> Metrics:
    # Cluster-wide, without span ids: transfers are never attributed to spans.
    return {
        k: v
        for k, v in dask_scheduler.cumulative_worker_metrics.items()
        if isinstance(k, tuple) and k and k[0] in ("execute", "p2p", "gather-dep", "get-data")
    }


def _delta(before: Mapping[tuple[Hashable, ...], float], after: Metrics) -> Metrics:
    return {k: float(v) - float(before.get(k, 0.0)) for k, v in after.items()}


def _read_spans(ids: list[str], dask_scheduler: Any = None) -> list[dict[str, Any] | None]:
    spans = dask_scheduler.extensions["spans"].spans
    out: list[dict[str, Any] | None] = []
    for span_id in ids:
        s = spans.get(span_id)
        if s is None:
            out.append(None)
            continue
        out.append(
            {
                "metrics": dict(s.cumulative_worker_metrics),
                "active": s.active_cpu_seconds,
                "duration": s.duration,
                "done": s.done,
                "tasks": sum(s.states.values()),
                "enqueued": s.enqueued,
                "stop": s.stop,
            }
        )
    return out


def categorize(span_metrics: Mapping[tuple[Hashable, ...], float]) -> dict[str, float]:
    """Thread-seconds per category from a span's ``cumulative_worker_metrics``.

    Keys are ``("execute", prefix, activity, unit)`` (and ``("p2p", where, activity,
    unit)`` for shuffles). Only seconds count; upstream's own "idle or other spans"
    entry is left out, as idle time is what remains of the available thread time.
    """
    out = dict.fromkeys(CATEGORIES, 0.0)
    for key, value in span_metrics.items():
        if len(key) < 4 or key[-1] != "seconds" or key[-2] == "idle or other spans":
            continue
        context, where, activity = key[0], key[1], str(key[-2])
        if context == "p2p" and (where == "foreground" or activity == "idle"):
            # foreground: inside tasks, already in the execute seconds; idle: of the
            # shuffle's background pools, not of the worker threads
            continue
        out[_ACTIVITY.get(activity, "overhead")] += float(value)
    return out


def transfers(before: Mapping[tuple[Hashable, ...], float], after: Metrics) -> dict[str, float]:
    """Thread-seconds of transfers between two readings of the cluster-wide metrics.

    The receiving side (``gather-dep``) counts the network time once; the sending
    side (``get-data``) adds only its serialization and spill reads.
    """
    out = dict.fromkeys(("transfer", "serialization", "spill"), 0.0)
    for key, value in after.items():
        if len(key) < 3 or key[-1] != "seconds" or key[0] not in ("gather-dep", "get-data"):
            continue
        delta = float(value) - float(before.get(key, 0.0))
        category = _ACTIVITY.get(str(key[-2]), "transfer")
        if key[0] == "get-data" and category == "transfer":
            continue
        if category in out:
            out[category] += delta
        else:
            out["transfer"] += delta  # e.g. "other": bookkeeping of the fetch
    return out


@dataclass
class PointObserver:
    """Spans around a point's repetitions, and what they tell afterwards.

    Parameters
    ----------
    client
        The study's client.
    tags
        Names of the point's span, e.g. ``("study", "arrays", "std", "4 units")``.
    """

    client: Client
    tags: tuple[str, ...]
    #: Share of the cluster's threads the point may use (a subset of a fixed pool of
    #: workers): the spans count every thread of the cluster as available.
    share: float = 1.0
    _timed: list[tuple[str, float]] = field(default_factory=list)
    _before: Metrics = field(default_factory=dict)
    _sampler: MemorySampler | None = None
    _sampling: AbstractContextManager[None] | None = None

    def repetition(self, index: int, warmup: bool) -> AbstractContextManager[Any]:
        """The span one repetition's graph is submitted in."""
        return self._span(index, warmup)

    @contextmanager
    def _span(self, index: int, warmup: bool) -> Iterator[None]:
        name = f"warm-up {index}" if warmup else f"repetition {index}"
        with span(*self.tags, name) as span_id, warnings.catch_warnings():
            # dask-expr warns that it drops annotations; finish() handles that case.
            warnings.filterwarnings("ignore", "Dask annotations", UserWarning)
            started = time.time()  # wall clock: compared with the scheduler's
            yield
        if not warmup:
            self._timed.append((span_id, started))

    def timed_start(self) -> None:
        """Before the first timed repetition: baseline of transfers, start memory sampling."""
        _flush(self.client)
        self._before = self.client.run_on_scheduler(_cluster_metrics)
        self._sampler = MemorySampler()
        label = "/".join(self.tags)
        self._sampling = self._sampler.sample(
            label, client=self.client, measure="process", interval=MEMORY_INTERVAL
        )
        self._sampling.__enter__()

    def stop(self) -> None:
        """Stop memory sampling (also when the point failed)."""
        if self._sampling is not None:
            sampling, self._sampling = self._sampling, None
            sampling.__exit__(None, None, None)

    def finish(self, timings: list[float], nthreads: int) -> PointMetrics | None:
        """After the last timed repetition: read and combine everything.

        Parameters
        ----------
        timings
            The timed repetitions' wall times (for points whose tasks are in no span).
        nthreads
            Threads over all workers.

        Returns
        -------
        PointMetrics or None
            None when no timed repetition ran.
        """
        self.stop()
        if not self._timed:
            return None
        spans = self._settled_spans([span_id for span_id, _ in self._timed])
        delta = _delta(self._before, self.client.run_on_scheduler(_cluster_metrics))
        if any(s is None or s["tasks"] == 0 for s in spans):
            return self._cluster_wide(delta, timings, nthreads)
        return self._combine(spans, delta)

    def _settled_spans(self, ids: list[str]) -> list[dict[str, Any] | None]:
        # A periodic heartbeat that took the workers' metrics just before ours can
        # still be on its way to a busy scheduler: flush again, with growing pauses,
        # until the figures add up or the patience runs out.
        deadline = time.monotonic() + FLUSH_PATIENCE
        pause = 0.02
        while True:
            _flush(self.client)
            spans: list[dict[str, Any] | None] = self.client.run_on_scheduler(_read_spans, ids)
            if _complete(spans) or time.monotonic() + pause > deadline:
                return spans
            time.sleep(pause)
            pause *= 2

    def _cluster_wide(self, delta: Metrics, timings: list[float], nthreads: int) -> PointMetrics:
        totals = categorize(delta)
        for category, seconds in transfers({}, delta).items():
            totals[category] += seconds
        _fill_idle(totals, sum(timings) * nthreads)
        memory = self._memory()
        return PointMetrics(
            seconds={k: v / len(timings) for k, v in totals.items()},
            tasks=None,
            tasks_per_second=None,
            submit_seconds=None,
            memory_peak=memory[0],
            memory_mean=memory[1],
            complete=True,
            note="the tasks of some repetitions were in no span of their own (dask-expr "
            "drops annotations; tasks may join a task group of an earlier span): breakdown "
            "measured cluster-wide over the timed repetitions",
        )

    def _combine(self, spans: list[dict[str, Any] | None], delta: Metrics) -> PointMetrics:
        found = [s for s in spans if s is not None]
        n = len(self._timed)
        totals = dict.fromkeys(CATEGORIES, 0.0)
        active = 0.0
        for s in found:
            for category, seconds in categorize(s["metrics"]).items():
                totals[category] += seconds
            active += float(s["active"]) * self.share
        for category, seconds in transfers({}, delta).items():
            totals[category] += seconds
        _fill_idle(totals, active)
        per_rep = {k: v / n for k, v in totals.items()}
        complete = len(found) == n and _complete(spans)
        note = None
        if not complete:
            missing = n - len(found)
            note = (
                f"{missing} of {n} repetition span(s) not found on the scheduler"
                if missing
                else "some task metrics had not arrived with the workers' heartbeats"
            )
        tasks = [float(s["tasks"]) for s in found]
        rates = [
            float(s["tasks"]) / (s["stop"] - s["enqueued"])
            for s in found
            if s["stop"] > s["enqueued"]
        ]
        submit = [
            s["enqueued"] - started
            for s, (_, started) in zip(spans, self._timed, strict=True)
            if s is not None
        ]
        memory = self._memory()
        return PointMetrics(
            seconds=per_rep,
            tasks=_mean(tasks),
            tasks_per_second=_mean(rates),
            submit_seconds=_mean([max(0.0, x) for x in submit]),
            memory_peak=memory[0],
            memory_mean=memory[1],
            complete=complete,
            note=note,
        )

    def _memory(self) -> tuple[float | None, float | None]:
        if self._sampler is None:
            return None, None
        frame = self._sampler.to_pandas()
        if frame.empty:
            return None, None
        series = frame.iloc[:, 0]
        return float(series.max()), float(series.mean())


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
