"""The ``worker-loss`` round: the workload, then the workload losing workers mid-way.

The workers removed are those holding the most data when the repetition starts
(the case users plan for, and the same choice every round). The back-end removes
them the way its infrastructure would (:meth:`~dask_bench.deploy.Backend.lose_workers`).
After the round the cluster gets its workers back; ``restored_after`` is the time
from the removal until all were there.
"""

from __future__ import annotations

from functools import partial
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
    from distributed import Client

    from dask_bench.study.scenarios import WorkerLoss


def victims(client: Client, lose: int) -> list[str]:
    """The workers holding the most data (ties: by address), ``lose`` of them."""
    workers = client.scheduler_info(n_workers=-1)["workers"]

    def held(address: str) -> tuple[int, str]:
        metrics = workers[address].get("metrics", {})
        return (-int(metrics.get("managed_bytes", 0) or 0), address)

    return sorted(workers, key=held)[:lose]


def loss_round(r: Round, backend: Backend, scenario: WorkerLoss, pair: int) -> None:
    """Control, then the same work losing ``scenario.lose`` workers; then restore."""
    control = run_control(r, pair)
    target = progress_target(control, scenario.at_progress)
    chosen = victims(r.client, scenario.lose)
    action = partial(backend.lose_workers, r.client, chosen, replace=scenario.replace)
    event = Event(action, at_seconds=scenario.at_seconds)
    hit = observe(client=r.client, trial=r.trial, index=pair, event=event, target=target)
    hit.figures["victims"] = chosen
    hit.figures["restored_after"] = r.scale(scenario.workers, hit.event_time)
    r.keep(hit, pair, ScenarioRole.EVENT)
    f = hit.figures
    if not f.get("happened"):
        what = f.get("error") or "the work ended before the event"
    else:
        detected = f.get("detected_after")
        what = (
            f"noticed after {detected:.2f} s, " if detected is not None else "not noticed, "
        ) + f"{f.get('recomputed') or 0} task(s) recomputed"
    r.say(
        f"  round {pair + 1}/{scenario.repeats}: control {control.seconds}, "
        f"losing {scenario.lose} {hit.seconds} ({what})"
    )
