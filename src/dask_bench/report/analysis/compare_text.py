"""A comparison of two runs in words: title, explanation, cells, summary and A/A control.

Plain text, shared by the terminal table (:mod:`dask_bench.report.console.compare`) and
the HTML section (:mod:`dask_bench.report.html.compare`), so both show the same cells.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from scipy import stats

from dask_bench.report._format import format_seconds
from dask_bench.report._values import is_missing
from dask_bench.report.analysis.compare import COMPARED, Comparison
from dask_bench.report.analysis.twosample import FASTER, SAME, SLOWER, UNDECIDABLE

#: Points listed by name under the table before the rest are only counted.
LIST_AT_MOST = 6


def _number(value: float) -> str:
    # Three significant figures, trailing zeros kept: 1.00, 0.998, 12.3.
    return f"{value:#.3g}".rstrip(".")


def level_of(cmp: Comparison) -> str:
    """The confidence level of a comparison's intervals, e.g. ``95%``."""
    return f"{cmp.confidence * 100:g}%"


def headers(cmp: Comparison) -> dict[str, str]:
    """The header of each cell of :func:`cells`, in column order."""
    return {
        "suite": "suite",
        "workload": "workload",
        "units": "units",
        "n": "n A/B",
        "median_a": "median A",
        "median_b": "median B",
        "ratio": f"ratio B/A [{level_of(cmp)} CI]",
        "verdict": "verdict for B",
        "effect": "effect (Cliff's δ)",
        "p": "p (Mann-Whitney)",
    }


def cells(row: Mapping[str, Any]) -> dict[str, str]:
    """One row of :attr:`Comparison.rows` as text, keyed as :func:`headers`."""
    ratio = "—"
    if not is_missing(row["ratio"]):
        ratio = f"{_number(row['ratio'])} [{_number(row['ci_low'])}, {_number(row['ci_high'])}]"
    effect = "—" if is_missing(row["delta"]) else f"{row['delta']:+.2f} {row['effect']}"
    p = row["p_value"]
    return {
        "suite": str(row["suite"]),
        "workload": str(row["workload"]),
        "units": str(row["units"]),
        "n": f"{row['n_a']}/{row['n_b']}",
        "median_a": format_seconds(row["median_a"]),
        "median_b": format_seconds(row["median_b"]),
        "ratio": ratio,
        "verdict": str(row["verdict"]),
        "effect": effect,
        "p": "—" if is_missing(p) else ("<0.001" if p < 0.001 else f"{p:.3f}"),
    }


def title(cmp: Comparison) -> str:
    """``B = ... relative to A = ...``: what is compared with what."""
    return f"{cmp.run_b.label} relative to {cmp.run_a.label}"


def explanation(cmp: Comparison) -> str:
    """How to read the ratio, the verdict and Cliff's delta, in one paragraph."""
    level = level_of(cmp)
    return (
        "ratio = median time of B / median time of A, with its bootstrap interval; "
        f"the verdict is B's: 'faster' when the whole {level} interval is below 1, "
        f"'slower' when it is above 1, if the Mann-Whitney test agrees at {level} too. "
        "Cliff's δ < 0: B's times tend to be smaller."
    )


def unmatched(cmp: Comparison) -> str:
    """The points measured in one run only, the first few by name; empty when none."""
    parts = []
    for letter, keys in (("A", cmp.only_in_a), ("B", cmp.only_in_b)):
        if not keys:
            continue
        names = [f"{s}/{w} at units {u}" for s, w, u in keys[:LIST_AT_MOST]]
        more = len(keys) - LIST_AT_MOST
        parts.append(
            f"only in {letter}: {', '.join(names)}" + (f" and {more} more" if more > 0 else "")
        )
    return "; ".join(parts)


def comparison_summary(cmp: Comparison) -> str:
    """One line: how many points B is faster, slower and no different at, and the mean ratio.

    E.g. ``B is faster at 7, slower at 2, no significant difference at 14 of 23
    points (geometric mean ratio B/A 0.91)``.
    """
    rows = cmp.rows
    done = rows[rows["verdict"].isin(COMPARED)]
    counts = done["verdict"].value_counts()
    if done.empty:
        text = "no point could be compared"
    else:
        gmean = float(stats.gmean(done["ratio"].to_numpy(dtype=float)))
        text = (
            f"B is faster at {counts.get(FASTER, 0)}, slower at {counts.get(SLOWER, 0)}, "
            f"no significant difference at {counts.get(SAME, 0)} of {len(done)} points "
            f"(geometric mean ratio B/A {gmean:.2f})"
        )
    undecidable = int((rows["verdict"] == UNDECIDABLE).sum())
    skipped = len(rows) - len(done) - undecidable
    if undecidable:
        text += (
            f"; {undecidable} with too few repetitions to judge "
            "(measure with --min-repeats 5 or more)"
        )
    if skipped:
        text += f"; {skipped} not compared (failed or too few samples)"
    if cmp.only_in_a or cmp.only_in_b:
        text += f"; {len(cmp.only_in_a)} only in A, {len(cmp.only_in_b)} only in B"
    return text


def _percent(value: float) -> str:
    return f"{value * 100:.1f} %".replace(".0 %", " %")


def control_line(cmp: Comparison) -> str | None:
    """The A/A control in one line; None when the comparison has none.

    E.g. ``A/A control: A and B are copies of one variant, so every difference called
    is a false positive: 1 of 24 points called different (4.2 %), expected ≤ 5 %
    (the test's α at 95% confidence)``.
    """
    control = cmp.control
    if control is None:
        return None
    a, b = control.names
    if control.own:
        head = (
            "A/A control: A and B are copies of one variant (the same study apart from the "
            "name), so every point called different is a false positive"
        )
    else:
        head = f"A/A control of this study ({b} against {a}, copies of one variant)"
    if control.rate is None:
        return f"{head}: no point could be compared"
    return (
        f"{head}: {control.called} of {control.compared} points called different "
        f"({_percent(control.rate)}), expected ≤ {_percent(control.alpha)} (the test's α "
        f"at {level_of(cmp)} confidence)"
    )


def control_warning(cmp: Comparison) -> str | None:
    """A warning when the A/A control called more points different than α allows."""
    control = cmp.control
    if control is None or not control.exceeded or control.chance is None:
        return None
    verdicts = "these verdicts" if control.own else "the verdicts of this study"
    return (
        f"the false-positive rate is above α: on this machine {verdicts} call differences "
        f"that are not there more often than the {level_of(cmp)} level promises (as many by "
        f"chance at α: P = {control.chance:.2g}); trust only differences well beyond it"
    )
