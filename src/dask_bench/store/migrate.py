"""Bring an older results database up to date: its tables, and the JSON stored in them.

Two kinds of version, as in asv, each with its migrations here:

- the **schema** (``meta.schema_version``): tables and columns. :data:`MIGRATIONS`
  maps version N to the step that makes it N + 1.
- the **format of each JSON column** (``meta`` rows ``format:<table>.<column>``):
  what the documents inside mean. :data:`FORMATS` says the current one;
  :data:`DOCUMENT_MIGRATIONS` rewrites a document from format N to N + 1.

A database is migrated when it is opened for writing or reading, each step in a
transaction of its own, so an interrupted migration leaves a database that the
next opening continues from.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

from sqlalchemy import text, update
from sqlalchemy.engine import Connection, Engine

from dask_bench.errors import StoreError
from dask_bench.store.schema import PROVENANCE_FORMAT, SCHEMA_VERSION, Base, Meta

Document = Any
DocumentStep = Callable[[Document], Document]

#: The current format of every JSON column, by ``table.column``.
FORMATS: dict[str, int] = {
    "runs.layout": 1,
    "runs.study": 2,
    "runs.environment": PROVENANCE_FORMAT,
    "points.options": 1,
    "points.notes": 1,
    "scale_events.details": 1,
    "scenarios.settings": 1,
    "scenario_repetitions.figures": 1,
    "points.scheduler": 1,
    "points.placement": 1,
}

# --- the schema -------------------------------------------------------------------

#: Columns added to ``points`` by schema 2, with their SQL types.
_POINT_COLUMNS_2 = {
    "tasks_per_second": "FLOAT",
    "scheduler_tasks": "FLOAT",
    "submit_seconds": "FLOAT",
    "memory_peak": "FLOAT",
    "memory_mean": "FLOAT",
    "metrics_complete": "BOOLEAN",
    "metrics_note": "TEXT",
    "performance_report": "TEXT",
}


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


def _to_6(conn: Connection) -> None:
    """Schema 6: every JSON column carries a format (format 0: written before formats)."""
    for column in FORMATS:
        key = f"format:{column}"
        if conn.execute(text("SELECT 1 FROM meta WHERE key = :k"), {"k": key}).first() is None:
            conn.execute(text("INSERT INTO meta (key, value) VALUES (:k, '0')"), {"k": key})


def _to_7(conn: Connection) -> None:
    """Schema 7: scenarios (a workload under a planned event) and their repetitions."""
    Base.metadata.tables["scenarios"].create(conn)
    Base.metadata.tables["scenario_repetitions"].create(conn)
    for column in ("scenarios.settings", "scenario_repetitions.figures"):
        # new, empty tables: already in the current format
        key = f"format:{column}"
        conn.execute(text("DELETE FROM meta WHERE key = :k"), {"k": key})
        conn.execute(
            text("INSERT INTO meta (key, value) VALUES (:k, :v)"),
            {"k": key, "v": str(FORMATS[column])},
        )


def _to_8(conn: Connection) -> None:
    """Schema 8: scheduler-side figures and task placement by worker group, per point."""
    for column in ("scheduler", "placement"):
        conn.execute(text(f"ALTER TABLE points ADD COLUMN {column} JSON"))
        # new, empty columns: already in the current format
        key = f"format:points.{column}"
        conn.execute(text("DELETE FROM meta WHERE key = :k"), {"k": key})
        conn.execute(
            text("INSERT INTO meta (key, value) VALUES (:k, :v)"),
            {"k": key, "v": str(FORMATS[f"points.{column}"])},
        )


#: Migrations from schema version N to N + 1, applied in order to older databases.
MIGRATIONS: dict[int, Callable[[Connection], None]] = {
    1: _to_2,
    2: _to_3,
    3: _to_4,
    4: _to_5,
    5: _to_6,
    6: _to_7,
    7: _to_8,
}

# --- the documents in JSON columns ------------------------------------------------


def _provenance_to_1(document: Document) -> Document:
    """Provenance 1: says its format; dashboard listeners name their scheme (all were http)."""
    if not isinstance(document, dict):
        return document
    security = document.get("security")
    if isinstance(security, dict) and isinstance(security.get("dashboard"), list):
        security["dashboard"] = [
            a if "://" in str(a) else f"http://{a}" for a in security["dashboard"]
        ]
    return {**document, "format": 1}


def _study_to_1(document: Document) -> Document:
    """Study 1: the suites a study does not run are left out, not stored as null."""
    if isinstance(document, dict) and isinstance(document.get("suites"), dict):
        suites = {k: v for k, v in document["suites"].items() if v is not None}
        return {**document, "suites": suites}
    return document


def _provenance_to_2(document: Document) -> Document:
    """Provenance 2: may hold ``dask_config`` (the Dask config read back); none before."""
    return {**document, "format": 2} if isinstance(document, dict) else document


def _provenance_to_3(document: Document) -> Document:
    """Provenance 3: ``measuring.harness``, what the harness spent per size; none before."""
    return {**document, "format": 3} if isinstance(document, dict) else document


def _study_to_2(document: Document) -> Document:
    """Study 2: ``config``, the study's Dask config; none before (and so for a resume)."""
    if isinstance(document, dict) and "config" not in document:
        return {**document, "config": {}}
    return document


def _unchanged(document: Document) -> Document:
    return document


#: Document migrations from format N to N + 1, by ``table.column``.
DOCUMENT_MIGRATIONS: dict[str, dict[int, DocumentStep]] = {
    "runs.layout": {0: _unchanged},
    "runs.study": {0: _study_to_1, 1: _study_to_2},
    "runs.environment": {0: _provenance_to_1, 1: _provenance_to_2, 2: _provenance_to_3},
    "points.options": {0: _unchanged},
    "points.notes": {0: _unchanged},
    "scale_events.details": {0: _unchanged},
    "scenarios.settings": {0: _unchanged},
    "scenario_repetitions.figures": {0: _unchanged},
    "points.scheduler": {0: _unchanged},
    "points.placement": {0: _unchanged},
}


def _format(conn: Connection, column: str) -> int:
    row = conn.execute(text("SELECT value FROM meta WHERE key = :k"), {"k": f"format:{column}"})
    value = row.scalar()
    # a database made by this version has its rows; one made before formats, format 0
    return int(value) if value is not None else 0


def _migrate_documents(conn: Connection, column: str, start: int) -> None:
    table, name = column.split(".")
    steps = DOCUMENT_MIGRATIONS[column]
    rows = conn.execute(text(f"SELECT id, {name} FROM {table} WHERE {name} IS NOT NULL")).all()
    for row_id, stored in rows:
        document = json.loads(stored) if isinstance(stored, str) else stored
        for version in range(start, FORMATS[column]):
            document = steps[version](document)
        conn.execute(
            text(f"UPDATE {table} SET {name} = :doc WHERE id = :id"),
            {"doc": json.dumps(document), "id": row_id},
        )
    conn.execute(
        text("UPDATE meta SET value = :v WHERE key = :k"),
        {"v": str(FORMATS[column]), "k": f"format:{column}"},
    )


def record_formats(conn: Connection) -> None:
    """Say, in a new database, that its JSON columns are in the current formats."""
    for column, version in FORMATS.items():
        conn.execute(
            text("INSERT INTO meta (key, value) VALUES (:key, :value)"),
            {"key": f"format:{column}", "value": str(version)},
        )


def migrate(engine: Engine, url: str, version: int) -> None:
    """Migrate a database of schema ``version`` to the current schema and formats.

    Raises
    ------
    StoreError
        When the version has no migration (a database from before schema 1).
    """
    while version < SCHEMA_VERSION:
        step = MIGRATIONS.get(version)
        if step is None:
            raise StoreError(f"{url} has schema version {version}, which cannot be migrated")
        with engine.begin() as conn:
            step(conn)
            conn.execute(
                update(Meta).where(Meta.key == "schema_version").values(value=str(version + 1))
            )
        version += 1
    for column, current in FORMATS.items():
        with engine.begin() as conn:
            found = _format(conn, column)
            if found > current:
                raise StoreError(
                    f"{url} stores {column} in format {found}, newer than this dask-bench "
                    f"reads ({current}); upgrade dask-bench to read it"
                )
            if found < current:
                _migrate_documents(conn, column, found)
