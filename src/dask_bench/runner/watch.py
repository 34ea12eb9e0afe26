"""Watch the worker set: departures, arrivals, restarts and pauses, as the scheduler logs them.

The scheduler publishes ``add-worker`` and ``remove-worker`` events on its ``all``
topic and status changes (``paused``, ``closing_gracefully`` ...) on each worker's
own topic; a client that subscribes receives them over its existing connection.
Nothing is asked of the scheduler per repetition: the runner only compares a
counter before and after each one, so the watch costs nothing while it measures.

A nanny that restarts a killed worker shows as a departure followed by an
arrival under a new address; both are disturbances. A nanny that kills its worker
for exceeding its memory (``distributed.worker.memory.terminate``) also says so on
the ``worker-restart-memory`` topic: such a kill ends the point (see
:meth:`WorkerWatch.memory_kills`), since repeating the work would only kill again.
Workers pausing for memory are disturbances too, except for workloads sized by
the workers' memory (the ``memory`` suite), which press on it by design.
"""

from __future__ import annotations

import functools
import threading
from collections.abc import Iterable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from distributed import Client

#: Worker statuses that mean a worker stopped taking work.
_STOPPED = {"paused", "closing", "closing_gracefully", "closed", "failed"}
#: The topic a nanny reports a worker it killed for memory on.
MEMORY_TOPIC = "worker-restart-memory"
#: How the reason of a point ended by memory kills begins.
KILLED_FOR_MEMORY = "workers killed for memory"


@dataclass(frozen=True)
class WorkerEvent:
    """One change of the worker set, with the scheduler's time stamp."""

    at: float
    worker: str
    what: str  # "left", "arrived", "became paused", "resumed after being paused", ...
    #: "pause" (pausing or resuming for memory), "memory-kill", or "" for the rest.
    kind: str = ""

    def __str__(self) -> str:
        return f"worker {self.worker} {self.what}"


class WorkerWatch:
    """Collects what happens to the workers while a study runs.

    Parameters
    ----------
    client
        The study's client; its event handlers run on the client's event loop.
    """

    def __init__(self, client: Client) -> None:
        self.client = client
        self.events: list[WorkerEvent] = []
        self._lock = threading.Lock()
        self._followed: set[str] = set()
        self._latest = 0  # the last mark handed out
        client.subscribe_topic("all", self._on_all)
        client.subscribe_topic(MEMORY_TOPIC, self._on_memory_kill)

    def follow(self, addresses: list[str]) -> None:
        """Also receive the status changes (pauses) of these workers."""
        for address in addresses:
            if address not in self._followed:
                self._followed.add(address)
                self.client.subscribe_topic(address, functools.partial(self._on_worker, address))

    def _add(self, at: float, worker: str, what: str, kind: str = "") -> None:
        with self._lock:
            self.events.append(WorkerEvent(at, worker, what, kind))

    def _on_all(self, event: tuple[float, Any]) -> None:
        at, msg = event
        if not isinstance(msg, dict):
            return
        action, worker = msg.get("action"), str(msg.get("worker", "?"))
        if action == "remove-worker":
            lost = len(msg.get("lost-computed-tasks") or ())
            detail = f" ({lost} computed task(s) lost)" if lost else ""
            self._add(at, worker, f"left{detail}")
        elif action == "add-worker":
            self._add(at, worker, "arrived")

    def _on_worker(self, address: str, event: tuple[float, Any]) -> None:
        at, msg = event
        if not isinstance(msg, dict) or msg.get("action") != "worker-status-change":
            return
        status, before = str(msg.get("status", "")), str(msg.get("prev-status", ""))
        pause = status == "paused" or (before == "paused" and status == "running")
        kind = "pause" if pause else ""
        if status in _STOPPED:
            self._add(at, address, f"became {status}", kind)
        elif before in _STOPPED and status == "running":
            self._add(at, address, f"resumed after being {before}", kind)

    def _on_memory_kill(self, event: tuple[float, Any]) -> None:
        from dask.utils import format_bytes

        at, msg = event
        if not isinstance(msg, dict):
            return
        rss = msg.get("rss")
        size = f" at {format_bytes(int(rss))}" if isinstance(rss, int | float) else ""
        worker = str(msg.get("worker", "?"))
        self._add(at, worker, f"killed by its nanny for exceeding its memory{size}", "memory-kill")

    def mark(self) -> int:
        """A mark of everything seen so far (also the one :meth:`interrupt` counts from)."""
        with self._lock:
            self._latest = len(self.events)
            return self._latest

    def since(self, mark: int, *, pauses: bool = True) -> str | None:
        """What happened after ``mark``, in words; None when nothing did.

        ``pauses=False`` leaves out workers pausing and resuming for memory.
        """
        with self._lock:
            new = self.events[mark:]
        return _words(e for e in new if pauses or e.kind != "pause")

    def memory_kills(self, mark: int) -> str | None:
        """``workers killed for memory: ...`` when a nanny killed a worker after ``mark``."""
        with self._lock:
            kills = [e for e in self.events[mark:] if e.kind == "memory-kill"]
        words = _words(kills)
        return f"{KILLED_FOR_MEMORY}: {words}" if words else None

    def interrupt(self) -> str | None:
        """:meth:`memory_kills` since the last mark: the work in progress must stop."""
        return self.memory_kills(self._latest)

    def between(
        self, start: float, stop: float, slack: float = 0.05, *, pauses: bool = True
    ) -> str | None:
        """What the scheduler logged between two wall-clock times, in words; None if nothing."""
        with self._lock:
            inside = [e for e in self.events if start - slack <= e.at <= stop + slack]
        return _words(e for e in inside if pauses or e.kind != "pause")

    def expecting_pauses(self) -> PausesExpected:
        """The watch as seen by a point whose workload pauses the workers by design."""
        return PausesExpected(self)

    def close(self) -> None:
        """Stop receiving events (the client may be closing: errors are ignored)."""
        for topic in ["all", MEMORY_TOPIC, *self._followed]:
            try:
                self.client.unsubscribe_topic(topic)
            except Exception:
                continue


@dataclass(frozen=True)
class PausesExpected:
    """A :class:`WorkerWatch` for which workers pausing for memory are no news."""

    watch: WorkerWatch

    def mark(self) -> int:
        """As :meth:`WorkerWatch.mark`."""
        return self.watch.mark()

    def since(self, mark: int) -> str | None:
        """As :meth:`WorkerWatch.since`, pauses left out."""
        return self.watch.since(mark, pauses=False)

    def memory_kills(self, mark: int) -> str | None:
        """As :meth:`WorkerWatch.memory_kills`."""
        return self.watch.memory_kills(mark)


def _words(events: Iterable[WorkerEvent]) -> str | None:
    """The events in words, each text once, in order; None when there are none."""
    return "; ".join(dict.fromkeys(str(e) for e in events)) or None
