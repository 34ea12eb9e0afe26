"""How long a study will take, before it runs: a range from the measurement settings.

Nothing is known of the workloads' speed before they run, so the estimate rests on
what the settings guarantee: every repetition lasts at least about
``min_repetition_seconds`` (default sizes are calibrated to it), a point takes its
warm-ups and at least ``min_repeats`` timed repetitions, and at most its
``point_budget`` (or ``max_repeats`` repetitions). A workload that knows its task count
(the ``scheduler`` suite's) lasts at least about 1 ms per task. Each size adds the time its
workers take to arrive, the run a hardware baseline; a study ``time_budget`` caps
the measuring part. A scenario takes a warm-up and two repetitions per pair (the one
with the event up to twice as long), and its workers' return after each pair.
"""

from __future__ import annotations

from dataclasses import dataclass

from dask_bench.runner.calibrate import Calibration
from dask_bench.runner.plan import Plan, PlannedPoint

#: Seconds a size's workers typically take to arrive on a local machine (a guess:
#: batch queues and clouds take longer, which the estimate cannot know).
_SCALE_SECONDS = 3.0
#: Seconds of client.benchmark_hardware() on a small machine.
_BASELINE_SECONDS = 15.0
#: Extra repetitions calibration takes at the smallest size, per point of a suite left at
#: its default sizes (its growth steps).
_CALIBRATION_REPS = 3
#: Scheduler seconds per task, for workloads that say how many tasks they run (Dask's
#: rule of thumb is about 1 ms; 0.8 to 2.7 ms were measured on a 2-core machine).
_SECONDS_PER_TASK = 1e-3


@dataclass(frozen=True)
class Estimate:
    """A range of seconds for the whole study."""

    low: float
    high: float
    capped: bool  # the study's time_budget limits the high end

    def text(self) -> str:
        """E.g. ``about 2 to 6 min (capped by time_budget)``."""
        span = f"{_duration(self.low)} to {_duration(self.high)}"
        if _duration(self.low) == _duration(self.high):
            span = _duration(self.high)
        return f"about {span}" + (" (capped by measurement.time_budget)" if self.capped else "")


def estimate_duration(plan: Plan) -> Estimate:
    """The range of seconds ``plan`` is expected to take; see the module's description.

    Parameters
    ----------
    plan
        The planned sweep (one variant).

    Returns
    -------
    Estimate
        Low: every point precise after ``min_repeats``; high: every point uses its
        budget.
    """
    s = plan.study.measurement
    rep = s.min_repetition_seconds
    first = plan.steps[0].workers if plan.steps else None
    calibration_of = Calibration(plan.study)
    low = high = 0.0
    for step in plan.steps:
        for point in step.points:
            rep = _repetition_seconds(point, s.min_repetition_seconds)
            calibrated = step.workers == first and calibration_of.automatic(point)
            calibration = _CALIBRATION_REPS * rep if calibrated else 0.0
            low += (s.warmup + s.min_repeats) * rep + calibration
            timed = s.point_budget if s.point_budget is not None else s.max_repeats * rep
            high += (max(s.warmup, 1) + 1) * rep + max(timed, s.min_repeats * rep) + calibration
    budget = s.time_budget_seconds
    capped = budget is not None and budget < high
    if budget is not None:
        high = min(high, budget)
        low = min(low, high)
    for scenario in plan.study.scenarios.values():
        # a warm-up, then pairs: each a control, a slower repetition and the workers' return
        reps = 1 + 2 * scenario.repeats
        low += reps * rep + scenario.repeats * _SCALE_SECONDS
        high += 2 * reps * rep + scenario.repeats * _SCALE_SECONDS
    fixed = _SCALE_SECONDS * len(plan.steps) + (_BASELINE_SECONDS if s.hardware_baseline else 0)
    return Estimate(low + fixed, high + fixed, capped)


def _repetition_seconds(point: PlannedPoint, shortest: float) -> float:
    """A repetition of ``point``: the shortest worth timing, or its tasks' scheduling."""
    tasks = point.workload.tasks
    if tasks is None:
        return shortest
    return max(shortest, tasks(point.chunks, point.chunk_size) * _SECONDS_PER_TASK)


def estimate_runs(plans: list[Plan]) -> Estimate:
    """The estimate of several variants run one after another."""
    each = [estimate_duration(plan) for plan in plans]
    return Estimate(
        low=sum(e.low for e in each),
        high=sum(e.high for e in each),
        capped=any(e.capped for e in each),
    )


#: Wall time asked for beyond the estimate's high end: a share of it, and a fixed start-up
#: allowance (imports on a shared file system, workers joining), rounded up to 5 minutes.
_WALLTIME_SHARE = 1.5
_WALLTIME_STARTUP = 600.0
_WALLTIME_STEP = 300


def walltime_seconds(estimate: Estimate) -> int:
    """Seconds of wall time to ask a batch system for a study of this ``estimate``.

    The high end times 1.5, plus 10 minutes of start-up, rounded up to 5 minutes: an
    allocation that ends early only loses what is still running, one that is too
    short loses the study.
    """
    want = estimate.high * _WALLTIME_SHARE + _WALLTIME_STARTUP
    return -(-int(want) // _WALLTIME_STEP) * _WALLTIME_STEP


def _duration(seconds: float) -> str:
    if seconds < 90:
        return f"{max(1, round(seconds / 10) * 10):.0f} s"
    return f"{round(seconds / 60):.0f} min"
