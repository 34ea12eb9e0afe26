"""The stopping rule and failure handling, on trials made of plain Python callables."""

import itertools

import pytest

from dask_bench.config import Measurement
from dask_bench.errors import RepetitionTimeout, WrongResult
from dask_bench.runner.measure import measure
from dask_bench.workloads import Trial


class Clock:
    """A clock advanced by the trial, so durations are exact."""

    def __init__(self):
        self.t = 0.0

    def __call__(self):
        return self.t


def timed_trial(clock, durations, check=lambda r: None):
    it = iter(durations)

    def run():
        clock.t += next(it)
        return "result"

    return Trial(run=run, check=check, nbytes=1, ntasks=1)


def settings(**kw):
    return Measurement(
        **{"warmup": 1, "min_repeats": 3, "max_repeats": 8, "point_budget": None, **kw}
    )


def test_warmup_is_excluded_and_precise_points_stop_at_minimum():
    clock = Clock()
    seen = []
    out = measure(timed_trial(clock, [5.0] + [1.0] * 10), settings(), seen.append, clock)
    assert out.status == "ok" and out.stopped_by == "precision"
    assert out.timings == [1.0, 1.0, 1.0]
    assert [(r.warmup, r.seconds) for r in seen] == [(True, 5.0)] + [(False, 1.0)] * 3


def test_noisy_points_run_to_the_maximum():
    clock = Clock()
    out = measure(timed_trial(clock, itertools.cycle([1.0, 3.0])), settings(), clock=clock)
    assert out.stopped_by == "max_repeats" and len(out.timings) == 8


def test_precision_reached_midway():
    clock = Clock()
    durations = [1.0, 1.0, 1.5, 1.0, 1.0, 1.0, 1.0, 1.0, 1.0]
    # relative CI half-width after 5 timings is 0.25, after 6 it is 0.198
    out = measure(timed_trial(clock, [1.0, *durations]), settings(target_ci=0.2), clock=clock)
    assert out.stopped_by == "precision"
    assert len(out.timings) == 6


def test_point_budget_stops_early():
    clock = Clock()
    out = measure(
        timed_trial(clock, itertools.cycle([1.0, 3.0])), settings(point_budget=9.0), clock=clock
    )
    # warm-up 1 s, then 3 + 1 + 3 + 1 = 8 s: over budget after the 4th timing (9 s in all)
    assert out.stopped_by == "budget"
    assert out.timings == [3.0, 1.0, 3.0, 1.0]


def test_point_budget_never_cuts_below_the_minimum():
    clock = Clock()
    out = measure(
        timed_trial(clock, itertools.cycle([1.0, 3.0])), settings(point_budget=0.5), clock=clock
    )
    assert out.stopped_by == "budget" and len(out.timings) == 3


def test_wrong_result_fails_the_point_and_keeps_the_time():
    clock = Clock()

    def check(result):
        raise WrongResult("expected 1, got 2")

    seen = []
    out = measure(timed_trial(clock, [1.0] * 5, check), settings(warmup=0), seen.append, clock)
    assert out.status == "failed" and out.error == "wrong result: expected 1, got 2"
    assert len(seen) == 1 and seen[0].seconds == 1.0 and not seen[0].ok


def test_exception_in_warmup_is_reported_as_such():
    def run():
        raise ZeroDivisionError("division by zero")

    out = measure(Trial(run=run, check=lambda r: None, nbytes=0, ntasks=0), settings())
    assert out.status == "failed"
    assert out.error == "warm-up: ZeroDivisionError: division by zero"


def test_timeout_is_reported_as_timeout():
    def run():
        raise RepetitionTimeout("repetition exceeded its timeout of 1 s")

    out = measure(Trial(run=run, check=lambda r: None, nbytes=0, ntasks=0), settings(warmup=0))
    assert out.error.startswith("timeout: ") and out.timed_out


def test_keyboard_interrupt_is_not_swallowed():
    def run():
        raise KeyboardInterrupt

    with pytest.raises(KeyboardInterrupt):
        measure(Trial(run=run, check=lambda r: None, nbytes=0, ntasks=0), settings())
