"""Open a results database and write to it, one committed row at a time."""

from __future__ import annotations

import contextlib
import os
from collections.abc import Callable, Mapping
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from sqlalchemy import create_engine, event, insert, inspect, select, text, update
from sqlalchemy.engine import Connection, CursorResult, Engine
from sqlalchemy.exc import ArgumentError, OperationalError, SQLAlchemyError
from sqlalchemy.orm import Session
from sqlalchemy.sql.expression import Executable

from dask_bench.errors import StoreError, StoreWriteError
from dask_bench.secrets import scrub_text
from dask_bench.store._opening import check_sqlite_file, creation_lock
from dask_bench.store._scrub import scrub_before_flush
from dask_bench.store.schema import (
    SCHEMA_VERSION,
    Base,
    Breakdown,
    Measurement,
    Meta,
    Point,
    Run,
    ScaleEventRow,
)

#: Columns added to ``points`` by schema 2, with their SQL types.
_POINT_COLUMNS_2 = {
    "tasks_per_second": "FLOAT", "scheduler_tasks": "FLOAT", "submit_seconds": "FLOAT",
    "memory_peak": "FLOAT", "memory_mean": "FLOAT", "metrics_complete": "BOOLEAN",
    "metrics_note": "TEXT", "performance_report": "TEXT",
}  # fmt: skip


def _to_2(conn: Connection) -> None:
    """Schema 2: scheduler-side figures and memory per point, and the time breakdown."""
    for column, kind in _POINT_COLUMNS_2.items():
        conn.execute(text(f"ALTER TABLE points ADD COLUMN {column} {kind}"))
    Base.metadata.tables["breakdowns"].create(conn)


def _to_3(conn: Connection) -> None:
    """Schema 3: queue wait and back-end details per scale step (batch schedulers)."""
    conn.execute(text("ALTER TABLE scale_events ADD COLUMN queue_seconds FLOAT"))
    conn.execute(text("ALTER TABLE scale_events ADD COLUMN details JSON"))


def _to_4(conn: Connection) -> None:
    """Schema 4: runs of one study share a study id; each names its deployment variant."""
    conn.execute(text("ALTER TABLE runs ADD COLUMN study_id VARCHAR(32)"))
    conn.execute(text("ALTER TABLE runs ADD COLUMN variant VARCHAR(64)"))
    conn.execute(text("CREATE INDEX ix_runs_study_id ON runs (study_id)"))
    for (run_id,) in conn.execute(text("SELECT id FROM runs")).all():
        # each older run was a study of its own
        conn.execute(
            text("UPDATE runs SET study_id = :sid WHERE id = :id"),
            {"sid": f"run-{run_id}", "id": run_id},
        )


def _to_5(conn: Connection) -> None:
    """Schema 5: disturbed repetitions flagged with what disturbed them; notes per point."""
    conn.execute(text("ALTER TABLE measurements ADD COLUMN disturbed BOOLEAN DEFAULT 0"))
    conn.execute(text("UPDATE measurements SET disturbed = 0"))
    conn.execute(text("ALTER TABLE measurements ADD COLUMN disturbance TEXT"))
    conn.execute(text("ALTER TABLE points ADD COLUMN notes JSON"))


#: Migrations from version N to N + 1, applied in order to older databases.
MIGRATIONS: dict[int, Callable[[Connection], None]] = {1: _to_2, 2: _to_3, 3: _to_4, 4: _to_5}


def now() -> datetime:
    """The current time in UTC, without tzinfo (as stored)."""
    return datetime.now(UTC).replace(tzinfo=None)


def database_url(database: str | os.PathLike[str]) -> str:
    """Turn a path or URL into an SQLAlchemy URL (a bare path means SQLite)."""
    database = os.fspath(database)
    if "://" in database:
        return database
    return f"sqlite:///{Path(database).expanduser().resolve()}"


def _sqlite_path(url: str) -> Path | None:
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
    path = _sqlite_path(database_url(database))
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
    {"nfs", "nfs4", "lustre", "gpfs", "cifs", "smb3", "smbfs", "beegfs", "ceph", "fuse.sshfs",
     "glusterfs", "fuse.glusterfs", "panfs", "afs", "9p"}
)  # fmt: skip


def filesystem_type(path: Path, mounts: list[tuple[str, str]] | None = None) -> str:
    """The type of the file system holding ``path`` (``""`` when unknown).

    Parameters
    ----------
    path
        Any path; the deepest mount point containing it decides.
    mounts
        ``(mount point, fs type)`` pairs; default: the machine's mount table.
    """
    if mounts is None:
        import psutil

        mounts = [(m.mountpoint, m.fstype) for m in psutil.disk_partitions(all=True)]
    target = str(path.resolve())
    best, kind = "", ""
    for point, fstype in mounts:
        inside = target == point or target.startswith(point.rstrip("/") + "/")
        if inside and len(point) > len(best):
            best, kind = point, fstype
    return kind


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


def _set_sqlite_pragmas(engine: Engine, pragmas: dict[str, str]) -> None:
    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_conn: Any, _record: Any) -> None:
        cur = dbapi_conn.cursor()
        for key, value in pragmas.items():
            cur.execute(f"PRAGMA {key}={value}")
        cur.close()


class Store:
    """A results database.

    Parameters
    ----------
    database
        A SQLite file path or an SQLAlchemy URL.
    create
        Create the database (and a missing parent folder) when it does not exist;
        otherwise a missing database is an error.
    """

    def __init__(self, database: str | os.PathLike[str], *, create: bool = False) -> None:
        self.url = database_url(database)
        path = _sqlite_path(self.url)
        with contextlib.ExitStack() as stack:
            if path is not None and not path.exists():
                if not create:
                    raise StoreError(
                        f"no results database at {path}; run 'dask-bench run' first or "
                        "pass --db PATH"
                    )
                check_writable(database)
                path.parent.mkdir(parents=True, exist_ok=True)
            if path is not None and create:
                # creators take turns (also when another one's file already appeared):
                # the later ones find the database made
                stack.enter_context(creation_lock(path))
            if path is not None and path.exists():
                # read-only: a file we refuse is never changed
                check_sqlite_file(path, create=create)
            self._open(database, path, create)
        self.session = Session(self.engine, expire_on_commit=False)
        scrub_before_flush(self.session)
        self._writer: Connection | None = None

    def _open(self, database: str | os.PathLike[str], path: Path | None, create: bool) -> None:
        try:
            self.engine = create_engine(self.url)
        except (ArgumentError, ImportError) as exc:
            raise StoreError(scrub_text(f"cannot use database URL {database!r}: {exc}")) from None
        if self.engine.dialect.name == "sqlite":
            _set_sqlite_pragmas(self.engine, sqlite_pragmas(path))
        try:
            self._prepare(create)
        except OperationalError as exc:
            raise StoreError(scrub_text(f"cannot open database {database}: {exc.orig}")) from None

    def _prepare(self, create: bool) -> None:
        tables = set(inspect(self.engine).get_table_names())
        if not tables:
            if not create:
                raise StoreError(
                    f"{self.url} holds no dask-bench results; run 'dask-bench run' first"
                )
            Base.metadata.create_all(self.engine)
            with Session(self.engine) as s:
                s.add(Meta(key="schema_version", value=str(SCHEMA_VERSION)))
                s.commit()
            return
        if "meta" not in tables:
            raise StoreError(
                f"{self.url} is not a dask-bench database (no 'meta' table); choose another --db"
            )
        with Session(self.engine) as s:
            row = s.get(Meta, "schema_version")
            version = int(row.value) if row else 0
        if version > SCHEMA_VERSION:
            raise StoreError(
                f"{self.url} has schema version {version}, newer than this dask-bench reads "
                f"({SCHEMA_VERSION}); upgrade dask-bench to read it"
            )
        self._migrate(version)

    def _migrate(self, version: int) -> None:
        while version < SCHEMA_VERSION:
            step = MIGRATIONS.get(version)
            if step is None:
                raise StoreError(
                    f"{self.url} has schema version {version}, which cannot be migrated"
                )
            with self.engine.begin() as conn:
                step(conn)
                conn.execute(
                    update(Meta).where(Meta.key == "schema_version").values(value=str(version + 1))
                )
            version += 1

    # --- writing: every call commits, so a crash loses at most the call in flight ---

    def _commit(self, *rows: Any) -> None:
        try:
            self.session.add_all(rows)
            self.session.commit()
        except SQLAlchemyError as exc:
            self.session.rollback()
            raise StoreWriteError(f"cannot write to {self.url}: {_reason(exc)}") from None

    def create_run(
        self,
        *,
        name: str,
        mode: str,
        backend: str,
        layout: Mapping[str, Any],
        study: Mapping[str, Any],
        version: str,
        study_id: str | None = None,
        variant: str | None = None,
    ) -> Run:
        """Insert a run with status ``running``; ``study_id`` groups the variants of a study."""
        run = Run(
            study_id=study_id,
            variant=variant,
            name=name,
            status="running",
            mode=mode,
            backend=backend,
            layout=dict(layout),
            started_at=now(),
            study=dict(study),
            environment={},
            dask_bench_version=version,
        )
        self._commit(run)
        return run

    def set_environment(self, run: Run, environment: Mapping[str, Any]) -> None:
        """Store the run's provenance."""
        run.environment = dict(environment)
        self._commit(run)

    def finish_run(self, run: Run, status: str, message: str | None = None) -> None:
        """Close a run as ``complete``, ``interrupted`` or ``failed``."""
        run.status, run.message, run.finished_at = status, message, now()
        self._commit(run)

    def drop_points(self, points: list[Point]) -> None:
        """Delete points with their repetitions and breakdowns (a resume measures them again)."""
        for point in points:
            point.run.points.remove(point)  # delete-orphan: its rows go with it
        self._commit()

    def reopen_run(self, run: Run, environment: Mapping[str, Any]) -> None:
        """Mark a run ``running`` again, with its provenance (which records the resume)."""
        run.status, run.message, run.finished_at = "running", None, None
        run.environment = dict(environment)
        self._commit(run)

    def add_point(self, run: Run, **fields: Any) -> Point:
        """Insert a point with status ``running``."""
        point = Point(run_id=run.id, status="running", started_at=now(), **fields)
        self._commit(point)
        return point

    def finish_point(
        self, point: Point, status: str, error: str | None = None, **fields: Any
    ) -> None:
        """Close a point as ``ok``, ``failed`` or ``interrupted``."""
        point.status, point.error, point.finished_at = status, error, now()
        for key, value in fields.items():
            setattr(point, key, value)
        self._commit(point)

    def add_measurement(
        self,
        point: Point,
        *,
        repetition: int,
        warmup: bool,
        seconds: float | None,
        ok: bool,
        error: str | None = None,
        started_at: datetime | None = None,
        disturbance: str | None = None,
    ) -> int:
        """Insert one repetition and return its id.

        This is the hot path between repetitions, so it bypasses the ORM: a Core
        insert on a connection of its own, committed at once.
        """
        values = {
            "point_id": point.id,
            "repetition": repetition,
            "warmup": warmup,
            "seconds": seconds,
            "ok": ok,
            "error": scrub_text(error) if error else error,  # the ORM's hook is bypassed here
            "started_at": started_at or now(),
            "disturbed": disturbance is not None,
            "disturbance": disturbance,
        }
        result = self._write(insert(Measurement).values(values))
        # The session may hold the point's measurements, or a snapshot of the
        # database, from before this row: drop both so that reads see it.
        self.session.expire(point, ["measurements"])
        if self.session.in_transaction():
            self.session.commit()
        key = result.inserted_primary_key
        assert key is not None  # an INSERT always has one
        return int(key[0])

    def mark_disturbed(self, point: Point, measurement_id: int, disturbance: str) -> None:
        """Flag a stored repetition as disturbed (news of a worker can arrive late)."""
        self._write(
            update(Measurement)
            .where(Measurement.id == measurement_id)
            .values(disturbed=True, disturbance=scrub_text(disturbance))
        )
        self.session.expire(point, ["measurements"])

    def _write(self, statement: Executable) -> CursorResult[Any]:
        """Run one Core statement on the writer's own connection and commit it at once."""
        try:
            if self._writer is None:
                self._writer = self.engine.connect()
            result = self._writer.execute(statement)
            self._writer.commit()
        except SQLAlchemyError as exc:
            if self._writer is not None:
                self._writer.rollback()
            raise StoreWriteError(f"cannot write to {self.url}: {_reason(exc)}") from None
        return result

    def add_breakdown(self, point: Point, seconds: Mapping[str, float]) -> None:
        """Store a point's time breakdown: thread-seconds per category, per repetition."""
        self._commit(
            *(Breakdown(point_id=point.id, category=c, seconds=v) for c, v in seconds.items())
        )

    def add_scale_event(
        self,
        run: Run,
        *,
        requested: int,
        previous: int,
        time_to_first: float | None,
        time_to_all: float | None,
        ok: bool,
        error: str | None = None,
        queue_seconds: float | None = None,
        details: dict[str, Any] | None = None,
    ) -> ScaleEventRow:
        """Insert one scale step."""
        row = ScaleEventRow(
            queue_seconds=queue_seconds,
            details=details,
            run_id=run.id,
            requested=requested,
            previous=previous,
            time_to_first=time_to_first,
            time_to_all=time_to_all,
            ok=ok,
            error=error,
            at=now(),
        )
        self._commit(row)
        return row

    # --- reading ---

    def runs(self) -> list[Run]:
        """All runs, oldest first."""
        return list(self.session.scalars(select(Run).order_by(Run.id)))

    def run(self, ref: str | int | None = None) -> Run:
        """A run by id or name (the latest of that name), or the latest run when ``ref`` is None.

        Raises
        ------
        StoreError
            When no run matches.
        """
        stmt = select(Run).order_by(Run.id.desc())
        latest = self.session.scalars(stmt).first()
        if latest is None:
            raise StoreError(f"{self.url} holds no runs yet; run 'dask-bench run' first")
        if ref is None:
            return latest
        text = str(ref)
        found = None
        if text.isdigit():
            found = self.session.get(Run, int(text))
        if found is None:
            found = self.session.scalars(stmt.where(Run.name == text)).first()
        if found is None:
            known = ", ".join(f"{r.id} ({_short(r.name)})" for r in self.runs()[-5:])
            raise StoreError(
                f"no run {_short(text)!r} in {self.url}; recent runs: {known or 'none'}"
            )
        return found

    def study_runs(self, study_id: str) -> list[Run]:
        """The runs of one study execution (its variants), in the order they ran.

        Raises
        ------
        StoreError
            When no run has that study id.
        """
        stmt = select(Run).where(Run.study_id == study_id).order_by(Run.id)
        found = list(self.session.scalars(stmt))
        if not found:
            recent = {r.study_id for r in self.runs()[-20:] if r.study_id}
            raise StoreError(
                f"no study {study_id!r} in {self.url}; recent studies: "
                f"{', '.join(sorted(recent)) or 'none'}"
            )
        return found

    def close(self) -> None:
        """Release the connections."""
        if self._writer is not None:
            self._writer.close()
        self.session.close()
        self.engine.dispose()


def _short(name: str, limit: int = 40) -> str:
    """A run name for an error line: at most ``limit`` characters."""
    return name if len(name) <= limit else name[: limit - 1] + "…"


def _reason(exc: SQLAlchemyError) -> str:
    """The driver's own words (``database or disk is full``), without the SQL statement."""
    orig = getattr(exc, "orig", None)
    return str(orig) if orig is not None else str(exc).splitlines()[0]
