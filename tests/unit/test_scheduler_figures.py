"""Scheduler figures (``points.scheduler``): summarised from spans and probe readings, shown."""

from __future__ import annotations

import io
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import pytest
from rich.console import Console

from dask_bench.report import export_run
from dask_bench.report.analysis.scheduler import SHARED_NOTE, scheduler_rows
from dask_bench.report.analysis.suites import suite_frames
from dask_bench.report.console.runs import show_runs
from dask_bench.report.console.scheduler import scheduler_table
from dask_bench.report.html.scheduler import scheduler_section
from dask_bench.runner.scheduler_probe import (
    ProbeReading,
    RepetitionFigures,
    _monitor_peaks,
    scheduler_figures,
)
from dask_bench.store.schema import SchedulerFigure
from dask_bench.workloads.scheduler import tree_tasks
from tests.unit.report_data import add_point, build_store

F = SchedulerFigure


def rep(started: float, tasks: int = 1000, cpu: float = 0.5, tick: float | None = 0.02) -> Any:
    # submitted 0.1 s after the call, first task at 0.15 s, done 1 s after submission
    reading = ProbeReading(cpu=cpu, rss=100e6 + started, tick=tick)
    return RepetitionFigures(started, started + 0.1, started + 0.15, started + 1.1, tasks, reading)


def test_figures_are_medians_per_task_and_maxima_for_memory_and_ticks() -> None:
    reps = [rep(10.0, cpu=0.4, tick=0.02), rep(20.0, cpu=0.5, tick=0.3), rep(30.0, cpu=0.9)]
    out = scheduler_figures(reps, monitor_peak=250e6, shared=True)
    assert out is not None
    assert out[F.TASKS] == 1000
    assert out[F.SUBMIT_SECONDS] == pytest.approx(0.1)
    assert out[F.EXECUTE_SECONDS] == pytest.approx(1.0)
    assert out[F.SUBMIT_US_PER_TASK] == pytest.approx(100.0)
    assert out[F.EXECUTE_US_PER_TASK] == pytest.approx(1000.0)
    assert out[F.FIRST_TASK_SECONDS] == pytest.approx(0.15)
    assert out[F.CPU_SECONDS] == pytest.approx(0.5)  # the median, not the mean (0.6)
    assert out[F.LONGEST_TICK] == pytest.approx(0.3)
    assert out[F.PEAK_MEMORY] == 250e6  # the monitor saw more than the probe
    assert out[F.REPETITIONS] == 3 and out[F.SHARED_PROCESS] is True
    assert set(out) == {f.value for f in SchedulerFigure}


def test_no_figures_without_a_repetition_that_ran_tasks() -> None:
    empty = RepetitionFigures(1.0, 0.0, 0.0, 0.0, 0, None)
    assert scheduler_figures([], None, None) is None
    assert scheduler_figures([empty], 5e6, False) is None


def test_a_repetition_without_readings_still_gives_its_timings() -> None:
    bare = RepetitionFigures(1.0, 1.5, 0.0, 3.5, 500, None)  # no task finished: no first
    out = scheduler_figures([bare], None, None)
    assert out is not None
    assert out[F.EXECUTE_US_PER_TASK] == pytest.approx(4000.0)
    assert out[F.CPU_SECONDS] is None and out[F.LONGEST_TICK] is None
    assert out[F.FIRST_TASK_SECONDS] is None and out[F.PEAK_MEMORY] is None


def test_monitor_peaks_take_only_samples_inside_each_points_windows() -> None:
    quantities = {"time": [1.0, 5.0, 9.0, 20.0], "memory": [10.0, 50.0, 90.0, 999.0]}
    scheduler = SimpleNamespace(monitor=SimpleNamespace(quantities=quantities))
    peaks = _monitor_peaks([[(4.8, 5.2)], [(8.0, 9.1), (0.9, 1.1)], [(30, 31)]], scheduler)
    assert peaks == [50.0, 90.0, None]


def test_tree_tasks_counts_leaves_and_every_level() -> None:
    assert tree_tasks(1, 100) == 1
    assert tree_tasks(100, 100) == 101
    assert tree_tasks(101, 100) == 101 + 2 + 1
    assert tree_tasks(1_000_000, 100) == 1_000_000 + 10_000 + 100 + 1


def _store_with_figures(tmp_path: Path) -> tuple[Any, Any]:
    store, run = build_store(tmp_path)
    figures = scheduler_figures([rep(1.0), rep(2.0)], 300e6, True)
    for units in (1, 2):
        add_point(store, run, "scheduler", "delayed", units, [1.0, 1.1, 1.2], scheduler=figures)
    return store, run


def test_show_prints_the_scheduler_table_within_80_columns(tmp_path: Path) -> None:
    store, run = _store_with_figures(tmp_path)
    points = suite_frames(store, run)["scheduler"]
    rows, notes = scheduler_rows(points)
    assert rows[0][:5] == ["delayed", "1", "1,000", "100", "1,000"]
    assert rows[1][0] == "" and notes == [SHARED_NOTE]
    console = Console(file=io.StringIO(), width=80, color_system=None)
    show_runs(console, store, [run])
    text = console.file.getvalue()  # type: ignore[attr-defined]
    assert "scheduler — scheduler side" in text and "286.1 MiB" in text
    table = scheduler_table(points)
    assert table is not None
    wide = Console(file=io.StringIO(), width=500, color_system=None)
    wide.print(table)
    widths = [len(line) for line in wide.file.getvalue().splitlines()[:4]]  # type: ignore[attr-defined]
    assert max(widths) <= 80, widths
    # suites without figures get no such table
    assert scheduler_table(suite_frames(store, run)["tasks"]) is None
    store.close()


def test_report_and_export_carry_the_figures(tmp_path: Path) -> None:
    store, run = _store_with_figures(tmp_path)
    html = scheduler_section(suite_frames(store, run)["scheduler"])
    assert "<h3>Scheduler side</h3>" in html and "1,000" in html and "286.1 MiB" in html
    assert scheduler_section(suite_frames(store, run)["arrays"]) == ""
    out = tmp_path / "points.csv"
    export_run(store, run, "csv", out, level="points")
    import pandas as pd

    frame = pd.read_csv(out)
    mine = frame[frame["suite"] == "scheduler"]
    assert list(mine["sched_execute_us_per_task"]) == pytest.approx([1000.0, 1000.0])
    # the suite's unit is tasks/s: throughput counts its tasks, not bytes
    assert list(mine["throughput"]) == pytest.approx([1000 / 1.1, 2000 / 1.1])
    assert set(mine["throughput_unit"]) == {"tasks/s"}
    assert frame[frame["suite"] == "arrays"]["sched_tasks"].isna().all()
    store.close()


def test_a_wrong_sum_fails_the_check_and_a_fan_in_below_two_is_refused() -> None:
    from dask_bench.errors import ConfigError, WrongResult
    from dask_bench.workloads import get_workload
    from dask_bench.workloads.registry import WorkloadContext
    from dask_bench.workloads.scheduler import _check

    _check(10, 55)(55)
    with pytest.raises(WrongResult, match=r"sum of 1\.\.10 = 55"):
        _check(10, 55)(54)
    ctx = WorkloadContext(None, units=1, chunks=1, chunk_size=10, options={"fan_in": 1})  # type: ignore[arg-type]
    with pytest.raises(ConfigError, match="fan_in must be at least 2"):
        get_workload("scheduler", "map").func(ctx)
