"""Scenarios without a cluster: the study model, the scheduler recorder, the summary."""

from __future__ import annotations

import math
from datetime import datetime
from pathlib import Path
from typing import Any

import pytest
from matplotlib.figure import Figure

from dask_bench.errors import ConfigError
from dask_bench.report.analysis.scenarios import summarise_scenario
from dask_bench.report.figures.scenario import median_pair, scenario_figure
from dask_bench.runner.checks import build_study
from dask_bench.runner.scenarios import _recorder
from dask_bench.runner.scenarios._recorder import PROGRESS_TOPIC, ScenarioRecorder
from dask_bench.runner.scenarios._repetition import control_target
from dask_bench.store import Store
from dask_bench.store.schema import ScenarioRepetition, ScenarioRole, ScenarioRow

LOSS = {"kind": "worker-loss", "workload": "tasks/map-sleep", "workers": 2}


def _study(**scenario: Any) -> Any:
    return build_study({"suites": {}, "scenarios": {"s": {**LOSS, **scenario}}})


def test_a_scenario_defaults_to_half_the_tasks_and_five_rounds() -> None:
    s = _study().scenarios["s"]
    assert (s.at_progress, s.at_seconds, s.lose, s.repeats, s.replace) == (0.5, None, 1, 5, False)
    assert s.suite == "tasks" and s.workload_name == "map-sleep"
    assert s.describe() == (
        "worker-loss: lose 1 of 2 workers at 50% of tasks (not replaced); tasks/map-sleep, 5 rounds"
    )
    timed = _study(at_seconds=1.5, replace=True).scenarios["s"]
    assert timed.at_progress is None and timed.trigger == "after 1.5 s"


def test_a_study_of_scenarios_alone_has_no_sweep() -> None:
    from dask_bench.runner.plan import plan_study

    assert plan_study(_study()).steps == []


def test_a_study_without_suites_or_scenarios_is_refused() -> None:
    with pytest.raises(ConfigError, match="selects no suite"):
        build_study({"suites": {}})


@pytest.mark.parametrize(
    ("done", "fraction", "target"),
    [(100, 0.5, 50), (3, 0.5, 2), (2, 0.9, 1), (1, 0.5, 1), (10, 0.99, 9), (10, 0.01, 1)],
)
def test_the_event_fires_before_the_last_task(done: int, fraction: float, target: int) -> None:
    assert control_target(done, fraction) == target


class _Task:
    def __init__(self, state: str) -> None:
        self.state = state


class _Scheduler:
    """What the recorder reads of a scheduler: its tasks and workers; its events."""

    def __init__(self) -> None:
        self.tasks = {"a": _Task("memory"), "b": _Task("released")}
        self.workers = {"w1": None, "w2": None}
        self.events: list[tuple[str, Any]] = []

    def log_event(self, topic: str, msg: Any) -> None:
        self.events.append((topic, msg))


def _finish(rec: ScenarioRecorder, key: str, seconds: float = 0.0) -> None:
    stops = [{"action": "compute", "start": 1.0, "stop": 1.0 + seconds}]
    rec.transition(key, "processing", "memory", stimulus_id="x", startstops=stops)


async def _started(target: int | None = None) -> tuple[ScenarioRecorder, _Scheduler]:
    rec, scheduler = ScenarioRecorder(target), _Scheduler()
    await rec.start(scheduler)
    return rec, scheduler


def test_the_recorder_counts_recomputations_and_publishes_progress() -> None:
    import asyncio

    rec, scheduler = asyncio.run(_started(target=3))
    assert rec.workers == 2
    _finish(rec, "b")
    _finish(rec, "c")
    assert scheduler.events == []
    _finish(rec, "a", 0.25)  # was in memory before the repetition: computed again
    assert scheduler.events == [(PROGRESS_TOPIC, {"done": 3})]
    _finish(rec, "c", 0.5)  # finished twice in one repetition
    rec.transition("d", "memory", "released", stimulus_id="x")  # a normal release: not lost
    rec.log_event(
        "all",
        {"action": "remove-worker", "worker": "w2", "lost-computed-tasks": {"c"},
         "processing-tasks": {"e", "f"}},
    )  # fmt: skip
    rec.log_event("w2", {"action": "remove-worker"})  # the worker's own topic: counted once
    seen = rec.summary()
    assert (seen["done"], seen["recomputed"], seen["lost"], seen["interrupted"]) == (4, 2, 1, 2)
    assert seen["recomputed_seconds"] == pytest.approx(0.75)
    assert [w for _, w in seen["removed"]] == ["w2"]
    assert sum(seen["bins"]) == 4


def test_a_long_repetition_widens_the_time_bins(monkeypatch: pytest.MonkeyPatch) -> None:
    import asyncio

    rec, _ = asyncio.run(_started())
    clock = [rec.started]
    monkeypatch.setattr(_recorder.time, "time", lambda: clock[0])
    for seconds in (0.0, 1.0, 50.0, 250.0):
        clock[0] = rec.started + seconds
        _finish(rec, f"k{seconds}")
    assert len(rec.bins) <= _recorder.MAX_BINS and sum(rec.bins) == 4
    assert rec.step > _recorder.BIN_SECONDS  # 250 s at 0.05 s would need 5000 bins
    assert rec.bins[int(250.0 / rec.step)] == 1 and rec.bins[0] == 1


def _row(pairs: list[tuple[float | None, float | None, dict[str, Any]]]) -> ScenarioRow:
    reps = []
    at = datetime(2026, 1, 1)
    for i, (control, event, figures) in enumerate(pairs):
        reps.append(
            ScenarioRepetition(
                pair=i,
                role="control",
                seconds=control,
                ok=control is not None,
                correct=True,
                started_at=at,
                figures={},
            )
        )
        ok = event is not None
        reps.append(ScenarioRepetition(pair=i, role="event", seconds=event, ok=ok,
                                       correct=True if ok else None, started_at=at,
                                       error=None if ok else "KilledWorker: task x",
                                       figures=figures))  # fmt: skip
    return ScenarioRow(
        name="s", kind="worker-loss", suite="tasks", workload="map-sleep", workers=2,
        settings={**LOSS, "lose": 1, "at_progress": 0.5, "repeats": len(pairs)},
        status="ok", error=None, repetitions=reps,
    )  # fmt: skip


HIT = {"happened": True, "detected_after": 0.1, "recomputed": 4, "lost": 4}


def test_the_summary_gives_the_slowdown_with_its_interval() -> None:
    row = _row([(1.0, 2.0, HIT), (1.1, 2.4, HIT), (0.9, 1.9, HIT), (1.0, 2.1, HIT)])
    s = summarise_scenario(row, 0.95)
    assert s.rounds == 4 and s.planned == 4 and s.correct == "yes" and s.failed_events == 0
    assert s.slowdown.value == pytest.approx(2.05 / 1.0)
    interval = s.slowdown.interval
    assert interval is not None and interval[0] > 1.5 and interval[1] < 2.7
    assert s.figures["detected_after"] == pytest.approx(0.1) and s.figures["recomputed"] == 4
    assert s.event == "lose 1 of 2 at 50% of tasks, not replaced"


def test_failed_and_missed_events_are_counted_never_averaged() -> None:
    missed = {"happened": False}
    row = _row([(1.0, 2.0, HIT), (1.0, None, HIT), (1.0, 1.0, missed)])
    s = summarise_scenario(row, 0.95)
    assert s.rounds == 1 and s.failed_events == 1 and s.killed_worker == 1
    assert s.slowdown.value == pytest.approx(2.0) and s.slowdown.interval is None
    assert any("did not happen" in n for n in s.notes)
    assert any("too few rounds" in n for n in s.notes)


def test_a_wrong_result_is_reported() -> None:
    row = _row([(1.0, 2.0, HIT), (1.0, 2.0, HIT)])
    row.repetitions[1].correct = False
    assert summarise_scenario(row, 0.95).correct == "no"


def _timeline(counts: list[int]) -> dict[str, Any]:
    return {"step": 0.5, "finished": counts, "workers": 2, "removed": [1.0], "added": []}


def test_the_timeline_figure_draws_the_median_pair() -> None:
    rounds = [
        {"control": {"seconds": 1.0, "figures": {"timeline": _timeline([2, 2])}},
         "event": {"seconds": s, "figures": {"timeline": _timeline([2, 1, 1]), "event_at": 0.9,
                                             "detected_after": 0.1}},
         "target": {"seconds": 0.5, "figures": {"timeline": _timeline([4])}}}
        for s in (3.0, 1.5, 2.0)
    ]  # fmt: skip
    assert median_pair(rounds) == 2  # slowdowns 3, 1.5, 2: the median is the third round
    assert isinstance(scenario_figure("s", "scale-up", rounds), Figure)
    assert median_pair([]) is None
    assert isinstance(scenario_figure("s", "worker-loss", []), Figure)


def test_a_stored_scenario_round_trips(tmp_path: Path) -> None:
    store = Store(tmp_path / "r.db", create=True)
    try:
        run = store.create_run(name="r", mode="weak", backend="local", layout={}, study={},
                               version="0", study_id="x")  # fmt: skip
        row = store.add_scenario(run, name="s", kind="worker-loss", suite="tasks",
                                 workload="map-sleep", workload_version=1, workers=2, chunks=4,
                                 chunk_size=1, settings={"repeats": 2})  # fmt: skip
        store.add_scenario_repetition(row, pair=0, role=ScenarioRole.EVENT, seconds=1.0, ok=True,
                                      correct=True, error=None, started_at=datetime(2026, 1, 1),
                                      figures={"happened": True, "x": math.pi})  # fmt: skip
        store.finish_scenario(row, "ok")
    finally:
        store.close()
    store = Store(tmp_path / "r.db")
    try:
        (stored,) = store.run().scenarios
        assert stored.status == "ok" and stored.finished_at is not None
        assert stored.repetitions[0].figures == {"happened": True, "x": math.pi}
    finally:
        store.close()


def test_a_worker_is_found_in_its_batch_job() -> None:
    from dask_bench.deploy.jobqueue._loss import job_of, jobs_holding
    from dask_bench.errors import BackendError

    jobs = ["dask-bench-7-1", "dask-bench-7-12"]
    assert job_of("dask-bench-7-1", jobs) == "dask-bench-7-1"
    assert job_of("dask-bench-7-12-0", jobs) == "dask-bench-7-12"  # a worker of a group
    assert job_of("dask-bench-7-1x", jobs) is None
    workers = {"tcp://a": {"name": "dask-bench-7-12-1"}, "tcp://b": {"name": "dask-bench-7-1"}}
    assert jobs_holding(workers, ["tcp://a", "tcp://b"], jobs) == [
        "dask-bench-7-12",
        "dask-bench-7-1",
    ]
    with pytest.raises(BackendError, match="belongs to no job"):
        jobs_holding(workers, ["tcp://c"], jobs)


def test_a_scale_up_is_set_against_both_sizes() -> None:
    at = datetime(2026, 1, 1)
    reps = []
    for i, (small, growing, big) in enumerate([(2.0, 1.5, 1.0), (2.2, 1.6, 1.1), (2.1, 1.4, 1.0)]):
        for role, seconds in (("control", small), ("event", growing), ("target", big)):
            figures = {"happened": True, "replaced_after": 0.5, "first_result_after": 0.7}
            reps.append(ScenarioRepetition(pair=i, role=role, seconds=seconds, ok=True,
                                           correct=True, started_at=at,
                                           figures=figures if role == "event" else {}))  # fmt: skip
    row = ScenarioRow(name="grow", kind="scale-up", suite="tasks", workload="map-sleep",
                      workers=2, settings={"add": 2, "at_seconds": 1.0, "repeats": 3},
                      status="ok", error=None, repetitions=reps)  # fmt: skip
    s = summarise_scenario(row, 0.95)
    assert s.rounds == 3 and s.event == "add 2 to 2 after 1 s"
    assert s.slowdown.value == pytest.approx(1.5 / 2.1)
    assert s.vs_target.value == pytest.approx(1.5 / 1.0)
    assert s.figures["first_result_after"] == pytest.approx(0.7)


def _stored_loss(store: Store, name: str, control: float, event: float) -> None:
    run = store.create_run(name=name, mode="weak", backend="local", layout={}, study={},
                           version="0", study_id=name)  # fmt: skip
    row = store.add_scenario(run, name="lose-one", kind="worker-loss", suite="tasks",
                             workload="map-sleep", workload_version=1, workers=2, chunks=4,
                             chunk_size=1, settings={**LOSS, "lose": 1, "repeats": 3})  # fmt: skip
    at = datetime(2026, 1, 1)
    for pair in range(3):
        for role, seconds in (("control", control), ("event", event + pair / 100)):
            figures = {"happened": True, "detected_after": 0.05} if role == "event" else {}
            store.add_scenario_repetition(row, pair=pair, role=ScenarioRole(role), ok=True,
                                          seconds=seconds, correct=True, error=None,
                                          started_at=at, figures=figures)  # fmt: skip
    store.finish_scenario(row, "ok")
    store.finish_run(run, "complete")


def test_compare_puts_two_runs_scenarios_side_by_side(tmp_path: Path) -> None:
    from click.testing import CliRunner

    from dask_bench.cli import cli

    db = tmp_path / "r.db"
    store = Store(db, create=True)
    try:
        _stored_loss(store, "on-local", 1.0, 1.5)
        _stored_loss(store, "on-slurm", 1.0, 3.0)
    finally:
        store.close()
    result = CliRunner().invoke(cli, ["compare", "1", "2", "--db", str(db)], env={"COLUMNS": "120"})
    assert result.exit_code == 0, result.output
    out = result.output
    assert "Scenario lose-one" in out and "A: on-local (run 1)" in out and "B: on-slurm" in out
    slowdown = next(line for line in out.splitlines() if "slowdown" in line)
    assert "1.50x" in slowdown and "3.01x" in slowdown


def test_the_adaptive_ramp_and_worker_seconds_follow_arrivals_and_departures() -> None:
    from dask_bench.runner.scenarios.adaptive import (
        area,
        first_reaching,
        ramp_figures,
        worker_counts,
    )

    counts = worker_counts(1, added=[1.0, 2.0], removed=[5.0, 6.0])
    assert counts == [(0.0, 1), (1.0, 2), (2.0, 3), (5.0, 2), (6.0, 1)]
    assert first_reaching(counts, 2) == 1.0 and first_reaching(counts, 4) is None
    assert area(counts, 0.0, 4.0) == pytest.approx(1 * 1 + 2 * 1 + 3 * 2)
    scenario = _study(kind="adaptive", workers=3, minimum=1, maximum=3, idle=5).scenarios["s"]
    timeline = {"workers": 1, "added": [1.0, 2.0], "removed": [5.0, 6.0]}
    f = ramp_figures(timeline, 4.0, scenario)
    assert (f["ramp_50"], f["ramp_90"], f["peak_workers"]) == (1.0, 2.0, 3)
    assert f["linger"] == pytest.approx(2.0)  # back to 1 worker at 6 s, work done at 4 s
    assert f["worker_seconds"] == pytest.approx(9.0)
    assert f["worker_seconds_idle"] == pytest.approx(3 * 1 + 2 * 1 + 1 * 3)
    lingering = ramp_figures({"workers": 1, "added": [1.0], "removed": []}, 4.0, scenario)
    assert lingering["linger"] is None and lingering["ramp_90"] is None


def test_adaptive_and_lifetime_scenarios_check_their_bounds() -> None:
    with pytest.raises(ConfigError, match="must not exceed maximum"):
        _study(kind="adaptive", minimum=3, maximum=2)
    with pytest.raises(ConfigError, match=r"adapt\.maximum is set by"):
        _study(kind="adaptive", maximum=2, adapt={"maximum": 4})
    with pytest.raises(ConfigError, match=r"retiring .* must be fewer than workers"):
        _study(kind="lifetime", lifetime=3, retiring=2)
    with pytest.raises(ConfigError, match=r"stagger .* must be less than lifetime"):
        _study(kind="lifetime", lifetime=3, stagger=3)
    s = _study(kind="lifetime", lifetime=3).scenarios["s"]
    assert s.describe().startswith("lifetime: 1 of 2 workers living 3 s")


def test_a_retirement_is_found_in_the_timeline() -> None:
    from dask_bench.runner.measure import Repetition
    from dask_bench.runner.scenarios._repetition import Observed
    from dask_bench.runner.scenarios.lifetime import retirement_figures

    rep = Repetition(0, False, 5.0, True, None, datetime(2026, 1, 1))
    hit = Observed(rep, {"timeline": {"removed": [3.0, 9.0], "added": [4.5]}})
    assert retirement_figures(hit) == {
        "happened": True, "retired": 1, "event_at": 3.0, "replaced_after": 1.5,
    }  # fmt: skip
    none = Observed(rep, {"timeline": {"removed": [], "added": []}})
    assert retirement_figures(none) == {"happened": False, "retired": 0}
