"""A scheduler plugin recording what happens during one scenario repetition.

It counts the tasks the scheduler sees finish, notes which of them had finished
before (in this repetition, or before it started: persisted input), the compute
seconds those recomputations took (from the workers' ``startstops``), and, from
the scheduler's own ``remove-worker`` announcements, when workers left, the results
they took along and the tasks they were running; and when workers arrived. When
``target`` tasks have finished it publishes one event on ``topic``, which is how
the client knows the
moment "half of the work is done" without polling.

Everything here runs on the scheduler's event loop: each hook does a few dict
operations, so the scheduler is not slowed down measurably.
"""

from __future__ import annotations

import time
from typing import Any

from distributed.diagnostics.plugin import SchedulerPlugin

#: The name the plugin is registered under on the scheduler.
PLUGIN_NAME = "dask-bench-scenario"
#: Width of the time bins counting finished tasks (seconds), and the most bins kept:
#: a longer repetition merges neighbouring bins (the width doubles).
BIN_SECONDS = 0.05
MAX_BINS = 2000
#: Topic of the event published when ``target`` tasks have finished.
PROGRESS_TOPIC = "dask-bench-scenario-progress"


class ScenarioRecorder(SchedulerPlugin):
    """Counts finished, recomputed and lost tasks and worker arrivals and departures."""

    name = PLUGIN_NAME

    def __init__(self, target: int | None = None, sample_seconds: float | None = None) -> None:
        self.target = target
        #: Take a sample of the cluster this often (seconds); None: no samples.
        self.sample_seconds = sample_seconds
        #: (seconds from the start, workers, tasks processing, tasks queued or
        #: unrunnable, bytes of the workers' processes)
        self.samples: list[tuple[float, int, int, int, int]] = []
        self._periodic: Any = None
        self.started = time.time()
        self.done = 0
        self.recomputed = 0
        self.recomputed_seconds = 0.0
        self.lost = 0  # results lost with a worker (to be recomputed)
        self.interrupted = 0  # tasks running on a worker when it left
        self.target_at: float | None = None
        self.removed: list[tuple[float, str]] = []
        self.added: list[tuple[float, str]] = []
        self.workers = 0  # connected when the repetition started
        self.first_on_new: float | None = None  # first task finished on a new worker
        self._new: set[str] = set()
        self.step = BIN_SECONDS
        self.bins: list[int] = []
        self._seen: set[Any] = set()
        self._scheduler: Any = None

    async def start(self, scheduler: Any) -> None:
        """Remember what is in memory already: finishing it again is a recomputation."""
        self._scheduler = scheduler
        self.started = time.time()
        self.workers = len(scheduler.workers)
        if self.sample_seconds:
            from tornado.ioloop import PeriodicCallback

            self._sample()
            self._periodic = PeriodicCallback(self._sample, self.sample_seconds * 1000)
            self._periodic.start()
        self._seen = {key for key, ts in scheduler.tasks.items() if ts.state == "memory"}

    def transition(
        self, key: Any, start: str, finish: str, *args: Any, stimulus_id: str, **kwargs: Any
    ) -> None:
        """Count a finished task (and whether it ran before), or a result lost."""
        if finish == "memory" and start == "processing":
            self.done += 1
            self._count(time.time() - self.started)
            if self.first_on_new is None and kwargs.get("worker") in self._new:
                self.first_on_new = time.time()
            if key in self._seen:
                self.recomputed += 1
                self.recomputed_seconds += sum(
                    s.get("stop", 0.0) - s.get("start", 0.0)
                    for s in kwargs.get("startstops", ())
                    if s.get("action") == "compute"
                )
            else:
                self._seen.add(key)
            if self.target is not None and self.done == self.target:
                self.target_at = time.time()
                self._scheduler.log_event(PROGRESS_TOPIC, {"done": self.done})

    def _count(self, elapsed: float) -> None:
        index = int(elapsed / self.step)
        while index >= MAX_BINS:
            # twice as wide: add neighbours pairwise
            self.bins = [sum(self.bins[i : i + 2]) for i in range(0, len(self.bins), 2)]
            self.step *= 2
            index = int(elapsed / self.step)
        if index >= len(self.bins):
            self.bins.extend([0] * (index + 1 - len(self.bins)))
        self.bins[index] += 1

    def add_worker(self, scheduler: Any, worker: str) -> None:
        """Note an arrival."""
        self.added.append((time.time(), worker))
        self._new.add(worker)

    def log_event(self, topic: str, msg: Any) -> None:
        """Note a departure when the scheduler announces it, with what it took along."""
        if topic == "all" and isinstance(msg, dict) and msg.get("action") == "remove-worker":
            self.removed.append((time.time(), str(msg.get("worker"))))
            self.lost += len(msg.get("lost-computed-tasks", ()))
            self.interrupted += len(msg.get("processing-tasks", ()))

    def _sample(self) -> None:
        s = self._scheduler
        workers = list(s.workers.values())
        self.samples.append(
            (
                time.time() - self.started,
                len(workers),
                sum(len(ws.processing) for ws in workers),
                len(s.queued) + len(s.unrunnable),
                sum(int(ws.memory.process) for ws in workers),
            )
        )

    def stop_sampling(self) -> None:
        """Stop the samples (the plugin's removal does not tell it)."""
        if self._periodic is not None:
            self._periodic.stop()
            self._periodic = None
            self._sample()

    async def close(self) -> None:
        """The scheduler closes: no more samples."""
        self.stop_sampling()

    def summary(self) -> dict[str, Any]:
        """What was recorded, as plain data (times in seconds since the epoch)."""
        self.stop_sampling()
        return {
            "started": self.started,
            "done": self.done,
            "recomputed": self.recomputed,
            "recomputed_seconds": self.recomputed_seconds,
            "lost": self.lost,
            "interrupted": self.interrupted,
            "target_at": self.target_at,
            "removed": list(self.removed),
            "added": list(self.added),
            "workers": self.workers,
            "first_on_new": self.first_on_new,
            "step": self.step,
            "bins": list(self.bins),
            "samples": [list(x) for x in self.samples],
        }


def read_recorder(dask_scheduler: Any) -> dict[str, Any]:
    """The recorder's summary (run on the scheduler with ``client.run_on_scheduler``)."""
    plugin = dask_scheduler.plugins.get(PLUGIN_NAME)
    return plugin.summary() if plugin is not None else {}
