"""Data and references of the ``climate`` suite: the synthetic field, its layout, numpy answers.

The field is a daily near-surface temperature ``tas`` (kelvin, float32) on a regular
global grid: a base that falls from the equator to the poles, a seasonal cycle whose
amplitude grows with latitude (opposite in the two hemispheres), a zonal wave, and
noise. Every value is a pure function of the seed and its ``(time, lat, lon)``
index, whatever the chunking, so a check regenerates any slice on the client and
computes the expected answer with plain numpy, and the three chunkings hold the
same data.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import numpy as np
from numpy.typing import NDArray

from dask_bench.errors import ConfigError
from dask_bench.study.catalogue import suite_info
from dask_bench.workloads._blocks import grid
from dask_bench.workloads._common import fresh_name
from dask_bench.workloads.registry import Choice, OptionValue, WorkloadContext

if TYPE_CHECKING:
    import xarray as xr

Field = NDArray[np.float32]
Floats = NDArray[np.float64]

#: How the field is cut into chunks (see :func:`layout`).
CHUNKING = Choice("temporal", "spatial", "auto")
#: The options every climate workload takes.
OPTIONS: dict[str, OptionValue] = {"chunking": CHUNKING, "grid_degrees": 1.0}
#: The first day of the time axis.
START = np.datetime64("2000-01-01", "D")
NOISE_K = 2.0  # standard deviation of the daily noise, kelvin
_YEAR = 365.2425
_GOLDEN = np.uint64(0x9E3779B97F4A7C15)
_MUL1 = np.uint64(0xBF58476D1CE4E5B9)
_MUL2 = np.uint64(0x94D049BB133111EB)


@dataclass(frozen=True)
class Layout:
    """The dataset's shape and its dask chunks (time, lat, lon)."""

    ntime: int
    nlat: int
    nlon: int
    chunks: tuple[tuple[int, ...], ...]

    @property
    def nbytes(self) -> int:
        """Bytes of the float32 field."""
        return self.ntime * self.nlat * self.nlon * 4

    def lats(self) -> Floats:
        """Cell-centre latitudes, south to north (-89.5 .. 89.5 on a 1 degree grid)."""
        step = 180.0 / self.nlat
        return (-90.0 + step * (np.arange(self.nlat) + 0.5)).astype(np.float64)

    def lons(self) -> Floats:
        """Longitudes from 0 eastwards (0 .. 359 on a 1 degree grid)."""
        return ((360.0 / self.nlon) * np.arange(self.nlon)).astype(np.float64)

    def times(self) -> NDArray[np.datetime64]:
        """One day per time step from :data:`START`."""
        return START + np.arange(self.ntime)


def _parts(n: int, k: int) -> tuple[int, ...]:
    """``n`` cut into ``min(k, n)`` nearly equal parts."""
    k = max(1, min(k, n))
    return tuple(n // k + (1 if i < n % k else 0) for i in range(k))


def layout(chunks: int, chunk_size: int, grid_degrees: float, chunking: str) -> Layout:
    """The dataset of ``chunks`` chunks of ``chunk_size`` days.

    The time axis has ``chunks * chunk_size`` days, so it grows with the processing
    units in weak scaling. ``temporal``: one chunk per ``chunk_size`` days of the full
    grid. ``spatial``: the full time axis per chunk, the grid cut into ``chunks`` latitude
    bands (tiles of bands x sectors beyond one band per latitude; never more chunks
    than grid cells). ``auto``: dask's ``"auto"`` chunks.

    Raises
    ------
    ConfigError
        When ``grid_degrees`` is not a positive number.
    """
    if not (math.isfinite(grid_degrees) and grid_degrees > 0):
        raise ConfigError(f"grid_degrees must be a positive number of degrees, not {grid_degrees}")
    # the spacing is rounded so that it divides 180 degrees
    nlat = max(1, round(180.0 / grid_degrees))
    nlon, ntime = 2 * nlat, chunks * chunk_size
    shape = (ntime, nlat, nlon)
    if chunking == "temporal":
        blocks: tuple[tuple[int, ...], ...] = ((chunk_size,) * chunks, (nlat,), (nlon,))
    elif chunking == "spatial":
        bands, sectors = (chunks, 1) if chunks <= nlat else grid(chunks)
        blocks = ((ntime,), _parts(nlat, bands), _parts(nlon, sectors))
    elif chunking == "auto":
        import dask.array as da

        blocks = da.core.normalize_chunks("auto", shape, dtype=np.float32)
    else:
        choices = ", ".join(CHUNKING.choices)
        raise ConfigError(f"chunking must be one of {choices}, not {chunking!r}")
    return Layout(ntime, nlat, nlon, blocks)


def _splitmix(n: NDArray[np.uint64], seed: int) -> Floats:
    """Outputs ``n`` of the splitmix64 stream of ``seed``, as uniforms in (0, 1]."""
    with np.errstate(over="ignore"):
        z = np.uint64(seed % 2**64) + (n + np.uint64(1)) * _GOLDEN
        z = (z ^ (z >> np.uint64(30))) * _MUL1
        z = (z ^ (z >> np.uint64(27))) * _MUL2
        z = z ^ (z >> np.uint64(31))
    return ((z >> np.uint64(11)).astype(np.float64) + 1.0) * 2.0**-53


def field(seed: int, lay: Layout, t: Any, i: Any, j: Any) -> Field:
    """The field at days ``t``, latitudes ``i`` and longitudes ``j`` (index arrays).

    Returns the ``len(t) x len(i) x len(j)`` block, in float32 like the dataset.
    """
    t, i, j = (np.asarray(x, dtype=np.int64) for x in (t, i, j))
    lat = np.deg2rad(lay.lats()[i])[None, :, None]
    lon = np.deg2rad(lay.lons()[j])[None, None, :]
    day = t.astype(np.float64)[:, None, None]
    base = 245.0 + 55.0 * np.cos(lat)
    # coldest in mid-January in the north, mid-July in the south
    seasonal = -20.0 * np.sin(lat) * np.cos(2.0 * np.pi * (day - 14.0) / _YEAR)
    zonal = 3.0 * np.cos(lat) * np.cos(2.0 * lon)
    flat = (t[:, None, None] * lay.nlat + i[None, :, None]) * lay.nlon + j[None, None, :]
    n = flat.astype(np.uint64) * np.uint64(2)
    # Box-Muller on two draws per cell: normal noise, independent of the chunking
    u1, u2 = _splitmix(n, seed), _splitmix(n + np.uint64(1), seed)
    noise = NOISE_K * np.sqrt(-2.0 * np.log(u1)) * np.cos(2.0 * np.pi * u2)
    out: Field = (base + seasonal + zonal + noise).astype(np.float32)
    return out


def field_block(block_info: Any = None, *, seed: int, lay: Layout) -> Field:
    """One dask block of the field, from its location in the array."""
    (t0, t1), (i0, i1), (j0, j1) = block_info[None]["array-location"]
    return field(seed, lay, np.arange(t0, t1), np.arange(i0, i1), np.arange(j0, j1))


def identity(block: Field) -> Field:
    """Return the block itself (names a result afresh without copying it)."""
    return block


def subtract_climatology(block: Field, month: Any, clim: Field, *, months: Any) -> Field:
    """A block minus the climatology of each day's month (``apply_ufunc``'s layout).

    ``month`` holds the calendar month (1..12) of each day of the block, ``clim`` the
    climatology with its month axis last, for the calendar months ``months`` (sorted).
    """
    slot = np.searchsorted(months, np.asarray(month).reshape(-1))
    return np.asarray(block - np.moveaxis(clim, -1, 0)[slot], dtype=np.float32)


def require_xarray() -> None:
    """Raise the suite's one-line install hint when xarray is missing."""
    problem = suite_info("climate").unavailable()
    if problem:
        raise ConfigError(problem)


class ClimateInput:
    """The persisted field and its coordinates, for one point; dropped by ``release``."""

    def __init__(self, ctx: WorkloadContext) -> None:
        require_xarray()
        import dask.array as da

        chunking = str(ctx.option("chunking"))
        self.lay = layout(ctx.chunks, ctx.chunk_size, float(ctx.option("grid_degrees")), chunking)
        self.seed = ctx.seed
        lazy = da.map_blocks(
            field_block,
            seed=ctx.seed,
            lay=self.lay,
            chunks=self.lay.chunks,
            dtype=np.float32,
            name=fresh_name("climate-input"),
        )
        self.array: Any = ctx.persist(lazy)

    def dataset(self) -> xr.Dataset:
        """The persisted field as an xarray Dataset with CF-like coordinates."""
        import xarray as xr

        lay = self.lay
        tas = xr.Variable(("time", "lat", "lon"), self.array, {"units": "K"})
        coords = {
            "time": ("time", lay.times().astype("datetime64[ns]")),
            "lat": ("lat", lay.lats(), {"units": "degrees_north"}),
            "lon": ("lon", lay.lons(), {"units": "degrees_east"}),
        }
        return xr.Dataset({"tas": tas}, coords=coords)

    def cells(self) -> list[tuple[int, int]]:
        """Grid cells a check inspects: the first, the middle and the last."""
        lay = self.lay
        return sorted({(0, 0), (lay.nlat // 2, lay.nlon // 2), (lay.nlat - 1, lay.nlon - 1)})

    def series(self, cell: tuple[int, int]) -> Floats:
        """The whole time series of one grid cell, regenerated, in float64."""
        i, j = cell
        return field(self.seed, self.lay, np.arange(self.lay.ntime), [i], [j])[:, 0, 0].astype(
            np.float64
        )

    def release(self) -> None:
        """Drop the persisted field (the cluster frees it)."""
        self.array = None


# --- the answers in plain numpy, on regenerated slices ------------------------------


def months(lay: Layout) -> tuple[NDArray[np.int64], NDArray[np.int64]]:
    """Calendar month (1..12) and months since :data:`START` of every day."""
    dates = lay.times()
    month_start = dates.astype("datetime64[M]")
    since = (month_start - START.astype("datetime64[M]")).astype(np.int64)
    return since % 12 + 1, since


def group_means(values: Floats, groups: NDArray[np.int64]) -> Floats:
    """Mean of ``values`` per group label, in the order of the labels present."""
    present, index = np.unique(groups, return_inverse=True)
    sums = np.bincount(index, weights=values, minlength=len(present))
    return np.asarray(sums / np.bincount(index, minlength=len(present)), dtype=np.float64)


def anomaly_std(values: Floats, month: NDArray[np.int64]) -> float:
    """Standard deviation over time of the values minus their monthly climatology."""
    _, index = np.unique(month, return_inverse=True)
    climatology = group_means(values, month)
    return float(np.std(values - climatology[index]))


def weighted_mean(block: Field, lats: Floats) -> Floats:
    """cos(latitude)-weighted mean over lat and lon of each time step of a block."""
    w = np.cos(np.deg2rad(lats))
    total = np.einsum("tij,i->t", block.astype(np.float64), w)
    return np.asarray(total / (w.sum() * block.shape[2]), dtype=np.float64)
