"""Node layout: how a number of workers is spread over batch-system nodes.

A size first fills one node; when it does not fit, it is spread as evenly as
possible over as few nodes as hold it. Uneven splits still add up to exactly the
requested workers (50 single-threaded workers on 24-core nodes: 17 + 17 + 16).
"""

from __future__ import annotations

from dask_bench.errors import ConfigError


def workers_per_node(threads_per_worker: int, cores_per_node: int) -> int:
    """How many workers of ``threads_per_worker`` threads fit on one node.

    Raises
    ------
    ConfigError
        When not even one worker fits.
    """
    fit = cores_per_node // threads_per_worker
    if fit < 1:
        raise ConfigError(
            f"a worker with {threads_per_worker} threads does not fit on a node of "
            f"{cores_per_node} cores; lower deployment.threads_per_worker or raise "
            "deployment.cores_per_node"
        )
    return fit


def node_split(workers: int, threads_per_worker: int, cores_per_node: int | None) -> list[int]:
    """Workers per node (one batch job each) for ``workers`` workers, largest first.

    Parameters
    ----------
    workers
        Workers wanted in total.
    threads_per_worker
        Threads of each worker (the cores it takes).
    cores_per_node
        Cores of one node; ``None`` means one job per worker, placed by the scheduler.

    Returns
    -------
    list of int
        Sums to ``workers``; no two entries differ by more than one.
    """
    if workers < 1:
        return []
    if cores_per_node is None:
        return [1] * workers
    fit = workers_per_node(threads_per_worker, cores_per_node)
    nodes = -(-workers // fit)  # ceiling division
    base, extra = divmod(workers, nodes)
    return [base + 1] * extra + [base] * (nodes - extra)
