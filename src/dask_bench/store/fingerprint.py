"""Which runs a read names, and a digest of everything stored about them, without SQLAlchemy.

``show`` and ``export`` keep what they wrote last (see :mod:`dask_bench.report.cache`)
and may reuse it only while nothing it was made from has changed. The digest covers
every stored row that belongs to the runs: the run rows, and the rows of every table
that refers to them through ``run_id``, to their points through ``point_id`` or to
their scenarios through ``scenario_id``; small tables that belong to no run (``meta``:
the schema version) are covered whole. Tables are found from the file's own schema, so
a table added later is covered without a change here.

Only a current-schema SQLite file is read (see :func:`~dask_bench.store.listing.connect_current`);
anything else answers ``None``, and the caller goes the full way through
:class:`~dask_bench.store.Store`.
"""

from __future__ import annotations

import hashlib
import os
import sqlite3
from collections.abc import Callable, Sequence
from typing import TypeVar

from dask_bench.store.listing import connect_current

_T = TypeVar("_T")

#: How each table's rows are tied to a set of runs, by the first column it has.
_LINKS = (
    ("run_id", "SELECT * FROM {t} WHERE run_id IN ({ids}) ORDER BY rowid"),
    (
        "point_id",
        "SELECT * FROM {t} WHERE point_id IN (SELECT id FROM points WHERE run_id IN ({ids}))"
        " ORDER BY rowid",
    ),
    (
        "scenario_id",
        "SELECT * FROM {t} WHERE scenario_id IN"
        " (SELECT id FROM scenarios WHERE run_id IN ({ids})) ORDER BY rowid",
    ),
)


def stored_view(
    database: str | os.PathLike[str], ref: str | None, study_id: str | None
) -> tuple[list[int], str] | None:
    """The run ids ``show``/``export`` would read, and the digest of their stored rows.

    Parameters
    ----------
    database
        As ``--db`` takes it.
    ref
        A run id or name (the latest of that name), or None for the latest run;
        as :meth:`Store.run <dask_bench.store.Store.run>` resolves it.
    study_id
        Every run of this study instead, in the order they ran.

    Returns
    -------
    tuple or None
        ``(run ids, digest)``; None when the database is not a current-schema SQLite
        file or names no such run (the full path words that error).
    """

    def view(con: sqlite3.Connection) -> tuple[list[int], str] | None:
        ids = resolve_runs(con, ref, study_id)
        return (ids, digest(con, ids)) if ids else None

    return read_quickly(database, view)


def read_quickly(
    database: str | os.PathLike[str], read: Callable[[sqlite3.Connection], _T]
) -> _T | None:
    """``read`` over a ``sqlite3`` connection to ``database``; None when it cannot.

    None when the database is not a current-schema SQLite file, or when SQLite fails
    (the full way, through :class:`~dask_bench.store.Store`, opens it again and words
    what is wrong).
    """
    opened = connect_current(database)
    if opened is None:
        return None
    con, _ = opened
    try:
        return read(con)
    except sqlite3.Error:
        return None
    finally:
        con.close()


def resolve_runs(con: sqlite3.Connection, ref: str | None, study_id: str | None) -> list[int]:
    """The ids a run reference or a study id names; empty when none matches."""
    if study_id is not None:
        rows = con.execute("SELECT id FROM runs WHERE study_id = ? ORDER BY id", (study_id,))
        return [int(r[0]) for r in rows]
    if ref is None:
        row = con.execute("SELECT max(id) FROM runs").fetchone()
        return [int(row[0])] if row and row[0] is not None else []
    text = str(ref)
    if text.isdigit():
        row = con.execute("SELECT id FROM runs WHERE id = ?", (int(text),)).fetchone()
        if row is not None:
            return [int(row[0])]
    row = con.execute("SELECT max(id) FROM runs WHERE name = ?", (text,)).fetchone()
    return [int(row[0])] if row and row[0] is not None else []


def digest(con: sqlite3.Connection, run_ids: Sequence[int]) -> str:
    """A SHA-256 digest of every stored row that belongs to ``run_ids`` (see the module)."""
    ids = ",".join(str(int(i)) for i in run_ids)
    h = hashlib.sha256(f"runs {ids}".encode())
    tables = [
        str(r[0])
        for r in con.execute(
            "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%'"
            " ORDER BY name"
        )
    ]
    for table in tables:
        quoted = '"' + table.replace('"', '""') + '"'
        columns = [str(r[1]) for r in con.execute(f"PRAGMA table_info({quoted})")]
        if table == "runs":
            query = f"SELECT * FROM {quoted} WHERE id IN ({ids}) ORDER BY id"
        else:
            query = next(
                (q.format(t=quoted, ids=ids) for col, q in _LINKS if col in columns),
                f"SELECT * FROM {quoted} ORDER BY rowid",
            )
        h.update(f"\x00{table}:{','.join(columns)}\x00".encode())
        for row in con.execute(query):
            h.update(repr(row).encode())
    return h.hexdigest()


def runs_digest(database: str | os.PathLike[str], run_ids: Sequence[int]) -> str | None:
    """:func:`digest` of ``run_ids`` in ``database``; None when it is not read quickly."""
    return read_quickly(database, lambda con: digest(con, run_ids))
