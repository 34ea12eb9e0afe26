"""Suite ``arrays``: dask.array workloads on float64 data.

``chunk_size`` is the edge of a square block (``chunk_size**2 * 8`` bytes) and
``chunks`` the number of blocks, arranged in an ``r x c`` grid (``r`` the largest
divisor of ``chunks`` not above its square root). ``transpose-add`` needs a square
array: its side is chosen so that its area is closest to ``chunks`` blocks, cut into
blocks of ``chunk_size``, partial at the far edges. ``Trial.nbytes`` is the size of
the array a repetition processes; in weak scaling it grows with ``chunks``.

The data is uniform on [0, 1); block ``(i, j)`` is drawn by its own
``numpy.random.default_rng([seed, i, j])``, so checks can regenerate any row of
any block on the client. Checks of persisted results inspect the first and the
last block (one task each) so that they stay cheap at any size. Workloads whose
result stays on the cluster give their output keys fresh names in every
repetition.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from dask_bench.workloads._blocks import (
    _UNIFORM_KURTOSIS,
    _UNIFORM_STD,
    Block,
    _blocks,
    _check_block_rows,
    _difference,
    _element,
    _grid_input,
    _Input,
    _random_array,
    _regen_rows,
    _spots,
    _trial,
    edges,
    grid,
    identity,
    laplacian,
    max_deviation,
    sqrt_affine,
    square_side,
    take_columns,
    take_rows,
)
from dask_bench.workloads._common import (
    chunk_futures,
    count_tasks,
    expect,
    fresh_name,
    map_chunks,
    std_tolerance,
)
from dask_bench.workloads.registry import Metric, Trial, WorkloadContext, workload


@workload("arrays", "create", "Create a random 2-D array and persist it")
def create(ctx: WorkloadContext) -> Trial[Any]:
    """Timed: drawing the random blocks on the workers and persisting them."""
    r, c = grid(ctx.chunks)
    b = ctx.chunk_size
    shape = (r * b, c * b)
    ntasks = count_tasks(ctx.client, _random_array(ctx.seed, shape, (b, b), "count"), persist=True)
    layout = ((b,) * r, (b,) * c)

    def run() -> Any:
        return ctx.persist(_random_array(ctx.seed, shape, (b, b), fresh_name("create")))

    def check(result: Any) -> None:
        _check_block_rows(ctx, result, layout, identity, "the seeded draws")

    return Trial(run, check, nbytes=shape[0] * shape[1] * 8, ntasks=ntasks)


@workload("arrays", "map-blocks", "Blockwise map 2 sqrt(x) + 1 of a persisted array")
def map_blocks(ctx: WorkloadContext) -> Trial[Any]:
    """Timed: one ``map_blocks`` task per block, result persisted."""
    inp = _grid_input(ctx)

    def build(x: Any) -> Any:
        return x.map_blocks(sqrt_affine, dtype=np.float64, name=fresh_name("map-blocks"))

    def check(result: Any) -> None:
        _check_block_rows(ctx, result, inp.array.chunks, sqrt_affine, "2 sqrt(x) + 1")

    return _trial(ctx, inp, build, check, persist=True)


@workload(
    "arrays",
    "random-access",
    "Read points_per_chunk random elements per block of a persisted array",
    options={"points_per_chunk": 4},
    metric=Metric.LATENCY,
)
def random_access(ctx: WorkloadContext) -> Trial[Block]:
    """Timed: gathering scattered single elements (latency rather than bandwidth)."""
    inp = _grid_input(ctx)
    npoints = int(ctx.option("points_per_chunk")) * ctx.chunks
    gen = np.random.default_rng(ctx.seed)
    rows = gen.integers(0, inp.shape[0], npoints)
    cols = gen.integers(0, inp.shape[1], npoints)

    def check(result: Block) -> None:
        points = zip(rows.tolist(), cols.tolist(), strict=True)
        expected = np.array([_element(ctx.seed, inp.block, i, j) for i, j in points])
        expect(
            np.array_equal(result, expected),
            f"the {npoints} seeded elements, first {expected[:3]}",
            f"{len(result)} values, first {result[:3]}",
        )

    trial = _trial(ctx, inp, lambda x: x.vindex[rows, cols], check)
    trial.nbytes = npoints * 8
    return trial


@workload("arrays", "std", "Standard deviation of a whole persisted array")
def std(ctx: WorkloadContext) -> Trial[float]:
    """Timed: a full reduction to one number."""
    inp = _grid_input(ctx)
    n = inp.shape[0] * inp.shape[1]
    expected = _UNIFORM_STD * math.sqrt(1.0 - 1.0 / n)  # ddof=0
    tol = std_tolerance(_UNIFORM_STD, _UNIFORM_KURTOSIS, n)

    def check(result: float) -> None:
        what = f"std of {n} uniform draws within {tol:.2g} of {expected:.6f}"
        expect(abs(result - expected) <= tol, what, result)

    return _trial(ctx, inp, lambda x: x.std(), check)


@workload("arrays", "std-axis", "Standard deviation along axis 0 of a persisted array")
def std_axis(ctx: WorkloadContext) -> Trial[Block]:
    """Timed: a reduction along one axis, one value per column."""
    inp = _grid_input(ctx)
    nrows, ncols = inp.shape
    expected = _UNIFORM_STD * math.sqrt(1.0 - 1.0 / nrows)
    tol = std_tolerance(_UNIFORM_STD, _UNIFORM_KURTOSIS, nrows, z=8.0)
    # The first and the last column of the array, read from the blocks holding them.
    r, c = grid(ctx.chunks)
    b = ctx.chunk_size
    locs = sorted({(i, j) for i in range(r) for j in (0, c - 1)})
    probe = [0, ncols - 1]

    def check(result: Block) -> None:
        expect(result.shape == (ncols,), f"{ncols} column stds", result.shape)
        # Exact reference on two columns fetched from the input ...
        src = chunk_futures(inp.array)
        pieces = map_chunks(ctx, take_columns, [src[loc] for loc in locs], columns=[0, b - 1])
        blocks = dict(zip(locs, pieces, strict=True))
        first = np.concatenate([blocks[(i, 0)][:, 0] for i in range(r)])
        last = np.concatenate([blocks[(i, c - 1)][:, 1] for i in range(r)])
        ref = np.array([np.std(first), np.std(last)])
        what = f"numpy std of columns {probe} = {ref}"
        expect(np.allclose(result[probe], ref, rtol=1e-10, atol=0.0), what, result[probe])
        # ... and every column plausible for uniform data.
        worst = float(np.max(np.abs(result - expected)))
        what = f"every column std within {tol:.2g} of {expected:.4f}"
        expect(worst <= tol, what, f"a deviation of {worst:.3g}")

    return _trial(ctx, inp, lambda x: x.std(axis=0), check)


@workload("arrays", "sin2-cos2", "Elementwise sin(x)**2 + cos(x)**2, persisted")
def sin2_cos2(ctx: WorkloadContext) -> Trial[Any]:
    """Timed: a fused chain of elementwise operations, result persisted."""
    import dask.array as da

    inp = _grid_input(ctx)

    def check(result: Any) -> None:
        futures = _blocks(result, inp.array.chunks)
        spots = _spots(futures)
        worst = max(map_chunks(ctx, max_deviation, [futures[s] for s in spots], value=1.0))
        expect(worst <= 1e-12, f"sin^2 + cos^2 == 1 in blocks {spots}", f"a deviation {worst}")

    def build(x: Any) -> Any:
        return da.sin(x) ** 2 + da.cos(x) ** 2

    return _trial(ctx, inp, build, check, persist=True, rename=True)


@workload("arrays", "transpose-add", "x + x.T on a square persisted array", version=2)
def transpose_add(ctx: WorkloadContext) -> Trial[Any]:
    """Timed: every block meets its mirror block (communication between workers).

    The array is the square whose area is closest to ``chunks`` blocks of
    ``chunk_size**2`` elements, cut into ``chunk_size x chunk_size`` blocks (the
    last row and column of blocks partial where the side is not a multiple of
    ``chunk_size``): the data grows with ``chunks`` for any chunk count, within
    one row of elements. ``nbytes`` reports its true size.
    """
    import dask.array as da

    b = ctx.chunk_size
    side = square_side(ctx.chunks * b * b)
    inp = _Input(ctx, (side, side), (b, b))
    k = inp.array.numblocks[0]  # blocks per side

    def build(x: Any) -> Any:
        # x + x.T, written blockwise so that the output can be named afresh.
        name = fresh_name("transpose-add")
        return da.map_blocks(np.add, x, x.T, dtype=np.float64, name=name)

    def check(result: Any) -> None:
        # Blocks (0, k-1) and (k-1, 0) mirror each other: y[0, j] == x[0, j] + x[j, 0].
        out, src = _blocks(result, inp.array.chunks), chunk_futures(inp.array)
        corners = [(0, k - 1), (k - 1, 0)]
        y01, y10, x01, x10 = map_chunks(
            ctx, edges, [*(out[s] for s in corners), *(src[s] for s in corners)]
        )
        expected = x01[0] + x10[1]
        what = "x[0, j] + x[j, 0] along the first row of block (0, k-1)"
        expect(np.array_equal(y01[0], expected), what, _difference(y01[0], expected))
        expect(np.array_equal(y10[1], y01[0]), "a symmetric result", "y[j, 0] != y[0, j]")

    return _trial(ctx, inp, build, check, persist=True)


@workload("arrays", "rechunk", "Rechunk rows of blocks into columns of blocks (all-to-all)")
def rechunk(ctx: WorkloadContext) -> Trial[Any]:
    """Timed: each of ``r`` row stripes is split among ``c`` column stripes.

    The input is ``r`` chunks of ``1 x c`` blocks, the output ``c`` chunks of
    ``r x 1`` blocks: ``chunks`` block-sized pieces move, whatever the grid.
    """
    r, c = grid(ctx.chunks)
    b = ctx.chunk_size
    inp = _Input(ctx, (r * b, c * b), (b, c * b))
    target = ((r * b,), (b,) * c)

    def check(result: Any) -> None:
        futures = _blocks(result, target)
        spots = _spots(futures)
        # Row i * b of a column stripe is the first row of input stripe i.
        got = map_chunks(
            ctx, take_rows, [futures[s] for s in spots], rows=[i * b for i in range(r)]
        )
        first = np.vstack([_regen_rows(inp.seed, (i, 0), c * b, [0]) for i in range(r)])
        for (_, j), rows in zip(spots, got, strict=True):
            expected = first[:, j * b : (j + 1) * b]
            expect(
                np.array_equal(rows, expected), f"the input rows in column stripe {j}", rows[:, :3]
            )

    def build(x: Any) -> Any:
        return x.rechunk((r * b, b))

    return _trial(ctx, inp, build, check, persist=True, rename=True)


@workload("arrays", "map-overlap", "Depth-1 5-point stencil with map_overlap, persisted")
def map_overlap(ctx: WorkloadContext) -> Trial[Any]:
    """Timed: exchanging one-cell halos between neighbouring blocks, then a stencil."""
    inp = _grid_input(ctx)
    (nrows, ncols), b = inp.shape, ctx.chunk_size
    # Two 4x4 windows: the array's corner (zero boundary) and, when there is one,
    # the corner where blocks (0, 0), (0, 1), (1, 0) and (1, 1) meet.
    windows = []
    for ci, cj in [(0, 0), (min(b, nrows // 2), min(b, ncols // 2))]:
        r0, r1, c0, c1 = max(ci - 2, 0), min(ci + 2, nrows), max(cj - 2, 0), min(cj + 2, ncols)
        # The input around the window, zero-padded where it leaves the array.
        pads = ((int(r0 == 0), int(r1 == nrows)), (int(c0 == 0), int(c1 == ncols)))
        source = (
            slice(r0 - 1 + pads[0][0], r1 + 1 - pads[0][1]),
            slice(c0 - 1 + pads[1][0], c1 + 1 - pads[1][1]),
        )
        windows.append(((slice(r0, r1), slice(c0, c1)), source, pads))

    def build(x: Any) -> Any:
        name = fresh_name("map-overlap")
        return x.map_overlap(
            laplacian, depth=1, boundary=0, trim=False, dtype=np.float64, name=name
        )

    def check(result: Any) -> None:
        _blocks(result, inp.array.chunks)
        got = ctx.compute(
            *(result[w] for w, _, _ in windows), *(inp.array[s] for _, s, _ in windows)
        )
        for n, (window, _, pads) in enumerate(windows):
            expected = laplacian(np.pad(got[len(windows) + n], pads))
            what = f"the 5-point Laplacian at rows {window[0]}, columns {window[1]}"
            expect(np.allclose(got[n], expected, rtol=1e-12, atol=1e-12), what, got[n])

    return _trial(ctx, inp, build, check, persist=True)
