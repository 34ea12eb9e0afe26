"""Export a run to CSV, Parquet or JSON, for analysis elsewhere.

Two levels: every repetition (the default, warm-ups and disturbed repetitions
flagged), or one row per point: its summary with the interval of the median, how it
ended, what was left out, where the worker time went, memory, tasks/s and the notes.
"""

from __future__ import annotations

import os
from pathlib import Path

import pandas as pd

from dask_bench.errors import ConfigError
from dask_bench.report._files import ISO_FORMAT, atomic_output, check_output
from dask_bench.report._rows import spreadsheet_cell, write_rows
from dask_bench.report.analysis.export import points_export
from dask_bench.store import Store, measurements_frame, run_summaries
from dask_bench.store.columns import MEASUREMENT_COLUMNS, repetition_rows
from dask_bench.store.schema import Run

#: Formats :func:`export_run` writes.
EXPORT_FORMATS = ("csv", "parquet", "json")
#: What :func:`export_run` can write: a row per repetition, or a row per point.
EXPORT_LEVELS = ("repetitions", "points")


def export_run(
    store: Store, run: Run, fmt: str, path: str | os.PathLike[str], level: str = "repetitions"
) -> Path:
    """Write a run to a file: every repetition (warm-ups flagged), or one row per point.

    Parameters
    ----------
    store
        The results database.
    run
        The run to export.
    fmt
        ``csv``, ``parquet`` or ``json`` (records, ISO dates).
    path
        The output file; an existing file is replaced atomically.
    level
        ``repetitions`` (default): a row per repetition with its point's and run's
        columns; ``points``: a row per point (see
        :func:`~dask_bench.report.analysis.export.points_export`).

    Returns
    -------
    Path
        The file written.

    Raises
    ------
    ConfigError
        For an unknown format or level, or a missing output folder.
    """
    kind = fmt.lower().lstrip(".")
    if kind not in EXPORT_FORMATS:
        raise ConfigError(
            f"unknown export format {fmt!r}; choose one of {', '.join(EXPORT_FORMATS)}"
        )
    if level not in EXPORT_LEVELS:
        raise ConfigError(
            f"unknown export level {level!r}; choose one of {', '.join(EXPORT_LEVELS)}"
        )
    target = check_output(path)
    if level == "repetitions" and kind != "parquet":
        # plain rows: every digit and type as stored (see dask_bench.report._rows)
        return write_rows(repetition_rows(store, run.id), MEASUREMENT_COLUMNS, kind, target)
    if level == "points":
        frame = points_export(run_summaries(store, [run]), [run])
    else:
        frame = measurements_frame(store, run)
    with atomic_output(target) as tmp:
        if kind == "csv":
            spreadsheet_safe(frame).to_csv(tmp, index=False, date_format=ISO_FORMAT)
        elif kind == "parquet":
            frame.to_parquet(tmp, index=False)
        else:
            text = frame.to_json(orient="records", date_format="iso", date_unit="us", indent=1)
            tmp.write_text(text + "\n", encoding="utf-8")
    return target


def spreadsheet_safe(frame: pd.DataFrame) -> pd.DataFrame:
    """``frame`` with text cells that a spreadsheet would run as formulas quoted with ``'``.

    A run named ``=HYPERLINK(...)`` stays readable, but opens as text. Numbers are
    left alone (a negative number is not text).
    """
    out = frame.copy()
    for column in out.columns:
        if out[column].dtype == object or pd.api.types.is_string_dtype(out[column]):
            out[column] = out[column].map(spreadsheet_cell)
    return out
