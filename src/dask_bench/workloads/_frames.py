"""Data and checks of the ``dataframes`` suite: how partitions are made and verified."""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import Any

import numpy as np
import pandas as pd

from dask_bench.errors import WrongResult
from dask_bench.workloads._common import (
    chunk_futures,
    count_tasks,
    expect,
    fresh_name,
    map_chunks,
)
from dask_bench.workloads.registry import Trial, WorkloadContext

K1, K2 = 8, 4
FLOATS = ["x", "y", "z", "w"]
_ROW_BYTES = 8 * 6  # four float64 and two int64 columns; the index is a RangeIndex
_SAMPLE_STEP = 97  # rows compared with the reference: every 97th
_ALL_GROUPS_FROM = 1000  # rows above which a missing group cannot be chance
# (std, kurtosis) of each float column; ``std`` checks their sample stds.
_MOMENTS = {
    "x": (1 / math.sqrt(12), 1.8),
    "y": (1.0, 3.0),
    "z": (8 / math.sqrt(12), 1.8),
    "w": (4 / math.sqrt(12), 1.8),
}


def make_partition(i: int, seed: int, rows: int) -> pd.DataFrame:
    """Draw partition ``i`` (see the module docstring)."""
    gen = np.random.default_rng([seed, 0, i])
    k1 = gen.integers(0, K1, rows)
    k2 = gen.integers(0, K2, rows)
    columns = {
        "x": gen.random(rows),
        "y": gen.standard_normal(rows),
        "z": k1 + gen.random(rows),
        "w": k2 + gen.random(rows),
        "k1": k1,
        "k2": k2,
    }
    return pd.DataFrame(columns, index=pd.RangeIndex(i * rows, (i + 1) * rows, name="id"))


def make_right(i: int, seed: int, rows: int, nparts: int) -> pd.DataFrame:
    """Partition ``i`` of the frame merged with the main one.

    It holds the even ids of main partition ``nparts - 1 - i``, shuffled, and
    ``v = id / 2``.
    """
    j = nparts - 1 - i
    ids = np.arange(j * rows, (j + 1) * rows)
    ids = np.random.default_rng([seed, 1, i]).permutation(ids[ids % 2 == 0])
    return pd.DataFrame({"id": ids, "v": ids * 0.5})


def transform(part: pd.DataFrame) -> pd.DataFrame:
    """The ``map-partitions`` function: add two derived columns."""
    return part.assign(r=np.hypot(part["x"], part["y"]), u=part["z"] - part["k1"])


def sample_rows(part: pd.DataFrame) -> pd.DataFrame:
    """Every ``_SAMPLE_STEP``-th row, to compare a partition cheaply."""
    return part.iloc[::_SAMPLE_STEP]


def summarize(part: pd.DataFrame, by: str | None = None) -> dict[str, Any]:
    """Size, range, order and sum of a key of a partition, and whether rows are intact.

    The key is column ``by`` or, if ``None``, the index. ``consistent`` says that
    every row still satisfies ``0 <= z - k1 < 1`` (its values were not torn apart).
    """
    key = pd.Series(part.index if by is None else part[by])
    frac = part["z"] - part["k1"]
    return {
        "n": len(part),
        "lo": float(key.min()),
        "hi": float(key.max()),
        "sorted": bool(key.is_monotonic_increasing),
        "total": float(key.sum()),
        "consistent": bool(((frac >= 0) & (frac < 1)).all()),
    }


def spot_summary(part: pd.DataFrame) -> tuple[int, pd.DataFrame]:
    """Length and sampled rows of a partition."""
    return len(part), sample_rows(part)


def merge_summary(part: pd.DataFrame, probe: int) -> tuple[dict[str, Any], pd.DataFrame]:
    """Rows, sum of ids, whether every row joined its own ``v = id / 2``; rows of small ids."""
    ok = bool(((part["id"] % 2 == 0) & (part["v"] == part["id"] * 0.5)).all())
    return {"n": len(part), "ids": int(part["id"].sum()), "ok": ok}, part[part["id"] < probe]


def group_summary(group: pd.DataFrame) -> pd.Series:
    """The ``groupby-apply`` function: size and range of ``z`` of one group."""
    return pd.Series({"n": float(len(group)), "zmin": group["z"].min(), "zmax": group["z"].max()})


def _same(got: pd.DataFrame, expected: pd.DataFrame, what: str, exact: bool = True) -> None:
    try:
        pd.testing.assert_frame_equal(got, expected, check_exact=exact, rtol=1e-9)
    except AssertionError as exc:
        first = str(exc).strip().splitlines()[0]
        raise WrongResult(f"{what}, got a different frame ({first})") from None


class _Data:
    """The persisted main frame (and any other input) of one trial."""

    def __init__(self, ctx: WorkloadContext, persist: bool = True):
        self.ctx, self.rows, self.parts = ctx, ctx.chunk_size, ctx.chunks
        self.total = self.rows * self.parts
        self.meta = make_partition(0, ctx.seed, 0)
        self.divisions = (*range(0, self.total, self.rows), self.total - 1)
        self._inputs: dict[str, tuple[dict[Any, Any], Any, Any]] = {}
        if persist:
            self.persist("main", self.build(fresh_name("input")), self.meta, self.divisions)

    def build(self, label: str) -> Any:
        """The main frame, not yet computed, under a ``label``-prefixed name."""
        return self.from_map(make_partition, self.meta, self.divisions, label)

    def from_map(self, func: Any, meta: Any, divisions: Any, label: str, **kwargs: Any) -> Any:
        """A frame of ``func(i, seed, rows, **kwargs)`` for each partition ``i``."""
        import dask.dataframe as dd

        kwargs.update(seed=self.ctx.seed, rows=self.rows)
        parts = range(self.parts)
        return dd.from_map(func, parts, meta=meta, divisions=divisions, label=label, **kwargs)

    def persist(self, key: str, frame: Any, meta: Any, divisions: Any) -> None:
        from distributed import futures_of

        futures = {f.key: f for f in futures_of(self.ctx.persist(frame))}
        self._inputs[key] = (futures, meta, divisions)

    def fresh(self, key: str = "main") -> Any:
        """Input ``key`` under a new name, pointing at the same persisted chunks."""
        import dask.dataframe as dd

        futures, meta, divisions = self._inputs[key]
        return dd.from_graph(futures, meta, divisions, sorted(futures), fresh_name("input"))

    def reference(self, i: int) -> pd.DataFrame:
        return make_partition(i, self.ctx.seed, self.rows)

    def spots(self) -> list[int]:
        """Partitions compared with a reference: the last (drawn from the largest seed)."""
        return [self.parts - 1]

    def release(self) -> None:
        self._inputs.clear()


def _trial(
    data: _Data,
    build: Callable[[Any], Any],
    check: Callable[[Any], None],
    columns: int,
    *,
    persist: bool = False,
    nbytes: int | None = None,
) -> Trial[Any]:
    """A trial computing, or persisting, ``build(main frame)``.

    ``nbytes`` defaults to the bytes of ``columns`` 8-byte columns of the frame.
    """
    ctx = data.ctx
    ntasks = count_tasks(ctx.client, build(data.fresh()), persist=persist)
    submit = ctx.persist if persist else ctx.compute
    nbytes = data.total * 8 * columns if nbytes is None else nbytes
    return Trial(
        run=lambda: submit(build(data.fresh())),
        check=check,
        nbytes=nbytes,
        ntasks=ntasks,
        release=data.release,
    )


def _partitions(data: _Data, result: Any) -> list[Any]:
    """The futures of a persisted result in partition order, after counting them."""
    futures = chunk_futures(result)
    expect(len(futures) == data.parts, f"{data.parts} partitions", len(futures))
    return [futures[k] for k in sorted(futures)]


def _check_partitions(
    data: _Data, result: Any, expected: Callable[[int], pd.DataFrame], what: str, exact: bool = True
) -> None:
    """Spot partitions have ``rows`` rows and sampled rows equal to ``expected(i)``."""
    futures, spots = _partitions(data, result), data.spots()
    got = map_chunks(data.ctx, spot_summary, [futures[i] for i in spots])
    for i, (length, rows) in zip(spots, got, strict=True):
        expect(length == data.rows, f"{data.rows} rows in partition {i}", length)
        _same(rows, sample_rows(expected(i)), f"{what} in partition {i}", exact)
