"""The memory suite without a cluster: its data, sums and sizes; how kills and pauses are seen."""

from __future__ import annotations

import math
from typing import Any

import numpy as np
import pandas as pd
import pytest

from dask_bench.errors import ConfigError, WorkersKilled
from dask_bench.runner.calibrate import Calibration, short_note
from dask_bench.runner.checks import build_study
from dask_bench.runner.plan import plan_study
from dask_bench.runner.watch import WorkerWatch
from dask_bench.study import suite_info
from dask_bench.workloads import WorkloadContext, get_workload, suite_workloads
from dask_bench.workloads._memory import (
    MIB,
    ClusterMemory,
    Layout,
    frame_piece,
    key_count,
    partition_summary,
    positions,
    positions_sum,
    signed,
)


def test_the_suite_is_catalogued_as_sized_by_memory_and_asked_for_by_name() -> None:
    info = suite_info("memory")
    assert info.sized_by_memory and not info.default and info.unit == "MB/s"
    assert (info.chunk_size, info.per_unit) == (64, 16)
    assert [w.name for w in suite_workloads("memory")] == ["persist-reduce", "shuffle"]
    assert get_workload("memory", "shuffle").options["method"].choices == ("p2p", "tasks")
    assert "memory" not in build_study({}).suites.selected()


@pytest.mark.parametrize("start", [0, 7, 2**40 + 3])
@pytest.mark.parametrize("count", [1, 2, 1000, 4097])
def test_the_closed_form_sum_is_numpys_wrapping_sum_in_any_order(start: int, count: int) -> None:
    values = positions(start, count)
    assert values.dtype == np.int64
    expected = positions_sum(start, count)
    assert int(values.sum()) == expected
    assert int(values[::-1].sum()) == expected  # another order, the same wrapped sum
    # a piece of it, then the rest: what a reduction over pieces does
    cut = count // 3
    assert signed(int(values[:cut].sum()) + int(values[cut:].sum())) == expected
    assert positions(start + cut, count - cut).tolist() == values[cut:].tolist()


def test_the_values_leave_nothing_to_compress() -> None:
    import zlib

    raw = positions(42, 2**16).tobytes()
    assert len(zlib.compress(raw)) > 0.9 * len(raw)
    assert len(set(positions(0, 4096).tolist())) == 4096


def test_a_frame_piece_holds_its_rows_keys_and_values() -> None:
    rows, nkeys, seed = 40, 8, 5
    pieces = [frame_piece(i, rows=rows, total=3 * rows, nkeys=nkeys, seed=seed) for i in range(3)]
    whole = pd.concat(pieces)
    assert list(whole.columns) == ["key", "a", "b", "c"]
    assert all(whole[c].dtype == np.int64 for c in whole.columns)
    # every key on rows // nkeys rows of each piece: keys spread evenly
    assert whole["key"].value_counts().tolist() == [3 * rows // nkeys] * nkeys
    assert sorted(whole["key"].iloc[:nkeys]) == list(range(nkeys))
    values = np.concatenate([whole[c].to_numpy() for c in ("a", "b", "c")])
    assert values.tolist() == positions(seed, 3 * 3 * rows).tolist()
    summary = pd.concat([partition_summary(p) for p in pieces])
    assert summary["rows"].tolist() == [rows] * 3 and summary["keys"].tolist() == [nkeys] * 3
    total = signed(sum(int(t) for t in summary["total"]))
    assert total == positions_sum(seed, 3 * 3 * rows)


def test_key_counts_leave_several_rows_per_key() -> None:
    assert key_count(1000, 4) == 250
    assert key_count(10**9, 8) == 2**16
    assert key_count(10**9, 10**4) == 64 * 10**4
    assert key_count(3, 1) == 1


class FakeClient:
    """What Layout.of asks of a client: workers, their limits and their memory now."""

    def __init__(self, limits: list[int], held: int = 100 * MIB) -> None:
        self.workers = {f"tcp://w{i}:1": {"memory_limit": m} for i, m in enumerate(limits)}
        self.held = held

    def scheduler_info(self, n_workers: int = 5) -> dict[str, Any]:
        assert n_workers == -1  # all of them, not the first five
        return {"workers": self.workers}

    id = "Client-1"

    def run(self, func: Any, workers: list[str]) -> dict[str, int]:
        return dict.fromkeys(workers, self.held)

    def run_on_scheduler(self, func: Any, client: str) -> int:
        return 0  # nothing kept: the workers' memory is at rest


def context(
    limits: list[int], chunks: int = 4, chunk_size: int = 64, fraction: float = 1.0
) -> WorkloadContext:
    client: Any = FakeClient(limits)
    return WorkloadContext(client, 2, chunks, chunk_size, {"fraction": fraction})


def test_the_data_is_the_fraction_of_the_workers_memory_limits() -> None:
    lay = Layout.of(context([400 * MIB, 400 * MIB], chunks=32, fraction=1.8), itemsize=8)
    target = 1.8 * 800 * MIB
    assert lay.pieces == 32 and lay.per_piece == int(target // (32 * 8))
    assert target - 32 * 8 < lay.nbytes <= target
    assert lay.memory.total == 800 * MIB and lay.memory.at_rest == 200 * MIB
    data, held = lay.notes()
    assert data == (
        "data 1.41 GiB = 1.8 x the workers' memory limit (2 workers x 400.00 MiB = "
        "800.00 MiB, the memory_limit each enforces), in 32 pieces of 45.00 MiB"
    )
    assert held.startswith("the worker processes held 200.00 MiB of that limit before the data")


def test_no_piece_is_larger_than_chunk_size_mib() -> None:
    lay = Layout.of(context([4096 * MIB] * 3, chunks=2, chunk_size=64), itemsize=8)
    assert lay.pieces == math.ceil(3 * 4096 / 64) and lay.per_piece * 8 <= 64 * MIB
    mixed = Layout.of(context([1024 * MIB, 2048 * MIB]), itemsize=8)
    assert "2 workers of 1.00 GiB to 2.00 GiB = 3.00 GiB" in mixed.notes()[0]


def test_the_workers_of_a_fixed_pools_subset_only() -> None:
    import dask

    ctx = context([1024 * MIB, 1024 * MIB, 1024 * MIB])
    with dask.annotate(workers=["tcp://w0:1", "tcp://w2:1"]):
        lay = Layout.of(ctx, itemsize=8)
    assert lay.memory.limits == (1024 * MIB, 1024 * MIB)


@pytest.mark.parametrize(
    ("limits", "fraction", "message"),
    [
        ([1024 * MIB, 0], 1.0, "a worker has none; set deployment.memory_per_worker"),
        ([], 1.0, "no worker is connected"),
        ([1024 * MIB], 0.0, "fraction must be above 0"),
    ],
)
def test_without_a_memory_limit_or_a_fraction_it_refuses(
    limits: list[int], fraction: float, message: str
) -> None:
    with pytest.raises(ConfigError, match=message):
        Layout.of(context(limits, fraction=fraction), itemsize=8)


def test_a_cluster_memory_is_described_in_one_phrase() -> None:
    assert ClusterMemory((MIB * 512,), 0).describe() == "1 worker x 512.00 MiB = 512.00 MiB"


def memory_study(**suite: Any) -> Any:
    data = {"suites": {"memory": suite}, "deployment": {"workers": [1, 2]}}
    return build_study(data)


def test_memory_points_are_never_calibrated_and_say_how_to_grow() -> None:
    study = memory_study()
    point = plan_study(study).points[0]
    assert not Calibration(study).automatic(point)
    note = short_note(point, 0.01, study)
    assert note is not None and "raise deployment.memory_per_worker" in note
    assert "suites.memory.options.fraction" in note


class Topics:
    """A client that only records the handlers of the topics subscribed."""

    def __init__(self) -> None:
        self.handlers: dict[str, Any] = {}

    def subscribe_topic(self, topic: str, handler: Any) -> None:
        self.handlers[topic] = handler


def test_the_watch_hears_a_nanny_kill_a_worker_for_memory() -> None:
    client = Topics()
    watch = WorkerWatch(client)  # type: ignore[arg-type]
    mark = watch.mark()
    assert watch.interrupt() is None and watch.memory_kills(mark) is None
    client.handlers["all"]((1.0, {"action": "remove-worker", "worker": "tcp://a:1"}))
    client.handlers["worker-restart-memory"](
        (1.1, {"worker": "tcp://a:1", "pid": 12, "rss": 390 * MIB})
    )
    reason = "workers killed for memory: worker tcp://a:1 killed by its nanny for exceeding "
    reason += "its memory at 390.00 MiB"
    assert watch.memory_kills(mark) == reason
    assert watch.interrupt() == reason  # since the last mark
    assert watch.since(mark) == (
        "worker tcp://a:1 left; worker tcp://a:1 killed by its nanny for exceeding its "
        "memory at 390.00 MiB"
    )
    watch.mark()
    assert watch.interrupt() is None  # the next repetition starts afresh


def test_pauses_for_memory_are_news_only_to_points_not_sized_by_memory() -> None:
    client = Topics()
    watch = WorkerWatch(client)  # type: ignore[arg-type]
    watch.follow(["tcp://a:1"])
    mark = watch.mark()
    handler = client.handlers["tcp://a:1"]

    def on_worker(at: float, status: str, before: str) -> None:
        handler((at, {"action": "worker-status-change", "status": status, "prev-status": before}))

    on_worker(1.0, "paused", "running")
    on_worker(1.2, "running", "paused")
    both = "worker tcp://a:1 became paused; worker tcp://a:1 resumed after being paused"
    assert watch.since(mark) == both == watch.between(0.9, 1.3)
    assert watch.since(mark, pauses=False) is None
    assert watch.between(0.9, 1.3, pauses=False) is None
    assert watch.expecting_pauses().since(mark) is None
    on_worker(1.5, "closing", "paused")
    assert watch.expecting_pauses().since(mark) == "worker tcp://a:1 became closing"


def test_waiting_stops_when_workers_are_killed_for_memory() -> None:
    class Slow:
        """A client whose futures never finish."""

        def __init__(self) -> None:
            self.cancelled: list[Any] = []

        def cancel(self, futures: Any) -> None:
            self.cancelled.append(futures)

    import distributed

    calls: list[int] = []

    def interrupt() -> str | None:
        calls.append(1)
        return "workers killed for memory: worker w" if len(calls) >= 2 else None

    def never(futures: Any, timeout: float | None = None) -> None:
        assert timeout is not None and timeout <= 0.25
        raise TimeoutError

    client: Any = Slow()
    ctx = WorkloadContext(client, 1, 1, 1, {}, timeout=60.0, interrupt=interrupt)
    with pytest.MonkeyPatch.context() as mp:
        mp.setattr(distributed, "wait", never)
        with pytest.raises(WorkersKilled, match="workers killed for memory: worker w"):
            ctx.wait(["f"])
    assert len(calls) == 2 and client.cancelled == [["f"]]


def test_list_workloads_describes_the_suite() -> None:
    from click.testing import CliRunner

    from dask_bench.cli import cli

    out = CliRunner(env={"COLUMNS": "400"}).invoke(cli, ["list", "workloads"]).output
    assert "Persist fraction x the workers' memory limit of int64 data, then sum it" in out
    assert "Shuffle a persisted frame of fraction x the workers' memory limit on a key" in out
    assert "fraction=1.0, method=p2p (p2p|tasks)" in out
