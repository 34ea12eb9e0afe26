"""Compare two stored runs point by point, with verdicts from B's point of view.

Points are matched on (suite, workload, units). For every matched pair the
ratio of medians B/A gets a bootstrap confidence interval: the verdict is
``faster`` when the whole interval lies below 1 (B takes less time than A),
``slower`` when it lies above 1, and ``no significant difference`` otherwise;
a verdict also needs the Mann-Whitney test to agree at the same level (see
:func:`~dask_bench.report._twosample.verdict_of`). Cliff's delta says how large
a difference is. Reasons why the two runs are not like for like (layout, problem
size, workload versions and options, mode) are listed as confounders.

The interval is a percentile bootstrap; :mod:`dask_bench.report._twosample`
says why, and holds the statistics of two samples.
"""

from __future__ import annotations

import math
import zlib
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd
from rich.console import Group, RenderableType
from rich.panel import Panel
from rich.table import Table
from rich.text import Text
from scipy import stats
from sqlalchemy import select

from dask_bench.errors import ConfigError
from dask_bench.report._likeforlike import confounders, notes
from dask_bench.report._markup import esc, table, td
from dask_bench.report._twosample import (
    FASTER,
    SAME,
    SLOWER,
    UNDECIDABLE,
    FloatArray,
    Method,
    cliffs_delta,
    effect_label,
    ratio_interval,
    verdict_of,
)
from dask_bench.report.html import CSS
from dask_bench.report.tables import SUITE_ORDER, format_seconds, is_missing
from dask_bench.store import Store, timed_samples
from dask_bench.store.schema import Point, Run

#: A point's identity across runs: (suite, workload, units).
Key = tuple[str, str, int]

TOO_FEW = "too few samples"
#: Verdicts that come from a statistical comparison (the others explain why there is none).
COMPARED = (FASTER, SLOWER, SAME)
#: Fewest timed samples on each side for a comparison.
MIN_SAMPLES = 2
#: Columns of :attr:`Comparison.rows`, in order.
COLUMNS = [
    "suite", "workload", "units", "n_a", "n_b", "median_a", "median_b", "ratio", "ci_low",
    "ci_high", "ci_method", "verdict", "delta", "effect", "p_value",
]  # fmt: skip


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
    """

    run_a: RunRef
    run_b: RunRef
    rows: pd.DataFrame
    confounders: list[str]
    notes: list[str]
    only_in_a: list[Key]
    only_in_b: list[Key]
    confidence: float


# --- reading the two runs ---


def _points(store: Store, run: Run) -> dict[Key, Point]:
    stmt = select(Point).where(Point.run_id == run.id).order_by(Point.id)
    # A study measures each key once; should a run hold it twice, the latest counts.
    return {(p.suite, p.workload, p.units): p for p in store.session.scalars(stmt)}


def _order(keys: list[Key]) -> list[Key]:
    """Suites in their fixed order, workloads as first seen, then units."""
    first = {(s, w): i for i, (s, w, _) in reversed(list(enumerate(keys)))}

    def rank(key: Key) -> tuple[int, str, int, int]:
        suite = SUITE_ORDER.index(key[0]) if key[0] in SUITE_ORDER else len(SUITE_ORDER)
        return suite, key[0], first[key[:2]], key[2]

    return sorted(keys, key=rank)


def _ref(letter: str, run: Run) -> RunRef:
    return RunRef(letter, run.id, run.name, run.backend, run.mode)


def compare_runs(
    store: Store,
    run_a: Run,
    run_b: Run,
    *,
    confidence: float = 0.95,
    n_resamples: int = 2000,
    seed: int = 0,
    method: Method = "percentile",
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
        raise ConfigError(f"confidence {confidence} is not between 0 and 1; use e.g. 0.95")
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
    return Comparison(
        run_a=_ref("A", run_a),
        run_b=_ref("B", run_b),
        rows=pd.DataFrame(rows, columns=COLUMNS),
        confounders=confounders(run_a, run_b, [(points_a[k], points_b[k]) for k in shared]),
        notes=notes(run_a, run_b),
        only_in_a=_order([k for k in points_a if k not in points_b]),
        only_in_b=_order([k for k in points_b if k not in points_a]),
        confidence=confidence,
    )


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
        "suite": key[0], "workload": key[1], "units": key[2], "n_a": len(a), "n_b": len(b),
        "median_a": float(np.median(a)) if len(a) else nan,
        "median_b": float(np.median(b)) if len(b) else nan,
        "ratio": nan, "ci_low": nan, "ci_high": nan, "ci_method": "", "delta": nan,
        "effect": "", "p_value": nan,
    }  # fmt: skip
    failed = [s for s, p in (("A", pa), ("B", pb)) if p.status == "failed"]
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
            ratio=row["median_b"] / row["median_a"], ci_low=low, ci_high=high, ci_method=used,
            verdict=verdict_of(low, high, p_value, confidence, len(a), len(b)), delta=delta,
            effect=effect_label(delta), p_value=p_value,
        )  # fmt: skip
    return row


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


# --- terminal and HTML: the same cells, shown two ways ---

#: Terminal style and HTML class of each verdict (failures are neither B's win nor loss).
_VERDICT_LOOK = {FASTER: ("green", "ok"), SLOWER: ("red", "bad"), SAME: ("dim", "")}
_OTHER_LOOK = ("yellow", "warn")
#: Points listed by name under the table before the rest are only counted.
_LIST_AT_MOST = 6


def _number(value: float) -> str:
    return f"{value:.3f}" if abs(value) < 10 else f"{value:.3g}"


def _headers(cmp: Comparison) -> list[str]:
    level = f"{cmp.confidence * 100:g}%"
    return [
        "suite", "workload", "units", "n A/B", "median A", "median B",
        f"ratio B/A [{level} CI]", "verdict for B", "effect (Cliff's δ)", "p (Mann-Whitney)",
    ]  # fmt: skip


def _cells(row: Mapping[str, Any]) -> list[str]:
    ratio = "—"
    if not is_missing(row["ratio"]):
        ratio = f"{_number(row['ratio'])} [{_number(row['ci_low'])}, {_number(row['ci_high'])}]"
    effect = "—" if is_missing(row["delta"]) else f"{row['delta']:+.2f} {row['effect']}"
    p = row["p_value"]
    p_text = "—" if is_missing(p) else ("<0.001" if p < 0.001 else f"{p:.3f}")
    return [
        str(row["suite"]), str(row["workload"]), str(row["units"]),
        f"{row['n_a']}/{row['n_b']}", format_seconds(row["median_a"]),
        format_seconds(row["median_b"]), ratio, str(row["verdict"]), effect, p_text,
    ]  # fmt: skip


def _title(cmp: Comparison) -> str:
    return f"{cmp.run_b.label} relative to {cmp.run_a.label}"


def _explanation(cmp: Comparison) -> str:
    level = f"{cmp.confidence * 100:g}%"
    return (
        "ratio = median time of B / median time of A, with its bootstrap interval; "
        f"the verdict is B's: 'faster' when the whole {level} interval is below 1, "
        f"'slower' when it is above 1, if the Mann-Whitney test agrees at {level} too. "
        "Cliff's δ < 0: B's times tend to be smaller."
    )


def _unmatched(cmp: Comparison) -> str:
    parts = []
    for letter, keys in (("A", cmp.only_in_a), ("B", cmp.only_in_b)):
        if not keys:
            continue
        names = [f"{s}/{w} at units {u}" for s, w, u in keys[:_LIST_AT_MOST]]
        more = len(keys) - _LIST_AT_MOST
        parts.append(
            f"only in {letter}: {', '.join(names)}" + (f" and {more} more" if more > 0 else "")
        )
    return "; ".join(parts)


def comparison_table(cmp: Comparison) -> RenderableType:
    """The comparison for the terminal: confounders (loud), notes, then one row per point.

    Parameters
    ----------
    cmp
        A comparison from :func:`compare_runs`.

    Returns
    -------
    rich renderable
        The table alone when the runs are like for like; otherwise a group with a
        red panel listing the confounders first.
    """
    unmatched = _unmatched(cmp)
    out = Table(
        # Text, not str: run and workload names must never be read as rich markup.
        title=Text(f"{_title(cmp)}\n{_explanation(cmp)}"),
        title_justify="left",
        caption=Text(unmatched) if unmatched else None,
        caption_justify="left",
    )
    for i, header in enumerate(_headers(cmp)):
        # Numbers right, words left; only the workload may wrap.
        out.add_column(header, justify="right" if 2 <= i <= 6 else "left", no_wrap=i != 1)
    for row in cmp.rows.to_dict("records"):
        style = _VERDICT_LOOK.get(row["verdict"], _OTHER_LOOK)[0]
        cells = [Text(c) for c in _cells(row)]
        cells[7].stylize(style)
        out.add_row(*cells)
    parts: list[RenderableType] = []
    if cmp.confounders:
        lines = [Text(f"• {c}") for c in cmp.confounders]
        lines.append(
            Text("Verdicts may reflect these differences, not only the one compared.", "bold")
        )
        parts.append(
            Panel(
                Group(*lines),
                title=Text("NOT LIKE FOR LIKE", style="bold red"),
                title_align="left",
                border_style="red",
            )
        )
    parts += [Text(f"note: {n}", style="yellow") for n in cmp.notes]
    return Group(*parts, out) if parts else out


def comparison_html(cmp: Comparison) -> str:
    """The comparison as an HTML ``<section>`` for a report: warnings, the table, the summary.

    Parameters
    ----------
    cmp
        A comparison from :func:`compare_runs`.

    Returns
    -------
    str
        A fragment; every stored name is escaped. Confounders are in a
        ``div.warning``; verdict cells have class ``ok`` (B faster) or ``bad`` (B slower).
    """
    parts = ['<section class="comparison">', f"<h2>{esc(_title(cmp))}</h2>"]
    if cmp.confounders:
        items = "".join(f"<li>{esc(c)}</li>" for c in cmp.confounders)
        parts.append(
            '<div class="warning"><strong>Not like for like.</strong> Verdicts may reflect '
            f"these differences, not only the one compared:<ul>{items}</ul></div>"
        )
    if cmp.notes:
        parts.append(
            '<ul class="notes">' + "".join(f"<li>note: {esc(n)}</li>" for n in cmp.notes) + "</ul>"
        )
    parts.append(f"<p>{esc(_explanation(cmp))}</p>")
    rows = []
    for row in cmp.rows.to_dict("records"):
        cls = _VERDICT_LOOK.get(row["verdict"], _OTHER_LOOK)[1]
        cells = _cells(row)
        tds = [td(c, "num" if 2 <= i <= 6 else "") for i, c in enumerate(cells)]
        tds[7] = td(
            cells[7], cls, title=f"bootstrap: {row['ci_method']}" if row["ci_method"] else None
        )
        rows.append("<tr>" + "".join(tds) + "</tr>")
    parts.append(table(_headers(cmp), rows, cls="comparison"))
    unmatched = _unmatched(cmp)
    if unmatched:
        parts.append(f"<p>{esc(unmatched)}</p>")
    parts.append(f"<p><strong>{esc(comparison_summary(cmp))}</strong></p></section>")
    return "\n".join(parts)


def comparison_page(cmp: Comparison) -> str:
    """A self-contained HTML page holding :func:`comparison_html`."""
    # Imported here: the HTML report may itself include comparison sections.

    title = f"dask-bench: {cmp.run_b.name} relative to {cmp.run_a.name}"
    return (
        f'<!DOCTYPE html>\n<html lang="en">\n<head><meta charset="utf-8">'
        f"<title>{esc(title)}</title>\n<style>{CSS}</style></head>\n<body>\n"
        f"{comparison_html(cmp)}\n</body>\n</html>\n"
    )
