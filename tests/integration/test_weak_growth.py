"""Weak scaling grows the work with the processing units, for every registered workload.

In weak scaling a point of ``units`` processing units gets ``chunks = per_unit * units``
chunks. Its efficiency is ``T(base) / T(units)``, which only means something if the
work really is proportional to ``chunks``. Each workload is prepared here at
``per_unit`` 1 and 2 for 1, 2 and 4 units on a one-worker, one-thread LocalCluster
(preparing needs a cluster, but says nothing about the speed of one), at tiny chunk
sizes, and its :class:`Trial` figures are compared:

- ``nbytes``, the data processed (the work of the ``arrays`` and ``dataframes``
  suites), is proportional to ``chunks`` within :data:`BYTES_TOLERANCE`;
- ``ntasks``, the work of the ``tasks`` suite (whose ``nbytes`` is 0), is linear in
  ``chunks``, its constant at most one task;
- ``ntasks`` never decreases as units grow, and each added chunk adds at least one
  task of its own, except where noted in :data:`BLOCKY`; patterns known to run a
  fixed number of tasks per chunk (:data:`PROPORTIONAL`) do so exactly.

What each pattern's task count is, and so what is asserted of it:

- one task (or a fixed number) per chunk or per tiny task (``map-*``, ``create``,
  ``sin2-cos2``, ``dynamic``, ``chain``): exactly proportional. ``chain`` is
  sequential by design: its work grows with the units, its parallelism does not
  (its critical path is every one of its tasks), which no task count can show;
- tree reductions (``tree-reduce``, ``std*``, ``groupby-mean*``, the ``climate``
  suite's means, groupbys and resampling, on time-chunked data): a task or more per
  chunk plus the combine tasks of the tree (``n - 1`` for the binary ``tree-reduce``
  of ``n`` leaves, fewer for dask's wider trees) and a finalize task: at least one
  task more per chunk added, not exactly proportional;
- ``stencil``: ``steps`` tasks per cell plus one gathering them: linear;
- the ``io`` suite: a task or a few per file (or Zarr chunk) written or read, then a
  sum of every value: at least one task more per chunk added;
- neighbour exchanges (``map-overlap``, ``rolling-mean``) and lookups
  (``random-access``: tasks per block hit): at least one task more per chunk added;
- shuffles (``rechunk``, ``sort-values``, ``set-index``, ``merge``,
  ``groupby-apply``): no all-to-all stage at one chunk, then tasks growing at least
  with the chunks (faster for task-based shuffles): only the lower bound holds;
- ``transpose-add``: see :data:`BLOCKY`;
- the ``tpch`` queries: Dask reads several Parquet files of a table as one partition
  when a query needs few of its columns (16 lineitem files are 4 partitions for ``q6``,
  which needs 4 of its 16 columns), so their task counts grow by steps: only "never
  fewer" holds, and more tasks at the largest size than at the smallest.
  :data:`TPCH` stand for all: their bytes come from one function, and each query's
  task count is compared with the tasks run in ``test_workloads.py``.

The trial of the smallest size is also run once and checked, so that a workload
which prepares fine but computes wrongly fails here too.
"""

from __future__ import annotations

import math
from itertools import pairwise
from pathlib import Path
from typing import Any, NamedTuple

import pytest
from distributed import Client, LocalCluster

from dask_bench.workloads import Workload, WorkloadContext, all_workloads

pytestmark = pytest.mark.integration

# Tiny chunk sizes: tasks per chunk, block edge, rows per partition, days per chunk,
# rows per file, thousandths of a TPC-H scale factor.
CHUNK_SIZE = {
    **{"tasks": 4, "arrays": 32, "dataframes": 200, "climate": 10, "io": 100, "tpch": 10},
    **{"resources": 100, "scheduler": 50},
}
# climate: 9 x 18 cells; the resources pipeline needing no resource (one kind of worker)
OVERRIDES = {"sleep_seconds": 0.01, "grid_degrees": 20.0, "resource": ""}
#: Suites whose work is counted in tasks (tasks/s): they process no data.
COUNTED_IN_TASKS = {"tasks", "scheduler"}
UNITS = (1, 2, 4)
PER_UNIT = (1, 2)
#: The tpch queries prepared here (each costs a Dask optimisation and a DuckDB answer
#: at six sizes): one table, six tables, a semi-join.
TPCH = {"tpch/q1", "tpch/q5", "tpch/q18"}
# The memory suite's data is a share of the workers' memory: in weak scaling it grows
# with the workers, not with the chunks at one worker (test_memory.py shows both).
WORKLOADS = [
    w for w in all_workloads() if w.suite != "memory" and (w.suite != "tpch" or w.key in TPCH)
]

# Largest relative spread of bytes per chunk over all sizes. Every workload but
# ``transpose-add`` is exact (0). ``transpose-add`` needs a square array: the square
# whose area is closest to ``chunks`` blocks is off by at most its side, that is by
# at most ``1 / (chunk_size * sqrt(chunks))`` relative: 2.3% at 32 x 32 blocks and
# two chunks, so two sizes differ by at most 4.5% per chunk.
BYTES_TOLERANCE = 0.05

# Known to run a fixed number of tasks per chunk: task counts exactly proportional.
PROPORTIONAL = {
    "tasks/map-tiny",  # chunk_size tasks per chunk
    "tasks/map-sleep",  # one task per chunk
    "tasks/chain",  # chunk_size tasks per chunk, all sequential
    "tasks/dynamic",  # chunk_size tasks per chunk, chunks of them in flight
    "arrays/create",  # one task per block
    "arrays/map-blocks",
    "arrays/sin2-cos2",  # the elementwise chain fused into one task per block
    "dataframes/create",  # a fixed number of tasks per partition
    "dataframes/map-partitions",
}

# Task counts growing by steps rather than with every chunk: ``transpose-add`` runs
# one task per block of its square array, ``ceil(side / chunk_size) ** 2`` of them,
# which grows a whole row and column of blocks at a time (4 blocks for 2, 3 or 4
# chunks). It has at least one block per chunk, and fewer than ``(sqrt(chunks) + 1)**2``.
BLOCKY = {
    "arrays/transpose-add": lambda chunks, ntasks: chunks <= ntasks <= (math.isqrt(chunks) + 1) ** 2
}


class Figures(NamedTuple):
    chunks: int
    nbytes: int
    ntasks: int


@pytest.fixture(scope="module")
def client() -> Any:
    with (
        LocalCluster(
            n_workers=1, threads_per_worker=1, processes=True, dashboard_address=":0"
        ) as cluster,
        Client(cluster) as client,
    ):
        yield client


def context(client: Client, w: Workload, units: int, per_unit: int, folder: str) -> WorkloadContext:
    options = w.resolve_options(OVERRIDES)
    chunks = per_unit * units
    return WorkloadContext(
        client,
        units,
        chunks,
        CHUNK_SIZE[w.suite],
        options,
        seed=7,
        timeout=60.0,
        io_directory=folder if w.suite == "tpch" else None,
    )


def test_pattern_tables_name_registered_workloads() -> None:
    keys = {w.key for w in WORKLOADS}
    assert {w.key for w in all_workloads()} >= TPCH
    assert keys >= PROPORTIONAL
    assert keys >= set(BLOCKY)
    assert not PROPORTIONAL & set(BLOCKY)


@pytest.mark.parametrize("w", WORKLOADS, ids=[w.key for w in WORKLOADS])
def test_work_grows_with_units(client: Client, w: Workload, tpch_cache: Path) -> None:
    figures: dict[int, list[Figures]] = {}
    for per_unit in PER_UNIT:
        figures[per_unit] = []
        for units in UNITS:
            trial = w.func(context(client, w, units, per_unit, str(tpch_cache)))
            try:
                if per_unit == PER_UNIT[0] and units == UNITS[0]:
                    # The smallest size also runs, once, and is checked.
                    trial.check(trial.run())
                figures[per_unit].append(Figures(per_unit * units, trial.nbytes, trial.ntasks))
            finally:
                trial.release()

    for per_unit, sizes in figures.items():
        where = f"{w.key}, per_unit={per_unit}: {sizes}"
        base = sizes[0]
        assert base.ntasks > 0, where

        # The work is proportional to the chunks.
        if w.suite == "scheduler":
            assert all(s.nbytes == 0 for s in sizes), where
            # chunk_size leaf tasks per chunk (blockwise: two, the array's and the +1),
            # summed by a tree of fan_in (100): a few percent more
            per = 2 if w.name == "blockwise" else 1
            for s in sizes:
                leaves = per * CHUNK_SIZE["scheduler"] * s.chunks
                assert leaves < s.ntasks <= leaves * 1.05 + 3, where
        elif w.suite in COUNTED_IN_TASKS:
            # Their work is counted in tasks (tasks/s); they process no data.
            assert all(s.nbytes == 0 for s in sizes), where
            # Linear in the chunks: the same tasks per chunk added at every step ...
            slopes = {(b.ntasks - a.ntasks) / (b.chunks - a.chunks) for a, b in pairwise(sizes)}
            assert len(slopes) == 1, where
            (slope,) = slopes
            assert slope > 0, where
            # ... and no more than one task more or less than that (a tree's n - 1
            # combines, a stencil's gathering task).
            assert abs(base.ntasks - slope * base.chunks) <= 1, where
        else:
            for s in sizes:
                ratio = (s.nbytes / s.chunks) / (base.nbytes / base.chunks)
                assert abs(ratio - 1) <= BYTES_TOLERANCE, where

        # More units, never fewer tasks ...
        for a, b in pairwise(sizes):
            assert a.ntasks <= b.ntasks, where
        # ... and, per pattern, tasks growing with the chunks.
        if w.key in PROPORTIONAL:
            for s in sizes:
                assert s.ntasks * base.chunks == base.ntasks * s.chunks, where
        elif w.key in BLOCKY:
            for s in sizes:
                assert BLOCKY[w.key](s.chunks, s.ntasks), where
        elif w.suite == "tpch":
            assert sizes[-1].ntasks > base.ntasks, where
        else:
            # Each added chunk brings at least one task of its own.
            for a, b in pairwise(sizes):
                assert b.ntasks - a.ntasks >= b.chunks - a.chunks, where

    # Bytes per chunk agree across both per_unit values too.
    if w.suite not in COUNTED_IN_TASKS:
        per_chunk = [s.nbytes / s.chunks for sizes in figures.values() for s in sizes]
        assert max(per_chunk) <= (1 + BYTES_TOLERANCE) * min(per_chunk), figures
