"""Read stored runs back as tables: raw repetitions and per-point summaries."""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Any

import pandas as pd
from sqlalchemy import select

from dask_bench.stats import SUITE_UNITS, efficiency, summarize, throughput
from dask_bench.store.db import Store
from dask_bench.store.schema import BREAKDOWN_CATEGORIES, Breakdown, Measurement, Point, Run

#: Point attributes carried by both frames below, in column order.
POINT_FIELDS = (
    "suite", "workload", "workload_version", "workers", "threads_per_worker",
    "memory_per_worker", "units", "chunks", "chunk_size", "nbytes", "ntasks",
)  # fmt: skip
#: Repetition attributes of :func:`measurements_frame`.
REPETITION_FIELDS = ("repetition", "warmup", "seconds", "ok", "error", "started_at")
#: Columns of :func:`measurements_frame`, in order.
MEASUREMENT_COLUMNS = [
    "run_id", "run_name", "backend", "mode", "point_id", *POINT_FIELDS, "point_status",
    "stopped_by", *REPETITION_FIELDS,
]  # fmt: skip
#: Attributes of :class:`~dask_bench.stats.Summary` carried by :func:`point_summaries`.
_SUMMARY_FIELDS = ("n", "median", "mean", "std", "min", "max", "ci_low", "ci_high", "ci_halfwidth")


def _point_columns(p: Point) -> dict[str, Any]:
    return {"point_id": p.id, **{f: getattr(p, f) for f in POINT_FIELDS}}


def measurements_frame(store: Store, run: Run) -> pd.DataFrame:
    """Every repetition of a run (warm-ups included, flagged), one row each."""
    stmt = (
        select(Point, Measurement)
        .join(Measurement, Measurement.point_id == Point.id)
        .where(Point.run_id == run.id)
        .order_by(Point.id, Measurement.id)
    )
    head = {"run_id": run.id, "run_name": run.name, "backend": run.backend, "mode": run.mode}
    rows = [
        {
            **head,
            **_point_columns(p),
            "point_status": p.status,
            "stopped_by": p.stopped_by,
            **{f: getattr(m, f) for f in REPETITION_FIELDS},
        }
        for p, m in store.session.execute(stmt)
    ]
    return pd.DataFrame(rows, columns=MEASUREMENT_COLUMNS)


def _only(stmt: Any, suite: str | None, workload: str | None) -> Any:
    """Restrict a statement over points to one suite and/or workload."""
    if suite is not None:
        stmt = stmt.where(Point.suite == suite)
    if workload is not None:
        stmt = stmt.where(Point.workload == workload)
    return stmt


def timed_samples(
    store: Store,
    run_ids: Sequence[int],
    *,
    suite: str | None = None,
    workload: str | None = None,
) -> pd.DataFrame:
    """The successful timed repetitions (warm-ups excluded) of some runs.

    Parameters
    ----------
    store
        The results database.
    run_ids
        Ids of the runs to read.
    suite, workload
        Only the points of this suite and/or workload.

    Returns
    -------
    pandas.DataFrame
        Columns ``run_id``, ``point_id``, ``seconds``, in insertion order: the
        samples that every statistic of dask-bench is computed from.
    """
    stmt = (
        select(Point.run_id, Measurement.point_id, Measurement.seconds)
        .join(Point, Measurement.point_id == Point.id)
        .where(
            Point.run_id.in_(list(run_ids)),
            Measurement.ok.is_(True),
            Measurement.warmup.is_(False),
            Measurement.seconds.is_not(None),
        )
        .order_by(Measurement.id)
    )
    rows = store.session.execute(_only(stmt, suite, workload)).all()
    return pd.DataFrame(rows, columns=["run_id", "point_id", "seconds"])


def _failures(
    store: Store, run: Run, suite: str | None, workload: str | None
) -> dict[int, tuple[int, str | None]]:
    """Per point: the number of failed repetitions and the first failure's error."""
    stmt = (
        select(Measurement.point_id, Measurement.error)
        .join(Point, Measurement.point_id == Point.id)
        .where(Point.run_id == run.id, Measurement.ok.is_(False))
        .order_by(Measurement.id)
    )
    out: dict[int, tuple[int, str | None]] = {}
    for point_id, error in store.session.execute(_only(stmt, suite, workload)):
        count, first = out.get(point_id, (0, error))
        out[point_id] = (count + 1, first)
    return out


#: Prefix of the breakdown columns of :func:`point_summaries` (thread-seconds per repetition).
BREAKDOWN_PREFIX = "bd_"
#: Scheduler-side and memory figures of a point carried by :func:`point_summaries`.
SCHEDULER_FIELDS = (
    "scheduler_tasks", "tasks_per_second", "submit_seconds", "memory_peak", "memory_mean",
    "metrics_complete", "metrics_note",
)  # fmt: skip


def _breakdowns(
    store: Store, run: Run, suite: str | None, workload: str | None
) -> dict[int, dict[str, float]]:
    """Per point: ``bd_<category>`` -> thread-seconds per repetition."""
    stmt = (
        select(Breakdown.point_id, Breakdown.category, Breakdown.seconds)
        .join(Point, Breakdown.point_id == Point.id)
        .where(Point.run_id == run.id)
    )
    out: dict[int, dict[str, float]] = {}
    for point_id, category, seconds in store.session.execute(_only(stmt, suite, workload)):
        out.setdefault(point_id, {})[f"{BREAKDOWN_PREFIX}{category}"] = seconds
    return out


def _dominant(frame: pd.DataFrame) -> tuple[list[str | None], list[float]]:
    """The category that took most of each point's worker time, and its share."""
    columns = [f"{BREAKDOWN_PREFIX}{c}" for c in BREAKDOWN_CATEGORIES]
    names: list[str | None] = []
    shares: list[float] = []
    for values in frame[columns].itertuples(index=False):
        known = [(v, c) for v, c in zip(values, BREAKDOWN_CATEGORIES, strict=True) if v == v]
        total = sum(v for v, _ in known)
        if not known or total <= 0:
            names.append(None)
            shares.append(math.nan)
            continue
        best, name = max(known)
        names.append(name)
        shares.append(best / total)
    return names, shares


def point_summaries(
    store: Store, run: Run, *, suite: str | None = None, workload: str | None = None
) -> pd.DataFrame:
    """One row per point: timing summary, throughput, speedup and efficiency.

    Efficiency and speedup are relative to the smallest successful point of the
    same workload (see :func:`dask_bench.stats.efficiency`); points without a
    successful timing have n = 0 and NaN there. ``suite`` and ``workload`` read
    only those points (efficiency never depends on other workloads).
    """
    confidence = float(run.study.get("measurement", {}).get("confidence", 0.95))
    stmt = _only(select(Point).where(Point.run_id == run.id), suite, workload)
    points = store.session.scalars(stmt.order_by(Point.id))
    # Two set-wise queries instead of one lazy load per point: reports of large
    # stores read every repetition of a run.
    samples = timed_samples(store, [run.id], suite=suite, workload=workload)
    by_point = samples.groupby("point_id")["seconds"].agg(list).to_dict()
    failures = _failures(store, run, suite, workload)
    breakdowns = _breakdowns(store, run, suite, workload)
    rows: list[dict[str, Any]] = []
    for p in points:
        timed = by_point.get(p.id, [])
        n_failed, first_error = failures.get(p.id, (0, None))
        stats: dict[str, Any] = dict.fromkeys((*_SUMMARY_FIELDS, "throughput"), math.nan)
        stats["n"] = 0
        if timed:
            s = summarize(timed, confidence)
            stats = {f: getattr(s, f) for f in _SUMMARY_FIELDS}
            stats["throughput"] = throughput(p.suite, s.median, p.nbytes, p.ntasks)
        rows.append(
            {
                **_point_columns(p),
                "status": p.status,
                **stats,
                "throughput_unit": SUITE_UNITS.get(p.suite, ""),
                "n_failed": n_failed,
                "stopped_by": p.stopped_by,
                "error": p.error or first_error,
                **{f"{BREAKDOWN_PREFIX}{c}": math.nan for c in BREAKDOWN_CATEGORIES},
                **breakdowns.get(p.id, {}),
                **{f: getattr(p, f) for f in SCHEDULER_FIELDS},
            }
        )
    frame = pd.DataFrame(rows)
    if not frame.empty:
        frame["dominant"], frame["dominant_share"] = _dominant(frame)
    if frame.empty:
        return frame
    frame.insert(0, "run_id", run.id)
    columns: dict[str, list[float]] = {
        c: [math.nan] * len(frame)
        for c in ("speedup", "efficiency", "efficiency_low", "efficiency_high")
    }
    for _, group in frame.groupby(["suite", "workload"], sort=False):
        good = group[group["n"] > 0]
        if good.empty:
            continue
        base = good.loc[good["units"].idxmin()]
        base_rel = _relative_halfwidth(base)
        for idx, row in good.iterrows():
            sp, eff = efficiency(
                int(base["units"]),
                float(base["median"]),
                int(row["units"]),
                float(row["median"]),
                run.mode,
            )
            # First-order propagation of the two relative CI half-widths to the
            # ratio; the base point is exactly 100 % by definition.
            rel = 0.0 if idx == base.name else math.hypot(base_rel, _relative_halfwidth(row))
            i = int(idx)  # a RangeIndex label
            columns["speedup"][i], columns["efficiency"][i] = sp, eff
            columns["efficiency_low"][i] = eff * max(0.0, 1 - rel)
            columns["efficiency_high"][i] = eff * (1 + rel)
    for name, values in columns.items():
        frame[name] = values
    return frame


def _relative_halfwidth(row: pd.Series) -> float:
    """A point's CI half-width relative to its mean; 0 when unknown (one sample)."""
    half, mean = float(row["ci_halfwidth"]), float(row["mean"])
    if math.isnan(half) or not mean:
        return 0.0
    return half / mean


def run_summaries(
    store: Store,
    runs: Sequence[Run],
    *,
    suite: str | None = None,
    workload: str | None = None,
) -> pd.DataFrame:
    """:func:`point_summaries` of several runs, one frame, with run columns first.

    Parameters
    ----------
    store
        The results database.
    runs
        The runs, in the order wanted.
    suite, workload
        Only the points of this suite and/or workload.

    Returns
    -------
    pandas.DataFrame
        Adds ``run_name``, ``backend``, ``mode`` and ``started_at`` to every row.
    """
    parts = []
    for run in runs:
        part = point_summaries(store, run, suite=suite, workload=workload)
        if part.empty:
            continue
        part.insert(1, "run_name", run.name)
        part.insert(2, "backend", run.backend)
        part.insert(3, "mode", run.mode)
        part.insert(4, "started_at", run.started_at)
        parts.append(part)
    return pd.concat(parts, ignore_index=True) if parts else pd.DataFrame()
