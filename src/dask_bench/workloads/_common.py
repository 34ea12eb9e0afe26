"""Helpers shared by the built-in suites: task counting, fresh names, checks."""

from __future__ import annotations

import math
import uuid
from typing import Any

from dask_bench.errors import WrongResult
from dask_bench.workloads.registry import WorkloadContext


def fresh_name(prefix: str) -> str:
    """Return ``prefix`` made unique with a random token.

    Every repetition names its output keys afresh: were a result of an earlier
    repetition still held (e.g. by the runner while it checks it), the scheduler
    would otherwise hand back the existing keys instead of computing them again.
    """
    # The word of letters is kept by dask's key_split, so each repetition's keys also
    # form a task group of their own, and with it a span of their own on the scheduler.
    token = uuid.uuid4().hex
    word = "".join(chr(ord("a") + int(c, 16) % 26) for c in token[:6])
    return f"{prefix}-{word}-{token}"


def count_tasks(client: Any, *collections: Any, persist: bool) -> int:
    """Count the tasks the scheduler runs to compute or persist ``collections``.

    The graph is built exactly as ``Client.compute`` / ``Client.persist`` build it
    (same expression optimisation, plus the finalize step of ``compute``), culled to
    the output keys, without the chunks that are already on the cluster. Some
    collections compute while they are optimised (``sort_values`` samples its
    divisions first); the tasks of those computations are counted too.

    Parameters
    ----------
    client
        The client of the cluster that holds any persisted inputs.
    *collections
        The dask collections, as they will be passed to ``compute`` / ``persist``.
    persist
        ``True`` if they will be persisted, ``False`` if computed to the client.

    Returns
    -------
    The number of tasks one such submission executes.
    """
    import dask

    # Private dask API, but the very code path the client takes.
    from dask._expr import FinalizeCompute
    from dask.base import collections_to_expr
    from dask.core import flatten

    nested: list[int] = []

    def counting_get(expr: Any, keys: Any, **kwargs: Any) -> Any:
        nested.append(_graph_tasks(expr, keys))
        return client.get(expr, keys, **kwargs)

    # Computations run during optimisation go through the configured scheduler.
    with dask.config.set(scheduler=counting_get):
        expr = collections_to_expr(list(collections), True)
        if not persist:
            expr = FinalizeCompute(expr)
        expr = expr.optimize()
    return _graph_tasks(expr, list(flatten(expr.__dask_keys__()))) + sum(nested)


def _graph_tasks(expr: Any, keys: Any) -> int:
    """Tasks of ``expr`` needed for ``keys``, excluding data already on the cluster."""
    from dask.core import flatten
    from dask.optimization import cull
    from distributed import Future

    culled, _ = cull(dict(expr.__dask_graph__()), list(flatten(keys)))
    return sum(not isinstance(node, Future) for node in culled.values())


def chunk_futures(collection: Any) -> dict[tuple[int, ...], Any]:
    """The futures of a persisted collection by chunk index (its keys without the name)."""
    from distributed import futures_of

    return {tuple(f.key[1:]): f for f in futures_of(collection)}


def map_chunks(ctx: WorkloadContext, func: Any, futures: list[Any], **kwargs: Any) -> list[Any]:
    """Apply ``func`` to chunks already on the cluster, one task each, and gather.

    Checks use this rather than a dask collection: one task per chunk inspected,
    no graph to optimise.
    """
    results = ctx.client.map(func, futures, pure=False, **kwargs)
    ctx.wait(results)
    return list(ctx.client.gather(results))


def expect(ok: bool, expected: str, got: object) -> None:
    """Raise :class:`WrongResult` saying what was ``expected`` unless ``ok``."""
    if not ok:
        raise WrongResult(f"{expected}, got {got}")


def std_tolerance(sigma: float, kurtosis: float, n: int, z: float = 6.0) -> float:
    """Half-width of a ``z``-sigma band for the sample standard deviation.

    The sample standard deviation of ``n`` independent draws of a distribution with
    standard deviation ``sigma`` and kurtosis ``kurtosis`` (3 for a normal, 1.8 for
    a uniform) has standard error ``sigma * sqrt((kurtosis - 1) / (4 n))``; the
    band also covers the ``O(1/n)`` bias of the estimator.
    """
    n = max(n, 2)
    return z * sigma * math.sqrt((kurtosis - 1.0) / (4.0 * n)) + sigma / n
