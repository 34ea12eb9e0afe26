"""Open a results database and write to it, one committed row at a time."""

from __future__ import annotations

import contextlib
import os
from collections.abc import Mapping
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

from sqlalchemy import create_engine, insert, inspect, select, update
from sqlalchemy.engine import Connection, CursorResult
from sqlalchemy.exc import ArgumentError, OperationalError, SQLAlchemyError
from sqlalchemy.orm import Session
from sqlalchemy.sql.expression import Executable

from dask_bench.errors import StoreError, StoreWriteError
from dask_bench.secrets import scrub_text
from dask_bench.store._opening import (
    check_sqlite_file,
    check_writable,
    creation_lock,
    database_url,
    set_sqlite_pragmas,
    sqlite_path,
    sqlite_pragmas,
)
from dask_bench.store._scenario_rows import ScenarioWrites
from dask_bench.store._scrub import scrub_before_flush
from dask_bench.store.migrate import migrate, record_formats
from dask_bench.store.schema import (
    SCHEMA_VERSION,
    Base,
    Breakdown,
    Measurement,
    Meta,
    Point,
    PointStatus,
    Run,
    RunStatus,
    ScaleEventRow,
)

if TYPE_CHECKING:
    from dask_bench.store.provenance import Provenance


def now() -> datetime:
    """The current time in UTC, without tzinfo (as stored)."""
    return datetime.now(UTC).replace(tzinfo=None)


class Store(ScenarioWrites):
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
        path = sqlite_path(self.url)
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
            set_sqlite_pragmas(self.engine, sqlite_pragmas(path))
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
            with self.engine.begin() as conn:
                conn.execute(insert(Meta).values(key="schema_version", value=str(SCHEMA_VERSION)))
                record_formats(conn)
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
        migrate(self.engine, self.url, version)

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
            status=RunStatus.RUNNING,
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

    def update_provenance(self, run: Run, **sections: Any) -> Provenance:
        """Replace whole sections of the run's provenance, e.g. ``hardware=...``.

        The one path by which anything is recorded there: the document is validated
        against :class:`~dask_bench.store.provenance.Provenance` and stored in the
        current format. Returns the provenance as stored.
        """
        # here, not at the top: its pydantic models are not needed to read results
        from dask_bench.store.provenance import updated

        run.environment = updated(run.environment, sections)
        self._commit(run)
        return run.provenance

    def finish_run(self, run: Run, status: RunStatus, message: str | None = None) -> None:
        """Close a run as ``complete``, ``interrupted`` or ``failed``."""
        run.status, run.message, run.finished_at = status, message, now()
        self._commit(run)

    def drop_points(self, points: list[Point]) -> None:
        """Delete points with their repetitions and breakdowns (a resume measures them again)."""
        for point in points:
            point.run.points.remove(point)  # delete-orphan: its rows go with it
        self._commit()

    def reopen_run(self, run: Run, resume: Mapping[str, Any]) -> None:
        """Mark a run ``running`` again, recording the resume in its provenance."""
        from dask_bench.store.provenance import updated

        resumes = [r.model_dump(mode="json") for r in run.provenance.resumes]
        run.status, run.message, run.finished_at = RunStatus.RUNNING, None, None
        run.environment = updated(run.environment, {"resumes": [*resumes, dict(resume)]})
        self._commit(run)

    def add_point(self, run: Run, **fields: Any) -> Point:
        """Insert a point with status ``running``."""
        point = Point(run_id=run.id, status=PointStatus.RUNNING, started_at=now(), **fields)
        self._commit(point)
        return point

    def finish_point(
        self, point: Point, status: PointStatus, error: str | None = None, **fields: Any
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
