"""Suite ``memory``: data sized as a fraction of the cluster's memory, which it must hold.

The data of a point is ``fraction`` (an option; e.g. 0.5, 1.0 or 1.8) times the memory
limit of the workers the point runs on: the sum of the ``memory_limit`` each worker
enforces, read from the scheduler when the point is prepared, so that it is true on
every back-end whatever the study asked for (see :mod:`~dask_bench.workloads._memory`).
Below about 0.6 it fits; above, Dask spills to disk (``distributed.worker.memory.target``
and ``.spill``), pauses workers (``.pause``), and a nanny kills a worker that still
grows past ``.terminate``. The worker processes' own memory counts against the same
limit and is noted with each point.

The data is cut into ``chunks`` pieces (array chunks, frame partitions), or more
where a piece would exceed ``chunk_size`` MiB: spilling moves whole pieces, and one
larger than a worker can hold would get it killed rather than spilled. In weak
scaling the pieces and the data both grow with the workers; in strong scaling too the
data follows the memory of the point's workers (a fixed size could not stay a fraction
of it): ``total`` only fixes the number of pieces. ``Trial.nbytes`` is the data's size.

- ``persist-reduce``: each repetition generates the data on the workers, persists it
  (every piece held at once, in memory or spilled) and sums it; the int64 sum is
  checked exactly against its closed form. The data is dropped before the next one.
- ``shuffle``: the data, a frame of a key and three int64 values, is persisted while
  the point is prepared; each repetition shuffles it on the key (P2P by default,
  ``method``) and summarises every partition: the rows, the distinct keys (which
  add up to the number of keys only if every key landed in one partition) and the
  sum of the values are checked exactly.

These points run one at a time, alone on the cluster after the other points of their
size (:attr:`~dask_bench.study.SuiteInfo.sized_by_memory`): no other data shares the
memory, their sizes are never calibrated, and workers pausing for memory are part of
what they measure. A nanny killing a worker for memory ends the point, which is
stored as failed with the reason.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from dask_bench.workloads._common import count_tasks, expect, fresh_name
from dask_bench.workloads._memory import (
    KEY,
    ROW_BYTES,
    SUMMARY_META,
    VALUES,
    Layout,
    array_block,
    frame_piece,
    key_count,
    partition_summary,
    positions_sum,
    signed,
)
from dask_bench.workloads.registry import Choice, Trial, WorkloadContext, workload

#: Every workload's options: the data's share of the workers' memory limit.
FRACTION = {"fraction": 1.0}


@workload(
    "memory",
    "persist-reduce",
    "Persist fraction x the workers' memory limit of int64 data, then sum it (exact)",
    options=FRACTION,
)
def persist_reduce(ctx: WorkloadContext) -> Trial[int]:
    """Timed: generating and persisting the data (held whole), then its sum, brought back."""
    import dask.array as da

    lay = Layout.of(ctx, itemsize=8)
    expected = positions_sum(ctx.seed, lay.items)

    def build(name: str) -> Any:
        return da.map_blocks(
            array_block,
            per_piece=lay.per_piece,
            seed=ctx.seed,
            chunks=((lay.per_piece,) * lay.pieces,),
            dtype=np.int64,
            name=name,
        )

    def run() -> int:
        data = ctx.persist(build(fresh_name("memory-data")))  # every piece exists at once
        return int(ctx.compute(data.sum()))  # the data is released on return

    def check(total: int) -> None:
        expect(total == expected, f"the int64 sum of the data, {expected}", total)

    # The reduction's tasks depend only on the number of pieces: counted on a tiny
    # persisted twin, so that the data itself is not persisted while preparing.
    twin = ctx.persist(da.zeros(lay.pieces, chunks=1, dtype=np.int64))
    ntasks = lay.pieces + count_tasks(ctx.client, twin.sum(), persist=False)
    del twin
    return Trial(run, check, nbytes=lay.nbytes, ntasks=ntasks, notes=lay.notes())


@workload(
    "memory",
    "shuffle",
    "Shuffle a persisted frame of fraction x the workers' memory limit on a key, then "
    "summarise every partition (rows, keys, sum: exact)",
    options={**FRACTION, "method": Choice("p2p", "tasks")},
)
def shuffle(ctx: WorkloadContext) -> Trial[Any]:
    """Timed: an all-to-all shuffle of the held frame, and a summary row per partition."""
    import dask.dataframe as dd
    from distributed import futures_of

    lay = Layout.of(ctx, itemsize=ROW_BYTES)
    nkeys = key_count(lay.items, lay.pieces)
    expected = positions_sum(ctx.seed, len(VALUES) * lay.items)
    method = str(ctx.option("method"))
    meta = frame_piece(0, rows=0, total=0, nkeys=1, seed=ctx.seed)
    frame = dd.from_map(
        frame_piece,
        range(lay.pieces),
        rows=lay.per_piece,
        total=lay.items,
        nkeys=nkeys,
        seed=ctx.seed,
        meta=meta,
        label=fresh_name("memory-frame"),
    )
    held = {"futures": {f.key: f for f in futures_of(ctx.persist(frame))}}

    def build() -> Any:
        futures = held["futures"]
        # the held pieces under a new name: every repetition's keys are its own
        data = dd.from_graph(futures, meta, (None,) * (lay.pieces + 1), sorted(futures),
                             fresh_name("memory-input"))  # fmt: skip
        moved = data.shuffle(on=KEY, shuffle_method=method)
        return moved.map_partitions(partition_summary, meta=SUMMARY_META)

    def check(summary: Any) -> None:
        rows = int(summary["rows"].sum())
        expect(rows == lay.items, f"{lay.items} rows", rows)
        keys = int(summary["keys"].sum())
        expect(keys == nkeys, f"each of the {nkeys} keys in one partition only", f"{keys}")
        total = signed(sum(int(t) for t in summary["total"]))
        expect(total == expected, f"the int64 sum of the values, {expected}", total)

    return Trial(
        run=lambda: ctx.compute(build()),
        check=check,
        nbytes=lay.nbytes,
        ntasks=count_tasks(ctx.client, build(), persist=False),
        release=held.clear,
        notes=(*lay.notes(), f"shuffled with method {method}, on {nkeys} keys"),
    )
