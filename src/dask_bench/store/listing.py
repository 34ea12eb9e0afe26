"""The list of stored runs, read quickly: ``dask-bench list runs``.

Importing SQLAlchemy alone takes 0.3 to 0.4 s on a small machine, more than the whole
command should. A SQLite file of the current schema version is therefore read here with
the standard library, without writing, after the same checks :class:`~dask_bench.store.Store`
makes before it opens a file (a foreign or damaged file is refused untouched). Any other
database (a server URL, an older schema that must be migrated first, a missing file
whose error :class:`~dask_bench.store.Store` words) goes through
:class:`~dask_bench.store.Store`, so both give the same listing.
"""

from __future__ import annotations

import os
import sqlite3
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING

from dask_bench.store._opening import check_sqlite_file, damaged, database_url, sqlite_path
from dask_bench.store._versions import SCHEMA_VERSION
from dask_bench.store.states import PointStatus, RunStatus

if TYPE_CHECKING:
    from dask_bench.store.schema import Run


@dataclass(frozen=True)
class RunListing:
    """One stored run, as ``list runs`` shows it."""

    id: int
    name: str
    study_id: str | None
    status: RunStatus
    mode: str
    backend: str
    started_at: datetime
    points: int
    failed_points: int

    @classmethod
    def of(cls, run: Run) -> RunListing:
        """The listing of a run read through :class:`~dask_bench.store.Store`."""
        return cls(
            id=run.id,
            name=run.name,
            study_id=run.study_id,
            status=RunStatus(run.status),
            mode=run.mode,
            backend=run.backend,
            started_at=run.started_at,
            points=len(run.points),
            failed_points=sum(p.status == PointStatus.FAILED for p in run.points),
        )


#: Every run with its number of points and of failed points, oldest first.
_QUERY = """
SELECT r.id, r.name, r.study_id, r.status, r.mode, r.backend, r.started_at,
       COUNT(p.id), COALESCE(SUM(p.status = ?), 0)
FROM runs AS r LEFT JOIN points AS p ON p.run_id = r.id
GROUP BY r.id ORDER BY r.id
"""


def list_runs(database: str | os.PathLike[str]) -> list[RunListing]:
    """Every run of a results database, oldest first.

    Parameters
    ----------
    database
        A SQLite file path or an SQLAlchemy URL, as ``--db`` takes it.

    Returns
    -------
    list of RunListing

    Raises
    ------
    StoreError
        With one line, when the database is missing, foreign or damaged.
    """
    opened = connect_current(database)
    if opened is not None:
        con, path = opened
        try:
            return _read_sqlite(con, path)
        finally:
            con.close()
    from dask_bench.store.db import Store

    store = Store(database)
    try:
        return [RunListing.of(run) for run in store.runs()]
    finally:
        store.close()


def connect_current(
    database: str | os.PathLike[str],
) -> tuple[sqlite3.Connection, Path] | None:
    """A standard-library connection to a current-schema SQLite file, to read; and its path.

    ``None`` when :class:`~dask_bench.store.Store` must open the database instead: a
    server URL, a missing or empty file (Store words its error), or an older schema
    that Store migrates first.

    Raises
    ------
    StoreError
        With one line, for a foreign or damaged file (refused untouched, as Store would).
    """
    path = sqlite_path(database_url(database))
    if path is None or not path.is_file() or path.stat().st_size == 0:
        return None
    check_sqlite_file(path)  # refuses, untouched, what Store would refuse
    con = _connect(path)
    if con is None:
        return None
    try:
        version = con.execute("SELECT value FROM meta WHERE key = 'schema_version'").fetchone()
    except sqlite3.DatabaseError as exc:
        con.close()
        raise damaged(path, exc) from None
    if version is None or str(version[0]) != str(SCHEMA_VERSION):
        con.close()
        return None  # to be migrated first: Store does that
    return con, path


def _connect(path: Path) -> sqlite3.Connection | None:
    """A connection that only reads, and leaves no ``-wal``/``-shm`` file behind.

    Opened for writing where it may be (nothing is written): SQLite removes the
    write-ahead log's files when the last such connection closes, as Store's do. A
    read-only connection would leave them beside the database after every command.
    """
    for mode in ("rw", "ro"):  # ro: a database the user may not write
        try:
            con = sqlite3.connect(f"file:{path}?mode={mode}", uri=True, timeout=5.0)
        except sqlite3.Error:
            continue
        try:
            con.execute("SELECT 1 FROM sqlite_master LIMIT 1").fetchall()
        except sqlite3.Error:
            con.close()
            continue
        return con
    return None


def _read_sqlite(con: sqlite3.Connection, path: Path) -> list[RunListing]:
    """The runs of a current-schema SQLite file, oldest first."""
    try:
        rows = con.execute(_QUERY, (PointStatus.FAILED.value,)).fetchall()
    except sqlite3.DatabaseError as exc:
        raise damaged(path, exc) from None
    return [
        RunListing(
            id=int(row[0]),
            name=str(row[1]),
            study_id=row[2],
            status=RunStatus(row[3]),
            mode=str(row[4]),
            backend=str(row[5]),
            # SQLAlchemy stores a DateTime on SQLite as ISO text without a zone
            started_at=datetime.fromisoformat(str(row[6])),
            points=int(row[7]),
            failed_points=int(row[8]),
        )
        for row in rows
    ]
