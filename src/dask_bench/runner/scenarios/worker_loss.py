"""The ``worker-loss`` scenario: workers removed mid-computation, and what it cost.

Each pair runs the workload twice on the same ``workers`` workers: first as it is
(the control), then with ``lose`` of them removed by the back-end the way its
infrastructure would (a SIGKILL of the worker process locally). The event fires
when the scheduler has seen ``at_progress`` of the control's task count finish
(published by :class:`~dask_bench.runner.scenarios._recorder.ScenarioRecorder`),
or ``at_seconds`` after the repetition started. After the pair the cluster is
brought back to ``workers`` workers before the next one.

Stored per repetition (``scenario_repetitions.figures``), times in seconds:

``event_at``
    When the workers were removed, from the start of the repetition.
``detected_after``
    From the removal until the scheduler announced it (``remove-worker``).
``replaced_after``
    From the removal until a worker arrived again while the repetition ran (the
    infrastructure replacing it); null when none arrived.
``restored_after``
    From the removal until all ``workers`` workers were back, after the repetition.
``recomputed`` / ``recomputed_seconds``
    Tasks that finished again (their result was lost) and their compute seconds.
``lost`` / ``interrupted``
    Results the removed workers held, and tasks they were running.
``done``
    Tasks the scheduler saw finish.
``timeline``
    Tasks finished per time bin (``step`` seconds wide), the workers at the start,
    and when workers left and arrived (seconds from the start).
``how``
    What the back-end did. ``happened`` says whether the event happened at all (the
    work can end before it).
"""

from __future__ import annotations

import math
import threading
import time
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from dask_bench.deploy import Backend
from dask_bench.deploy.scaling import scale_to
from dask_bench.errors import DaskBenchError
from dask_bench.runner.measure import Repetition, run_once
from dask_bench.runner.scenarios._recorder import (
    PLUGIN_NAME,
    PROGRESS_TOPIC,
    ScenarioRecorder,
    read_recorder,
)
from dask_bench.workloads import Trial

if TYPE_CHECKING:
    from distributed import Client

    from dask_bench.study.scenarios import WorkerLoss

#: How long the thread that removes workers waits for its moment before giving up
#: after the repetition ended (it then records that the event did not happen).
_JOIN_SECONDS = 30.0


@dataclass
class _Event:
    """The removal of workers during one repetition, done from a thread of its own."""

    backend: Backend
    client: Client
    victims: list[str]
    replace: bool
    at_seconds: float | None
    fired: threading.Event = field(default_factory=threading.Event)
    ended: threading.Event = field(default_factory=threading.Event)
    at: float | None = None  # time.time() of the removal
    how: str | None = None
    error: str | None = None
    _thread: threading.Thread | None = None

    def start(self) -> None:
        self._thread = threading.Thread(target=self._wait_and_remove, daemon=True)
        self._thread.start()

    def _wait_and_remove(self) -> None:
        if self.at_seconds is not None:
            if self.ended.wait(self.at_seconds):
                return  # the work ended first
        else:
            while not self.fired.wait(0.01):
                if self.ended.is_set():
                    return
        try:
            self.at = time.time()
            self.how = self.backend.lose_workers(self.client, self.victims, replace=self.replace)
        except Exception as exc:  # stored with the repetition; the study goes on
            self.error = f"removing workers failed: {type(exc).__name__}: {exc}"

    def stop(self) -> None:
        self.ended.set()
        if self._thread is not None:
            self._thread.join(_JOIN_SECONDS)


@dataclass
class LossRepetition:
    """One repetition of the scenario and what the scheduler saw."""

    repetition: Repetition
    figures: dict[str, Any]
    #: ``time.time()`` of the removal; None for a control or when it did not happen.
    event_time: float | None = None

    @property
    def correct(self) -> bool | None:
        """Whether the check passed; None when there was no result to check."""
        if self.repetition.ok:
            return True
        error = self.repetition.error or ""
        return False if error.startswith("wrong result") else None


def victims(client: Client, lose: int) -> list[str]:
    """The workers to remove: those holding the most data (ties: by address).

    The same choice in every pair: losing the busiest workers is the case that
    costs most, and the one users plan for.
    """
    workers = client.scheduler_info(n_workers=-1)["workers"]

    def held(address: str) -> tuple[int, str]:
        metrics = workers[address].get("metrics", {})
        return (-int(metrics.get("managed_bytes", 0) or 0), address)

    return sorted(workers, key=held)[:lose]


def control_target(done: int, fraction: float) -> int:
    """The finished-task count at which the event fires: at least 1, at most ``done - 1``."""
    return max(1, min(done - 1, math.ceil(done * fraction))) if done > 1 else 1


def run_repetition(
    *,
    client: Client,
    backend: Backend,
    trial: Trial[Any],
    index: int,
    scenario: WorkerLoss | None,
    target: int | None = None,
) -> LossRepetition:
    """Run ``trial`` once under the recorder; with a ``scenario``, remove its workers.

    Parameters
    ----------
    scenario
        None for the control (and warm-up) repetitions.
    target
        Finished tasks at which the workers are removed (``at_progress``).
    """
    event: _Event | None = None
    client.register_plugin(ScenarioRecorder(target), name=PLUGIN_NAME)
    try:
        if scenario is not None:
            event = _Event(
                backend=backend,
                client=client,
                victims=victims(client, scenario.lose),
                replace=scenario.replace,
                at_seconds=scenario.at_seconds,
            )
            fired = event.fired
            client.subscribe_topic(PROGRESS_TOPIC, lambda _event: fired.set())
            event.start()
        try:
            rep = run_once(trial, index, warmup=index < 0)
        finally:
            if event is not None:
                event.stop()
                client.unsubscribe_topic(PROGRESS_TOPIC)
        seen = client.run_on_scheduler(read_recorder)
    finally:
        client.unregister_scheduler_plugin(PLUGIN_NAME)
    at = event.at if event is not None and event.error is None else None
    return LossRepetition(rep, figures(seen, event), event_time=at)


def figures(seen: dict[str, Any], event: _Event | None) -> dict[str, Any]:
    """The stored figures of one repetition (see the module's description)."""
    out: dict[str, Any] = {
        key: seen.get(key) for key in ("done", "recomputed", "recomputed_seconds", "lost")
    }
    out["interrupted"] = seen.get("interrupted")
    started = float(seen.get("started") or 0.0)
    # tasks finished per time bin, and workers leaving and arriving, from the start
    out["timeline"] = {
        "step": seen.get("step"),
        "finished": seen.get("bins", []),
        "workers": seen.get("workers"),
        "removed": [t - started for t, _ in seen.get("removed", ())],
        "added": [t - started for t, _ in seen.get("added", ())],
    }
    if event is None:
        return out
    out["happened"] = event.at is not None and event.error is None
    out["how"] = event.how
    out["victims"] = list(event.victims)
    if event.error:
        out["error"] = event.error
    if event.at is None:
        return out
    out["event_at"] = event.at - (started or event.at)
    removed = [t for t, _ in seen.get("removed", ()) if t >= event.at]
    added = [t for t, _ in seen.get("added", ()) if t >= event.at]
    out["detected_after"] = min(removed) - event.at if removed else None
    out["replaced_after"] = min(added) - event.at if added else None
    return out


def restore(
    *, client: Client, backend: Backend, workers: int, timeout: float, event_at: float | None
) -> float | None:
    """Bring the cluster back to ``workers`` workers; seconds from the event until it was.

    Raises
    ------
    DaskBenchError
        When the workers do not come back within ``timeout`` (the scenario stops).
    """
    backend.restore(workers)
    try:
        scale_to(backend, client, workers, timeout)
    except DaskBenchError as exc:
        raise DaskBenchError(f"the cluster did not recover its {workers} workers: {exc}") from None
    return time.time() - event_at if event_at is not None else None
