"""Data, folders and checks of the ``io`` suite.

The data is a table of ``chunks * chunk_size`` rows and :data:`NCOLS` float64
columns. Value ``k`` (row-major) is ``(7 k + seed) mod 1009``, a whole number, so
any sum of it is exact in float64 and the sum of the whole table has a closed form
(:func:`expected_sum`): a read is checked without regenerating the data.

Every trial writes into a folder of its own, made under ``io.directory`` (or the
system's temporary folder) and removed by the trial's ``release``; folders still
there when the interpreter exits (an interrupted run) are removed then too.
"""

from __future__ import annotations

import atexit
import shutil
import tempfile
from pathlib import Path
from typing import Any

import numpy as np
from numpy.typing import NDArray

from dask_bench._mounts import filesystem_type
from dask_bench.errors import ConfigError, WrongResult
from dask_bench.study.catalogue import suite_info
from dask_bench.workloads._common import fresh_name
from dask_bench.workloads.registry import WorkloadContext

#: Columns of the table (float64 each): a row is 32 bytes.
COLUMNS = ("a", "b", "c", "d")
NCOLS = len(COLUMNS)
_MOD = 1009  # a prime: 7 k + seed runs through every residue once per period
_STEP = 7

#: Trial folders not yet removed, removed at exit whatever happens.
_LIVE: set[Path] = set()


def values(start: int, stop: int, seed: int) -> NDArray[np.float64]:
    """Rows ``start`` to ``stop`` of the table, as a ``(stop - start) x NCOLS`` array."""
    k = np.arange(start * NCOLS, stop * NCOLS, dtype=np.int64)
    return ((_STEP * k + seed) % _MOD).astype(np.float64).reshape(-1, NCOLS)


def block(block_info: Any = None, *, seed: int) -> NDArray[np.float64]:
    """One dask block of the table, from its location (rows; all columns)."""
    (r0, r1), _ = block_info[None]["array-location"]
    return values(r0, r1, seed)


def expected_sum(rows: int, seed: int) -> float:
    """Exact sum of the first ``rows`` rows: whole periods in closed form, the rest in numpy."""
    n = rows * NCOLS
    periods = n // _MOD
    tail = (_STEP * np.arange(periods * _MOD, n, dtype=np.int64) + seed) % _MOD
    return float(periods * (_MOD * (_MOD - 1) // 2) + int(tail.sum()))


def require_io() -> None:
    """Raise the suite's one-line install hint when zarr or h5netcdf is missing."""
    problem = suite_info("io").unavailable()
    if problem:
        raise ConfigError(problem)


def _remove(path: Path) -> None:
    shutil.rmtree(path, ignore_errors=True)
    _LIVE.discard(path)


@atexit.register
def _remove_all() -> None:
    """Remove the folders of trials never released (an interrupted run)."""
    for path in list(_LIVE):
        _remove(path)


class IoFolder:
    """A trial's own folder, and the sub-folders of its repetitions.

    Made under ``ctx.io_directory`` (default: the system's temporary folder) with a
    ``dask-bench-io-`` prefix, so that only what dask-bench made is ever removed.
    """

    def __init__(self, ctx: WorkloadContext) -> None:
        self.path = Path(tempfile.mkdtemp(prefix="dask-bench-io-", dir=ctx.io_directory))
        _LIVE.add(self.path)
        self.fstype = filesystem_type(self.path) or "unknown"

    @property
    def note(self) -> str:
        """The point's note naming the folder's file system."""
        return f"io folder {self.path.parent} on file system {self.fstype}"

    def fresh(self) -> Path:
        """A new sub-folder name (not created) for one repetition's output."""
        return self.path / fresh_name("out")

    def remove(self, path: Path) -> None:
        """Remove one repetition's output."""
        shutil.rmtree(path, ignore_errors=True)

    def release(self) -> None:
        """Remove the folder and everything in it."""
        _remove(self.path)


def compare(got: Any, expected: NDArray[np.float64], what: str) -> None:
    """Raise :class:`WrongResult` unless ``got`` equals ``expected`` exactly."""
    got = np.asarray(got, dtype=np.float64)
    if got.shape != expected.shape or not np.array_equal(got, expected):
        raise WrongResult(f"{what} as written, got other values (shape {got.shape})")
