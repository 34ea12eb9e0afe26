"""``show`` and ``export`` answered without pandas or SQLAlchemy where they can be.

- ``export`` of a run's repetitions as CSV or JSON reads its rows with ``sqlite3`` and
  writes them with the standard library (:func:`quick_export`);
- any other output (``show``, the points' table, Parquet) is answered from
  :mod:`dask_bench.report.cache` when nothing it was made from changed.

Only the standard library, rich and the store's SQLite reader are imported here; the
full way (pandas, SQLAlchemy, the statistics) is loaded only when neither answers.
"""

from __future__ import annotations

import os
import sqlite3
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING

from dask_bench.report import cache
from dask_bench.report._files import atomic_output, check_output
from dask_bench.report._rows import write_rows
from dask_bench.store.columns import MEASUREMENT_COLUMNS, repetition_rows
from dask_bench.store.fingerprint import read_quickly, resolve_runs, runs_digest, stored_view

if TYPE_CHECKING:
    from rich.console import Console


def _console_parts(out: Console) -> tuple[object, ...]:
    """What decides how ``out`` draws the same tables."""
    return (
        out.width,
        out.color_system,
        out.is_terminal,
        out.encoding,
        out.no_color,
        out.legacy_windows,
        out.is_jupyter,
    )


def show_key(run_ids: Sequence[int], digest: str, out: Console) -> str:
    """The cache key of ``show``'s output of ``run_ids`` on ``out``."""
    return cache.key("show", digest, list(run_ids), *_console_parts(out))


def print_kept_show(view: tuple[Sequence[int], str] | None, out: Console) -> bool:
    """Print the kept output of ``show`` of a view; False when there is none.

    ``view`` is what :func:`~dask_bench.store.fingerprint.stored_view` found: the run
    ids ``show`` names, and the digest of their rows.
    """
    if view is None or not cache.enabled() or out.legacy_windows or out.is_jupyter:
        return False
    ids, digest = view
    data = cache.load(show_key(ids, digest, out))
    if data is None:
        return False
    out.file.write(data.decode("utf-8"))
    out.file.flush()
    return True


def keep_show(database: str, run_ids: Sequence[int], out: Console, text: str) -> None:
    """Keep ``text``, what ``show`` of ``run_ids`` printed on ``out``."""
    if not cache.enabled() or out.legacy_windows or out.is_jupyter:
        return
    digest = runs_digest(database, run_ids)
    if digest is not None:
        cache.save(show_key(run_ids, digest, out), text.encode("utf-8"))


def export_key(database: str, ref: str, fmt: str, level: str) -> str | None:
    """The cache key of an export, or None when the database is not read quickly."""
    if not cache.enabled():
        return None
    found = stored_view(database, ref, None)
    if found is None:
        return None
    ids, digest = found
    return cache.key("export", digest, ids, fmt.lower().lstrip("."), level)


def write_kept_export(key: str | None, output: str | os.PathLike[str]) -> Path | None:
    """Write the kept export of ``key`` to ``output``; None when none is kept."""
    data = cache.load(key) if key is not None else None
    if data is None:
        return None
    with atomic_output(output) as tmp:
        tmp.write_bytes(data)
    return Path(output).expanduser()


def keep_export(key: str | None, written: Path) -> None:
    """Keep the file an export just wrote, under ``key``."""
    if key is None:
        return
    try:
        data = written.read_bytes()
    except OSError:
        return
    cache.save(key, data)


def quick_export(
    database: str, ref: str, fmt: str, level: str, output: str | os.PathLike[str]
) -> Path | None:
    """Write a run's repetitions as CSV or JSON, read with ``sqlite3``; None when it cannot.

    The same rows and writer as :func:`~dask_bench.report.export_run` (see
    :mod:`dask_bench.store.columns`), so the file is the same either way. None for the
    points' table, Parquet, a database that is not a current-schema SQLite file, or a
    run reference that names no run (the full way words that error).

    Raises
    ------
    ConfigError
        When the output's folder is missing.
    """
    kind = fmt.lower().lstrip(".")
    if level != "repetitions" or kind not in ("csv", "json"):
        return None
    target = check_output(output)  # before reading: a refused output touches nothing

    def read(con: sqlite3.Connection) -> list[tuple[object, ...]] | None:
        ids = resolve_runs(con, ref, None)
        return repetition_rows(con, ids[0]) if ids else None

    rows = read_quickly(database, read)
    if rows is None:
        return None  # the full way words what is wrong
    return write_rows(rows, MEASUREMENT_COLUMNS, kind, target)
