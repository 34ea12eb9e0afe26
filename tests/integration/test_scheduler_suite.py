"""The scheduler suite on a real LocalCluster: answers checked, scheduler figures stored."""

from __future__ import annotations

import io

import pytest
from rich.console import Console

from dask_bench import Store, build_study, run_study
from dask_bench.report.console.runs import show_runs
from dask_bench.store.schema import SchedulerFigure
from dask_bench.workloads.scheduler import tree_tasks

from .helpers import tiny_study

F = SchedulerFigure
N = 1000  # tiny tasks per point: 2 chunks of 500 at 2 units


@pytest.fixture(scope="module")
def stored(tmp_path_factory):
    db = tmp_path_factory.mktemp("scheduler") / "s.db"
    spec = tiny_study(db)
    spec["deployment"] = {"workers": [2], "memory_per_worker": "1GiB"}
    spec["suites"] = {
        "scheduler": {"chunk_size": N // 2, "per_unit": 1},
        # any suite gets the figures while the breakdown is on
        "tasks": {"workloads": ["map-tiny"], "chunk_size": 10, "per_unit": 2},
    }
    spec["measurement"] = {
        "min_repeats": 2,
        "max_repeats": 2,
        "max_warmup": 1,
        "hardware_baseline": False,
    }
    result = run_study(build_study(spec))
    store = Store(str(db))
    yield result, store, store.run(result.run_id)
    store.close()


def test_every_build_computes_the_right_sum(stored):
    result, _, run = stored
    assert result.status == "complete" and result.failed_points == 0
    done = {(p.suite, p.workload): p.status for p in run.points}
    assert done == {
        ("scheduler", "delayed"): "ok",
        ("scheduler", "blockwise"): "ok",
        ("scheduler", "map"): "ok",
        ("tasks", "map-tiny"): "ok",
    }
    for p in run.points:  # every repetition passed its check (a wrong sum fails the point)
        assert all(m.ok for m in p.measurements), [m.error for m in p.measurements]


def test_points_hold_plausible_scheduler_figures(stored):
    _, _, run = stored
    for p in run.points:
        f = p.scheduler
        assert f is not None, p.workload
        if p.suite == "scheduler" and p.workload != "blockwise":
            assert f[F.TASKS] == tree_tasks(N, 100) == p.ntasks
        assert f[F.TASKS] >= 20 and f[F.REPETITIONS] == 2
        assert f[F.SUBMIT_US_PER_TASK] > 0 and f[F.EXECUTE_US_PER_TASK] > 0
        timed = sorted(m.seconds for m in p.measurements if not m.warmup)
        # submission and execution end before the client has its answer
        assert f[F.SUBMIT_SECONDS] + f[F.EXECUTE_SECONDS] <= timed[-1] + 0.05
        assert 0 < f[F.FIRST_TASK_SECONDS] <= f[F.SUBMIT_SECONDS] + f[F.EXECUTE_SECONDS]
        assert f[F.CPU_SECONDS] > 0
        assert 0 < f[F.LONGEST_TICK] < 60
        assert 50e6 < f[F.PEAK_MEMORY] < 8e9  # a scheduler process: tens of MiB and more
        assert f[F.SHARED_PROCESS] is True  # local: the scheduler runs in this process


def test_show_prints_the_figures(stored):
    _, store, run = stored
    console = Console(file=io.StringIO(), width=80, color_system=None)
    show_runs(console, store, [run])
    text = console.file.getvalue()
    assert "scheduler — scheduler side" in text and "tasks — scheduler side" in text
    assert "µs/task" in text


def test_memory_samples_the_scheduler_lost_end_nothing_but_the_samples(client, caplog):
    from dask_bench.runner.memory import SizeMemory

    memory = SizeMemory(client, "lost")

    def forget(dask_scheduler=None):
        # what a scheduler that dropped the client at a million tasks was left with
        dask_scheduler.extensions["memory_sampler"].samples.clear()

    client.run_on_scheduler(forget)
    with caplog.at_level("WARNING", logger="dask_bench.runner.memory"):
        memory.stop()  # the scheduler answers KeyError: a warning, not the study's end
    assert "worker memory samples lost (KeyError" in caplog.text
    assert memory.within([(0.0, 1e12)]) == (None, None)
