"""Opening a results database safely: refuse foreign files untouched, survive racing creators.

An existing SQLite file is first inspected read-only, with the standard library and
no pragma, so that a file we refuse (a text file, a truncated or corrupted
database, another program's database, garbage as schema version) is never
changed: no write-ahead log switched on, no page added. Two processes that create
the same new database at the same moment both succeed: one creates the tables and
the schema version, the other waits until the version is there.
"""

from __future__ import annotations

import contextlib
import os
import sqlite3
import time
from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING, Any

from dask_bench._flock import flocked
from dask_bench._mounts import filesystem_type
from dask_bench.errors import StoreError
from dask_bench.store._versions import SCHEMA_VERSION

if TYPE_CHECKING:
    from sqlalchemy.engine import Engine

#: Every SQLite 3 database file starts with these 16 bytes.
SQLITE_HEADER = b"SQLite format 3\x00"
#: Seconds a process waits for another one to finish creating a new database.
CREATION_WAIT = 10.0


def check_sqlite_file(path: Path, *, create: bool = False) -> None:
    """Refuse, with one line and without changing it, a file that is no dask-bench database.

    An empty file is a new database to SQLite: a study (``create``) makes it one,
    every reader refuses it. A database being created by another process right now
    (tables, no version yet) is waited for, up to :data:`CREATION_WAIT` seconds.

    Raises
    ------
    StoreError
        Naming the file and what is wrong with it.
    """
    try:
        with open(path, "rb") as f:
            header = f.read(len(SQLITE_HEADER))
    except OSError as exc:
        raise StoreError(f"cannot read database {path}: {exc.strerror}") from None
    if header == b"" and path.stat().st_size == 0:
        if create:
            return
        raise StoreError(
            f"{path} is an empty file, not a dask-bench database; delete it, or choose another --db"
        )
    if header != SQLITE_HEADER:
        raise StoreError(
            f"{path} is not a SQLite database (a text or other file); choose another --db"
        )
    deadline = time.monotonic() + CREATION_WAIT
    while True:
        state = _schema_state(path)
        if state != "creating" or time.monotonic() > deadline:
            break
        time.sleep(0.05)
    if state == "creating":
        raise StoreError(
            f"{path} has tables but no schema version, also after {CREATION_WAIT:g} s: "
            "an interrupted creation; delete it, or choose another --db"
        )


def damaged(path: Path, exc: sqlite3.DatabaseError) -> StoreError:
    """The one-line error of a file SQLite cannot read as a database."""
    return StoreError(
        f"{path} is damaged or not a dask-bench database ({exc}); restore it from a "
        "copy, or choose another --db"
    )


def _schema_state(path: Path) -> str:
    """``new`` (no tables), ``ok``, or ``creating``; raises for anything else."""
    # immutable: no lock, no -wal/-shm file created next to a file we may refuse; but
    # a write-ahead log left by a live or crashed writer holds rows the file lacks
    wal = path.with_name(path.name + "-wal")
    uri = f"file:{path}?mode=ro" + ("" if wal.exists() else "&immutable=1")
    try:
        con = sqlite3.connect(uri, uri=True, timeout=5.0)
    except sqlite3.Error as exc:
        raise StoreError(f"cannot open database {path}: {exc}") from None
    try:
        tables = {r[0] for r in con.execute("SELECT name FROM sqlite_master WHERE type='table'")}
        if not tables:
            return "new"
        if "meta" not in tables:
            raise StoreError(
                f"{path} is not a dask-bench database (no 'meta' table); choose another --db"
            )
        row = con.execute("SELECT value FROM meta WHERE key = 'schema_version'").fetchone()
    except sqlite3.DatabaseError as exc:
        raise damaged(path, exc) from None
    finally:
        con.close()
    if row is None:
        return "creating"
    try:
        version = int(row[0])
    except (TypeError, ValueError):
        raise StoreError(
            f"{path} has an unreadable schema version {str(row[0])[:40]!r}; it was not written "
            "by dask-bench, or was damaged; choose another --db"
        ) from None
    if version > SCHEMA_VERSION:
        raise StoreError(
            f"{path} has schema version {version}, newer than this dask-bench reads "
            f"({SCHEMA_VERSION}); upgrade dask-bench to read it"
        )
    return "ok"


@contextlib.contextmanager
def creation_lock(path: Path) -> Iterator[None]:
    """Hold an exclusive lock on ``path``'s folder while a new database is created there.

    The folder itself is locked (``flock`` on its descriptor), so no lock file is left
    behind. Waits up to :data:`CREATION_WAIT` seconds for another creator.
    """
    try:
        fd = os.open(path.parent, os.O_RDONLY)
    except OSError:
        yield  # a folder we cannot open for locking: the open below reports what is wrong
        return

    def too_long() -> Exception:
        return StoreError(
            f"another process has been creating a database in {path.parent} for "
            f"{CREATION_WAIT:g} s; try again"
        )

    try:
        with flocked(fd, time.monotonic() + CREATION_WAIT, too_long, pause=0.02):
            yield
    finally:
        os.close(fd)


def database_url(database: str | os.PathLike[str]) -> str:
    """Turn a path or URL into an SQLAlchemy URL (a bare path means SQLite)."""
    database = os.fspath(database)
    if "://" in database:
        return database
    return f"sqlite:///{Path(database).expanduser().resolve()}"


def sqlite_path(url: str) -> Path | None:
    prefix = "sqlite:///"
    if url.startswith(prefix) and url[len(prefix) :] not in ("", ":memory:"):
        return Path(url[len(prefix) :])
    return None


def check_writable(database: str | os.PathLike[str]) -> None:
    """Fail early, before anything is written, when a SQLite path cannot be written.

    Raises
    ------
    StoreError
    """
    path = sqlite_path(database_url(database))
    if path is None:
        return
    if path.is_dir():
        raise StoreError(
            f"database path {path} is a directory; give a file name such as {path}/results.db"
        )
    parent = path.parent
    existing = next((p for p in (parent, *parent.parents) if p.exists()), None)
    if existing is not None and not existing.is_dir():
        raise StoreError(
            f"cannot create database {path}: {existing} is a file, not a directory; "
            "choose another --db path"
        )
    target = path if path.exists() else existing
    if target is not None and not os.access(target, os.W_OK):
        raise StoreError(
            f"cannot write database {path}: permission denied; choose a writable --db path"
        )


#: File systems on which SQLite's write-ahead log is unsafe (no shared memory across hosts).
NETWORK_FILESYSTEMS = frozenset(
    [
        "nfs",
        "nfs4",
        "lustre",
        "gpfs",
        "cifs",
        "smb3",
        "smbfs",
        "beegfs",
        "ceph",
        "fuse.sshfs",
        "glusterfs",
        "fuse.glusterfs",
        "panfs",
        "afs",
        "9p",
    ]
)


def sqlite_pragmas(path: Path | None) -> dict[str, str]:
    """Journal settings for a SQLite database file.

    On local disks a write-ahead log with ``synchronous=NORMAL``: a commit costs a
    fraction of a millisecond and survives a crash of the process (also ``kill -9``);
    only an OS crash or power loss can roll back the last commits, never corrupt the
    file. On network file systems, where the write-ahead log is unsafe, the classic
    rollback journal with a full sync on every commit.
    """
    if path is not None and filesystem_type(path.parent) in NETWORK_FILESYSTEMS:
        return {"journal_mode": "DELETE", "synchronous": "FULL", "foreign_keys": "ON"}
    return {"journal_mode": "WAL", "synchronous": "NORMAL", "foreign_keys": "ON"}


def set_sqlite_pragmas(engine: Engine, pragmas: dict[str, str]) -> None:
    from sqlalchemy import event  # here: listing runs reads SQLite without SQLAlchemy

    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_conn: Any, _record: Any) -> None:
        cur = dbapi_conn.cursor()
        for key, value in pragmas.items():
            cur.execute(f"PRAGMA {key}={value}")
        cur.close()
