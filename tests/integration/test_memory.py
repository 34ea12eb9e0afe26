"""The memory suite on real LocalClusters: its workloads, its spill, its memory kills.

``test_workloads.py`` leaves this suite out (its data follows the workers' memory, not
the chunks); here its workloads run on the shared two-worker cluster at a small share
of its memory, and whole studies show spill at 1.8 x memory and none at 0.5 x, and a
point whose workers are killed for memory stopping cleanly with that reason.
"""

from __future__ import annotations

import time
from pathlib import Path
from typing import Any

import pandas as pd
import pytest
from distributed import Client, get_task_stream

from dask_bench.errors import WrongResult
from dask_bench.runner import run_study
from dask_bench.runner.checks import build_study
from dask_bench.workloads import Workload, WorkloadContext, get_workload, suite_workloads
from dask_bench.workloads._memory import MIB, frame_piece, key_count, partition_summary
from dask_bench.workloads.registry import INTERRUPT_POLL

from .helpers import dask_bench, query, tiny_study

pytestmark = pytest.mark.integration

WORKLOADS = suite_workloads("memory")
DATA = 24 * MIB  # what the workload tests hold, whatever the machine's memory


def memory_of(client: Client) -> int:
    workers = client.scheduler_info(n_workers=-1)["workers"].values()
    return sum(int(w["memory_limit"]) for w in workers)


def context(client: Client, w: Workload, chunks: int = 4, **options: Any) -> WorkloadContext:
    fraction = DATA / memory_of(client)  # the fixture's workers share the machine's memory
    opts = w.resolve_options({"fraction": fraction, **options})
    return WorkloadContext(client, 2, chunks, 64, opts, seed=7, timeout=60.0)


def tasks_on_scheduler(client: Client) -> int:
    return int(client.run_on_scheduler(lambda dask_scheduler: len(dask_scheduler.tasks)))


@pytest.mark.parametrize("w", WORKLOADS, ids=[w.name for w in WORKLOADS])
def test_each_workload_runs_checks_counts_and_releases(client: Client, w: Workload) -> None:
    for chunks in (1, 5):
        trial = w.func(context(client, w, chunks))
        # the data is the share of the workers' memory, cut into `chunks` pieces
        assert DATA - 64 * chunks < trial.nbytes <= DATA
        assert trial.notes[0].startswith(f"data {trial.nbytes / MIB:.2f} MiB = ")
        assert "x the workers' memory limit (2 workers x " in trial.notes[0]
        assert f"in {chunks} pieces of " in trial.notes[0]
        for _ in range(2):
            with get_task_stream(client) as stream:
                result = trial.run()
            trial.check(result)
            assert len(stream.data) == trial.ntasks, chunks
        del result
        trial.release()
        deadline = time.monotonic() + 10
        while tasks_on_scheduler(client) and time.monotonic() < deadline:
            time.sleep(0.05)
        assert tasks_on_scheduler(client) == 0, "data left after release"


def test_the_shuffle_runs_with_the_task_method_too(client: Client) -> None:
    w = get_workload("memory", "shuffle")
    trial = w.func(context(client, w, 3, method="tasks"))
    try:
        trial.check(trial.run())
        assert trial.notes[-1].startswith("shuffled with method tasks, on ")
    finally:
        trial.release()


def test_a_wrong_sum_is_caught(client: Client) -> None:
    w = get_workload("memory", "persist-reduce")
    trial = w.func(context(client, w))
    total = trial.run()
    trial.check(total)
    for wrong in (total + 1, total - 2**32, 0):
        with pytest.raises(WrongResult, match="the int64 sum of the data"):
            trial.check(wrong)


def test_wrong_shuffles_are_caught(client: Client) -> None:
    w = get_workload("memory", "shuffle")
    trial = w.func(context(client, w, 4))
    try:
        summary = trial.run()
        trial.check(summary)
        fewer = summary.assign(rows=summary["rows"] - (summary.index == 0))
        with pytest.raises(WrongResult, match="rows"):
            trial.check(fewer)
        split = summary.assign(keys=summary["keys"] + (summary.index == 0))
        with pytest.raises(WrongResult, match="keys in one partition only"):
            trial.check(split)
        changed = summary.assign(total=summary["total"] + (summary.index == 0))
        with pytest.raises(WrongResult, match="the int64 sum of the values"):
            trial.check(changed)
    finally:
        trial.release()


def test_data_that_was_never_shuffled_is_caught(client: Client) -> None:
    # the same pieces, summarised as they were made: every key is in every piece
    w = get_workload("memory", "shuffle")
    trial = w.func(context(client, w, 4))
    try:
        rows = trial.nbytes // 32
        per = rows // 4
        nkeys = key_count(rows, 4)
        pieces = [frame_piece(i, rows=per, total=rows, nkeys=nkeys, seed=7) for i in range(4)]
        unshuffled = pd.concat([partition_summary(p) for p in pieces], ignore_index=True)
        with pytest.raises(WrongResult, match="keys in one partition only"):
            trial.check(unshuffled)
    finally:
        trial.release()


def memory_study(db: Path, per_worker: str, fraction: float, **suite: Any) -> dict[str, Any]:
    settings = {"workloads": ["persist-reduce"], "options": {"fraction": fraction}, **suite}
    return tiny_study(
        db,
        name=f"memory-{fraction}",
        deployment={"workers": [2], "threads_per_worker": 1, "memory_per_worker": per_worker},
        suites={"memory": settings},
        # two timed repetitions: the second is the one whose cluster-wide metrics
        # (transfers, and the memory monitor's spilling) are read
        measurement={"warmup": 0, "min_repeats": 2, "max_repeats": 2, "repetition_timeout": 120},
    )


def stored(db: Path, run_id: int) -> list[tuple[Any, ...]]:
    return query(
        db,
        "select p.workload, p.status, p.error, p.notes, b.seconds from points p "
        "left join breakdowns b on b.point_id = p.id and b.category = 'spill' "
        "where p.run_id = ? order by p.id",
        run_id,
    )


@pytest.mark.timeout(600)
def test_spill_appears_at_1_8_times_memory_and_not_at_0_5(tmp_path: Path) -> None:
    """The breakdown's spill, as stored by whole studies of two workers.

    A worker process holds about 250 MiB of its memory limit before any data (its
    code, pandas, pyarrow), and Dask places the pieces where threads are free, not
    evenly: a worker may get a few more than its half. Dask spills from 70 % of the
    limit, so 0.5 x fits for sure only where both are small beside the limit: 3 GiB
    workers (up to 60 % of the pieces on one). 1.8 x spills at any size: 1 GiB
    workers keep it quick.
    """
    db = tmp_path / "m.db"
    spills = {}
    for per_worker, fraction in (("3GiB", 0.5), ("1GiB", 1.8)):
        result = run_study(build_study(memory_study(db, per_worker, fraction)))
        assert result.status == "complete", result.message
        ((workload, status, error, notes, spill),) = stored(db, result.run_id)
        assert (workload, status, error) == ("persist-reduce", "ok", None)
        assert f"= {fraction:g} x the workers' memory limit (2 workers x " in notes
        assert spill is not None, notes
        spills[fraction] = (spill, notes)
    assert spills[0.5][0] == 0.0, spills
    assert spills[1.8][0] > 1.0, spills  # seconds of disk writes and reads per repetition


@pytest.mark.timeout(300)
def test_workers_killed_for_memory_stop_the_point_and_the_study_goes_on(tmp_path: Path) -> None:
    # Pieces larger than a worker's memory limit (chunk_size: no cap; one piece per
    # processing unit): the worker making one passes the nanny's terminate threshold.
    db = tmp_path / "k.db"
    spec = memory_study(db, "512MiB", 1.8, chunk_size=100_000, per_unit=1)
    spec["suites"]["memory"]["workloads"] = ["persist-reduce", "shuffle"]
    study = tmp_path / "study.yaml"
    import yaml

    study.write_text(yaml.safe_dump(spec))
    started = time.monotonic()
    proc = dask_bench("run", str(study), timeout=240)
    took = time.monotonic() - started
    assert proc.returncode == 1, proc.stderr
    assert "2 point(s) failed" in proc.stderr
    assert "workers killed for memory: worker tcp://" in proc.stdout + proc.stderr
    rows = query(db, "select workload, status, stopped_by, error from points order by id")
    (reduce, shuffle) = rows
    assert reduce[:3] == ("persist-reduce", "failed", "failure")
    assert reduce[3].startswith("workers killed for memory: worker tcp://")
    assert "killed by its nanny for exceeding its memory at " in reduce[3]
    # the shuffle's frame is persisted while it is prepared: killed there
    assert shuffle[:2] == ("shuffle", "failed")
    assert shuffle[3].startswith("workers killed for memory: worker tcp://")
    assert shuffle[3].endswith("(while the point was prepared)")
    assert query(db, "select status from runs") == [("complete",)]
    # stopped at the first kill: not after the scheduler retried the task on every
    # worker, nor at the repetition timeout
    assert took < 120, took


def slow_block(block_info: Any = None) -> Any:
    import numpy as np

    time.sleep(3 * INTERRUPT_POLL)  # waited for in several slices
    return np.zeros(10)


def test_waiting_in_slices_keeps_no_data_alive(client: Client) -> None:
    # Each slice that times out raises inside distributed; its frames must not keep the
    # futures (and so the data) alive until the garbage collector happens to run.
    import gc

    import dask.array as da

    ctx = WorkloadContext(client, 2, 1, 1, {}, timeout=60.0, interrupt=lambda: None)
    gc.disable()
    try:
        held = ctx.persist(da.map_blocks(slow_block, chunks=((10,),), dtype=float))
        assert tasks_on_scheduler(client) == 1
        del held
        deadline = time.monotonic() + 5
        while tasks_on_scheduler(client) and time.monotonic() < deadline:
            time.sleep(0.05)
        assert tasks_on_scheduler(client) == 0
    finally:
        gc.enable()
