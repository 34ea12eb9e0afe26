"""The suite catalogue: every suite's name, unit and default sizes, registered once.

A suite is a group of workloads that share a notion of *chunk* (a tiny task, a
square array block, a dataframe partition) and a throughput unit. Its workloads
live in one module of :mod:`dask_bench.workloads`, found there automatically; the
suite itself is known to everything else (study files, the store, the report, the
command line) through :func:`register_suite`, called once. The built-in suites are
registered at the bottom of this module, so a study can be read without importing
any workload.
"""

from __future__ import annotations

import importlib.util
import shutil
import sysconfig
from dataclasses import dataclass
from pathlib import Path

from dask_bench.errors import ConfigError

#: Throughput unit shown for a suite that is no longer registered (an old database).
UNKNOWN_UNIT = "units/s"


@dataclass(frozen=True)
class SuiteInfo:
    """What the rest of dask-bench knows of a suite.

    Attributes
    ----------
    name
        The key under ``suites`` in a study file (lowercase).
    title
        One line describing the suite.
    unit
        Throughput unit of its workloads, e.g. ``tasks/s`` or ``MB/s``.
    chunk
        What one chunk is, e.g. ``"Rows per partition."`` (documents ``chunk_size``).
    chunk_size
        Default ``chunk_size``.
    per_unit
        Default chunks per processing unit in weak scaling.
    extra
        The pip extra of dask-bench that installs its dependencies, if any.
    requires
        The modules of that extra, checked before the suite runs.
    default
        Whether a study without a ``suites`` section runs it (when installed): the
        quick classic suites do; larger or specialised ones are asked for by name.
    programs
        Command-line programs of that extra (installed next to this Python by pip),
        checked like ``requires`` (see :func:`find_program`).
    sized_by_memory
        Its data is a share of the workers' memory, not ``chunks x chunk_size``: its
        points are measured one at a time, alone on the cluster after the other points
        of their size, never calibrated, and workers pausing for memory while they run
        are part of what they measure rather than a disturbance.
    """

    name: str
    title: str
    unit: str
    chunk: str
    chunk_size: int
    per_unit: int
    extra: str | None = None
    requires: tuple[str, ...] = ()
    default: bool = True
    programs: tuple[str, ...] = ()
    sized_by_memory: bool = False

    def unavailable(self) -> str | None:
        """Why the suite cannot run here (a module or program it needs is missing), or None."""
        missing = next((m for m in self.requires if importlib.util.find_spec(m) is None), None)
        if missing is None:
            missing = next((p for p in self.programs if find_program(p) is None), None)
        if missing is None:
            return None
        hint = f"pip install 'dask-bench[{self.extra}]'" if self.extra else f"pip install {missing}"
        return f"suite {self.name!r} needs {missing}; install it with: {hint}"


def find_program(name: str) -> str | None:
    """The path of program ``name``, or None when it is not found.

    First next to this Python (where pip puts the scripts of the packages it installs,
    also in a virtual environment that is not activated), then on ``PATH``.
    """
    scripts = sysconfig.get_path("scripts")
    here = shutil.which(name, path=scripts) if scripts and Path(scripts).is_dir() else None
    return here or shutil.which(name)


_CATALOGUE: dict[str, SuiteInfo] = {}


def register_suite(info: SuiteInfo) -> SuiteInfo:
    """Add a suite to the catalogue (after those already there) and return it.

    Raises
    ------
    ValueError
        When a suite of that name is already registered, or the name is not lowercase.
    """
    if info.name in _CATALOGUE:
        raise ValueError(f"suite {info.name!r} is registered twice")
    if not info.name.isidentifier() or info.name != info.name.lower():
        raise ValueError(f"suite name {info.name!r} must be a lowercase identifier")
    _CATALOGUE[info.name] = info
    return info


def unregister_suite(name: str) -> None:
    """Remove a suite (for tests that register their own)."""
    _CATALOGUE.pop(name, None)


def suite_names() -> tuple[str, ...]:
    """Every registered suite, in registration order (the order of every listing)."""
    return tuple(_CATALOGUE)


def default_suite_names() -> tuple[str, ...]:
    """The suites a study without a ``suites`` section runs: default ones, installed."""
    return tuple(n for n, info in _CATALOGUE.items() if info.default and info.unavailable() is None)


def suite_info(name: str) -> SuiteInfo:
    """The catalogue entry of a suite.

    Raises
    ------
    ConfigError
        Naming the known suites, when ``name`` is not one of them.
    """
    try:
        return _CATALOGUE[name]
    except KeyError:
        raise ConfigError(
            f"unknown suite {name!r}; expected one of {', '.join(_CATALOGUE)}"
        ) from None


def suite_unit(name: str) -> str:
    """The throughput unit of a suite; :data:`UNKNOWN_UNIT` for one no longer registered."""
    info = _CATALOGUE.get(name)
    return info.unit if info is not None else UNKNOWN_UNIT


def suite_rank(name: str) -> tuple[int, str]:
    """A sort key putting suites in catalogue order, unknown ones after them by name."""
    names = suite_names()
    return (names.index(name) if name in names else len(names), name)


# --- the built-in suites (their workloads: dask_bench.workloads.<name>) -----------

#: name, title, unit, what a chunk is, default chunk_size, default per_unit, pip extra,
#: modules it needs, whether a study without a suites section runs it, (when it needs any)
#: the programs it runs, and whether its data is sized by the workers' memory (a table:
#: one suite per row reads better than one value per line)
_BUILT_IN = (
    ("tasks", "Task patterns. A chunk is chunk_size tiny tasks.", "tasks/s",
     "Tiny tasks per chunk.", 20, 2, None, (), True),
    ("arrays", "dask.array workloads on float64 arrays made of square blocks.", "MB/s",
     "Edge of a square block (elements).", 1000, 4, None, (), True),
    ("dataframes", "dask.dataframe workloads.", "MB/s",
     "Rows per partition.", 20_000, 4, None, (), True),
    ("climate", "xarray workloads on a synthetic daily float32 temperature field.", "MB/s",
     "Days (time steps) of the lat x lon grid per chunk.", 30, 4, "climate", ("xarray",), False),
    ("io", "Writing and reading Parquet, Zarr and netCDF files in io.directory.", "MB/s",
     "Rows of a table of 4 float64 columns per chunk (a Parquet file, a Zarr chunk, a "
     "netCDF file).", 125_000, 4, "io", ("zarr", "h5netcdf", "h5py", "xarray"), False),
    ("tpch", "TPC-H queries on Dask DataFrame over Parquet from tpchgen-cli, checked "
     "against DuckDB.", "MB/s",
     "Thousandths of a TPC-H scale factor per chunk: a point's scale factor is chunks x "
     "chunk_size / 1000, each table cut into chunks Parquet files.", 25, 4, "tpch",
     ("duckdb",), False, ("tpchgen-cli",)),
    ("memory", "Data of fraction x the memory limit of the point's workers (their sum, read "
     "from the cluster), persisted then reduced, or shuffled: where Dask starts to spill.",
     "MB/s", "Largest piece (MiB): the data is cut into chunks pieces, more where a piece "
     "would be larger.", 64, 16, None, (), False, (), True),
    ("resources", "A mixed pipeline whose heavy step needs a worker resource "
     "(dask.annotate), for pools of worker groups; where its tasks ran is checked.", "MB/s",
     "float64 values per chunk.", 250_000, 2, None, (), False),
    ("scheduler", "Graphs of many tiny tasks built three ways (dask.delayed, a dask.array "
     "blockwise, client.map): the scheduler's cost per task, CPU, memory and ticks.", "tasks/s",
     "Tiny tasks per chunk: a point runs chunks x chunk_size tasks.", 10_000, 1, None, (),
     False),
)  # fmt: skip
for _row in _BUILT_IN:
    register_suite(SuiteInfo(*_row))  # the table's columns are SuiteInfo's fields, in order
