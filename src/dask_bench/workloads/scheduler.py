"""Suite ``scheduler``: graphs of many tiny tasks, to measure the scheduler itself.

Users see trouble around 100,000 tasks and the scheduler choking past a million; Dask's
own rule of thumb is about 1 ms of overhead per task. Every workload here runs
``n = chunks x chunk_size`` tasks that do next to nothing (``i + 1``), then sums them
with a tree of fan-in ``fan_in`` (about ``n / fan_in`` more tasks), and checks the sum,
``n (n + 1) / 2``. The three differ in how the graph is built and submitted, inside the
timed region, as a user would: ``delayed`` (one ``dask.delayed`` call per task),
``blockwise`` (a dask.array of ``n`` one-element chunks, one blockwise function and a
``sum``: a graph Dask builds and ships symbolically) and ``map`` (``client.map`` futures,
summed by further ``client.map`` calls). Keys are fresh in every repetition.

The scheduler-side figures (submission and execution µs per task, scheduler CPU,
memory, longest event-loop tick, time to first task) are collected for every point
while ``measurement.breakdown`` is on (:mod:`dask_bench.runner.scheduler_probe`).
"""

from __future__ import annotations

import warnings
from collections.abc import Callable
from typing import Any

import numpy as np

from dask_bench.workloads._common import count_tasks, expect, fresh_name
from dask_bench.workloads.registry import Trial, WorkloadContext, workload

#: Options of every workload of the suite.
_OPTIONS: dict[str, int | float | str] = {"fan_in": 100}


def _leaves_and_tree(chunks: int, chunk_size: int) -> int:
    """About the tasks of ``n`` leaves and their tree at the default fan-in (for ``plan``)."""
    return tree_tasks(chunks * chunk_size, int(_OPTIONS["fan_in"]))


def _blocks_and_tree(chunks: int, chunk_size: int) -> int:
    """The same with the array's creation, a task per chunk too."""
    return chunks * chunk_size + _leaves_and_tree(chunks, chunk_size)


def inc(x: int) -> int:
    """Return ``x + 1`` (the tiny task)."""
    return x + 1


def add_all(*values: int) -> int:
    """Sum the values (a node of the reduction tree)."""
    return sum(values)


def add_list(values: list[int]) -> int:
    """Sum a list of values (a node of the ``map`` reduction tree)."""
    return sum(values)


def inc_block(block: Any) -> Any:
    """Add one to every element of a block (the blockwise function)."""
    return block + 1


def tree_tasks(n: int, fan_in: int) -> int:
    """Tasks of ``n`` leaves summed by a tree of fan-in ``fan_in`` (leaves included).

    Examples
    --------
    >>> tree_tasks(10_000, 100)
    10101
    """
    total, level = n, n
    while level > 1:
        level = -(-level // fan_in)  # ceiling division
        total += level
    return total


def _quiet(run: Callable[[], int]) -> Callable[[], int]:
    """``run`` without distributed's "Sending large graph" warning: large graphs are the point."""

    def quiet() -> int:
        with warnings.catch_warnings():
            warnings.filterwarnings("ignore", "Sending large graph", UserWarning)
            return run()

    return quiet


def _setup(ctx: WorkloadContext) -> tuple[int, int, int]:
    """``n``, the fan-in and the expected sum of ``i + 1`` for ``i < n``."""
    n = ctx.chunks * ctx.chunk_size
    fan_in = int(ctx.option("fan_in"))
    if fan_in < 2:
        from dask_bench.errors import ConfigError

        raise ConfigError(f"scheduler suite: fan_in must be at least 2, not {fan_in}")
    return n, fan_in, n * (n + 1) // 2


def _check(n: int, expected: int) -> Any:
    def check(result: Any) -> None:
        expect(int(result) == expected, f"sum of 1..{n} = {expected}", result)

    return check


@workload(
    "scheduler",
    "delayed",
    "chunks x chunk_size dask.delayed tiny tasks summed by a tree of fan-in fan_in",
    options=_OPTIONS,
    tasks=_leaves_and_tree,
)
def delayed_tree(ctx: WorkloadContext) -> Trial[int]:
    """One ``dask.delayed`` call per leaf and per node of the tree, computed at once."""
    from dask.delayed import delayed

    n, fan_in, expected = _setup(ctx)

    def run() -> int:
        # Built inside the timed region: a user pays for every delayed call.
        level = [delayed(inc, pure=False)(i) for i in range(n)]
        while len(level) > 1:
            level = [
                delayed(add_all, pure=False)(*level[i : i + fan_in])
                for i in range(0, len(level), fan_in)
            ]
        result: int = ctx.compute(level[0])
        return result

    return Trial(_quiet(run), _check(n, expected), nbytes=0, ntasks=tree_tasks(n, fan_in))


@workload(
    "scheduler",
    "blockwise",
    "dask.array of chunks x chunk_size one-element chunks, blockwise +1, then sum",
    options=_OPTIONS,
    tasks=_blocks_and_tree,
)
def blockwise(ctx: WorkloadContext) -> Trial[int]:
    """``sum(blockwise(inc, arange(n, chunks=1)))``: a graph Dask ships symbolically."""
    import dask.array as da

    n, fan_in, expected = _setup(ctx)

    def build(name: str) -> Any:
        x = da.arange(n, chunks=1, dtype=np.int64)
        y = da.blockwise(inc_block, "i", x, "i", dtype=np.int64, name=name)
        return y.sum(split_every=fan_in)

    ntasks = count_tasks(ctx.client, build("sched-count"), persist=False)

    def run() -> int:
        result: int = ctx.compute(build(fresh_name("sched-blockwise")))
        return result

    return Trial(_quiet(run), _check(n, expected), nbytes=0, ntasks=ntasks)


@workload(
    "scheduler",
    "map",
    "client.map of chunks x chunk_size tiny tasks, summed by client.map of fan_in-lists",
    options=_OPTIONS,
    tasks=_leaves_and_tree,
)
def map_futures(ctx: WorkloadContext) -> Trial[int]:
    """Futures all the way: ``client.map`` of the leaves, then of each level's groups."""
    n, fan_in, expected = _setup(ctx)

    def run() -> int:
        client = ctx.client
        level = client.map(inc, range(n), pure=False)
        # Every level is held until the end: released futures race the next level's graph
        # to the scheduler, which materialises it off its event loop, and a level whose
        # inputs were forgotten meanwhile is cancelled ("lost dependencies").
        held = [level]
        while len(level) > 1:
            groups = [level[i : i + fan_in] for i in range(0, len(level), fan_in)]
            level = client.map(add_list, groups, pure=False)
            held.append(level)
        ctx.wait(level)
        result: int = level[0].result()
        del held
        return result

    return Trial(_quiet(run), _check(n, expected), nbytes=0, ntasks=tree_tasks(n, fan_in))
