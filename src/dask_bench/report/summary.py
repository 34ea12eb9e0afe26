"""Short text verdicts per suite: where efficiency falls below 80 % and 50 % (the knee)."""

from __future__ import annotations

import pandas as pd

from dask_bench.report._format import BAD_EFFICIENCY, WARN_EFFICIENCY


def _first_below(group: pd.DataFrame, threshold: float) -> int | None:
    below = group[group["efficiency"] < threshold]
    return int(below["units"].min()) if not below.empty else None


def _listing(items: list[tuple[str, int]]) -> str:
    return ", ".join(f"{w} at {u}" for w, u in sorted(items, key=lambda x: (x[1], x[0])))


def suite_summary(points: pd.DataFrame) -> list[str]:
    """Sentences on one suite of one run: where efficiency falls below 80 % and 50 %.

    Which workloads keep their efficiency up to the largest size, at how many
    processing units the others fall below 80 % and 50 %, and the suite's knee.

    Parameters
    ----------
    points
        One suite's rows of :func:`dask_bench.store.point_summaries` (one run).

    Returns
    -------
    list of str
        Empty when nothing was measured.
    """
    # A narrow copy: filtering the wide summary frame copies every column each time.
    good = points.loc[points["efficiency"].notna(), ["workload", "units", "efficiency"]]
    if good.empty:
        return ["No point of this suite succeeded."] if not points.empty else []
    largest = int(good["units"].max())
    keep: list[str] = []
    warn: list[tuple[str, int]] = []
    bad: list[tuple[str, int]] = []
    for workload, group in good.groupby("workload", sort=False):
        below_warn = _first_below(group, WARN_EFFICIENCY)
        below_bad = _first_below(group, BAD_EFFICIENCY)
        if below_warn is None:
            keep.append(str(workload))
        else:
            warn.append((str(workload), below_warn))
        if below_bad is not None:
            bad.append((str(workload), below_bad))
    out: list[str] = []
    if len(good["units"].unique()) < 2:
        return [f"Only one size ({largest} units) was measured: no efficiency to judge."]
    n = good["workload"].nunique()
    if keep:
        out.append(f"{len(keep)} of {n} keep ≥ 80 % up to {largest} units: {', '.join(keep)}.")
    if warn:
        out.append(f"Below 80 % from (units): {_listing(warn)}.")
    if bad:
        out.append(f"Below 50 % from (units): {_listing(bad)}.")
    knee = _suite_knee(good)
    if knee is not None:
        out.append(f"Knee: the median workload falls below 80 % at {knee} units.")
    failed = points[points["n"] == 0]
    if not failed.empty:
        items = [(str(r.workload), int(r.units)) for r in failed.itertuples(index=False)]
        out.append(f"Failed: {_listing(items)}.")
    return out


def _suite_knee(good: pd.DataFrame) -> int | None:
    """The smallest size at which the median efficiency over workloads is below 80 %."""
    medians = good.groupby("units")["efficiency"].median().sort_index()
    below = medians[medians < WARN_EFFICIENCY]
    return int(below.index[0]) if not below.empty else None
