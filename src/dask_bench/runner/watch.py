"""Watch the worker set: departures, arrivals, restarts and pauses, as the scheduler logs them.

The scheduler publishes ``add-worker`` and ``remove-worker`` events on its ``all``
topic and status changes (``paused``, ``closing_gracefully`` ...) on each worker's
own topic; a client that subscribes receives them over its existing connection.
Nothing is asked of the scheduler per repetition: the runner only compares a
counter before and after each one, so the watch costs nothing while it measures.

A nanny that restarts a killed worker shows as a departure followed by an
arrival under a new address; both are disturbances.
"""

from __future__ import annotations

import functools
import threading
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from distributed import Client

#: Worker statuses that mean a worker stopped taking work.
_STOPPED = {"paused", "closing", "closing_gracefully", "closed", "failed"}


@dataclass(frozen=True)
class WorkerEvent:
    """One change of the worker set, with the scheduler's time stamp."""

    at: float
    worker: str
    what: str  # "left", "arrived", "paused", "resumed", ...

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
        client.subscribe_topic("all", self._on_all)

    def follow(self, addresses: list[str]) -> None:
        """Also receive the status changes (pauses) of these workers."""
        for address in addresses:
            if address not in self._followed:
                self._followed.add(address)
                self.client.subscribe_topic(address, functools.partial(self._on_worker, address))

    def _add(self, at: float, worker: str, what: str) -> None:
        with self._lock:
            self.events.append(WorkerEvent(at, worker, what))

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
        if status in _STOPPED:
            self._add(at, address, f"became {status}")
        elif before in _STOPPED and status == "running":
            self._add(at, address, f"resumed after being {before}")

    def mark(self) -> int:
        """A mark of everything seen so far."""
        with self._lock:
            return len(self.events)

    def since(self, mark: int) -> str | None:
        """What happened after ``mark``, in words; None when nothing did."""
        with self._lock:
            new = self.events[mark:]
        if not new:
            return None
        words: list[str] = []
        for event in new:
            text = str(event)
            if text not in words:
                words.append(text)
        return "; ".join(words)

    def between(self, start: float, stop: float, slack: float = 0.05) -> str | None:
        """What the scheduler logged between two wall-clock times, in words; None if nothing."""
        with self._lock:
            inside = [e for e in self.events if start - slack <= e.at <= stop + slack]
        return "; ".join(dict.fromkeys(str(e) for e in inside)) or None

    def close(self) -> None:
        """Stop receiving events (the client may be closing: errors are ignored)."""
        for topic in ["all", *self._followed]:
            try:
                self.client.unsubscribe_topic(topic)
            except Exception:
                continue
