"""Read stored runs back as tables: raw repetitions and per-point summaries."""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Any

import pandas as pd
from sqlalchemy import select

from dask_bench.stats import efficiency, efficiency_ci, summarize, throughput
from dask_bench.store.columns import MEASUREMENT_COLUMNS, POINT_FIELDS, repetition_rows
from dask_bench.store.db import Store
from dask_bench.store.schema import (
    BREAKDOWN_CATEGORIES,
    Breakdown,
    Measurement,
    Point,
    Run,
    SchedulerFigure,
)
from dask_bench.study.catalogue import suite_unit

#: Attributes of :class:`~dask_bench.stats.Summary` carried by :func:`point_summaries`.
_SUMMARY_FIELDS = ("n", "median", "mean", "std", "min", "max", "ci_low", "ci_high", "ci_halfwidth")


def _point_columns(p: Point) -> dict[str, Any]:
    return {"point_id": p.id, **{f: getattr(p, f) for f in POINT_FIELDS}}


def measurements_frame(store: Store, run: Run) -> pd.DataFrame:
    """Every repetition of a run (warm-ups included, flagged), one row each."""
    return pd.DataFrame(repetition_rows(store, run.id), columns=MEASUREMENT_COLUMNS)


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
    """The successful, undisturbed timed repetitions (warm-ups excluded) of some runs.

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
            Measurement.disturbed.is_not(True),
        )
        .order_by(Measurement.id)
    )
    rows = store.session.execute(_only(stmt, suite, workload)).all()
    return pd.DataFrame(rows, columns=["run_id", "point_id", "seconds"])


def _first_of_each(
    store: Store, run: Run, suite: str | None, workload: str | None, *, disturbed: bool
) -> dict[int, tuple[int, str | None]]:
    """Per point: how many repetitions failed (or were disturbed), and the first one's text."""
    text, where = (
        (Measurement.disturbance, Measurement.disturbed.is_(True))
        if disturbed
        else (Measurement.error, Measurement.ok.is_(False))
    )
    stmt = (
        select(Measurement.point_id, text)
        .join(Point, Measurement.point_id == Point.id)
        .where(Point.run_id == run.id, where)
        .order_by(Measurement.id)
    )
    out: dict[int, tuple[int, str | None]] = {}
    for point_id, what in store.session.execute(_only(stmt, suite, workload)):
        count, first = out.get(point_id, (0, what))
        out[point_id] = (count + 1, first)
    return out


#: Prefix of the breakdown columns of :func:`point_summaries` (thread-seconds per repetition).
BREAKDOWN_PREFIX = "bd_"
#: Scheduler-side and memory figures of a point carried by :func:`point_summaries`.
SCHEDULER_FIELDS = (
    "scheduler_tasks",
    "tasks_per_second",
    "submit_seconds",
    "memory_peak",
    "memory_mean",
    "metrics_complete",
    "metrics_note",
)
#: Prefix of the columns of :func:`point_summaries` that spread ``points.scheduler`` out,
#: one per :class:`~dask_bench.store.schema.SchedulerFigure` (NaN/None: not collected).
SCHED_PREFIX = "sched_"
#: Those columns, in order.
SCHED_COLUMNS = tuple(f"{SCHED_PREFIX}{f.value}" for f in SchedulerFigure)


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

    The summary is the median of the undisturbed timed repetitions with its
    distribution-free interval (``ci_low``/``ci_high``, see :mod:`dask_bench.stats`);
    ``ci_rel`` is its half-width relative to the median and ``precise`` whether
    that reached the study's target. ``stopped_by`` says how the point ended (an
    :class:`~dask_bench.store.schema.Ending`), ``n_disturbed`` how many repetitions
    were left out because a worker left, arrived or paused during them.

    Efficiency and speedup are relative to the smallest successful point of the
    same workload (see :func:`dask_bench.stats.efficiency`), with bootstrap
    intervals of the ratio of medians; points without a successful timing have
    n = 0 and NaN there. ``suite`` and ``workload`` read only those points
    (efficiency never depends on other workloads).
    """
    settings = run.study.get("measurement", {}) if isinstance(run.study, dict) else {}
    confidence = run.confidence
    target = float(settings.get("target_ci", 0.05))
    stmt = _only(select(Point).where(Point.run_id == run.id), suite, workload)
    points = store.session.scalars(stmt.order_by(Point.id))
    # Set-wise queries instead of one lazy load per point: reports of large
    # stores read every repetition of a run.
    samples = timed_samples(store, [run.id], suite=suite, workload=workload)
    by_point: dict[int, list[float]] = samples.groupby("point_id")["seconds"].agg(list).to_dict()
    failures = _first_of_each(store, run, suite, workload, disturbed=False)
    disturbed = _first_of_each(store, run, suite, workload, disturbed=True)
    breakdowns = _breakdowns(store, run, suite, workload)
    rows: list[dict[str, Any]] = []
    for p in points:
        timed = by_point.get(p.id, [])
        n_failed, first_error = failures.get(p.id, (0, None))
        n_disturbed, disturbance = disturbed.get(p.id, (0, None))
        stats: dict[str, Any] = dict.fromkeys((*_SUMMARY_FIELDS, "ci_rel", "throughput"), math.nan)
        stats["n"] = 0
        if timed:
            s = summarize(timed, confidence)
            stats = {f: getattr(s, f) for f in _SUMMARY_FIELDS}
            stats["ci_rel"] = s.ci_relative
            stats["throughput"] = throughput(
                p.suite, s.median, p.nbytes, p.ntasks, suite_unit(p.suite)
            )
        rows.append(
            {
                **_point_columns(p),
                "status": p.status,
                **stats,
                "precise": bool(stats["ci_rel"] <= target),
                "throughput_unit": suite_unit(p.suite),
                "n_failed": n_failed,
                "n_disturbed": n_disturbed,
                "disturbance": disturbance,
                "stopped_by": p.stopped_by,
                "error": p.error or first_error,
                "notes": "; ".join(p.notes or []) or None,
                **{f"{BREAKDOWN_PREFIX}{c}": math.nan for c in BREAKDOWN_CATEGORIES},
                **breakdowns.get(p.id, {}),
                **{f: getattr(p, f) for f in SCHEDULER_FIELDS},
                **_scheduler_columns(p.scheduler),
            }
        )
    frame = pd.DataFrame(rows)
    if frame.empty:
        return frame
    frame["dominant"], frame["dominant_share"] = _dominant(frame)
    frame["core_share"] = _core_share(run, frame)
    frame.insert(0, "run_id", run.id)
    _add_scaling(frame, by_point, run.mode, confidence)
    return frame


def _scheduler_columns(figures: dict[str, Any] | None) -> dict[str, Any]:
    """``points.scheduler`` as ``sched_<figure>`` columns; NaN for a missing number."""
    figures = figures or {}
    out: dict[str, Any] = {}
    for f in SchedulerFigure:
        value = figures.get(f.value)
        if f is SchedulerFigure.SHARED_PROCESS:
            out[f"{SCHED_PREFIX}{f.value}"] = value
        else:
            out[f"{SCHED_PREFIX}{f.value}"] = math.nan if value is None else float(value)
    return out


def _core_share(run: Run, frame: pd.DataFrame) -> pd.Series:
    """Worker threads per core of the host, where the workers run on the client's host.

    At 1 or more, the scheduler and the client compete with the workers for the
    cores (a local cluster on a small machine): timings get noisy. NaN elsewhere.
    """
    host = run.provenance.host
    cores = host.get("cores") if isinstance(host, dict) else None
    if run.backend != "local" or not isinstance(cores, int) or cores <= 0:
        return pd.Series(math.nan, index=frame.index)
    return frame["workers"] * frame["threads_per_worker"] / cores


#: Scaling columns of :func:`point_summaries`.
SCALING_FIELDS = (
    "speedup",
    "speedup_low",
    "speedup_high",
    "efficiency",
    "efficiency_low",
    "efficiency_high",
)


def _add_scaling(
    frame: pd.DataFrame, samples: dict[int, list[float]], mode: str, confidence: float
) -> None:
    """Speedup and efficiency against each workload's smallest point, with bootstrap CIs."""
    columns: dict[str, list[float]] = {c: [math.nan] * len(frame) for c in SCALING_FIELDS}
    for _, group in frame.groupby(["suite", "workload"], sort=False):
        good = group[group["n"] > 0]
        if good.empty:
            continue
        base = good.loc[good["units"].idxmin()]
        base_samples = samples.get(int(base["point_id"]), [])
        for idx, row in good.iterrows():
            i = int(idx)  # a RangeIndex label
            sp, eff = efficiency(
                base_units=int(base["units"]),
                base_time=float(base["median"]),
                units=int(row["units"]),
                time=float(row["median"]),
                mode=mode,
            )
            columns["speedup"][i], columns["efficiency"][i] = sp, eff
            if idx == base.name:
                # the base point is exactly 100 % by definition
                (s_lo, s_hi), (e_lo, e_hi) = (sp, sp), (eff, eff)
            else:
                (s_lo, s_hi), (e_lo, e_hi) = efficiency_ci(
                    base_units=int(base["units"]),
                    base=base_samples,
                    units=int(row["units"]),
                    other=samples.get(int(row["point_id"]), []),
                    mode=mode,
                    confidence=confidence,
                )
            columns["speedup_low"][i], columns["speedup_high"][i] = s_lo, s_hi
            columns["efficiency_low"][i], columns["efficiency_high"][i] = e_lo, e_hi
    for name, values in columns.items():
        frame[name] = values


def run_summaries(
    store: Store,
    runs: Sequence[Run],
    *,
    suite: str | None = None,
    workload: str | None = None,
) -> pd.DataFrame:
    """:func:`point_summaries` of ``runs`` (in that order), one frame, run columns first.

    Each row gains ``run_name``, ``backend``, ``mode`` and ``started_at``; ``suite`` and
    ``workload`` restrict the points as in :func:`timed_samples`.
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
