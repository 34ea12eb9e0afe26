"""Short notes on results that a careful reader would question, one list per point.

Efficiency is a ratio of two medians, so a noisy or slow base point, cache effects
or too little work per processing unit can push it above 100 %; an interval that
holds 100 % cannot tell the point from ideal scaling; an interval wider than the
value says the median itself is unreliable. The notes say so next to the number
(``dask-bench show`` and the HTML report), instead of leaving the reader to guess.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import numpy as np
import pandas as pd

from dask_bench.report._values import finite
from dask_bench.report.analysis.efficiency import HIGH_EFFICIENCY

#: Efficiency above 100 % beyond its interval.
SUPERLINEAR = (
    "super-linear: efficiency above 100 % beyond its CI; likely a noisy or slow base point, "
    "cache effects, or too little work per unit"
)
#: Efficiency above :data:`~dask_bench.report._format.HIGH_EFFICIENCY` at all.
TOO_HIGH = "efficiency above 110 %: too good to be true; check the base point"
#: The base point's interval is much wider than the other sizes'.
NOISY_BASE = (
    "noisy base point: its CI is much wider than the other sizes', so every efficiency "
    "of this workload is uncertain"
)
#: The efficiency interval holds 100 %.
IDEAL = "indistinguishable from ideal: the efficiency CI contains 100 %"
#: The median's interval is wider than the median.
WIDE = "CI wider than the value: the median is unreliable; measure more repetitions"
#: An imprecise point whose worker threads take every core of the client's host.
OVERSUBSCRIBED = (
    "imprecise because oversubscribed: the worker threads take every core, and the scheduler "
    "and client share them; expect noisy timings at this size"
)
#: Every note, in the order they are given.
NOTES = (SUPERLINEAR, TOO_HIGH, NOISY_BASE, IDEAL, WIDE, OVERSUBSCRIBED)

#: A base point is *noisy* when its relative CI half-width is this many times the
#: median of the other sizes' of the same workload, and above :data:`NOISY_FLOOR`.
NOISY_FACTOR = 3.0
NOISY_FLOOR = 0.05


#: The columns the checks read.
_COLUMNS = (
    "point_id",
    "run_id",
    "suite",
    "workload",
    "units",
    "n",
    "ci_rel",
    "efficiency",
    "efficiency_low",
    "efficiency_high",
    "precise",
    "core_share",
)


def _records(points: pd.DataFrame) -> list[dict[str, Any]]:
    """The rows the checks need, as plain dicts (far cheaper than grouping the frame)."""
    if points.empty or "point_id" not in points:
        return []
    records: list[dict[str, Any]] = points[[c for c in _COLUMNS if c in points]].to_dict("records")
    return records


def _workloads(records: list[dict[str, Any]]) -> list[list[dict[str, Any]]]:
    """The measured points of each run's workload (a run's suite and workload)."""
    groups: dict[tuple[Any, ...], list[dict[str, Any]]] = {}
    for row in records:
        if int(row["n"]) > 0:
            key = (row.get("run_id"), row.get("suite"), row.get("workload"))
            groups.setdefault(key, []).append(row)
    return list(groups.values())


def _base(group: list[dict[str, Any]]) -> dict[str, Any]:
    return min(group, key=lambda r: float(r["units"]))


def _noisy_bases(groups: list[list[dict[str, Any]]]) -> set[int]:
    """Point ids of base points much noisier than the other points of their workload."""
    out: set[int] = set()
    for group in groups:
        base = _base(group)
        base_rel = finite(base["ci_rel"])
        others = [r for r in (finite(p["ci_rel"]) for p in group if p is not base) if r is not None]
        if base_rel is None or not others:
            continue
        if base_rel > NOISY_FLOOR and base_rel > NOISY_FACTOR * float(np.median(others)):
            out.add(int(base["point_id"]))
    return out


def base_points(points: pd.DataFrame) -> set[int]:
    """Ids of the base points: each workload's smallest measured size (efficiency 100 %)."""
    return {int(_base(group)["point_id"]) for group in _workloads(_records(points))}


def notes_for(row: Mapping[str, Any], *, base: bool = False, noisy_base: bool = False) -> list[str]:
    """The notes of one point (a row of :func:`dask_bench.store.point_summaries`).

    Parameters
    ----------
    row
        The point's summary.
    base
        Whether it is its workload's base point (efficiency 100 % by definition).
    noisy_base
        Whether it is a base point much noisier than the other sizes.

    Returns
    -------
    list of str
        Some of :data:`NOTES`, in that order; empty for an unremarkable point.
    """
    out: list[str] = []
    eff, low, high = (
        finite(row.get(c)) for c in ("efficiency", "efficiency_low", "efficiency_high")
    )
    if not base and eff is not None:
        if low is not None and low > 1.0:
            out.append(SUPERLINEAR)
        elif eff > HIGH_EFFICIENCY:
            out.append(TOO_HIGH)
        if low is not None and high is not None and low <= 1.0 <= high:
            out.append(IDEAL)
    if noisy_base:
        out.append(NOISY_BASE)
    rel = finite(row.get("ci_rel"))
    if rel is not None and rel > 1.0:
        out.append(WIDE)
    share = finite(row.get("core_share"))
    if share is not None and share >= 1.0 and not bool(row.get("precise", True)):
        out.append(OVERSUBSCRIBED)
    return out


def plausibility_notes(points: pd.DataFrame) -> dict[int, list[str]]:
    """Notes on implausible or indistinct results, per point.

    Parameters
    ----------
    points
        Rows of :func:`dask_bench.store.point_summaries` or
        :func:`dask_bench.store.run_summaries` (one or several runs).

    Returns
    -------
    dict
        Point id to its notes (see :func:`notes_for`); points without a note are left out.
        Checked: efficiency above 100 % beyond its interval (super-linear), above
        110 % at all, a base point much noisier than its workload's other sizes, an
        efficiency interval holding 100 % (indistinguishable from ideal), a time
        interval wider than the median, and an imprecise point on a local cluster
        whose worker threads take every core (oversubscribed).
    """
    records = _records(points)
    groups = _workloads(records)
    noisy = _noisy_bases(groups)
    bases = {int(_base(group)["point_id"]) for group in groups}
    out: dict[int, list[str]] = {}
    for row in records:
        pid = int(row["point_id"])
        found = notes_for(row, base=pid in bases, noisy_base=pid in noisy)
        if found:
            out[pid] = found
    return out


def stored_notes(row: Mapping[str, Any]) -> list[str]:
    """The notes the runner stored with a point: how it was measured, how its metrics were read."""
    out = []
    for key in ("notes", "metrics_note"):
        value = row.get(key)
        if isinstance(value, str) and value.strip():
            out.append(value.strip())
    return out
