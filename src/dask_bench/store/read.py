"""Read stored runs back as tables: raw repetitions and per-point summaries."""

from __future__ import annotations

import math
from typing import Any

import pandas as pd
from sqlalchemy import select

from dask_bench.stats import SUITE_UNITS, efficiency, summarize, throughput
from dask_bench.store.db import Store
from dask_bench.store.schema import Measurement, Point, Run

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


def point_summaries(store: Store, run: Run) -> pd.DataFrame:
    """One row per point: timing summary, throughput, speedup and efficiency.

    Efficiency and speedup are relative to the smallest successful point of the
    same workload (see :func:`dask_bench.stats.efficiency`); points without a
    successful timing have n = 0 and NaN there.
    """
    confidence = float(run.study.get("measurement", {}).get("confidence", 0.95))
    points = store.session.scalars(select(Point).where(Point.run_id == run.id).order_by(Point.id))
    rows: list[dict[str, Any]] = []
    for p in points:
        timed = [
            m.seconds for m in p.measurements if m.ok and not m.warmup and m.seconds is not None
        ]
        failed = [m for m in p.measurements if not m.ok]
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
