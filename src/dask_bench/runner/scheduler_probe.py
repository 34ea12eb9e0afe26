"""Scheduler-side figures of a point: µs per task, scheduler CPU and memory, ticks.

Every timed repetition is bracketed by two small calls to the scheduler, outside the
timed region (:class:`SchedulerProbe`): the process's CPU time and resident memory
before and after, and the longest event-loop tick in between. Distributed measures its
ticks itself (``Server._measure_tick``, every ``distributed.admin.tick.interval``, 20 ms:
the time since the previous tick, which is what logs "Event loop was unresponsive" past
``distributed.admin.tick.limit``) and keeps their maximum in
``digests_max["tick-duration"]``, which a Prometheus poll resets; the probe resets it at
the start of a repetition, reads it at the end and puts back the larger of the two, so
that a Prometheus scrape loses nothing.

The repetition's span on the scheduler (:mod:`dask_bench.runner.breakdown`) gives the
rest: ``enqueued`` (the scheduler has the whole graph, materialised and ordered),
``start`` (the first task began on a worker) and ``stop`` (the last task ended). Peak
memory also takes the scheduler's own ``SystemMonitor`` samples (every 0.5 s) inside
the point's repetitions, read once per size.

Where the scheduler runs in dask-bench's own process (the ``local`` and batch back-ends),
its CPU time would include the client building and serialising the graph: the calling
thread's CPU time over the repetition is subtracted, and the figures say so
(``shared_process``).
"""

from __future__ import annotations

import os
import socket
import statistics
import time
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from dask_bench.store.schema import SchedulerFigure

if TYPE_CHECKING:
    from distributed import Client

#: Distributed's name of its event-loop tick measurement.
TICK = "tick-duration"
#: Seconds of tolerance around a repetition when picking the monitor's samples.
MONITOR_SLACK = 0.5


def _process() -> tuple[float, float]:
    import psutil

    proc = psutil.Process()
    cpu = proc.cpu_times()
    return cpu.user + cpu.system, float(proc.memory_info().rss)


def _begin(dask_scheduler: Any = None) -> dict[str, Any]:
    # runs on the scheduler's event loop
    digests = dask_scheduler.digests_max
    stash = float(digests.get(TICK, 0.0))
    digests[TICK] = 0.0
    cpu, rss = _process()
    return {"cpu": cpu, "rss": rss, "stash": stash, "where": (socket.gethostname(), os.getpid())}


def _end(stash: float, dask_scheduler: Any = None) -> dict[str, float]:
    digests = dask_scheduler.digests_max
    tick = float(digests.get(TICK, 0.0))
    digests[TICK] = max(stash, tick)  # what a Prometheus poll would have seen
    cpu, rss = _process()
    return {"cpu": cpu, "rss": rss, "tick": tick}


def _monitor_peaks(
    windows: list[list[tuple[float, float]]], dask_scheduler: Any = None
) -> list[float | None]:
    """The scheduler's largest memory sample inside each point's windows."""
    q = dask_scheduler.monitor.quantities
    samples = list(zip(q["time"], q["memory"], strict=False))
    out: list[float | None] = []
    for point in windows:
        inside = [
            float(m)
            for t, m in samples
            if any(lo - MONITOR_SLACK <= t <= hi + MONITOR_SLACK for lo, hi in point)
        ]
        out.append(max(inside) if inside else None)
    return out


@dataclass(frozen=True)
class ProbeReading:
    """What the scheduler process did during one repetition.

    Attributes
    ----------
    cpu
        Scheduler process CPU seconds (less the client's calling thread when shared).
    rss
        Larger of its resident memory (bytes) before and after.
    tick
        Longest event-loop tick (seconds); None where distributed measured none.
    """

    cpu: float
    rss: float
    tick: float | None


@dataclass
class SchedulerProbe:
    """Brackets repetitions with readings of the scheduler process (see the module)."""

    client: Client
    #: Whether the scheduler runs in this process (then the client's thread is subtracted).
    shared: bool | None = None
    #: Seconds spent reading (outside every timed region).
    cost: float = 0.0
    _start: dict[str, Any] | None = None
    _thread: float = 0.0

    def begin(self) -> None:
        """Read the scheduler just before a repetition's timed region."""
        t0 = time.perf_counter()
        self._start = self.client.run_on_scheduler(_begin)
        if self.shared is None:
            self.shared = tuple(self._start["where"]) == (socket.gethostname(), os.getpid())
        self.cost += time.perf_counter() - t0
        self._thread = time.thread_time()

    def end(self) -> ProbeReading | None:
        """Read it again just after; None when :meth:`begin` did not run."""
        if self._start is None:
            return None
        thread = time.thread_time() - self._thread
        t0 = time.perf_counter()
        start, self._start = self._start, None
        stop = self.client.run_on_scheduler(_end, start["stash"])
        self.cost += time.perf_counter() - t0
        cpu = float(stop["cpu"]) - float(start["cpu"])
        if self.shared:
            cpu = max(0.0, cpu - thread)
        tick = float(stop["tick"]) or None
        return ProbeReading(cpu, max(float(start["rss"]), float(stop["rss"])), tick)


def monitor_peaks(client: Client, windows: list[list[tuple[float, float]]]) -> list[float | None]:
    """Peak scheduler memory sampled by its SystemMonitor within each point's windows."""
    if not any(windows):
        return [None] * len(windows)
    peaks: list[float | None] = client.run_on_scheduler(_monitor_peaks, windows)
    return peaks


@dataclass(frozen=True)
class RepetitionFigures:
    """One timed repetition as the scheduler saw it (wall-clock seconds).

    Attributes
    ----------
    started
        When the client's call began (client clock).
    enqueued, first, stop
        The span's ``enqueued``, ``start`` (0: no task finished) and ``stop``.
    tasks
        Tasks in the repetition's span.
    reading
        The probe's reading, if any.
    """

    started: float
    enqueued: float
    first: float
    stop: float
    tasks: int
    reading: ProbeReading | None


def scheduler_figures(
    reps: list[RepetitionFigures], monitor_peak: float | None, shared: bool | None
) -> dict[str, Any] | None:
    """The ``points.scheduler`` figures of a point from its timed repetitions.

    Medians over the repetitions, but the longest tick and the peak memory, which are
    the maxima. Submission runs from the client's call to the scheduler holding the
    whole graph (its span's ``enqueued``), execution from there to the last task's
    end; µs per task divides each by the span's tasks. None without a repetition
    that ran a task.

    Parameters
    ----------
    reps
        The point's timed repetitions.
    monitor_peak
        The scheduler's largest SystemMonitor memory sample during them, if any.
    shared
        Whether the scheduler runs in the client's process.
    """
    good = [r for r in reps if r.tasks > 0 and r.stop >= r.enqueued > 0]
    if not good:
        return None
    submit = [max(0.0, r.enqueued - r.started) for r in good]
    execute = [r.stop - r.enqueued for r in good]
    first = [r.first - r.started for r in good if r.first > 0]
    readings = [r.reading for r in good if r.reading is not None]
    ticks = [x.tick for x in readings if x.tick is not None]
    memory = [x.rss for x in readings] + ([monitor_peak] if monitor_peak is not None else [])
    out: dict[str, Any] = {
        SchedulerFigure.TASKS: statistics.median(r.tasks for r in good),
        SchedulerFigure.SUBMIT_SECONDS: statistics.median(submit),
        SchedulerFigure.EXECUTE_SECONDS: statistics.median(execute),
        SchedulerFigure.SUBMIT_US_PER_TASK: statistics.median(
            s / r.tasks * 1e6 for s, r in zip(submit, good, strict=True)
        ),
        SchedulerFigure.EXECUTE_US_PER_TASK: statistics.median(
            e / r.tasks * 1e6 for e, r in zip(execute, good, strict=True)
        ),
        SchedulerFigure.FIRST_TASK_SECONDS: statistics.median(first) if first else None,
        SchedulerFigure.CPU_SECONDS: (
            statistics.median(x.cpu for x in readings) if readings else None
        ),
        SchedulerFigure.PEAK_MEMORY: max(memory) if memory else None,
        SchedulerFigure.LONGEST_TICK: max(ticks) if ticks else None,
        SchedulerFigure.REPETITIONS: len(good),
        SchedulerFigure.SHARED_PROCESS: shared,
    }
    return {str(k): v for k, v in out.items()}
