"""The ``lifetime`` round: fresh workers, then fresh workers that retire mid-way.

dask-jobqueue's answer to walltimes is the worker lifetime (``--lifetime``,
``--lifetime-stagger``): a worker retires gracefully after that long, handing its
results to the others, and with ``lifetime_restart`` its nanny starts it again. Both
repetitions of a round run on freshly started workers, so that they pay the same
start-up (prepared input is computed again on new workers); the lifetime counts from each
worker's start, as in distributed, and the repetition starts as soon as all have
arrived. ``retiring`` of the workers get the lifetime and the others stay, to take the
retiring workers' results (with nobody to take them, distributed refuses to retire a
worker, and the work stalls until the repetition's timeout). Stored with the event: when
the first worker retired (``event_at``), how many did (``retired``), when a worker came
back (``replaced_after``), and the results lost and tasks run again (``lost``,
``recomputed``): graceful retirement should lose none.
"""

from __future__ import annotations

import time
from typing import TYPE_CHECKING

from dask_bench.deploy import Backend
from dask_bench.runner.scenarios._repetition import Observed, Round, observe, run_control
from dask_bench.store.schema import ScenarioRole

if TYPE_CHECKING:
    from dask_bench.study.scenarios import Lifetime


#: Seconds to wait after the work for a restarted worker to come back.
RESTART_WAIT = 60.0


def retirement_figures(hit: Observed) -> dict[str, object]:
    """When workers retired during the repetition, and whether one came back."""
    timeline = hit.figures["timeline"]
    seconds = hit.repetition.seconds
    removed = sorted(t for t in timeline["removed"] if seconds is None or t <= seconds)
    if not removed:
        return {"happened": False, "retired": 0}
    first = removed[0]
    added = sorted(t for t in timeline["added"] if t >= first)  # also after the work
    return {
        "happened": True,
        "retired": len(removed),
        "event_at": first,
        "replaced_after": added[0] - first if added else None,
    }


def lifetime_round(r: Round, backend: Backend, scenario: Lifetime, pair: int) -> None:
    """Fresh workers without a lifetime, then fresh ones with it; then plain ones again."""
    backend.fresh_workers([(scenario.workers, {})])
    r.scale(scenario.workers, None)
    control = run_control(r, pair)
    options = {
        "lifetime": f"{scenario.lifetime}s",
        "lifetime_stagger": f"{scenario.stagger}s",
        "lifetime_restart": scenario.restart,
    }
    staying = scenario.workers - scenario.retiring
    backend.fresh_workers([(staying, {}), (scenario.retiring, options)])
    r.scale(scenario.workers, None)

    def back_in_time() -> None:
        # with restart, a worker that retired near the end is still on its way back:
        # wait for it under the recorder, so that its return is measured too
        deadline = time.monotonic() + RESTART_WAIT
        while scenario.restart and time.monotonic() < deadline:
            if len(r.client.scheduler_info(n_workers=-1)["workers"]) >= scenario.workers:
                return
            time.sleep(0.1)

    hit = observe(client=r.client, trial=r.trial, index=pair, linger=back_in_time)
    hit.figures.update(retirement_figures(hit))
    hit.figures["how"] = (
        f"{scenario.retiring} of {scenario.workers} workers started with lifetime "
        f"{scenario.lifetime:g} s +/- {scenario.stagger:g} s"
        + (", restarted" if scenario.restart else "")
    )
    backend.fresh_workers([(scenario.workers, {})])  # no lifetime outside the repetition
    hit.figures["restored_after"] = r.scale(scenario.workers, None)
    r.keep(hit, pair, ScenarioRole.EVENT)
    f = hit.figures
    what = (
        f"{f['retired']} retired from {f['event_at']:.2f} s, {f.get('lost') or 0} result(s) lost"
        if f["happened"]
        else "none retired before the work ended"
    )
    r.say(
        f"  round {pair + 1}/{scenario.repeats}: control {control.seconds}, "
        f"with lifetimes {hit.seconds} ({what})"
    )
