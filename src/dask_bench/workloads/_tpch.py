"""Data of the ``tpch`` suite: scale factors, the cached Parquet files, their generation.

A chunk is ``chunk_size`` thousandths of a TPC-H scale factor (SF): a point of
``chunks`` chunks has SF ``chunks * chunk_size / 1000`` (SF 1: 6 million lineitem rows,
about 1 GB of raw data), each table cut into ``chunks`` Parquet files (nation and region,
of fixed size, into one). The scale factor is kept as a whole number of thousandths, so
that it is exact and names its cache folder the same way every time.

The files are made by the ``tpchgen-cli`` program, then rewritten with pyarrow with
decimals as float64 and dates as timestamps (``timestamp[ms]``): pandas holds Arrow
decimals as Python objects or compares Arrow dates with nothing but ``datetime.date``,
so the queries would measure those conversions rather than Dask (the Dask and Polars
TPC-H benchmarks use the same types). DuckDB, which checks every answer, reads the same files.

Cache: one folder per scale factor and file count, ``sf<SF>-p<files>``, under
:func:`data_root`. It is generated in a hidden ``.partial`` folder beside it, completed by
its manifest (:data:`MANIFEST`, written last) and renamed into place, so that a folder
without a valid manifest is never used (an interrupted generation is redone). A lock
(``flock`` on a hidden ``.sf<SF>-p<files>.lock`` file beside it) keeps two runs from
generating the same folder at once. The cache is never removed by dask-bench: delete
it to free the space.
"""

from __future__ import annotations

import contextlib
import json
import os
import shutil
import subprocess
import time
import uuid
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from dask_bench._flock import flocked
from dask_bench._mounts import filesystem_type
from dask_bench.errors import ConfigError
from dask_bench.study.catalogue import find_program, suite_info

#: The eight tables, smallest first.
TABLES = ("region", "nation", "supplier", "customer", "part", "partsupp", "orders", "lineitem")
#: Version of the cache's layout and column types; a change makes every cache regenerate.
FORMAT = 1
#: The manifest of a complete cache folder (its completion marker).
MANIFEST = "dask-bench-tpch.json"
#: The program that generates the data (from the ``tpchgen-cli`` package).
PROGRAM = "tpchgen-cli"
#: Seconds generation may take: this much, plus :data:`SECONDS_PER_SF` per unit of SF.
BASE_SECONDS = 300.0
SECONDS_PER_SF = 60.0


class GenerationError(RuntimeError):
    """tpchgen-cli failed or took too long; the message is one line."""


def require_tpch() -> None:
    """Raise the suite's one-line install hint when DuckDB or tpchgen-cli is missing."""
    problem = suite_info("tpch").unavailable()
    if problem:
        raise ConfigError(problem)


def thousandths(chunks: int, chunk_size: int) -> int:
    """The scale factor of ``chunks`` chunks of ``chunk_size`` thousandths, in thousandths."""
    if chunks < 1 or chunk_size < 1:
        raise ValueError(f"chunks and chunk_size must be at least 1, not {chunks}, {chunk_size}")
    return chunks * chunk_size


def sf_text(milli: int) -> str:
    """A scale factor of ``milli`` thousandths as written: ``0.025``, ``1``, ``12.5``."""
    whole, frac = divmod(milli, 1000)
    return f"{whole}.{frac:03d}".rstrip("0").rstrip(".") if frac else str(whole)


def folder_name(milli: int, parts: int) -> str:
    """The cache folder of a scale factor cut into ``parts`` files: ``sf0.1-p4``."""
    return f"sf{sf_text(milli)}-p{parts}"


def data_root(io_directory: str | None) -> Path:
    """The folder of the cache folders.

    ``<io.directory>/dask-bench-tpch`` when the study sets ``io.directory``, otherwise
    ``$XDG_CACHE_HOME/dask-bench/tpch`` (by default ``~/.cache/dask-bench/tpch``).
    """
    if io_directory:
        return Path(io_directory) / "dask-bench-tpch"
    cache = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(cache) / "dask-bench" / "tpch"


def time_limit(milli: int) -> float:
    """Seconds generating (and rewriting) a scale factor of ``milli`` thousandths may take."""
    return BASE_SECONDS + SECONDS_PER_SF * milli / 1000


@dataclass(frozen=True)
class TpchData:
    """A complete cache folder.

    Attributes
    ----------
    path
        The folder: one sub-folder of Parquet files per table.
    manifest
        Its manifest: scale factor, files, and rows and Arrow bytes of every column.
    seconds
        How long generating it took here, or None when it was already there.
    """

    path: Path
    manifest: dict[str, Any]
    seconds: float | None = None

    def table(self, name: str) -> str:
        """The folder of table ``name``, as ``read_parquet`` and DuckDB read it."""
        return str(self.path / name)

    def columns(self) -> dict[str, str]:
        """Every column's table, by column name (TPC-H column names are unique)."""
        tables = self.manifest["tables"]
        return {c: t for t, info in tables.items() for c in info["bytes"]}

    def nbytes(self, columns: Iterable[str]) -> int:
        """Arrow bytes of ``columns`` (names of any table) in the whole data set."""
        owner = self.columns()
        tables = self.manifest["tables"]
        return sum(int(tables[owner[c]]["bytes"][c]) for c in set(columns))

    @property
    def note(self) -> str:
        """The point's note: scale factor, files, folder, file system, generated or cached."""
        m = self.manifest
        files = f"{m['parts']} file{'' if m['parts'] == 1 else 's'} per table"
        how = "cached" if self.seconds is None else f"generated in {self.seconds:.1f} s"
        fs = filesystem_type(self.path) or "unknown"
        return (
            f"tpch data SF {m['scale_factor']} in {files} by {m['generator']} at "
            f"{self.path} on file system {fs}, {how}"
        )


def read_manifest(folder: Path, milli: int, parts: int) -> dict[str, Any] | None:
    """The manifest of a complete cache folder for this scale factor, or None.

    None when the folder, its manifest or one of its files is missing, or the manifest is
    of another format or size: such a folder is generated again.
    """
    try:
        manifest = json.loads((folder / MANIFEST).read_text())
        ok = (
            manifest["format"] == FORMAT
            and manifest["scale_factor"] == sf_text(milli)
            and manifest["parts"] == parts
            and set(manifest["tables"]) == set(TABLES)
            and all(
                len(list((folder / t).glob("*.parquet"))) == info["files"]
                for t, info in manifest["tables"].items()
            )
        )
    except (OSError, ValueError, KeyError, TypeError):
        return None
    return manifest if ok else None


Generator = Callable[[Path, int, int, float], dict[str, Any]]


def ensure_data(
    root: Path, milli: int, parts: int, *, generate: Generator | None = None
) -> TpchData:
    """The cache folder of this scale factor in ``root``, generated first if need be.

    Parameters
    ----------
    root
        The folder holding the cache folders (:func:`data_root`); created if missing.
    milli
        The scale factor, in thousandths.
    parts
        Files per table.
    generate
        ``generate(folder, milli, parts, deadline)`` writes the tables into the new
        ``folder`` before ``deadline`` (``time.monotonic()``) and returns the manifest's
        ``generator`` and ``tables`` entries; default :func:`generate_tables`.

    Raises
    ------
    GenerationError
        When generation fails or takes longer than :func:`time_limit`, or another
        process generating the same data holds the lock that long.
    """
    final = root / folder_name(milli, parts)
    manifest = read_manifest(final, milli, parts)
    if manifest is not None:
        return TpchData(final, manifest)
    try:
        root.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise ConfigError(f"cannot make the tpch data folder {root}: {exc.strerror}") from None
    deadline = time.monotonic() + time_limit(milli)
    with _locked(root / f".{final.name}.lock", final, deadline) as locked:
        manifest = read_manifest(final, milli, parts)  # another process may have made it
        if manifest is not None:
            return TpchData(final, manifest)
        if locked:  # nobody else generates now: what is left is from interrupted runs
            for stale in root.glob(f".{final.name}.partial-*"):
                shutil.rmtree(stale, ignore_errors=True)
        partial = root / f".{final.name}.partial-{uuid.uuid4().hex[:8]}"
        start = time.monotonic()
        try:
            partial.mkdir()
            found = (generate or generate_tables)(partial, milli, parts, deadline)
            manifest = {"format": FORMAT, "scale_factor": sf_text(milli), "parts": parts, **found}
            (partial / MANIFEST).write_text(json.dumps(manifest, indent=1))  # complete now
            _publish(partial, final, milli, parts)
        except BaseException:
            shutil.rmtree(partial, ignore_errors=True)
            raise
        return TpchData(final, manifest, time.monotonic() - start)


def _publish(partial: Path, final: Path, milli: int, parts: int) -> None:
    """Rename the complete ``partial`` folder to ``final``, replacing an incomplete one."""
    if final.exists() and read_manifest(final, milli, parts) is None:
        shutil.rmtree(final, ignore_errors=True)
    try:
        partial.rename(final)
    except OSError:
        if read_manifest(final, milli, parts) is None:  # not another process's complete copy
            raise
        shutil.rmtree(partial, ignore_errors=True)


@contextlib.contextmanager
def _locked(path: Path, folder: Path, deadline: float) -> Iterator[bool]:
    """Hold an exclusive lock (``flock``) on the file ``path``, made if need be, for ``folder``.

    Yields whether the lock is held: False on a file system without locks (some NFS),
    where generation goes on unlocked (the rename into place keeps the cache whole).
    The file stays: removing it could let a third process lock a file no longer there.
    """
    fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o644)

    def too_long() -> Exception:
        return GenerationError(
            f"another process has been generating {folder} for too long; try again once it is done"
        )

    try:
        with flocked(fd, deadline, too_long, pause=0.1) as locked:
            yield locked
    finally:
        os.close(fd)


def _run(command: list[str], deadline: float, what: str) -> str:
    """Run ``command`` before ``deadline``; its standard output, or a one-line error."""
    limit = max(1.0, deadline - time.monotonic())
    try:
        done = subprocess.run(command, capture_output=True, text=True, timeout=limit, check=False)
    except subprocess.TimeoutExpired:
        raise GenerationError(f"{what} did not finish within {limit:.0f} s") from None
    except OSError as exc:
        raise GenerationError(f"{what} could not start: {exc.strerror}") from None
    if done.returncode != 0:
        lines = [ln.strip() for ln in done.stderr.splitlines() if ln.strip()]
        why = lines[0] if lines else "no message"
        raise GenerationError(f"{what} failed with exit code {done.returncode}: {why}")
    return done.stdout


def generate_tables(folder: Path, milli: int, parts: int, deadline: float) -> dict[str, Any]:
    """Run tpchgen-cli into ``folder``, then rewrite its files with dask-bench's types.

    Returns the manifest's ``generator`` (the program's version) and ``tables`` entries.
    """
    program = find_program(PROGRAM)
    if program is None:
        require_tpch()  # the install hint
        raise ConfigError(f"{PROGRAM} not found")
    version = _run([program, "--version"], deadline, PROGRAM).strip()
    sf = sf_text(milli)
    command = [program, "parquet", "--scale-factor", sf, "--parts", str(parts)]
    command += ["--output-dir", str(folder), "--quiet"]
    _run(command, deadline, f"{PROGRAM} at scale factor {sf}")
    tables: dict[str, Any] = {}
    files = {t: sorted((folder / t).glob("*.parquet")) for t in TABLES}
    with ThreadPoolExecutor(max_workers=min(8, os.cpu_count() or 1)) as pool:
        for table, paths in files.items():
            if not paths:
                raise GenerationError(f"{PROGRAM} wrote no {table} files in {folder}")
            sizes = list(pool.map(lambda p: _rewrite(p, deadline), paths))
            bytes_: dict[str, int] = {}
            for _, columns in sizes:
                for name, n in columns.items():
                    bytes_[name] = bytes_.get(name, 0) + n
            rows = sum(r for r, _ in sizes)
            tables[table] = {"files": len(paths), "rows": rows, "bytes": bytes_}
    return {"generator": version, "tables": tables}


def _rewrite(path: Path, deadline: float) -> tuple[int, dict[str, int]]:
    """Rewrite one Parquet file with float64 decimals, timestamp dates, plain strings.

    Returns its rows and the Arrow bytes of each column.
    """
    import pyarrow as pa
    import pyarrow.parquet as pq

    if time.monotonic() > deadline:
        raise GenerationError(f"rewriting the tpch files took too long (at {path.name})")
    table = pq.read_table(path)
    fields = []
    for f in table.schema:
        kind = f.type
        if pa.types.is_decimal(kind):
            kind = pa.float64()
        elif pa.types.is_date(kind):
            kind = pa.timestamp("ms")
        elif pa.types.is_string(kind) or pa.types.is_large_string(kind) or _is_view(kind):
            kind = pa.string()
        fields.append(pa.field(f.name, kind, nullable=f.nullable))
    table = table.cast(pa.schema(fields))
    scratch = path.with_suffix(".rewrite")
    pq.write_table(table, scratch)
    scratch.replace(path)
    return table.num_rows, {name: table.column(name).nbytes for name in table.column_names}


def _is_view(kind: Any) -> bool:
    """Whether an Arrow type is ``string_view`` (pyarrow 16 and later)."""
    import pyarrow as pa

    check = getattr(pa.types, "is_string_view", None)
    return bool(check(kind)) if check is not None else False
