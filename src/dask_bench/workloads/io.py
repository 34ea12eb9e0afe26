"""Suite ``io``: writing and reading Parquet, Zarr and netCDF files.

A chunk is ``chunk_size`` rows of a table of four float64 columns (32 bytes a row):
a Parquet file (``part.<i>.parquet``), a Zarr chunk of a ``rows x 4`` array, a
netCDF file (``h5netcdf``, written by one task per chunk through xarray). The table is
generated and persisted before timing; ``Trial.nbytes`` is its size.

Writes: each repetition writes the persisted table into a fresh sub-folder; the
check reads back the number of rows and the first and last chunks, compares them
with the regenerated rows, then removes that output. Reads: the files are written
once while the workload is prepared; each repetition reads them all and sums every
value, checked against the exact sum (:func:`~dask_bench.workloads._io.expected_sum`).

Everything goes into a folder of the trial's own under ``io.directory`` (default:
the system's temporary folder), removed by ``release`` and, failing that, when the
interpreter exits. Its file system type is a note of every point. zarr, h5netcdf
and xarray are optional (the ``io`` extra), imported only when a workload runs.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
from numpy.typing import NDArray

from dask_bench.errors import WrongResult
from dask_bench.workloads._common import count_tasks, expect, fresh_name
from dask_bench.workloads._io import (
    COLUMNS,
    NCOLS,
    IoFolder,
    block,
    compare,
    expected_sum,
    require_io,
    values,
)
from dask_bench.workloads.registry import Trial, WorkloadContext, workload

Rows = NDArray[np.float64]


@dataclass(frozen=True)
class Format:
    """How one format writes, reads and reads back the table.

    Attributes
    ----------
    write
        ``write(table, folder)``: the lazy write of the persisted array ``table``.
    read
        ``read(folder)``: the lazy sum of every value written there.
    read_back
        ``read_back(folder, chunk_size)``: rows found, first and last chunk (on the client).
    """

    write: Callable[[Any, Path], Any]
    read: Callable[[Path], Any]
    read_back: Callable[[Path, int], tuple[int, Rows, Rows]]


# --- Parquet (dask.dataframe, pyarrow) ------------------------------------------


def _parquet_write(table: Any, folder: Path) -> Any:
    import dask.dataframe as dd

    frame = dd.from_dask_array(table, columns=list(COLUMNS))
    return frame.to_parquet(str(folder), write_index=False, compute=False)


def _parquet_read(folder: Path) -> Any:
    import dask.dataframe as dd

    return dd.read_parquet(str(folder)).sum().sum()


def _parts(folder: Path, pattern: str) -> list[Path]:
    """Files of ``folder`` matching ``pattern``, by their chunk number."""
    files = list(folder.glob(pattern))
    return sorted(files, key=lambda f: int("".join(c for c in f.stem if c.isdigit()) or 0))


def _parquet_back(folder: Path, chunk_size: int) -> tuple[int, Rows, Rows]:
    import pyarrow.parquet as pq

    files = _parts(folder, "*.parquet")
    rows = sum(pq.ParquetFile(f).metadata.num_rows for f in files)

    def rows_of(f: Path) -> Rows:
        return np.asarray(pq.read_table(f).to_pandas().to_numpy(), dtype=np.float64)

    return rows, rows_of(files[0]), rows_of(files[-1])


# --- Zarr (dask.array) --------------------------------------------------------------


def _zarr_write(table: Any, folder: Path) -> Any:
    import dask.array as da

    return da.to_zarr(table, str(folder), compute=False)


def _zarr_read(folder: Path) -> Any:
    import dask.array as da

    return da.from_zarr(str(folder)).sum()


def _zarr_back(folder: Path, chunk_size: int) -> tuple[int, Rows, Rows]:
    import zarr

    z = zarr.open_array(str(folder), mode="r")
    rows = int(z.shape[0])
    last = rows - (rows - 1) % chunk_size - 1
    return rows, np.asarray(z[:chunk_size]), np.asarray(z[last:])


# --- netCDF (xarray, h5netcdf): one file per chunk, one task each ---------------


def _netcdf_write(table: Any, folder: Path) -> Any:
    folder.mkdir()
    nchunks = len(table.chunks[0])
    written = table.map_blocks(
        _write_netcdf_block,
        folder=str(folder),
        chunks=((1,) * nchunks, (1,)),
        dtype=np.int64,
        name=fresh_name("io-netcdf-write"),
    )
    return written.sum()


def _write_netcdf_block(rows: Rows, block_info: Any = None, *, folder: str) -> NDArray[np.int64]:
    """Write one chunk as its own netCDF file (h5netcdf); return its row count."""
    import xarray as xr

    index = block_info[0]["chunk-location"][0]
    path = Path(folder) / f"chunk-{index:06d}.nc"
    xr.Dataset({"x": (("row", "col"), rows)}).to_netcdf(path, engine="h5netcdf")
    return np.array([[len(rows)]], dtype=np.int64)


def _netcdf_read(folder: Path) -> Any:
    import xarray as xr

    paths = [str(p) for p in _parts(folder, "*.nc")]
    ds = xr.open_mfdataset(
        paths, engine="h5netcdf", combine="nested", concat_dim="row", chunks={}, lock=False
    )
    return ds["x"].sum().data


def _netcdf_back(folder: Path, chunk_size: int) -> tuple[int, Rows, Rows]:
    import h5netcdf

    files = _parts(folder, "*.nc")

    def read(f: Path) -> Rows:
        with h5netcdf.File(f, "r") as nc:
            return np.asarray(nc.variables["x"][...], dtype=np.float64)

    def rows(f: Path) -> int:
        with h5netcdf.File(f, "r") as nc:
            return int(nc.dimensions["row"].size)

    return sum(rows(f) for f in files), read(files[0]), read(files[-1])


FORMATS = {
    "parquet": Format(_parquet_write, _parquet_read, _parquet_back),
    "zarr": Format(_zarr_write, _zarr_read, _zarr_back),
    "netcdf": Format(_netcdf_write, _netcdf_read, _netcdf_back),
}


# --- the trials -----------------------------------------------------------------------


def _table(ctx: WorkloadContext) -> Any:
    """The persisted table: ``chunks`` blocks of ``chunk_size`` rows."""
    import dask.array as da

    lazy = da.map_blocks(
        block,
        seed=ctx.seed,
        chunks=((ctx.chunk_size,) * ctx.chunks, (NCOLS,)),
        dtype=np.float64,
        name=fresh_name("io-input"),
    )
    return ctx.persist(lazy)


def _prepared(ctx: WorkloadContext, make: Callable[[IoFolder], Trial[Any]]) -> Trial[Any]:
    """``make(folder)`` with a new trial folder; the folder is removed if preparing fails."""
    require_io()
    folder = IoFolder(ctx)
    try:
        return make(folder)
    except BaseException:
        folder.release()
        raise


def write_trial(ctx: WorkloadContext, fmt: Format) -> Trial[int]:
    """Each repetition writes the table to a fresh sub-folder; returns its number."""
    rows = ctx.chunks * ctx.chunk_size

    def make(folder: IoFolder) -> Trial[int]:
        holder: dict[str, Any] = {"table": _table(ctx)}
        outputs: list[Path] = []
        scratch = folder.fresh()
        ntasks = count_tasks(ctx.client, fmt.write(holder["table"], scratch), persist=False)
        folder.remove(scratch)

        def run() -> int:
            outputs.append(folder.fresh())
            ctx.compute(fmt.write(holder["table"], outputs[-1]))
            return len(outputs) - 1

        def check(index: int) -> None:
            ok = 0 <= index < len(outputs) and outputs[index].exists()
            expect(ok, "the number of a repetition's output folder", index)
            path = outputs[index]
            try:
                found, first, last = fmt.read_back(path, ctx.chunk_size)
            except Exception as exc:
                raise WrongResult(f"readable output, got {type(exc).__name__}: {exc}") from None
            finally:
                folder.remove(path)
            expect(found == rows, f"{rows} rows written", found)
            compare(first, values(0, min(ctx.chunk_size, rows), ctx.seed), "the first chunk")
            compare(last, values(rows - len(last), rows, ctx.seed), "the last chunk")

        def release() -> None:
            holder.clear()
            folder.release()

        nbytes = rows * NCOLS * 8
        return Trial(
            run, check, nbytes=nbytes, ntasks=ntasks, release=release, notes=(folder.note,)
        )

    return _prepared(ctx, make)


def read_trial(ctx: WorkloadContext, fmt: Format) -> Trial[float]:
    """The table is written once; each repetition reads and sums all of it."""
    rows = ctx.chunks * ctx.chunk_size
    expected = expected_sum(rows, ctx.seed)

    def make(folder: IoFolder) -> Trial[float]:
        data = folder.path / "data"
        table = _table(ctx)  # held while it is written, dropped afterwards
        ctx.compute(fmt.write(table, data))
        del table
        ntasks = count_tasks(ctx.client, fmt.read(data), persist=False)

        def run() -> float:
            return float(ctx.compute(fmt.read(data)))

        def check(total: float) -> None:
            expect(total == expected, f"the sum of all values, {expected:.17g}", total)

        return Trial(
            run,
            check,
            nbytes=rows * NCOLS * 8,
            ntasks=ntasks,
            release=folder.release,
            notes=(folder.note,),
        )

    return _prepared(ctx, make)


def _register(name: str, fmt: str, title: str) -> None:
    format_ = FORMATS[fmt]
    if name.endswith("write"):

        @workload("io", name, f"Write the table as {title}, read a sample back to check")
        def write(ctx: WorkloadContext) -> Trial[Any]:
            return write_trial(ctx, format_)

    else:

        @workload("io", name, f"Read the table written as {title}, summing every value")
        def read(ctx: WorkloadContext) -> Trial[Any]:
            return read_trial(ctx, format_)


for _name, _fmt, _title in (
    ("parquet-write", "parquet", "Parquet (a file per chunk)"),
    ("parquet-read", "parquet", "Parquet (a file per chunk)"),
    ("zarr-write", "zarr", "one Zarr array (a Zarr chunk per chunk)"),
    ("zarr-read", "zarr", "one Zarr array (a Zarr chunk per chunk)"),
    ("netcdf-write", "netcdf", "netCDF with h5netcdf (a file per chunk)"),
    ("netcdf-read", "netcdf", "netCDF with h5netcdf (a file per chunk)"),
):
    _register(_name, _fmt, _title)
