"""Read stored runs back as tables: raw repetitions and per-point summaries."""

from __future__ import annotations

import math
from typing import Any

import pandas as pd
from sqlalchemy import select

from dask_bench.stats import SUITE_UNITS, efficiency, summarize, throughput
from dask_bench.store.db import Store
from dask_bench.store.schema import Measurement, Point, Run

#: Columns of :func:`measurements_frame`, in order.
MEASUREMENT_COLUMNS = [
    "run_id",
    "run_name",
    "backend",
    "mode",
    "point_id",
    "suite",
    "workload",
    "workload_version",
    "workers",
    "threads_per_worker",
    "memory_per_worker",
    "units",
    "chunks",
    "chunk_size",
    "nbytes",
    "ntasks",
    "point_status",
    "repetition",
    "warmup",
    "seconds",
    "ok",
    "error",
    "started_at",
]


def measurements_frame(store: Store, run: Run) -> pd.DataFrame:
    """Every repetition of a run (warm-ups included, flagged), one row each."""
    stmt = (
        select(Point, Measurement)
        .join(Measurement, Measurement.point_id == Point.id)
        .where(Point.run_id == run.id)
        .order_by(Point.id, Measurement.id)
    )
    rows: list[dict[str, Any]] = []
    for p, m in store.session.execute(stmt):
        rows.append(
            {
                "run_id": run.id,
                "run_name": run.name,
                "backend": run.backend,
                "mode": run.mode,
                "point_id": p.id,
                "suite": p.suite,
                "workload": p.workload,
                "workload_version": p.workload_version,
                "workers": p.workers,
                "threads_per_worker": p.threads_per_worker,
                "memory_per_worker": p.memory_per_worker,
                "units": p.units,
                "chunks": p.chunks,
                "chunk_size": p.chunk_size,
                "nbytes": p.nbytes,
                "ntasks": p.ntasks,
                "point_status": p.status,
                "repetition": m.repetition,
                "warmup": m.warmup,
                "seconds": m.seconds,
                "ok": m.ok,
                "error": m.error,
                "started_at": m.started_at,
            }
        )
    return pd.DataFrame(rows, columns=MEASUREMENT_COLUMNS)


def point_summaries(store: Store, run: Run) -> pd.DataFrame:
    """One row per point: timing summary, throughput, speedup and efficiency.

    Efficiency and speedup are relative to the smallest successful point of the
    same workload (see :func:`dask_bench.stats.efficiency`); points without a
    successful timing have NaN there.
    """
    confidence = float(run.study.get("measurement", {}).get("confidence", 0.95))
    points = list(
        store.session.scalars(select(Point).where(Point.run_id == run.id).order_by(Point.id))
    )
    rows: list[dict[str, Any]] = []
    for p in points:
        timed = [
            m.seconds for m in p.measurements if m.ok and not m.warmup and m.seconds is not None
        ]
        failed = [m for m in p.measurements if not m.ok]
        s = summarize(timed, confidence) if timed else None
        rows.append(
            {
                "point_id": p.id,
                "suite": p.suite,
                "workload": p.workload,
                "workload_version": p.workload_version,
                "workers": p.workers,
                "threads_per_worker": p.threads_per_worker,
                "units": p.units,
                "chunks": p.chunks,
                "nbytes": p.nbytes,
                "ntasks": p.ntasks,
                "status": p.status,
                "n": s.n if s else 0,
                "median": s.median if s else math.nan,
                "mean": s.mean if s else math.nan,
                "std": s.std if s else math.nan,
                "min": s.min if s else math.nan,
                "max": s.max if s else math.nan,
                "ci_low": s.ci_low if s else math.nan,
                "ci_high": s.ci_high if s else math.nan,
                "ci_halfwidth": s.ci_halfwidth if s else math.nan,
                "throughput": throughput(p.suite, s.median, p.nbytes, p.ntasks) if s else math.nan,
                "throughput_unit": SUITE_UNITS.get(p.suite, ""),
                "n_failed": len(failed),
                "stopped_by": p.stopped_by,
                "error": p.error or (failed[0].error if failed else None),
            }
        )
    frame = pd.DataFrame(rows)
    if frame.empty:
        return frame
    frame["speedup"] = math.nan
    frame["efficiency"] = math.nan
    for _, group in frame.groupby(["suite", "workload"], sort=False):
        good = group[group["n"] > 0]
        if good.empty:
            continue
        base = good.loc[good["units"].idxmin()]
        for idx, row in good.iterrows():
            sp, eff = efficiency(
                int(base["units"]),
                float(base["median"]),
                int(row["units"]),
                float(row["median"]),
                run.mode,
            )
            frame.loc[idx, ["speedup", "efficiency"]] = [sp, eff]
    return frame
