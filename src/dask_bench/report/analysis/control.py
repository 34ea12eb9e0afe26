"""The A/A control of a comparison: two variants of one study that are exact copies.

Comparing a variant with an exact copy of itself measures nothing but the verdicts: every
point called ``faster`` or ``slower`` is a false positive. Their share is the false-positive
rate of the verdicts on this machine, to hold against the test's α (1 - confidence),
which is what it should stay below. A comparison of two runs that are such a pair says so;
a comparison of two other variants of a study that has such a pair quotes its rate.

Two runs are an A/A pair when they are variants of one study execution (same study id)
with different names, and their stored studies are identical apart from the variant's
name: the same back-end and its options, worker counts and layout, Dask config, security,
suites and their sizes and options, measurement settings, mode and seed. The layout the
runs resolved (``memory_per_worker: auto``) must be the same too.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import pandas as pd
from scipy import stats

from dask_bench.report.analysis.twosample import FASTER, SAME, SLOWER
from dask_bench.store import Store
from dask_bench.store.schema import Run


def _definition(study: Mapping[str, Any] | None) -> dict[str, Any]:
    return {k: v for k, v in (study or {}).items() if k != "variant"}


def aa_pair(run_a: Run, run_b: Run) -> bool:
    """Whether two runs are variants of one study that differ in nothing but their name."""
    if run_a.id == run_b.id or run_a.study_id is None or run_a.study_id != run_b.study_id:
        return False
    if run_a.variant is None or run_b.variant is None or run_a.variant == run_b.variant:
        return False
    same_columns = (run_a.backend, run_a.mode, run_a.layout) == (
        run_b.backend,
        run_b.mode,
        run_b.layout,
    )
    return (
        same_columns and bool(run_a.study) and _definition(run_a.study) == _definition(run_b.study)
    )


def find_aa_pair(store: Store, run_a: Run, run_b: Run) -> tuple[Run, Run] | None:
    """The first A/A pair (by run id) of the study that ``run_a`` and ``run_b`` belong to.

    None when they are runs of different studies, or their study has no such pair.
    """
    if run_a.study_id is None or run_a.study_id != run_b.study_id:
        return None
    runs = [r for r in store.study_runs(run_a.study_id) if r.points]
    for i, first in enumerate(runs):
        for second in runs[i + 1 :]:
            if aa_pair(first, second):
                return first, second
    return None


@dataclass(frozen=True)
class Control:
    """What an A/A pair's comparison called: its false-positive rate against α.

    Attributes
    ----------
    names
        The pair's run names, (A, B).
    called
        Points called ``faster`` or ``slower``: false positives, since A and B are copies.
    compared
        Points that got a statistical verdict (``faster``, ``slower`` or no difference).
    alpha
        The test's α, 1 - the comparison's confidence.
    own
        Whether the comparison holding this is of the pair itself (else it quotes it).
    """

    names: tuple[str, str]
    called: int
    compared: int
    alpha: float
    own: bool = True

    @property
    def rate(self) -> float | None:
        """``called / compared``; None when no point was compared."""
        return self.called / self.compared if self.compared else None

    @property
    def exceeded(self) -> bool:
        """Whether more points were called different than α allows."""
        return self.rate is not None and self.rate > self.alpha

    @property
    def chance(self) -> float | None:
        """P(at least :attr:`called` of :attr:`compared`) if each is called with chance α."""
        if not self.compared:
            return None
        return float(stats.binom.sf(self.called - 1, self.compared, self.alpha))


def control_of(
    rows: pd.DataFrame, names: Sequence[str], confidence: float, *, own: bool = True
) -> Control:
    """The A/A control of a comparison's rows (:attr:`Comparison.rows`)."""
    verdicts = rows["verdict"]
    called = int(verdicts.isin([FASTER, SLOWER]).sum())
    compared = int(verdicts.isin([FASTER, SLOWER, SAME]).sum())
    return Control(
        names=(str(names[0]), str(names[1])),
        called=called,
        compared=compared,
        alpha=1 - confidence,
        own=own,
    )
