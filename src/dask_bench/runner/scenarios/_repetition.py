"""One repetition of a scenario: the workload under the recorder, with or without its event.

The event is an action (remove workers, ask for more) run from a thread of its own
at the planned moment: when the scheduler has seen ``target`` tasks finish
(published by :class:`~dask_bench.runner.scenarios._recorder.ScenarioRecorder`), or
``at_seconds`` after the start. Figures stored per repetition (times in seconds):

``done``, ``recomputed``, ``recomputed_seconds``
    Tasks the scheduler saw finish; those that finished again (their result was lost,
    or was input persisted before) and their compute seconds (workers' ``startstops``).
``lost``, ``interrupted``
    Results removed workers held, and tasks they were running (``remove-worker``).
``timeline``
    Tasks finished per time bin (``step`` seconds wide), the workers at the start,
    and when workers left and arrived (seconds from the start).
``happened``, ``how``, ``event_at``
    Whether the event happened (the work can end first), what the back-end did, and
    when, from the start of the repetition.
``detected_after``, ``replaced_after``
    From the event until the scheduler announced the first removal, and until the
    first worker arrived.
"""

from __future__ import annotations

import math
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from dask_bench.errors import DaskBenchError
from dask_bench.runner.measure import Repetition, run_once
from dask_bench.runner.scenarios._recorder import (
    PLUGIN_NAME,
    PROGRESS_TOPIC,
    ScenarioRecorder,
    read_recorder,
)
from dask_bench.store.schema import ScenarioRole
from dask_bench.workloads import Trial

if TYPE_CHECKING:
    from distributed import Client

#: How long the event's thread may take to finish after the repetition ended.
_JOIN_SECONDS = 30.0


@dataclass
class Event:
    """An action run at the planned moment of a repetition, from a thread of its own."""

    action: Callable[[], str]
    at_seconds: float | None = None
    fired: threading.Event = field(default_factory=threading.Event)
    ended: threading.Event = field(default_factory=threading.Event)
    at: float | None = None  # time.time() when the action started
    how: str | None = None
    error: str | None = None
    _thread: threading.Thread | None = None

    def start(self) -> None:
        """Wait for the moment in a thread, then act."""
        self._thread = threading.Thread(target=self._wait_and_act, daemon=True)
        self._thread.start()

    def _wait_and_act(self) -> None:
        if self.at_seconds is not None:
            if self.ended.wait(self.at_seconds):
                return  # the work ended first
        else:
            while not self.fired.wait(0.01):
                if self.ended.is_set():
                    return
        try:
            self.at = time.time()
            self.how = self.action()
        except Exception as exc:  # stored with the repetition; the study goes on
            self.error = f"the event failed: {type(exc).__name__}: {exc}"

    def stop(self) -> None:
        """After the repetition: no event any more, and the action has finished."""
        self.ended.set()
        if self._thread is not None:
            self._thread.join(_JOIN_SECONDS)


@dataclass
class Observed:
    """One repetition of a scenario and what the scheduler saw."""

    repetition: Repetition
    figures: dict[str, Any]
    #: ``time.time()`` of the event; None for a control or when it did not happen.
    event_time: float | None = None

    @property
    def correct(self) -> bool | None:
        """Whether the check passed; None when there was no result to check."""
        if self.repetition.ok:
            return True
        error = self.repetition.error or ""
        return False if error.startswith("wrong result") else None

    @property
    def seconds(self) -> str:
        """Its time, or why it has none, for progress lines."""
        s = self.repetition.seconds
        return f"{s:.2f} s" if s is not None else (self.repetition.error or "failed")


def control_target(done: int, fraction: float) -> int:
    """The finished-task count at which the event fires: at least 1, at most ``done - 1``."""
    return max(1, min(done - 1, math.ceil(done * fraction))) if done > 1 else 1


def observe(
    *,
    client: Client,
    trial: Trial[Any],
    index: int,
    event: Event | None = None,
    target: int | None = None,
    sample_seconds: float | None = None,
    linger: Callable[[], None] | None = None,
) -> Observed:
    """Run ``trial`` once under the recorder; with an ``event``, act at its moment.

    Parameters
    ----------
    target
        Finished tasks at which the event fires (instead of ``event.at_seconds``).
    sample_seconds
        Also sample the cluster this often (workers, tasks, memory).
    linger
        Called after the work, still under the recorder (e.g. watch idle workers leave).
    """
    recorder = ScenarioRecorder(target if event else None, sample_seconds=sample_seconds)
    client.register_plugin(recorder, name=PLUGIN_NAME)
    try:
        if event is not None:
            fired = event.fired
            client.subscribe_topic(PROGRESS_TOPIC, lambda _message: fired.set())
            event.start()
        try:
            rep = run_once(trial, index, warmup=index < 0)
            if linger is not None:
                linger()
        finally:
            if event is not None:
                event.stop()
                client.unsubscribe_topic(PROGRESS_TOPIC)
        seen = client.run_on_scheduler(read_recorder)
    finally:
        client.unregister_scheduler_plugin(PLUGIN_NAME)
    at = event.at if event is not None and event.error is None else None
    return Observed(rep, figures(seen, event), event_time=at)


def figures(seen: dict[str, Any], event: Event | None) -> dict[str, Any]:
    """The stored figures of one repetition (see the module's description)."""
    out: dict[str, Any] = {
        key: seen.get(key)
        for key in ("done", "recomputed", "recomputed_seconds", "lost", "interrupted")
    }
    started = float(seen.get("started") or 0.0)
    out["timeline"] = {
        "step": seen.get("step"),
        "finished": seen.get("bins", []),
        "workers": seen.get("workers"),
        "removed": [t - started for t, _ in seen.get("removed", ())],
        "added": [t - started for t, _ in seen.get("added", ())],
    }
    if seen.get("samples"):
        out["timeline"]["samples"] = seen["samples"]
    if event is None:
        return out
    out["happened"] = event.at is not None and event.error is None
    out["how"] = event.how
    if event.error:
        out["error"] = event.error
    if event.at is None:
        return out
    out["event_at"] = event.at - (started or event.at)
    removed = [t for t, _ in seen.get("removed", ()) if t >= event.at]
    added = sorted(t for t, _ in seen.get("added", ()) if t >= event.at)
    out["detected_after"] = min(removed) - event.at if removed else None
    out["replaced_after"] = added[0] - event.at if added else None
    out["arrived_after"] = [t - event.at for t in added]
    first = seen.get("first_on_new")
    out["first_result_after"] = first - event.at if first is not None else None
    return out


@dataclass
class Round:
    """What a kind's round needs: the cluster, the prepared workload, how to store."""

    client: Client
    trial: Trial[Any]
    #: Stores a repetition: ``keep(observed, pair, role)``.
    keep: Callable[[Observed, int, str], None]
    #: Brings the cluster to ``n`` workers and returns seconds from ``since`` (epoch)
    #: until all were there: ``scale(n, since)``.
    scale: Callable[[int, float | None], float | None]
    #: Says one line of progress.
    say: Callable[[str], None]


def run_control(r: Round, pair: int) -> Observed:
    """Run and keep a round's control; a failed control stops the scenario.

    Raises
    ------
    DaskBenchError
        When the control failed: without it, the round has nothing to compare with.
    """
    control = observe(client=r.client, trial=r.trial, index=pair)
    r.keep(control, pair, ScenarioRole.CONTROL)
    if not control.repetition.ok:
        raise DaskBenchError(f"the control repetition failed: {control.repetition.error}")
    return control


def progress_target(control: Observed, at_progress: float | None) -> int | None:
    """The finished-task count of the event (``at_progress`` of the control's); None: timed."""
    if at_progress is None:
        return None
    return control_target(int(control.figures["done"] or 0), at_progress)
