"""The ``adaptive`` round: the workload on a fixed cluster, then on an adaptive one.

The control runs on ``workers`` fixed workers. Then the cluster starts from
``minimum`` workers with adaptive scaling on (``adapt()`` of the deployer, the
study's options passed through), the workload runs as a burst, and the idle
cluster is watched for ``idle`` seconds while it scales down. The recorder samples
the cluster every ``sample_seconds`` (workers, tasks processing and queued, process
memory) and notes every arrival and departure. Stored with the event:

``ramp_50``, ``ramp_90``
    Seconds from the start until half and 90 % of ``maximum`` workers were there
    (null when never reached).
``work_seconds``, ``linger``
    When the work ended, and how long from then until the cluster was back to
    ``minimum`` (null when it still was not after ``idle`` seconds).
``worker_seconds``, ``worker_seconds_idle``
    Workers x seconds during the work, and during the idle watch.
``peak_workers``
    The most workers at once.
``queue_seconds``
    On batch back-ends, the longest queue wait of the run's jobs when the work ended
    (those adaptive scaling submitted, and the minimum's).
"""

from __future__ import annotations

import math
import time
from typing import TYPE_CHECKING, Any

from dask_bench.deploy import Backend
from dask_bench.runner.scenarios._repetition import Round, observe, run_control
from dask_bench.store.schema import ScenarioRole

if TYPE_CHECKING:
    from dask_bench.study.scenarios import AdaptiveScaling


def worker_counts(start: int, added: list[float], removed: list[float]) -> list[tuple[float, int]]:
    """Workers over time: ``(seconds, count)`` at the start and after each change."""
    steps = sorted([(t, 1) for t in added] + [(t, -1) for t in removed])
    out, count = [(0.0, start)], start
    for t, change in steps:
        count += change
        out.append((t, count))
    return out


def first_reaching(counts: list[tuple[float, int]], wanted: int) -> float | None:
    """When the count first reached ``wanted``; None when it never did."""
    return next((t for t, n in counts if n >= wanted), None)


def area(counts: list[tuple[float, int]], start: float, stop: float) -> float:
    """Workers x seconds between ``start`` and ``stop``."""
    total = 0.0
    for (t, n), (t_next, _) in zip(counts, [*counts[1:], (math.inf, 0)], strict=True):
        low, high = max(t, start), min(t_next, stop)
        if high > low:
            total += n * (high - low)
    return total


def ramp_figures(
    timeline: dict[str, Any], work_seconds: float | None, scenario: AdaptiveScaling
) -> dict[str, Any]:
    """The ramp, linger and worker-seconds of one adaptive repetition (module description)."""
    counts = worker_counts(
        int(timeline.get("workers") or 0), timeline.get("added", []), timeline.get("removed", [])
    )
    end = counts[-1][0] if work_seconds is None else max(work_seconds, counts[-1][0])
    watched = (work_seconds or 0.0) + scenario.idle
    out: dict[str, Any] = {
        "ramp_50": first_reaching(counts, math.ceil(scenario.maximum * 0.5)),
        "ramp_90": first_reaching(counts, math.ceil(scenario.maximum * 0.9)),
        "peak_workers": max(n for _, n in counts),
        "work_seconds": work_seconds,
    }
    if work_seconds is not None:
        out["worker_seconds"] = area(counts, 0.0, work_seconds)
        out["worker_seconds_idle"] = area(counts, work_seconds, max(watched, end))
        back = next((t for t, n in counts if t >= work_seconds and n <= scenario.minimum), None)
        if back is None and counts[-1][1] <= scenario.minimum and counts[-1][0] < work_seconds:
            back = work_seconds  # it was already down when the work ended
        out["linger"] = None if back is None else back - work_seconds
    return out


def adaptive_round(r: Round, backend: Backend, scenario: AdaptiveScaling, pair: int) -> None:
    """Fixed cluster, then the adaptive one under the same work and an idle watch."""
    r.scale(scenario.workers, None)
    control = run_control(r, pair)
    r.scale(scenario.minimum, None)
    waits: list[float] = []

    def watch_idle() -> None:
        waits.extend(backend.queue_waits())  # the jobs adaptive scaling made still run
        time.sleep(scenario.idle)

    started = time.time()
    backend.adapt(scenario.minimum, scenario.maximum, scenario.adapt)
    try:
        hit = observe(
            client=r.client,
            trial=r.trial,
            index=pair,
            sample_seconds=scenario.sample_seconds,
            linger=watch_idle,
        )
    finally:
        backend.stop_adapting()
    hit.figures["happened"] = True
    hit.figures["how"] = f"adapt(minimum={scenario.minimum}, maximum={scenario.maximum})"
    hit.figures["event_at"] = 0.0
    hit.figures["adapt_started"] = started
    hit.figures.update(ramp_figures(hit.figures["timeline"], hit.repetition.seconds, scenario))
    hit.figures["queue_seconds"] = max(waits) if waits else None
    r.keep(hit, pair, ScenarioRole.EVENT)
    f = hit.figures
    ramp = f"half the maximum after {f['ramp_50']:.2f} s" if f["ramp_50"] is not None else "no ramp"
    r.say(
        f"  round {pair + 1}/{scenario.repeats}: fixed {control.seconds}, "
        f"adaptive {hit.seconds} ({ramp}, peak {f['peak_workers']} workers)"
    )
