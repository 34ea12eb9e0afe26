"""Suite ``climate``: xarray workloads on a synthetic daily temperature field.

A chunk is ``chunk_size`` days of a global ``lat x lon`` grid of float32 (spacing
``grid_degrees``, 1 degree by default: 180 x 360 cells); the time axis has
``chunks * chunk_size`` days from 2000-01-01, so weak scaling grows the time axis
with the processing units. The ``chunking`` option cuts the same data along time
(``temporal``), into latitude bands holding the whole time axis (``spatial``), or
as dask's ``"auto"`` chooses. The field is persisted before timing;
``Trial.nbytes`` is its size. xarray is an optional dependency (the ``climate``
extra) and is imported only when a workload is prepared.

Every check regenerates a small slice of the field on the client (a few days of
the whole grid, or the whole time series of three grid cells) and compares the
result there with the same statistic computed by plain numpy, in float64, within a
relative tolerance well above float32 rounding (at most 5e-6 was seen over 40 000 days
in one chunk) and well below any real mistake.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any

import numpy as np

from dask_bench.workloads._climate import (
    OPTIONS,
    ClimateInput,
    Floats,
    anomaly_std,
    field,
    group_means,
    identity,
    months,
    subtract_climatology,
    weighted_mean,
)
from dask_bench.workloads._common import count_tasks, expect, fresh_name
from dask_bench.workloads.registry import Trial, WorkloadContext, workload

if TYPE_CHECKING:
    import xarray as xr

#: Relative tolerance of means of float32 data (0.03 K at 300 K).
RTOL = 1e-4
#: Relative tolerance of standard deviations (sums of squares in float32).
RTOL_STD = 1e-3


def _trial(
    ctx: WorkloadContext,
    inp: ClimateInput,
    build: Callable[[xr.Dataset], xr.DataArray],
    check: Callable[[Any], None],
    *,
    persist: bool = False,
) -> Trial[Any]:
    """A trial computing (or persisting, under a fresh name) ``build(dataset)``."""

    def collection() -> Any:
        data = build(inp.dataset()).data
        if persist:  # the output stays on the cluster: each repetition names it afresh
            data = data.map_blocks(identity, dtype=data.dtype, name=fresh_name("climate"))
        return data

    ntasks = count_tasks(ctx.client, collection(), persist=persist)
    submit = ctx.persist if persist else ctx.compute
    return Trial(
        run=lambda: submit(collection()),
        check=check,
        nbytes=inp.lay.nbytes,
        ntasks=ntasks,
        release=inp.release,
    )


def _close(got: Any, expected: Floats, what: str, rtol: float = RTOL) -> None:
    """Expect ``got`` to match numpy's ``expected`` within ``rtol`` (a one-line message)."""
    got = np.asarray(got, dtype=np.float64)
    expect(got.shape == expected.shape, f"numpy's {what}, shape {expected.shape}", got.shape)
    worst = float(np.max(np.abs(got - expected) / np.maximum(np.abs(expected), 1e-30)))
    ok = bool(np.allclose(got, expected, rtol=rtol, atol=0.0))
    expect(ok, f"numpy's {what} within {rtol:g}", f"a relative difference of {worst:.2g}")


def _shape(result: Any, shape: tuple[int, ...], what: str) -> None:
    expect(result.shape == shape, f"{what} of shape {shape}", f"shape {result.shape}")


def _per_cell(
    inp: ClimateInput, result: Any, reference: Callable[[Floats], Any], what: str, rtol: float
) -> None:
    """Compare ``result[..., i, j]`` with ``reference(series of cell (i, j))`` on a few cells."""
    for i, j in inp.cells():
        expected = np.asarray(reference(inp.series((i, j))), dtype=np.float64)
        _close(result[..., i, j], expected, f"{what} at cell ({i}, {j})", rtol)


@workload(
    "climate",
    "spatial-mean",
    "cos(latitude)-weighted global mean of every day (a time series)",
    options=OPTIONS,
)
def spatial_mean(ctx: WorkloadContext) -> Trial[Any]:
    """Timed: ``tas.weighted(cos(lat)).mean(("lat", "lon"))``, brought back."""
    inp = ClimateInput(ctx)
    lay = inp.lay
    days = sorted({0, lay.ntime // 2, lay.ntime - 1})

    def build(ds: xr.Dataset) -> xr.DataArray:
        weights = np.cos(np.deg2rad(ds.lat))
        return ds["tas"].weighted(weights).mean(("lat", "lon"))

    def check(result: Any) -> None:
        _shape(result, (lay.ntime,), "a daily series")
        block = field(inp.seed, lay, days, np.arange(lay.nlat), np.arange(lay.nlon))
        _close(result[days], weighted_mean(block, lay.lats()), f"weighted mean of days {days}")

    return _trial(ctx, inp, build, check)


@workload("climate", "temporal-mean", "Mean over time of every grid cell (a map)", options=OPTIONS)
def temporal_mean(ctx: WorkloadContext) -> Trial[Any]:
    """Timed: ``tas.mean("time")``, brought back."""
    inp = ClimateInput(ctx)
    lay = inp.lay

    def check(result: Any) -> None:
        _shape(result, (lay.nlat, lay.nlon), "a map")
        _per_cell(inp, result, np.mean, "time mean", RTOL)

    return _trial(ctx, inp, lambda ds: ds["tas"].mean("time"), check)


@workload(
    "climate",
    "climatology",
    "Monthly climatology: groupby('time.month').mean() (month x lat x lon)",
    options=OPTIONS,
)
def climatology(ctx: WorkloadContext) -> Trial[Any]:
    """Timed: the mean of each calendar month over all years, brought back."""
    inp = ClimateInput(ctx)
    lay = inp.lay
    month, _ = months(lay)
    nmonths = len(np.unique(month))

    def check(result: Any) -> None:
        _shape(result, (nmonths, lay.nlat, lay.nlon), "a climatology")
        _per_cell(inp, result, lambda s: group_means(s, month), "monthly means", RTOL)

    return _trial(ctx, inp, lambda ds: ds["tas"].groupby("time.month").mean("time"), check)


@workload(
    "climate",
    "anomaly",
    "Anomaly (data minus monthly climatology), its standard deviation over time (a map)",
    options=OPTIONS,
)
def anomaly(ctx: WorkloadContext) -> Trial[Any]:
    """Timed: ``groupby("time.month")`` arithmetic, then a reduction over time, brought back.

    The standard deviation over time of the anomaly keeps the whole field in play
    (a mean of the anomaly would be zero whatever the data) and returns one map.
    """
    inp = ClimateInput(ctx)
    lay = inp.lay
    month, _ = months(lay)

    def build(ds: xr.Dataset) -> xr.DataArray:
        import xarray as xr

        clim = ds["tas"].groupby("time.month").mean("time").chunk(month=-1)
        # Not `groupby - clim`: its dask take cuts the time axis into tiny chunks
        # (one a day without flox), tens of tasks per day. Blockwise instead.
        anom: xr.DataArray = xr.apply_ufunc(
            subtract_climatology,
            ds["tas"],
            ds.time.dt.month,
            clim,
            input_core_dims=[[], [], ["month"]],
            kwargs={"months": clim.month.values},
            dask="parallelized",
            output_dtypes=[np.float32],
        )
        return anom.std("time")

    def check(result: Any) -> None:
        _shape(result, (lay.nlat, lay.nlon), "a map")
        _per_cell(inp, result, lambda s: anomaly_std(s, month), "anomaly std", RTOL_STD)

    return _trial(ctx, inp, build, check)


@workload(
    "climate",
    "resample",
    "Monthly means: resample(time='MS').mean(), persisted (months x lat x lon)",
    options=OPTIONS,
)
def resample(ctx: WorkloadContext) -> Trial[Any]:
    """Timed: a resampling along time, its result persisted on the cluster."""
    import dask.array as da
    from distributed import futures_of

    inp = ClimateInput(ctx)
    lay = inp.lay
    _, since = months(lay)
    nmonths = len(np.unique(since))

    def check(result: Any) -> None:
        _shape(result, (nmonths, lay.nlat, lay.nlon), "monthly means")
        held = len(futures_of(result))
        expect(held == result.npartitions, f"{result.npartitions} chunks persisted", held)
        cells = inp.cells()
        got = ctx.compute(da.stack([result[:, i, j] for i, j in cells]))
        for n, cell in enumerate(cells):
            expected = group_means(inp.series(cell), since)
            _close(got[n], expected, f"monthly means at cell {cell}")

    def build(ds: xr.Dataset) -> xr.DataArray:
        return ds["tas"].resample(time="MS").mean("time")

    return _trial(ctx, inp, build, check, persist=True)
