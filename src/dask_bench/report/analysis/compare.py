"""Compare two stored runs point by point, with verdicts from B's point of view.

Points are matched on (suite, workload, units). For every matched pair the
ratio of medians B/A gets a bootstrap confidence interval: the verdict is
``faster`` when the whole interval lies below 1 (B takes less time than A),
``slower`` when it lies above 1, and ``no significant difference`` otherwise;
a verdict also needs the Mann-Whitney test to agree at the same level (see
:func:`~dask_bench.report.analysis.twosample.verdict_of`). Cliff's delta says how large
a difference is. Reasons why the two runs are not like for like (layout, problem
size, workload versions and options, mode) are listed as confounders. When A and B are an
A/A pair (copies of one variant), or their study has one, the comparison carries that
pair's false-positive rate (:mod:`dask_bench.report.analysis.control`).

The interval is a percentile bootstrap; :mod:`dask_bench.report.analysis.twosample`
says why, and holds the statistics of two samples. The comparison in words (its
cells and one-line summary) is :mod:`dask_bench.report.analysis.compare_text`.
"""

from __future__ import annotations

import math
import zlib
from dataclasses import dataclass, replace
from typing import Any

import numpy as np
import pandas as pd
from sqlalchemy import select

from dask_bench._defaults import DEFAULT_CONFIDENCE
from dask_bench.errors import ConfigError
from dask_bench.report.analysis._likeforlike import confounders, notes
from dask_bench.report.analysis.control import Control, aa_pair, control_of, find_aa_pair
from dask_bench.report.analysis.twosample import (
    FASTER,
    SAME,
    SLOWER,
    FloatArray,
    Method,
    cliffs_delta,
    effect_label,
    ratio_interval,
    verdict_of,
)
from dask_bench.store import Store, timed_samples
from dask_bench.store.schema import Point, PointStatus, Run
from dask_bench.study.catalogue import suite_rank

#: A point's identity across runs: (suite, workload, units).
Key = tuple[str, str, int]

TOO_FEW = "too few samples"
#: Verdicts that come from a statistical comparison (the others explain why there is none).
COMPARED = (FASTER, SLOWER, SAME)
#: Fewest timed samples on each side for a comparison.
MIN_SAMPLES = 2
#: Columns of :attr:`Comparison.rows`, in order.
COLUMNS = [
    "suite",
    "workload",
    "units",
    "n_a",
    "n_b",
    "median_a",
    "median_b",
    "ratio",
    "ci_low",
    "ci_high",
    "ci_method",
    "verdict",
    "delta",
    "effect",
    "p_value",
]


@dataclass(frozen=True)
class RunRef:
    """One side of a comparison: which run, and whether it is A or B."""

    letter: str
    id: int
    name: str
    backend: str
    mode: str

    @property
    def label(self) -> str:
        """E.g. ``B = k8s-weak (run 5, kubernetes)``."""
        return f"{self.letter} = {self.name} (run {self.id}, {self.backend})"


# eq=False: the rows are a DataFrame, whose truth value is ambiguous.
@dataclass(frozen=True, eq=False)
class Comparison:
    """The result of :func:`compare_runs`.

    Attributes
    ----------
    run_a, run_b
        The two runs; verdicts and ratios are those of B relative to A.
    rows
        One row per matched point, columns :data:`COLUMNS`: ``ratio`` is median
        B / median A, ``ci_low``/``ci_high`` its bootstrap interval, ``delta``
        Cliff's delta (negative: B's times tend to be smaller), ``effect`` its
        magnitude label, ``p_value`` the two-sided Mann-Whitney p-value.
    confounders
        Why the runs are not like for like, one line each (empty when they are).
    notes
        Differences worth knowing that do not confound the comparison by themselves.
    only_in_a, only_in_b
        Points measured in one run only, as (suite, workload, units).
    confidence
        Confidence level of the intervals.
    control
        The A/A control: of A and B themselves when they are copies of one variant
        (``control.own``), else of such a pair in their study; None when there is none.
    """

    run_a: RunRef
    run_b: RunRef
    rows: pd.DataFrame
    confounders: list[str]
    notes: list[str]
    only_in_a: list[Key]
    only_in_b: list[Key]
    confidence: float
    control: Control | None = None


# --- reading the two runs ---


def _points(store: Store, run: Run) -> dict[Key, Point]:
    stmt = select(Point).where(Point.run_id == run.id).order_by(Point.id)
    # A study measures each key once; should a run hold it twice, the latest counts.
    return {(p.suite, p.workload, p.units): p for p in store.session.scalars(stmt)}


def _order(keys: list[Key]) -> list[Key]:
    """Suites in their fixed order, workloads as first seen, then units."""
    first = {(s, w): i for i, (s, w, _) in reversed(list(enumerate(keys)))}

    def rank(key: Key) -> tuple[int, str, int, int]:
        return suite_rank(key[0])[0], key[0], first[key[:2]], key[2]

    return sorted(keys, key=rank)


def _ref(letter: str, run: Run) -> RunRef:
    return RunRef(letter=letter, id=run.id, name=run.name, backend=run.backend, mode=run.mode)


def compare_runs(
    store: Store,
    run_a: Run,
    run_b: Run,
    *,
    confidence: float = DEFAULT_CONFIDENCE,
    n_resamples: int = 2000,
    seed: int = 0,
    method: Method = "percentile",
    quote_control: bool = True,
) -> Comparison:
    """Compare run B with run A, point by point.

    Parameters
    ----------
    store
        The results database.
    run_a, run_b
        The reference run A and the run B judged against it.
    confidence
        Confidence level of the bootstrap intervals of the ratio B/A.
    n_resamples
        Bootstrap resamples per point. With 2000, an interval end moves by about
        2 % of the interval's width from one seed to another (4 % with 500, under
        1 % with 10000): raise it when an end lies close to 1. A point costs a few
        milliseconds whatever the number (the resamples are drawn and reduced as
        arrays, not in a Python loop), so 300 points take about 1.5 s.
    seed
        Seed of the resampling; each point draws from its own stream derived from
        the seed and its key, so a point's interval does not depend on the others.
    method
        ``percentile`` (default) or ``BCa`` (with a percentile fallback); see the
        module documentation for why.
    quote_control
        When A and B are not an A/A pair but their study has one, compare that pair too
        (with the same settings) and carry its false-positive rate.

    Returns
    -------
    Comparison

    Raises
    ------
    ConfigError
        When A and B are the same run, when they share no point, or for a
        confidence outside (0, 1).
    """
    if not 0 < confidence < 1:
        raise ConfigError(
            f"confidence {confidence} is not between 0 and 1; use e.g. {DEFAULT_CONFIDENCE}"
        )
    if n_resamples < 1:
        raise ConfigError(f"n_resamples is {n_resamples}; use a positive number such as 2000")
    if run_a.id == run_b.id:
        raise ConfigError(
            f"run {run_a.id} ({run_a.name}) was given as both A and B; "
            "compare two different runs (see 'dask-bench list runs')"
        )
    points_a, points_b = _points(store, run_a), _points(store, run_b)
    shared = _order([k for k in points_a if k in points_b])
    if not shared:
        raise ConfigError(
            f"runs {run_a.id} ({run_a.name}) and {run_b.id} ({run_b.name}) share no workload "
            "at the same size; compare runs of the same suites and worker counts "
            "(see 'dask-bench show RUN')"
        )
    samples = timed_samples(store, [run_a.id, run_b.id])
    by_point = {
        pid: group.to_numpy(dtype=float) for pid, group in samples.groupby("point_id")["seconds"]
    }
    empty: FloatArray = np.empty(0)
    rows = []
    for key in shared:
        pa, pb = points_a[key], points_b[key]
        a, b = by_point.get(pa.id, empty), by_point.get(pb.id, empty)
        stream = [seed, zlib.crc32("/".join(map(str, key)).encode())]
        rows.append(_row(key, pa, pb, a, b, confidence, n_resamples, stream, method))
    frame = pd.DataFrame(rows, columns=COLUMNS)
    control = None
    if aa_pair(run_a, run_b):
        control = control_of(frame, (run_a.name, run_b.name), confidence)
    elif quote_control:
        settings = {"n_resamples": n_resamples, "seed": seed, "method": method}
        control = _quoted_control(store, run_a, run_b, confidence, settings)
    return Comparison(
        run_a=_ref("A", run_a),
        run_b=_ref("B", run_b),
        rows=frame,
        confounders=confounders(run_a, run_b, [(points_a[k], points_b[k]) for k in shared]),
        notes=notes(run_a, run_b),
        only_in_a=_order([k for k in points_a if k not in points_b]),
        only_in_b=_order([k for k in points_b if k not in points_a]),
        confidence=confidence,
        control=control,
    )


def _quoted_control(
    store: Store, run_a: Run, run_b: Run, confidence: float, settings: dict[str, Any]
) -> Control | None:
    """The control of the A/A pair of A's and B's study, compared as A and B are."""
    pair = find_aa_pair(store, run_a, run_b)
    if pair is None:
        return None
    try:
        aa = compare_runs(store, *pair, confidence=confidence, quote_control=False, **settings)
    except ConfigError:  # the pair shares no point: it measured nothing to quote
        return None
    return replace(aa.control, own=False) if aa.control is not None else None


def _row(
    key: Key,
    pa: Point,
    pb: Point,
    a: FloatArray,
    b: FloatArray,
    confidence: float,
    n_resamples: int,
    seed: list[int],
    method: Method,
) -> dict[str, Any]:
    nan = math.nan
    row: dict[str, Any] = {
        "suite": key[0],
        "workload": key[1],
        "units": key[2],
        "n_a": len(a),
        "n_b": len(b),
        "median_a": float(np.median(a)) if len(a) else nan,
        "median_b": float(np.median(b)) if len(b) else nan,
        "ratio": nan,
        "ci_low": nan,
        "ci_high": nan,
        "ci_method": "",
        "delta": nan,
        "effect": "",
        "p_value": nan,
    }
    failed = [s for s, p in (("A", pa), ("B", pb)) if p.status == PointStatus.FAILED]
    if failed:
        row["verdict"] = "failed in " + ("both" if len(failed) == 2 else failed[0])
    elif min(len(a), len(b)) < MIN_SAMPLES:
        row["verdict"] = TOO_FEW
    else:
        low, high, used = ratio_interval(
            a, b, confidence=confidence, n_resamples=n_resamples, seed=seed, method=method
        )
        delta, p_value = cliffs_delta(a, b)
        row.update(
            ratio=row["median_b"] / row["median_a"],
            ci_low=low,
            ci_high=high,
            ci_method=used,
            verdict=verdict_of(low, high, p_value, confidence, len(a), len(b)),
            delta=delta,
            effect=effect_label(delta),
            p_value=p_value,
        )
    return row
