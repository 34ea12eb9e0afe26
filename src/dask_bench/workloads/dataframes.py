"""Suite ``dataframes``: dask.dataframe workloads on pandas partitions.

``chunk_size`` is the number of rows per partition and ``chunks`` the number of
partitions. Partition ``i`` holds the rows ``id = i * rows ... (i + 1) * rows - 1``
(the index, so divisions are known) and is drawn by its own
``numpy.random.default_rng([seed, 0, i])``:

- ``k1`` uniform on ``0..7`` and ``k2`` on ``0..3``: the group keys;
- ``x`` uniform on [0, 1), ``y`` standard normal;
- ``z = k1 + u`` and ``w = k2 + u'`` with ``u, u'`` uniform on [0, 1): every
  group mean of ``z`` lies in ``[k1, k1 + 1]``, whatever the grouping bug, and
  ``z`` alone is uniform on [0, 8).

Checks exploit this construction and regenerate a few partitions on the client.
Each repetition reads the persisted input under a fresh name, so that its output
keys are new and nothing cached by dask from an earlier repetition is reused.
``Trial.nbytes`` counts the bytes of the columns a repetition reads.
"""

from __future__ import annotations

import math
from functools import partial
from typing import Any

import numpy as np
import pandas as pd

from dask_bench.workloads._common import (
    count_tasks,
    expect,
    fresh_name,
    map_chunks,
    std_tolerance,
)
from dask_bench.workloads._frames import (
    _ALL_GROUPS_FROM,
    _MOMENTS,
    _ROW_BYTES,
    FLOATS,
    K1,
    K2,
    _check_partitions,
    _Data,
    _partitions,
    _same,
    _trial,
    group_summary,
    make_right,
    merge_summary,
    summarize,
    transform,
)
from dask_bench.workloads.registry import Metric, Trial, WorkloadContext, workload


@workload("dataframes", "create", "Create a random frame and persist it")
def create(ctx: WorkloadContext) -> Trial[Any]:
    """Timed: drawing the partitions on the workers and persisting them."""
    data = _Data(ctx, persist=False)

    def check(result: Any) -> None:
        _check_partitions(data, result, data.reference, "the seeded rows")

    def run() -> Any:
        return ctx.persist(data.build(fresh_name("create")))

    ntasks = count_tasks(ctx.client, data.build("count"), persist=True)
    return Trial(run, check, nbytes=data.total * _ROW_BYTES, ntasks=ntasks)


@workload("dataframes", "map-partitions", "map_partitions adding two derived columns")
def map_partitions(ctx: WorkloadContext) -> Trial[Any]:
    """Timed: one pandas call per partition, result persisted."""
    data = _Data(ctx)

    def check(result: Any) -> None:
        _check_partitions(data, result, lambda i: transform(data.reference(i)), "transform(rows)")

    return _trial(data, lambda df: df.map_partitions(transform), check, 6, persist=True)


@workload(
    "dataframes",
    "random-access",
    "Select labels_per_chunk random rows per partition by label (.loc)",
    options={"labels_per_chunk": 2},
    metric=Metric.LATENCY,
)
def random_access(ctx: WorkloadContext) -> Trial[pd.DataFrame]:
    """Timed: a ``.loc`` lookup of scattered labels, gathered to the client."""
    data = _Data(ctx)
    count = min(int(ctx.option("labels_per_chunk")) * data.parts, data.total)
    labels = np.sort(np.random.default_rng([ctx.seed, 2]).choice(data.total, count, replace=False))

    def check(result: pd.DataFrame) -> None:
        expect(
            np.array_equal(result.index, labels),
            f"rows {labels[:4]}... ({count})",
            f"rows {result.index[:4].tolist()}... ({len(result)})",
        )
        # Compare the rows of the first two partitions hit with regenerated ones.
        hit = sorted({int(v) // data.rows for v in labels})[:2]
        ref = pd.concat([data.reference(i) for i in hit])
        mine = labels[np.isin(labels // data.rows, hit)]
        _same(result.loc[mine], ref.loc[mine], "the seeded rows")

    return _trial(data, lambda df: df.loc[labels], check, 6, nbytes=count * _ROW_BYTES)


def _check_stds(got: Any, n: int, column: str | None = None) -> None:
    """Sample stds (a Series, or one ``column``'s value) within the statistical band."""
    values = pd.Series({column: got}) if column is not None else got
    for col, value in values.items():
        sigma, kurtosis = _MOMENTS[str(col)]
        tol = std_tolerance(sigma, kurtosis, n)
        expect(abs(value - sigma) <= tol, f"std of {col} within {tol:.2g} of {sigma:.5f}", value)


@workload("dataframes", "std", "Standard deviation of every float column")
def std(ctx: WorkloadContext) -> Trial[pd.Series]:
    """Timed: a reduction of four columns to one value each."""
    data = _Data(ctx)

    def check(result: pd.Series) -> None:
        expect(list(result.index) == FLOATS, f"columns {FLOATS}", list(result.index))
        _check_stds(result, data.total)

    return _trial(data, lambda df: df[FLOATS].std(), check, len(FLOATS))


@workload("dataframes", "std-series", "Standard deviation of one column")
def std_series(ctx: WorkloadContext) -> Trial[float]:
    """Timed: a reduction of one column."""
    data = _Data(ctx)
    check = partial(_check_stds, n=data.total, column="x")
    return _trial(data, lambda df: df["x"].std(), check, 1)


def _check_groups(result: pd.DataFrame, *, keys: list[str], data: _Data) -> None:
    """Group means: every combination of keys, ``z``/``w`` bounded, means near 0.5."""
    expected = pd.MultiIndex.from_product([range(K1), range(K2)][: len(keys)], names=keys)
    got = result.sort_index()
    index = pd.MultiIndex.from_frame(got.index.to_frame())
    if data.total >= _ALL_GROUPS_FROM:
        expect(index.equals(expected), f"{len(expected)} groups", f"{len(index)} groups")
    expect(index.isin(expected).all(), f"groups within {expected[[0, -1]].tolist()}", index)
    # Each group mean of u ~ uniform[0, 1) is 0.5 +- 6 sigma, groups at least half the average.
    tol = 6 / math.sqrt(12 * max(1.0, data.total / len(expected) / 2))
    frac = {"x": got["x"]}
    for col, key in (("z", "k1"), ("w", "k2")):
        if col in got.columns:
            frac[col] = got[col] - index.get_level_values(key)
            inside = ((frac[col] >= 0) & (frac[col] <= 1)).all()
            expect(bool(inside), f"mean of {col} per group within [{key}, {key} + 1]", frac[col])
    worst = max(float(np.max(np.abs(f - 0.5))) for f in frac.values())
    expect(worst <= tol, f"group means within {tol:.2g} of their 0.5 offset", worst)


@workload("dataframes", "groupby-mean", "groupby(k1) mean of two columns")
def groupby_mean(ctx: WorkloadContext) -> Trial[pd.DataFrame]:
    """Timed: a tree reduction of per-partition group sums."""
    data = _Data(ctx)
    check = partial(_check_groups, keys=["k1"], data=data)
    return _trial(data, lambda df: df.groupby("k1")[["x", "z"]].mean(), check, 3)


@workload("dataframes", "groupby-mean-2", "groupby(k1, k2) mean of three columns")
def groupby_mean_2(ctx: WorkloadContext) -> Trial[pd.DataFrame]:
    """Timed: as ``groupby-mean`` with a two-column key."""
    data = _Data(ctx)
    check = partial(_check_groups, keys=["k1", "k2"], data=data)
    return _trial(data, lambda df: df.groupby(["k1", "k2"])[["x", "z", "w"]].mean(), check, 5)


@workload("dataframes", "groupby-apply", "groupby(k1).apply of a pandas function (shuffle)")
def groupby_apply(ctx: WorkloadContext) -> Trial[pd.DataFrame]:
    """Timed: shuffling whole groups together, then one pandas call per group."""
    data = _Data(ctx)
    meta = pd.DataFrame({c: pd.Series(dtype="float64") for c in ("n", "zmin", "zmax")})

    def check(result: pd.DataFrame) -> None:
        got = result.sort_index()
        rows = int(got["n"].sum())
        expect(rows == data.total, f"{data.total} rows in the groups", rows)
        keys = got.index.to_numpy()
        if data.total >= _ALL_GROUPS_FROM:
            expect(keys.tolist() == list(range(K1)), f"groups 0..{K1 - 1}", keys.tolist())
        inside = (got["zmin"] >= keys) & (got["zmax"] < keys + 1)
        expect(bool(inside.all()), "z of group k within [k, k + 1)", got[["zmin", "zmax"]])

    return _trial(data, lambda df: df.groupby("k1").apply(group_summary, meta=meta), check, 6)


def _check_order(
    data: _Data, result: Any, *, by: str | None, total: float, bounds: list[float] | None = None
) -> None:
    """A sorted, complete, consistent result, checked from per-partition summaries."""
    parts = pd.DataFrame(map_chunks(data.ctx, summarize, _partitions(data, result), by=by))
    expect(int(parts["n"].sum()) == data.total, f"{data.total} rows", int(parts["n"].sum()))
    full = parts[parts["n"] > 0]
    intact = bool(full["sorted"].all() and full["consistent"].all())
    expect(intact, "partitions sorted, rows intact", full[["sorted", "consistent"]])
    in_order = bool((full["hi"].to_numpy()[:-1] <= full["lo"].to_numpy()[1:]).all())
    expect(in_order, "partitions in order", full[["lo", "hi"]])
    kept = abs(parts["total"].sum() - total) <= 1e-9 * data.total
    expect(kept, f"the sum of the key preserved ({total})", parts["total"].sum())
    if bounds is not None:
        lo, hi = np.asarray(bounds[:-1]), np.asarray(bounds[1:])
        inside = (parts["n"] == 0) | ((parts["lo"] >= lo) & (parts["hi"] <= hi))
        expect(bool(inside.all()), "every partition within its divisions", parts[["lo", "hi"]])


@workload("dataframes", "sort-values", "sort_values by a float column, persisted")
def sort_values(ctx: WorkloadContext) -> Trial[Any]:
    """Timed: sampling divisions, then an all-to-all shuffle and per-partition sorts."""
    data = _Data(ctx)
    xsum = float(ctx.compute(data.fresh()["x"].sum()))
    check = partial(_check_order, data, by="x", total=xsum)
    return _trial(data, lambda df: df.sort_values("x"), check, 6, persist=True)


@workload("dataframes", "set-index", "set_index on a float column (shuffle), persisted")
def set_index(ctx: WorkloadContext) -> Trial[Any]:
    """Timed: an all-to-all shuffle into known divisions.

    ``x`` is uniform on [0, 1), so even divisions are known in advance: the
    workload is the shuffle alone (``sort-values`` covers sampling them).
    """
    data = _Data(ctx)
    bounds = np.linspace(0.0, 1.0, data.parts + 1).tolist()
    xsum = float(ctx.compute(data.fresh()["x"].sum()))

    def check(result: Any) -> None:
        expect(tuple(result.divisions) == tuple(bounds), f"divisions {bounds}", result.divisions)
        _check_order(data, result, by=None, total=xsum, bounds=bounds)

    return _trial(data, lambda df: df.set_index("x", divisions=bounds), check, 6, persist=True)


@workload("dataframes", "merge", "Inner merge (hash join) with a frame of half the rows")
def merge(ctx: WorkloadContext) -> Trial[Any]:
    """Timed: shuffling both frames on the id, then joining partition pairs."""
    data = _Data(ctx)
    right_meta = make_right(0, ctx.seed, 0, 1)
    right = data.from_map(make_right, right_meta, None, "right", nparts=data.parts)
    data.persist("right", right, right_meta, (None,) * (data.parts + 1))
    half = (data.total + 1) // 2  # the even ids below total
    probe = min(64, data.rows)

    def check(result: Any) -> None:
        summaries = map_chunks(ctx, merge_summary, _partitions(data, result), probe=probe)
        stats = pd.DataFrame([st for st, _ in summaries])
        head = pd.concat([rows for _, rows in summaries])
        expect(int(stats["n"].sum()) == half, f"{half} joined rows", int(stats["n"].sum()))
        ids = int(stats["ids"].sum())
        expect(ids == half * (half - 1), f"ids summing to {half * (half - 1)}", ids)
        expect(bool(stats["ok"].all()), "every row joined to v = id / 2", stats["ok"].tolist())
        got = head.set_index("id").sort_index()[list(data.meta.columns)]
        ref = data.reference(0).iloc[:probe:2]
        _same(got, ref, f"left rows of ids < {probe}")

    def build(df: Any) -> Any:
        return df.merge(data.fresh("right"), left_index=True, right_on="id")

    nbytes = data.total * _ROW_BYTES + half * 16
    return _trial(data, build, check, 6, persist=True, nbytes=nbytes)


@workload(
    "dataframes",
    "rolling-mean",
    "Rolling mean over `window` rows of two columns, persisted",
    options={"window": 10},
)
def rolling_mean(ctx: WorkloadContext) -> Trial[Any]:
    """Timed: exchanging partition edges with neighbours, then a rolling window."""
    data = _Data(ctx)
    window = int(ctx.option("window"))

    def expected(i: int) -> pd.DataFrame:
        # The previous partition supplies the window's history.
        frames = [data.reference(j) for j in (i - 1, i) if j >= 0]
        rolled = pd.concat(frames)[["x", "y"]].rolling(window).mean()
        return rolled.iloc[-data.rows :]

    def check(result: Any) -> None:
        _check_partitions(data, result, expected, f"rolling({window}).mean()", exact=False)

    return _trial(data, lambda df: df[["x", "y"]].rolling(window).mean(), check, 2, persist=True)
