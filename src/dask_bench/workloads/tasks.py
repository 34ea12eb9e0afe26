"""Suite ``tasks``: scheduling patterns of tiny tasks.

The patterns follow Rocklin's 2017 study of Dask's scaling limits: they measure
the scheduler rather than computation, so every task is trivial. Here
``chunk_size`` is the number of tiny tasks per chunk: a workload of ``chunks``
chunks runs ``chunks * chunk_size`` tasks (``map-sleep`` runs one task per chunk).
Every repetition submits tasks under fresh keys so nothing computed by an earlier
repetition is reused.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np

# the tasks themselves: a worker imports their light module, not this suite's package
from dask_bench._kernels import add, chain_step, inc, sleep_then_return, stencil_cell
from dask_bench.errors import RepetitionTimeout
from dask_bench.workloads._common import count_tasks, expect, fresh_name
from dask_bench.workloads.registry import Trial, WorkloadContext, workload

Graph = tuple[dict[Any, Any], Any]  # a raw task graph and its output key


def _total(ctx: WorkloadContext) -> int:
    return ctx.chunks * ctx.chunk_size


def _check_list(expected: list[int], what: str) -> Callable[[list[int]], None]:
    def check(result: list[int]) -> None:
        expect(
            list(result) == expected,
            f"{what} ({len(expected)} values, first {expected[:3]})",
            f"{len(result)} values, first {list(result)[:3]}",
        )

    return check


@workload(
    "tasks",
    "map-tiny",
    "Embarrassingly parallel map of chunks x chunk_size tiny tasks (client.map)",
)
def map_tiny(ctx: WorkloadContext) -> Trial[list[int]]:
    """Map ``inc`` over ``range(n)`` with ``client.map`` and gather the results."""
    n = _total(ctx)

    def run() -> list[int]:
        futures = ctx.client.map(inc, range(n), pure=False)
        ctx.wait(futures)
        results: list[int] = ctx.client.gather(futures)
        return results

    return Trial(run, _check_list(list(range(1, n + 1)), "inc(i) for i < n"), nbytes=0, ntasks=n)


@workload(
    "tasks",
    "map-sleep",
    "One task per chunk, each sleeping sleep_seconds (ideal time known)",
    options={"sleep_seconds": 0.1},
)
def map_sleep(ctx: WorkloadContext) -> Trial[list[int]]:
    """Map a sleeping task over the chunks: ideal time is ceil(chunks/units) x sleep."""
    seconds = float(ctx.option("sleep_seconds"))

    def run() -> list[int]:
        name = fresh_name("map-sleep")  # a task group (and span) per repetition
        keys = [f"{name}-{i}" for i in range(ctx.chunks)]
        futures = ctx.client.map(sleep_then_return, range(ctx.chunks), seconds=seconds, key=keys)
        ctx.wait(futures)
        results: list[int] = ctx.client.gather(futures)
        return results

    check = _check_list(list(range(ctx.chunks)), "every task returning its index")
    return Trial(run, check, nbytes=0, ntasks=ctx.chunks)


def _tree_graph(name: str, n: int) -> Graph:
    """Leaves ``inc(i)`` for ``i < n`` summed pairwise, level by level."""
    graph: dict[Any, Any] = {(name, 0, i): (inc, i) for i in range(n)}
    level = [(name, 0, i) for i in range(n)]
    depth = 0
    while len(level) > 1:
        depth += 1
        pairs = [level[i : i + 2] for i in range(0, len(level), 2)]
        nxt = []
        for i, pair in enumerate(pairs):
            if len(pair) == 1:  # an odd one out joins the next level untouched
                nxt.append(pair[0])
            else:
                graph[(name, depth, i)] = (add, pair[0], pair[1])
                nxt.append((name, depth, i))
        level = nxt
    return graph, level[0]


def _chain_graph(name: str, n: int) -> Graph:
    """``n`` tasks, each folding its index into its predecessor's result."""
    graph: dict[Any, Any] = {(name, 0): (chain_step, 0, 0)}
    for i in range(1, n):
        graph[(name, i)] = (chain_step, (name, i - 1), i)
    return graph, (name, n - 1)


def _stencil_graph(name: str, initial: list[int], steps: int) -> Graph:
    """``steps`` rows of ``len(initial)`` tasks, each reading its 3 neighbours."""
    width = len(initial)
    graph: dict[Any, Any] = {}
    prev: list[Any] = list(initial)  # step 0 is literal data inside the step-1 tasks
    for s in range(1, steps + 1):
        row = [(name, s, i) for i in range(width)]
        for i in range(width):
            graph[row[i]] = (stencil_cell, *prev[max(i - 1, 0) : i + 2])
        prev = row
    graph[(name, "out")] = (list, prev)
    return graph, (name, "out")


def _delayed(graph: dict[Any, Any], key: Any) -> Any:
    from dask.delayed import Delayed

    return Delayed(key, graph)


def _graph_trial(
    ctx: WorkloadContext, build: Callable[[str], Graph], check: Callable[[Any], None]
) -> Trial[Any]:
    """A trial computing the graph that ``build(name)`` returns as ``(graph, key)``."""
    ntasks = count_tasks(ctx.client, _delayed(*build("count")), persist=False)

    def run() -> Any:
        # Built inside the timed region: constructing the graph is part of the cost.
        return ctx.compute(_delayed(*build(fresh_name("dbench"))))

    return Trial(run, check, nbytes=0, ntasks=ntasks)


@workload("tasks", "tree-reduce", "Pairwise tree sum over chunks x chunk_size leaf tasks")
def tree_reduce(ctx: WorkloadContext) -> Trial[int]:
    """Sum ``inc(i)`` over ``n`` leaves with a binary tree of additions."""
    n = _total(ctx)
    expected = n * (n + 1) // 2

    def check(result: int) -> None:
        expect(result == expected, f"sum of 1..{n} = {expected}", result)

    return _graph_trial(ctx, lambda name: _tree_graph(name, n), check)


@workload("tasks", "chain", "Sequential chain of chunks x chunk_size dependent tasks")
def chain(ctx: WorkloadContext) -> Trial[int]:
    """Fold ``n`` tasks one after the other; the check detects any misordering."""
    n = _total(ctx)
    expected = 0
    for i in range(n):
        expected = chain_step(expected, i)

    def check(result: int) -> None:
        expect(result == expected, f"chain hash of {n} steps = {expected}", result)

    return _graph_trial(ctx, lambda name: _chain_graph(name, n), check)


@workload(
    "tasks",
    "stencil",
    "1-D nearest-neighbour stencil: chunks x chunk_size cells over `steps` steps",
    options={"steps": 5},
)
def stencil(ctx: WorkloadContext) -> Trial[list[int]]:
    """Each cell of each step depends on its left/right neighbours of the previous one."""
    width, steps = _total(ctx), int(ctx.option("steps"))
    initial = np.random.default_rng(ctx.seed).integers(0, 1000, width)
    # Reference on the client (untimed): the same sums with zero-padded borders.
    ref = initial.astype(np.int64)
    for _ in range(steps):
        padded = np.pad(ref, 1)
        ref = padded[:-2] + padded[1:-1] + padded[2:]
    check = _check_list([int(v) for v in ref], f"numpy reference after {steps} steps")
    cells = [int(v) for v in initial]
    return _graph_trial(ctx, lambda name: _stencil_graph(name, cells, steps), check)


@workload(
    "tasks",
    "dynamic",
    "Dynamic graph: chunks x chunk_size tasks, each submitted when a result arrives",
)
def dynamic(ctx: WorkloadContext) -> Trial[list[int]]:
    """Keep ``chunks`` tasks in flight; each result decides the next task to submit.

    Task ``k`` returns ``k + 1``, from which the client derives its successor
    ``k + chunks``; so ids ``0 .. n-1`` each run exactly once whatever the order
    of completion, and the sorted results are ``1 .. n``.
    """
    from distributed import as_completed

    n, width = _total(ctx), min(ctx.chunks, _total(ctx))

    def run() -> list[int]:
        client = ctx.client
        pending = set(client.map(inc, range(width), pure=False))
        results: list[int] = []
        stream = as_completed(list(pending), with_results=True, timeout=ctx.timeout)
        try:
            for future, value in stream:
                pending.discard(future)
                results.append(value)
                successor = value - 1 + width
                if successor < n:
                    new = client.submit(inc, successor, pure=False)
                    pending.add(new)
                    stream.add(new)
        except TimeoutError as exc:
            client.cancel(list(pending))
            raise RepetitionTimeout(f"repetition exceeded its timeout of {ctx.timeout} s") from exc
        return results

    expected = list(range(1, n + 1))

    def check(result: list[int]) -> None:
        expect(sorted(result) == expected, f"results 1..{n}, once each", _summary(result))

    return Trial(run, check, nbytes=0, ntasks=n)


def _summary(values: list[int]) -> str:
    if not values:
        return "no results"
    return f"{len(values)} results in [{min(values)}, {max(values)}]"
