"""The stopping rule and failure handling, on trials made of plain Python callables."""

import itertools

import pytest

from dask_bench.errors import RepetitionTimeout, WrongResult
from dask_bench.runner.measure import PointRun, measure
from dask_bench.study import Measurement
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
        **{"warmup": 1, "min_repeats": 6, "max_repeats": 12, "point_budget": None, **kw}
    )


def test_warmup_is_excluded_and_precise_points_stop_at_minimum():
    clock = Clock()
    seen = []
    out = measure(timed_trial(clock, [5.0] + [1.0] * 10), settings(), seen.append, clock)
    assert out.status == "ok" and out.stopped_by == "precision"
    # 1.0 after 5.0 is far faster: start-up not yet absorbed, so one more warm-up
    assert out.timings == [1.0] * 6 and out.warmups == 2
    assert [(r.warmup, r.seconds) for r in seen] == [(True, 5.0), (True, 1.0)] + [(False, 1.0)] * 6


def test_warmups_continue_until_timings_stop_falling():
    clock = Clock()
    seen = []
    durations = [5.64, 4.95, 1.51, 0.9, 0.91] + [0.9] * 10
    out = measure(timed_trial(clock, durations), settings(), seen.append, clock)
    # 4.95, 1.51 and 0.9 are each more than 10 % faster than every earlier one
    assert [r.seconds for r in seen if r.warmup] == pytest.approx([5.64, 4.95, 1.51, 0.9])
    assert out.warmups == 4 and out.timings[0] == pytest.approx(0.91)
    assert [r.index for r in seen if r.warmup] == [0, 1, 2, 3]
    assert [r.index for r in seen if not r.warmup] == list(range(len(out.timings)))


def test_warmups_stop_at_their_maximum_with_a_note():
    clock = Clock()
    durations = [16.0, 8.0, 4.0, 2.0, 1.0] + [1.0] * 10
    out = measure(timed_trial(clock, durations), settings(max_warmup=2), clock=clock)
    assert out.warmups == 2 and out.timings[0] == 4.0
    assert any("still falling" in n for n in out.notes)


def test_noisy_points_run_to_the_maximum():
    clock = Clock()
    out = measure(timed_trial(clock, itertools.cycle([1.0, 3.0])), settings(), clock=clock)
    assert out.stopped_by == "max_repeats" and len(out.timings) == 12


def test_precision_reached_midway():
    clock = Clock()
    durations = [1.0, 2.0, 1.0, 1.0, 1.0, 1.0, 1.0, 1.0, 1.0, 1.0, 1.0, 1.0]
    out = measure(timed_trial(clock, [1.0, *durations]), settings(target_ci=0.05), clock=clock)
    assert out.stopped_by == "precision"
    # n = 6..8: the interval runs from the smallest to the largest timing, 2.0 included;
    # n = 9: ranks 1..7 of the sorted timings, all 1.0
    assert out.timings[:2] == [1.0, 2.0] and len(out.timings) == 9
    # three slow timings in twelve stay inside the interval: no precision by max_repeats
    clock = Clock()
    spread = [1.0, 2.0, 1.0, 2.0, 1.0, 2.0, 1.0, 1.0, 1.0, 1.0, 1.0, 1.0]
    out = measure(timed_trial(clock, [1.0, *spread]), settings(target_ci=0.05), clock=clock)
    assert out.stopped_by == "max_repeats" and len(out.timings) == 12


def test_point_budget_stops_early():
    clock = Clock()
    out = measure(
        timed_trial(clock, itertools.cycle([1.0, 3.0])),
        settings(point_budget=15.0, min_repeats=6),
        clock=clock,
    )
    # warm-up 1 s (outside the budget); then 3+1+3+1+3+1+3 = 15 s over seven timings
    assert out.stopped_by == "budget"
    assert out.timings == [3.0, 1.0, 3.0, 1.0, 3.0, 1.0, 3.0]


def test_point_budget_never_cuts_below_the_minimum():
    clock = Clock()
    out = measure(
        timed_trial(clock, itertools.cycle([1.0, 3.0])), settings(point_budget=0.5), clock=clock
    )
    assert out.stopped_by == "budget" and len(out.timings) == 6


class Events:
    """A watch whose events the test injects."""

    def __init__(self):
        self.events = []

    def mark(self):
        return len(self.events)

    def since(self, mark):
        return "; ".join(self.events[mark:]) or None

    def memory_kills(self, mark):
        kills = [e for e in self.events[mark:] if "killed" in e]
        return f"workers killed for memory: {'; '.join(kills)}" if kills else None


def test_a_disturbed_repetition_is_kept_apart_and_repeated():
    clock = Clock()
    watch = Events()
    seen = []
    durations = iter([1.0, 1.0, 1.0, 6.0] + [1.0] * 20)

    def run():
        t = next(durations)
        clock.t += t
        if t == 6.0:
            watch.events.append("worker tcp://x left")
        return "r"

    trial = Trial(run=run, check=lambda r: None, nbytes=1, ntasks=1)
    out = measure(trial, settings(), seen.append, clock, watch=watch)
    assert out.status == "ok" and out.stopped_by == "precision" and out.disturbed == 1
    assert 6.0 not in out.timings and out.timings == [1.0] * 6
    disturbed = [r for r in seen if r.disturbance]
    assert [(r.seconds, r.disturbance, r.warmup) for r in disturbed] == [
        (6.0, "worker tcp://x left", False)
    ]


def test_too_many_disturbances_end_the_point():
    clock = Clock()
    watch = Events()

    def run():
        clock.t += 1.0
        watch.events.append("worker tcp://x paused")
        return "r"

    trial = Trial(run=run, check=lambda r: None, nbytes=1, ntasks=1)
    out = measure(
        trial, settings(warmup=0, max_warmup=0, max_disturbed=2), clock=clock, watch=watch
    )
    assert out.stopped_by == "disturbed" and out.status == "failed"
    assert out.error == "disturbed: worker tcp://x paused"


KILL = "worker tcp://x killed by its nanny for exceeding its memory at 390 MiB"


@pytest.mark.parametrize("ok", [True, False], ids=["finished anyway", "failed"])
@pytest.mark.parametrize("when", [0, 1, 3], ids=["warm-up", "first timed", "later"])
def test_a_worker_killed_for_memory_ends_the_point_at_once(when, ok):
    # Repeating would only kill again: no retry as a disturbance, whatever the
    # repetition itself returned, and the reason says so.
    clock = Clock()
    watch = Events()
    seen = []
    calls = []

    def run():
        calls.append(1)
        clock.t += 1.0
        if len(calls) == when + 1:
            watch.events.extend(["worker tcp://x left", KILL, "worker tcp://y arrived"])
            if not ok:
                raise RuntimeError("KilledWorker")
        return "r"

    trial = Trial(run=run, check=lambda r: None, nbytes=1, ntasks=1)
    out = measure(trial, settings(warmup=1), seen.append, clock, watch=watch)
    assert out.status == "failed" and out.stopped_by == "failure"
    assert out.error == f"workers killed for memory: {KILL}"
    assert len(calls) == when + 1  # nothing after the kill
    last = seen[-1]
    assert last.warmup == (when == 0)
    if ok:
        assert last.ok and last.disturbance == out.error
    else:
        assert not last.ok and last.error == "RuntimeError: KilledWorker"


def test_a_larger_trial_replaces_a_short_one_during_warmup():
    clock = Clock()
    small = timed_trial(clock, [0.05] * 3)
    large = timed_trial(clock, [0.5] * 20)
    asked = []

    def calibrate(seconds):
        asked.append(seconds)
        return large

    point = PointRun(small, settings(min_repetition_seconds=0.2), clock=clock, calibrate=calibrate)
    assert point.warm_up()
    while not point.done:
        point.step()
    assert asked == [0.05] and point.trial is large
    assert point.outcome.timings == pytest.approx([0.5] * 6)


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
