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

import pandas as pd

from dask_bench.report._format import HIGH_EFFICIENCY, finite

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
#: Every note, in the order they are given.
NOTES = (SUPERLINEAR, TOO_HIGH, NOISY_BASE, IDEAL, WIDE)

#: A base point is *noisy* when its relative CI half-width is this many times the
#: median of the other sizes' of the same workload, and above :data:`NOISY_FLOOR`.
NOISY_FACTOR = 3.0
NOISY_FLOOR = 0.05


def _group_keys(points: pd.DataFrame) -> list[str]:
    return [c for c in ("run_id", "suite", "workload") if c in points]


def _noisy_bases(points: pd.DataFrame) -> set[int]:
    """Point ids of base points much noisier than the other points of their workload."""
    out: set[int] = set()
    good = points[points["n"] > 0]
    if good.empty:
        return out
    for _, group in good.groupby(_group_keys(good), sort=False):
        base = group.loc[group["units"].idxmin()]
        base_rel = finite(base["ci_rel"])
        others = [
            rel
            for rel in (finite(v) for v in group.loc[group.index != base.name, "ci_rel"])
            if rel is not None
        ]
        if base_rel is None or not others:
            continue
        typical = float(pd.Series(others).median())
        if base_rel > NOISY_FLOOR and base_rel > NOISY_FACTOR * typical:
            out.add(int(base["point_id"]))
    return out


def base_points(points: pd.DataFrame) -> set[int]:
    """Ids of the base points: each workload's smallest measured size (efficiency 100 %)."""
    good = points.loc[points["n"] > 0, ["point_id", "units", *_group_keys(points)]]
    if good.empty:
        return set()
    return {
        int(g.loc[g["units"].idxmin(), "point_id"])
        for _, g in good.groupby(_group_keys(good), sort=False)
    }


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
    rel = row.get("ci_rel")
    if finite(rel) is not None and float(rel) > 1.0:
        out.append(WIDE)
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
        efficiency interval holding 100 % (indistinguishable from ideal), and a time
        interval wider than the median.
    """
    if points.empty or "point_id" not in points:
        return {}
    wanted = ["point_id", "run_id", "suite", "workload", "units", "n", "ci_rel", "efficiency",
              "efficiency_low", "efficiency_high"]  # fmt: skip
    points = points[[c for c in wanted if c in points]]
    noisy = _noisy_bases(points)
    bases = base_points(points)
    out: dict[int, list[str]] = {}
    for row in points.to_dict("records"):
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
