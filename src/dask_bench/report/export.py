"""Export a run to CSV, Parquet or JSON, for analysis elsewhere.

Two levels: every repetition (the default, warm-ups and disturbed repetitions
flagged), or one row per point: its summary with the interval of the median, how it
ended, what was left out, where the worker time went, memory, tasks/s and the notes.
"""

from __future__ import annotations

import contextlib
import os
import tempfile
from collections.abc import Iterator
from pathlib import Path

import pandas as pd

from dask_bench.errors import ConfigError
from dask_bench.report._format import confidence_of, ending_text
from dask_bench.report.analysis.metric import metrics_of
from dask_bench.report.analysis.plausibility import plausibility_notes
from dask_bench.store import Store, measurements_frame, run_summaries
from dask_bench.store.read import BREAKDOWN_PREFIX
from dask_bench.store.schema import BREAKDOWN_CATEGORIES, Run

#: Formats :func:`export_run` writes.
EXPORT_FORMATS = ("csv", "parquet", "json")
#: What :func:`export_run` can write: a row per repetition, or a row per point.
EXPORT_LEVELS = ("repetitions", "points")
#: Leading columns of the point level, in order; any other column of the summaries follows.
POINT_COLUMNS = [
    "run_id", "run_name", "backend", "mode", "started_at", "point_id", "suite", "workload",
    "metric", "workload_version", "workers", "threads_per_worker", "memory_per_worker", "units",
    "chunks", "chunk_size", "nbytes", "ntasks", "status", "stopped_by", "ended", "precise",
    "n", "n_failed", "n_disturbed", "disturbance", "confidence", "median", "ci_low", "ci_high",
    "ci_rel", "mean", "std", "min", "max", "throughput", "throughput_unit", "speedup",
    "speedup_low", "speedup_high", "efficiency", "efficiency_low", "efficiency_high",
    *(f"{BREAKDOWN_PREFIX}{c}" for c in BREAKDOWN_CATEGORIES), "dominant", "dominant_share",
    "scheduler_tasks", "tasks_per_second", "submit_seconds", "memory_peak", "memory_mean",
    "metrics_complete", "metrics_note", "notes", "checks", "error",
]  # fmt: skip
#: How dates are written in CSV, matching the ISO dates of the JSON export.
ISO_FORMAT = "%Y-%m-%dT%H:%M:%S.%f"


def check_output(path: str | os.PathLike[str]) -> Path:
    """Check that an output file can be placed at ``path``.

    Raises
    ------
    ConfigError
        When the parent folder is missing or not a folder, or ``path`` is a folder.
    """
    target = Path(path).expanduser()
    parent = target.parent
    if not parent.exists():
        raise ConfigError(
            f"folder {parent} does not exist; create it or choose another output path"
        )
    if not parent.is_dir():
        raise ConfigError(f"{parent} is not a folder; choose another output path")
    if target.is_dir():
        raise ConfigError(f"{target} is a folder; give a file name such as {target}/run.csv")
    return target


@contextlib.contextmanager
def atomic_output(path: str | os.PathLike[str]) -> Iterator[Path]:
    """Yield a temporary path next to ``path``, moved onto ``path`` only on success.

    The temporary file lives in the same folder so that :func:`os.replace` is an
    atomic rename: readers see the old file or the complete new one, never a
    partial one, and a failure leaves no temporary file behind.

    Raises
    ------
    ConfigError
        As :func:`check_output`.
    """
    target = check_output(path)
    fd, tmp_name = tempfile.mkstemp(dir=target.parent, prefix=f".{target.name}.", suffix=".tmp")
    os.close(fd)
    tmp = Path(tmp_name)
    try:
        yield tmp
        # mkstemp creates the file 0600; an export should be readable like any written file.
        tmp.chmod(0o644)
        os.replace(tmp, target)
    finally:
        tmp.unlink(missing_ok=True)


def points_export(points: pd.DataFrame, runs: list[Run]) -> pd.DataFrame:
    """The point-level export of summaries: one row per point, in :data:`POINT_COLUMNS` order.

    Parameters
    ----------
    points
        Rows of :func:`dask_bench.store.run_summaries` over ``runs``.
    runs
        The runs the points belong to (for the confidence level of their intervals).

    Returns
    -------
    pandas.DataFrame
        Adds ``metric`` (throughput or latency), ``ended`` (how the point ended, in
        words), ``confidence`` (of ``ci_low``/``ci_high`` and the efficiency
        interval) and ``checks`` (notes on implausible results, see
        :mod:`dask_bench.report.analysis.plausibility`, joined by ``; ``).
    """
    if points.empty:
        return pd.DataFrame(columns=POINT_COLUMNS)
    frame = points.copy()
    levels = {r.id: confidence_of(r) for r in runs}
    checks = plausibility_notes(frame)
    frame["metric"] = metrics_of(frame)
    how = frame[[c for c in ("stopped_by", "status", "n_disturbed") if c in frame]]
    frame["ended"] = [ending_text(r) for r in how.to_dict("records")]
    frame["confidence"] = [levels.get(int(i), 0.95) for i in frame["run_id"]]
    frame["checks"] = ["; ".join(checks.get(int(p), [])) or None for p in frame["point_id"]]
    for column in POINT_COLUMNS:
        if column not in frame:
            frame[column] = None
    rest = [c for c in frame.columns if c not in POINT_COLUMNS]
    return frame[[*POINT_COLUMNS, *rest]]


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
        columns; ``points``: a row per point (see :func:`points_export`).

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


#: A cell starting with one of these is a formula to a spreadsheet (CSV injection).
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def spreadsheet_safe(frame: pd.DataFrame) -> pd.DataFrame:
    """``frame`` with text cells that a spreadsheet would run as formulas quoted with ``'``.

    A run named ``=HYPERLINK(...)`` stays readable, but opens as text. Numbers are
    left alone (a negative number is not text).
    """
    out = frame.copy()
    for column in out.columns:
        if out[column].dtype == object or pd.api.types.is_string_dtype(out[column]):
            out[column] = out[column].map(
                lambda v: f"'{v}" if isinstance(v, str) and v.startswith(_FORMULA_START) else v
            )
    return out
