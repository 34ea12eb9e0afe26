"""Turning fine performance metrics into a breakdown, and the observer in the measuring loop."""

from __future__ import annotations

from contextlib import contextmanager
from typing import Any

import pytest

from dask_bench.runner.breakdown import (
    CATEGORIES,
    _complete,
    _fill_idle,
    categorize,
    transfers,
)
from dask_bench.runner.measure import measure
from dask_bench.study import Measurement
from dask_bench.workloads import Trial


def test_categorize_maps_activities_and_skips_what_is_counted_elsewhere() -> None:
    metrics = {
        ("execute", "sum", "thread-cpu", "seconds"): 2.0,
        ("execute", "sum", "thread-noncpu", "seconds"): 0.5,
        ("execute", "sum", "executor", "seconds"): 0.25,
        ("execute", "sum", "other", "seconds"): 0.25,
        ("execute", "sum", "disk-read", "seconds"): 0.1,
        ("execute", "sum", "deserialize", "seconds"): 0.05,
        ("execute", "sum", "memory-read", "bytes"): 1e9,  # not seconds
        ("execute", "N/A", "idle or other spans", "seconds"): 9.0,  # idle is recomputed
        ("p2p", "background-comms", "send", "seconds"): 0.3,
        ("p2p", "background-comms", "idle", "seconds"): 11.0,  # the pool's, not threads'
        ("p2p", "foreground", "shard-partition-cpu", "seconds"): 0.7,  # inside execute
        ("p2p", "background-disk", "disk-write", "seconds"): 0.2,
    }
    out = categorize(metrics)
    assert list(out) == list(CATEGORIES)
    assert out == pytest.approx({
        "compute-cpu": 2.0, "compute-other": 0.5, "transfer": 0.0, "shuffle": 0.5,
        "serialization": 0.05, "spill": 0.1, "overhead": 0.5, "idle": 0.0,
    })  # fmt: skip


def test_a_p2p_shuffle_writing_its_buffers_to_disk_is_shuffle_not_spill() -> None:
    # P2P writes to disk at any size: spill is only data the memory could not hold
    out = categorize({("p2p", "background-disk", "disk-write", "seconds"): 0.2})
    assert out["shuffle"] == pytest.approx(0.2) and out["spill"] == 0.0


def test_transfers_count_the_network_once_and_only_what_happened_meanwhile() -> None:
    before = {("gather-dep", "network", "seconds"): 1.0}
    after = {
        ("gather-dep", "network", "seconds"): 1.5,
        ("gather-dep", "deserialize", "seconds"): 0.1,
        ("gather-dep", "other", "seconds"): 0.05,
        ("get-data", "network", "seconds"): 0.4,  # the same bytes, seen by the sender
        ("get-data", "serialize", "seconds"): 0.2,
        ("get-data", "disk-read", "seconds"): 0.3,
        ("execute", "x", "thread-cpu", "seconds"): 7.0,  # not a transfer
    }
    assert transfers(before, after) == pytest.approx(
        {"transfer": 0.55, "serialization": 0.3, "spill": 0.3}
    )


def test_the_memory_monitors_spilling_counts_though_no_span_holds_it() -> None:
    # distributed spills from its memory monitor, outside every task (also during a
    # persist): only the cluster-wide metrics have it
    after = {
        ("memory-monitor", "disk-write", "seconds"): 4.0,
        ("memory-monitor", "serialize", "seconds"): 0.25,
        ("memory-monitor", "compress", "seconds"): 0.25,
        ("memory-monitor", "other", "seconds"): 0.5,  # bookkeeping of the spilling
        ("memory-monitor", "disk-write", "bytes"): 1e9,  # not seconds
    }
    before = {("memory-monitor", "disk-write", "seconds"): 1.0}
    assert transfers(before, after) == pytest.approx(
        {"transfer": 0.0, "serialization": 0.5, "spill": 3.5}
    )


def test_idle_is_what_nothing_else_accounts_for() -> None:
    totals = dict.fromkeys(CATEGORIES, 0.0) | {"compute-cpu": 1.5, "transfer": 0.2}
    _fill_idle(totals, 2.0)
    assert totals["idle"] == pytest.approx(0.3)
    _fill_idle(totals, 1.0)  # overlapping transfers can exceed the thread time
    assert totals["idle"] == 0.0


def span(done: bool, known: float, duration: float) -> dict[str, Any]:
    metrics = {("execute", "f", "thread-cpu", "seconds"): known}
    return {"metrics": metrics, "done": done, "duration": duration}


def test_metrics_are_complete_only_when_done_and_accounted_for() -> None:
    assert _complete([span(True, 1.0, 1.0)])
    assert not _complete([span(False, 1.0, 1.0)])  # tasks still running
    assert not _complete([span(True, 0.5, 1.0)])  # a heartbeat had not arrived
    assert not _complete([span(True, 1.0, 1.0), None])  # a span never appeared


class Recorder:
    def __init__(self) -> None:
        self.events: list[str] = []

    @contextmanager
    def _rep(self, index: int, warmup: bool) -> Any:
        self.events.append(f"enter {'w' if warmup else 't'}{index}")
        yield
        self.events.append("exit")

    def repetition(self, index: int, warmup: bool) -> Any:
        return self._rep(index, warmup)

    def discard_last(self) -> None:
        self.events.append("discard")

    def steady(self) -> None:
        self.events.append("steady")


def test_observer_wraps_the_timed_region_only_and_hears_of_warmups_after_the_fact() -> None:
    rec = Recorder()
    durations = iter([0.5, 0.1, 0.1, 0.1])

    def run() -> float:
        rec.events.append("run")
        return next(durations)

    def check(result: float) -> None:
        rec.events.append("check")

    clock_t = [0.0]

    def clock() -> float:
        return clock_t[0]

    def timed_run() -> float:
        value = run()
        clock_t[0] += value
        return value

    settings = Measurement(warmup=1, min_repeats=2, max_repeats=2, point_budget=None, max_warmup=3)
    trial = Trial(timed_run, check, nbytes=0, ntasks=1)
    outcome = measure(trial, settings, observer=rec, clock=clock)
    assert outcome.status == "ok" and len(outcome.timings) == 2 and outcome.warmups == 2
    # the second repetition was entered as timed, turned out far faster than the
    # first (a warm-up after all), and the observer was told to drop it
    assert rec.events == [
        "enter w0", "run", "exit", "check",
        "enter t0", "run", "exit", "check", "discard",
        "enter t0", "run", "exit", "check", "steady",
        "enter t1", "run", "exit", "check",
    ]  # fmt: skip


def test_points_whose_tasks_missed_their_spans_are_measured_cluster_wide() -> None:
    from dask_bench.runner.breakdown import PointObserver

    delta = {
        ("execute", "f", "thread-cpu", "seconds"): 1.2,
        ("execute", "f", "executor", "seconds"): 0.2,
        ("gather-dep", "network", "seconds"): 0.3,
    }
    observer = PointObserver(client=None, tags=("t",))  # type: ignore[arg-type]
    metrics = observer._cluster_wide(delta, timings=[1.0, 1.0], nthreads=2)
    # over the one observed repetition: 2 thread-seconds available (1 s x 2 threads)
    assert metrics.seconds["compute-cpu"] == pytest.approx(1.2)
    assert metrics.seconds["transfer"] == pytest.approx(0.3)
    assert metrics.seconds["idle"] == pytest.approx(max(0.0, 2.0 - 1.7))
    assert metrics.complete and "cluster-wide" in (metrics.note or "")
    assert metrics.tasks is None and metrics.submit_seconds is None
