"""Short text verdicts per suite: where efficiency falls below 80 % and 50 % (the knee).

Then how far to trust them: points that missed their precision target, and results
that deserve a second look (:mod:`dask_bench.report.analysis.plausibility`).
"""

from __future__ import annotations

from collections import Counter
from typing import Any

import numpy as np
import pandas as pd

from dask_bench.report._format import ending
from dask_bench.report._values import finite
from dask_bench.report.analysis.efficiency import BAD_EFFICIENCY, WARN_EFFICIENCY
from dask_bench.report.analysis.plausibility import plausibility_notes
from dask_bench.report.analysis.precision import is_imprecise

#: The columns the verdicts read.
_COLUMNS = ("workload", "units", "n", "efficiency", "precise", "stopped_by", "status")


def _first_below(rows: list[dict[str, Any]], threshold: float) -> int | None:
    below = [int(r["units"]) for r in rows if r["efficiency"] < threshold]
    return min(below) if below else None


def _listing(items: list[tuple[str, int]]) -> str:
    return ", ".join(f"{w} at {u}" for w, u in sorted(items, key=lambda x: (x[1], x[0])))


def suite_summary(points: pd.DataFrame) -> list[str]:
    """Sentences on one suite of one run: where efficiency falls below 80 % and 50 %.

    Which workloads keep their efficiency up to the largest size, at how many
    processing units the others fall below 80 % and 50 %, the suite's knee, how
    many points missed their precision target and how, and what to check.

    Parameters
    ----------
    points
        One suite's rows of :func:`dask_bench.store.point_summaries` (one run).

    Returns
    -------
    list of str
        Empty when nothing was measured.
    """
    # Plain records of a few columns: grouping the wide summary frame copies every column.
    records: list[dict[str, Any]] = points[[c for c in _COLUMNS if c in points]].to_dict("records")
    good = [r for r in records if finite(r["efficiency"]) is not None]
    if not good:
        return ["No point of this suite succeeded."] if records else []
    largest = max(int(r["units"]) for r in good)
    by_workload: dict[str, list[dict[str, Any]]] = {}
    for row in good:
        by_workload.setdefault(str(row["workload"]), []).append(row)
    keep: list[str] = []
    warn: list[tuple[str, int]] = []
    bad: list[tuple[str, int]] = []
    for workload, rows in by_workload.items():
        below_warn = _first_below(rows, WARN_EFFICIENCY)
        below_bad = _first_below(rows, BAD_EFFICIENCY)
        if below_warn is None:
            keep.append(workload)
        else:
            warn.append((workload, below_warn))
        if below_bad is not None:
            bad.append((workload, below_bad))
    if len({int(r["units"]) for r in good}) < 2:
        return [f"Only one size ({largest} units) was measured: no efficiency to judge."]
    out: list[str] = []
    n = len(by_workload)
    if keep:
        out.append(f"{len(keep)} of {n} keep ≥ 80 % up to {largest} units: {', '.join(keep)}.")
    if warn:
        out.append(f"Below 80 % from (units): {_listing(warn)}.")
    if bad:
        out.append(f"Below 50 % from (units): {_listing(bad)}.")
    knee = _suite_knee(good)
    if knee is not None:
        out.append(f"Knee: the median workload falls below 80 % at {knee} units.")
    failed = [(str(r["workload"]), int(r["units"])) for r in records if int(r["n"]) == 0]
    if failed:
        out.append(f"Failed: {_listing(failed)}.")
    return out + _trust(records, points)


def _trust(records: list[dict[str, Any]], points: pd.DataFrame) -> list[str]:
    """How many points missed their precision target, and how many deserve a second look."""
    out = []
    measured = [r for r in records if int(r["n"]) > 0]
    imprecise = [r for r in measured if is_imprecise(r)]
    if imprecise:
        why = Counter(ending(r) for r in imprecise)
        how = ", ".join(f"{name} {count}" for name, count in sorted(why.items()))
        out.append(
            f"{len(imprecise)} of {len(measured)} points missed the precision target ({how})."
        )
    checked = Counter(
        note.split(":")[0] for notes in plausibility_notes(points).values() for note in notes
    )
    if checked:
        kinds = ", ".join(f"{kind} {count}" for kind, count in sorted(checked.items()))
        out.append(f"To check (see the notes in the table): {kinds}.")
    return out


def _suite_knee(good: list[dict[str, Any]]) -> int | None:
    """The smallest size at which the median efficiency over workloads is below 80 %."""
    by_units: dict[int, list[float]] = {}
    for row in good:
        by_units.setdefault(int(row["units"]), []).append(float(row["efficiency"]))
    below = [u for u, effs in by_units.items() if float(np.median(effs)) < WARN_EFFICIENCY]
    return min(below) if below else None
