"""Data and checks of the ``arrays`` suite: how blocks are made, and how results are verified."""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import Any

import numpy as np
from numpy.typing import NDArray

from dask_bench.workloads._common import (
    chunk_futures,
    count_tasks,
    expect,
    fresh_name,
    map_chunks,
)
from dask_bench.workloads.registry import Trial, WorkloadContext

Block = NDArray[np.float64]
_UNIFORM_STD = 1.0 / math.sqrt(12.0)
_UNIFORM_KURTOSIS = 1.8


def random_block(block_info: Any = None, *, seed: int) -> Block:
    """Draw one block of uniform [0, 1) data from the seed and the block's location."""
    info = block_info[None]
    i, j = info["chunk-location"]
    shape: tuple[int, int] = info["chunk-shape"]
    return np.random.default_rng([seed, i, j]).random(shape)


def sqrt_affine(block: Block) -> Block:
    """The blockwise map: ``2 sqrt(b) + 1``."""
    return np.sqrt(block) * 2.0 + 1.0


def laplacian(block: Block) -> Block:
    """5-point Laplacian of the interior of a block padded by one cell."""
    mid = block[1:-1, 1:-1]
    return 4.0 * mid - block[:-2, 1:-1] - block[2:, 1:-1] - block[1:-1, :-2] - block[1:-1, 2:]


def identity(block: Block) -> Block:
    """Return the block itself (renames an array without copying it)."""
    return block


def take_rows(block: Block, rows: list[int]) -> Block:
    """Rows ``rows`` of a block (what a check fetches instead of the block)."""
    return block[rows].copy()


def take_columns(block: Block, columns: list[int]) -> Block:
    """Columns ``columns`` of a block."""
    return block[:, columns].copy()


def edges(block: Block) -> tuple[Block, Block]:
    """First row and first column of a block."""
    return block[0].copy(), block[:, 0].copy()


def max_deviation(block: Block, value: float) -> float:
    """Largest ``|block - value|``."""
    return float(np.max(np.abs(block - value)))


def _difference(got: Block, expected: Block) -> str:
    """Describe how ``got`` differs from ``expected``, for a WrongResult message."""
    if got.shape != expected.shape:
        return f"shape {got.shape} instead of {expected.shape}"
    return f"a largest difference of {float(np.max(np.abs(got - expected))):.3g}"


def grid(chunks: int) -> tuple[int, int]:
    """``(r, c)`` with ``r * c == chunks`` and ``r`` the largest divisor <= sqrt."""
    r = max(d for d in range(1, math.isqrt(chunks) + 1) if chunks % d == 0)
    return r, chunks // r


def square_side(area: int) -> int:
    """Side (at least 1) of the square whose area is closest to ``area``.

    The square is off by at most its side: ``|side**2 - area| <= side``.
    """
    k = math.isqrt(area)
    return k + 1 if (k + 1) ** 2 - area < area - k * k else max(k, 1)


def _random_array(seed: int, shape: tuple[int, int], block: tuple[int, int], name: str) -> Any:
    import dask.array as da

    chunks = da.core.normalize_chunks(block, shape)
    return da.map_blocks(random_block, seed=seed, chunks=chunks, dtype=np.float64, name=name)


def _regen_rows(seed: int, loc: tuple[int, int], width: int, rows: list[int]) -> Block:
    """Rows ``rows`` of block ``loc`` (of ``width`` columns), regenerated on the client."""
    out = np.empty((len(rows), width))
    for n, row in enumerate(rows):
        bits = np.random.PCG64([seed, *loc])  # what default_rng([seed, i, j]) uses
        # PCG64 draws one 64-bit output per double, so this skips to the row.
        bits.advance(row * width)
        out[n] = np.random.Generator(bits).random(width)
    return out


def _element(seed: int, block: tuple[int, int], i: int, j: int) -> float:
    """Element ``(i, j)`` of an array of ``block``-shaped blocks, regenerated."""
    bh, bw = block
    row = _regen_rows(seed, (i // bh, j // bw), bw, [i % bh])
    return float(row[0, j % bw])


class _Input:
    """A persisted input array, dropped by ``Trial.release``."""

    def __init__(self, ctx: WorkloadContext, shape: tuple[int, int], block: tuple[int, int]):
        self.shape, self.block, self.seed = shape, block, ctx.seed
        self.array: Any = ctx.persist(_random_array(ctx.seed, shape, block, fresh_name("input")))
        self.nbytes = shape[0] * shape[1] * 8

    def fresh(self) -> Any:
        """The input under a new name, so outputs derived from it get fresh keys."""
        return self.array.map_blocks(identity, name=fresh_name("input"), dtype=np.float64)

    def release(self) -> None:
        self.array = None


def _grid_input(ctx: WorkloadContext) -> _Input:
    r, c = grid(ctx.chunks)
    b = ctx.chunk_size
    return _Input(ctx, (r * b, c * b), (b, b))


def _trial(
    ctx: WorkloadContext,
    inp: _Input,
    build: Callable[[Any], Any],
    check: Callable[[Any], None],
    *,
    persist: bool = False,
    rename: bool = False,
) -> Trial[Any]:
    """A trial computing, or persisting, ``build(input)``.

    ``rename`` gives the input a fresh name in each repetition, for outputs that
    stay on the cluster and whose names derive from the input's.
    """

    def collection() -> Any:
        return build(inp.fresh() if rename else inp.array)

    ntasks = count_tasks(ctx.client, collection(), persist=persist)
    submit = ctx.persist if persist else ctx.compute
    return Trial(
        run=lambda: submit(collection()),
        check=check,
        nbytes=inp.nbytes,
        ntasks=ntasks,
        release=inp.release,
    )


def _blocks(result: Any, chunks: tuple[tuple[int, ...], ...]) -> dict[Any, Any]:
    """The futures of a persisted result by block location, after checking its layout."""
    expect(result.chunks == chunks, f"chunks {chunks}", result.chunks)
    futures = chunk_futures(result)
    count = len(chunks[0]) * len(chunks[1])
    expect(len(futures) == count, f"{count} blocks on the cluster", len(futures))
    return futures


def _spots(futures: dict[Any, Any]) -> list[Any]:
    """The first and the last block."""
    locs = sorted(futures)
    return sorted({locs[0], locs[-1]})


def _check_block_rows(
    ctx: WorkloadContext,
    result: Any,
    layout: tuple[tuple[int, ...], tuple[int, ...]],
    func: Callable[[Block], Block],
    what: str,
) -> None:
    """First and last rows of the spot blocks equal ``func`` of the regenerated input."""
    futures = _blocks(result, layout)
    spots = _spots(futures)
    bh, bw = layout[0][0], layout[1][0]
    rows = [0, bh - 1]
    got = map_chunks(ctx, take_rows, [futures[s] for s in spots], rows=rows)
    for loc, block in zip(spots, got, strict=True):
        expected = func(_regen_rows(ctx.seed, loc, bw, rows))
        expect(
            np.array_equal(block, expected), f"{what} in block {loc}", _difference(block, expected)
        )
