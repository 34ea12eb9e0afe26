"""The ``scale-up`` round: the workload on N, on N growing to N + M mid-way, and on N + M.

The event asks the back-end for M more workers (a new batch job on the jobqueue
back-ends, which waits in the queue like any other). The round's third repetition
runs on all N + M from the start, so the makespan with the scale-up can be set
against both staying at N and starting at N + M. Stored with the event: when each
new worker arrived (``arrived_after``), when the first task finished on one of them
(``first_result_after``), the time until all M were there (``all_arrived_after``),
and on batch back-ends the new job's wait in the queue (``queue_seconds``) and its
state and node (``jobs``).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from dask_bench.deploy import Backend
from dask_bench.runner.scenarios._repetition import (
    Event,
    Round,
    observe,
    progress_target,
    run_control,
)
from dask_bench.store.schema import ScenarioRole

if TYPE_CHECKING:
    from dask_bench.study.scenarios import ScaleUp


def _ask(backend: Backend, workers: int, add: int) -> str:
    backend.request(workers)
    return f"asked for {add} more worker(s), {workers} in all"


def scale_up_round(r: Round, backend: Backend, scenario: ScaleUp, pair: int) -> None:
    """On N, on N + M from a moment on, on N + M from the start; then back to N."""
    control = run_control(r, pair)
    target = progress_target(control, scenario.at_progress)
    big = scenario.target_workers
    backend.step_details()  # forget earlier jobs: the figures below are the event's own
    event = Event(lambda: _ask(backend, big, scenario.add), at_seconds=scenario.at_seconds)
    hit = observe(client=r.client, trial=r.trial, index=pair, event=event, target=target)
    # the new workers may still be on their way: wait for all of them
    hit.figures["all_arrived_after"] = r.scale(big, hit.event_time)
    if hit.event_time is not None:
        # batch back-ends: how long the new job waited in the queue, and where it ran
        queued, details = backend.step_details()
        hit.figures["queue_seconds"] = queued
        if details and details.get("jobs"):
            hit.figures["jobs"] = details["jobs"]
    r.keep(hit, pair, ScenarioRole.EVENT)
    larger = observe(client=r.client, trial=r.trial, index=pair)
    r.keep(larger, pair, ScenarioRole.TARGET)
    r.scale(scenario.workers, None)
    f = hit.figures
    first = f.get("first_result_after")
    arrival = f"first new result after {first:.2f} s" if first is not None else "none in time"
    r.say(
        f"  round {pair + 1}/{scenario.repeats}: at {scenario.workers} {control.seconds}, "
        f"growing {hit.seconds} ({arrival}), at {big} {larger.seconds}"
    )
