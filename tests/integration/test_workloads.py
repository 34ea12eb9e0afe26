"""Every registered workload on a real two-worker LocalCluster, at tiny sizes."""

from __future__ import annotations

import math
import time
from pathlib import Path
from typing import Any

import dask.array as da
import dask.dataframe as dd
import numpy as np
import pandas as pd
import pytest
from distributed import Client, futures_of, get_task_stream, wait

from dask_bench.errors import RepetitionTimeout, WrongResult
from dask_bench.workloads import Trial, Workload, WorkloadContext, all_workloads, get_workload

pytestmark = pytest.mark.integration

# Tiny chunk sizes: tasks per chunk, block edge, rows per partition, days per chunk, rows,
# thousandths of a TPC-H scale factor (SF 0.01 and 0.04: every query answers some rows).
CHUNK_SIZE = {
    **{"tasks": 5, "arrays": 16, "dataframes": 500, "climate": 10, "io": 100, "tpch": 10},
    "resources": 1000,
    "scheduler": 50,
}
# A 20 degree grid (9 x 18 cells) for the climate suite; the resources suite's pipeline
# with no resource needed (the fixture's workers offer none: test_groups.py has them).
OVERRIDES = {"sleep_seconds": 0.01, "grid_degrees": 20.0, "resource": ""}
# The memory suite sizes its data by the workers' memory, not by the chunks (which
# only cut it into pieces): test_memory.py covers its workloads.
WORKLOADS = [w for w in all_workloads() if w.suite != "memory"]


@pytest.fixture(scope="module", autouse=True)
def tpch_data(tpch_cache: Path) -> None:
    """The tpch suite's data cache: the session's temporary one, not the user's."""
    TPCH["io_directory"] = str(tpch_cache)


TPCH: dict[str, str] = {}


def make_context(client: Client, w: Workload, chunks: int, **kw: Any) -> WorkloadContext:
    options = w.resolve_options({**OVERRIDES, **kw.pop("options", {})})
    kw.setdefault("timeout", 60.0)
    if w.suite == "tpch":
        kw.setdefault("io_directory", TPCH["io_directory"])
    return WorkloadContext(client, 2, chunks, CHUNK_SIZE[w.suite], options, seed=7, **kw)


def timed_run(client: Client, trial: Trial[Any]) -> tuple[Any, int]:
    """Run once; return the result and the number of tasks the cluster executed."""
    with get_task_stream(client) as stream:
        result = trial.run()
    return result, len(stream.data)


def scheduler_task_count(client: Client) -> int:
    return int(client.run_on_scheduler(lambda dask_scheduler: len(dask_scheduler.tasks)))


def wait_until_cluster_empty(client: Client, seconds: float = 10.0) -> int:
    deadline = time.monotonic() + seconds
    while (left := scheduler_task_count(client)) and time.monotonic() < deadline:
        time.sleep(0.05)
    return left


def output_keys(result: Any) -> set[Any]:
    return {f.key for f in futures_of(result)}


@pytest.mark.parametrize("w", WORKLOADS, ids=[w.key for w in WORKLOADS])
def test_workload_runs_checks_scales_and_releases(client: Client, w: Workload) -> None:
    figures = {}
    for chunks in (1, 4):
        trial = w.func(make_context(client, w, chunks))
        first, executed_first = timed_run(client, trial)
        trial.check(first)
        # The first result is still held: the second run must still do all the work.
        second, executed_second = timed_run(client, trial)
        trial.check(second)
        assert executed_first == trial.ntasks, f"chunks={chunks}"
        assert executed_second == trial.ntasks, f"chunks={chunks}"
        if futures_of(first):
            assert not output_keys(first) & output_keys(second), "outputs reused"
        figures[chunks] = (trial.nbytes, trial.ntasks)
        del first, second
        trial.release()
        # The trial is still referenced, yet nothing may remain on the cluster.
        assert wait_until_cluster_empty(client) == 0, f"data left after release, chunks={chunks}"

    (bytes1, tasks1), (bytes4, tasks4) = figures[1], figures[4]
    assert tasks1 > 0
    # Shuffles have no all-to-all stage at one chunk, so only a lower bound is general.
    if w.suite == "tpch":
        # Fixed costs (sorting a small answer, merging with one-file tables) weigh more;
        # Dask may read several files of the few columns a query needs as one partition.
        assert tasks1 < tasks4, figures
    else:
        assert 2 * tasks1 <= tasks4, figures
    if w.suite in ("tasks", "scheduler"):  # counted in tasks: no data
        assert bytes1 == bytes4 == 0
    elif w.suite == "tpch":
        # the bytes of real tables: TPC-H draws 1 to 7 lines per order, text of random length
        assert bytes4 == pytest.approx(4 * bytes1, rel=0.02), figures
    else:
        assert bytes1 > 0
        assert bytes4 == 4 * bytes1, figures


# The task counts of the tasks suite in closed form, n = chunks * chunk_size.
TASK_COUNTS = {
    "map-tiny": lambda chunks, n: n,
    "map-sleep": lambda chunks, n: chunks,
    "tree-reduce": lambda chunks, n: 2 * n - 1,
    "chain": lambda chunks, n: n,
    "stencil": lambda chunks, n: 5 * n + 1,  # 5 steps of n cells, one task gathering them
    "dynamic": lambda chunks, n: n,
}


@pytest.mark.parametrize("name", sorted(TASK_COUNTS))
@pytest.mark.parametrize("chunks", [1, 3, 8])
def test_tasks_suite_counts(client: Client, name: str, chunks: int) -> None:
    w = get_workload("tasks", name)
    trial = w.func(make_context(client, w, chunks))
    assert trial.ntasks == TASK_COUNTS[name](chunks, chunks * CHUNK_SIZE["tasks"])


def corruptions(client: Client, result: Any) -> list[Any]:
    """Wrong results of the same type as ``result`` (persisted, like it, if it is)."""
    if isinstance(result, list):
        return [result[:-1], [*result[:-1], result[-1] + 1]]
    if isinstance(result, (int, np.integer)):
        return [result + 1, result - 1]
    if isinstance(result, (float, np.floating)):
        return [result * 1.5, float("nan")]
    if isinstance(result, np.ndarray):
        shifted = result.copy()
        shifted.flat[0] += 0.5
        return [shifted, result[:-1]]
    if isinstance(result, pd.DataFrame):  # its numbers scaled (text is left as it is)
        numbers = result.select_dtypes("number").columns
        assert len(numbers), result.dtypes
        return [result.assign(**{c: result[c] * 1.5 for c in numbers}), result.iloc[:-1]]
    if isinstance(result, pd.Series):
        return [result * 1.5, result.iloc[:-1]]
    if isinstance(result, da.Array):
        wrong = [result + 1.0, result[:-1]]
    elif isinstance(result, dd.DataFrame):
        floats = [c for c, t in result.dtypes.items() if t.kind == "f"]
        wrong = [
            result.map_partitions(lambda part: part.iloc[1:]),  # a row less everywhere
            result.map_partitions(lambda part: part.assign(**{c: part[c] * 1.5 for c in floats})),
        ]
    else:
        raise AssertionError(f"no corruption for a result of type {type(result)}")
    persisted = client.persist(wrong)
    wait(futures_of(persisted))
    return list(persisted)


@pytest.mark.parametrize("w", WORKLOADS, ids=[w.key for w in WORKLOADS])
def test_check_rejects_wrong_results(client: Client, w: Workload) -> None:
    trial = w.func(make_context(client, w, 4))
    try:
        result = trial.run()
        trial.check(result)
        for n, wrong in enumerate(corruptions(client, result)):
            with pytest.raises(WrongResult):
                trial.check(wrong)
                pytest.fail(f"corruption {n} accepted")
    finally:
        trial.release()


@pytest.mark.parametrize("chunks", [2, 3, 8])
def test_transpose_add_grows_with_chunks_with_partial_blocks(client: Client, chunks: int) -> None:
    # Not a square number of blocks: the square array closest in area to `chunks`
    # blocks of 16 x 16, its last row and column of blocks partial.
    w = get_workload("arrays", "transpose-add")
    assert w.version == 2
    trial = w.func(make_context(client, w, chunks))
    try:
        side = math.isqrt(trial.nbytes // 8)
        assert side * side * 8 == trial.nbytes
        assert abs(side - 16 * math.sqrt(chunks)) <= 1
        assert trial.ntasks == math.ceil(side / 16) ** 2 >= chunks
        result = trial.run()
        assert result.shape == (side, side)
        assert side % 16 != 0 and result.chunks[0][-1] == side % 16
        trial.check(result)
        np.testing.assert_array_equal(result.compute(), result.compute().T)
        for n, wrong in enumerate(corruptions(client, result)):
            with pytest.raises(WrongResult):
                trial.check(wrong)
                pytest.fail(f"corruption {n} accepted")
    finally:
        trial.release()


def test_map_sleep_timeout_raises(client: Client) -> None:
    w = get_workload("tasks", "map-sleep")
    ctx = make_context(client, w, 2, timeout=0.2, options={"sleep_seconds": 1.0})
    trial = w.func(ctx)
    with pytest.raises(RepetitionTimeout):
        trial.run()
    assert wait_until_cluster_empty(client) == 0  # the sleeping tasks were cancelled


def test_dynamic_timeout_raises_and_cancels(client: Client) -> None:
    w = get_workload("tasks", "dynamic")
    trial = w.func(make_context(client, w, 40, timeout=0.01))
    with pytest.raises(RepetitionTimeout):
        trial.run()
    assert wait_until_cluster_empty(client) == 0


def test_data_is_deterministic_from_the_seed(client: Client) -> None:
    w = get_workload("arrays", "std")
    a = w.func(make_context(client, w, 2)).run()
    b = w.func(make_context(client, w, 2)).run()
    other = w.func(WorkloadContext(client, 2, 2, 16, {}, seed=8)).run()
    assert a == b
    assert a != other
