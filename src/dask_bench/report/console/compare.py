"""A comparison of two runs for the terminal: tables that fit the console, with a legend.

The numbers come from :func:`dask_bench.report.analysis.compare.compare_runs`, the
words from :mod:`dask_bench.report.analysis.compare_text`, shared with the HTML view.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import replace
from typing import Any

from rich.console import Group, RenderableType
from rich.panel import Panel
from rich.text import Text

from dask_bench.report._values import is_missing
from dask_bench.report.analysis import compare_text
from dask_bench.report.analysis.compare import MIN_SAMPLES, TOO_FEW, Comparison
from dask_bench.report.analysis.twosample import FASTER, SAME, SLOWER, UNDECIDABLE
from dask_bench.report.console._fit import Column, Fitted, by_suite, tiered_table

#: Terminal style of each verdict (failures are neither B's win nor loss).
_VERDICT_STYLE = {FASTER: "green", SLOWER: "red", SAME: "dim"}
_OTHER_STYLE = "yellow"

#: Short verdicts of the terminal table, and their meaning in its legend ({} is the level).
_SHORT = {
    SAME: ("no diff.", "no significant difference"),
    UNDECIDABLE: ("undecided", "too few repetitions to judge at {} (use --min-repeats 5 or more)"),
    TOO_FEW: ("too few", f"fewer than {MIN_SAMPLES} timed samples on a side"),
    "failed in A": ("failed A", "the point failed in A"),
    "failed in B": ("failed B", "the point failed in B"),
    "failed in both": ("failed both", "the point failed in A and in B"),
}
#: Terminal columns (see :class:`~dask_bench.report.console._fit.Fitted`); {} is the level.
_TTY_COLUMNS = [
    Column("workload"),
    Column("units", right=True),
    Column("n", right=True, tier=3),
    Column("median A", right=True, tier=4),
    Column("median B", right=True, tier=4),
    Column("ratio", right=True, header="B/A [{} CI]"),
    Column("verdict"),
    Column("δ", right=True, tier=1),
    Column("effect", tier=5),
    Column("p", right=True, tier=2),
]


def _tty_row(row: Mapping[str, Any]) -> dict[str, Text]:
    cells = compare_text.cells(row)
    verdict = cells["verdict"]
    delta = "—" if is_missing(row["delta"]) else f"{row['delta']:+.2f}"
    style = _VERDICT_STYLE.get(verdict, _OTHER_STYLE)
    return {
        "workload": Text(cells["workload"], style="bold"),
        "units": Text(cells["units"]),
        "n": Text(cells["n"]),
        "median A": Text(cells["median_a"]),
        "median B": Text(cells["median_b"]),
        "ratio": Text(cells["ratio"]),
        "verdict": Text(_SHORT.get(verdict, (verdict,))[0], style=style),
        "δ": Text(delta),
        "effect": Text(str(row["effect"]) or "—"),
        "p": Text(cells["p"]),
    }


#: What the legend says of a column, by the lowest tier that shows the column.
_COLUMN_NOTES = {
    1: "δ: Cliff's delta, < 0 when B's times tend to be smaller",
    2: "p: Mann-Whitney p-value",
    3: "n: timed repetitions in A / B",
}


def _legend(cmp: Comparison, tier: int) -> Text:
    level = compare_text.level_of(cmp)
    lines = [
        f"B/A: median time of B / median time of A, with its {level} bootstrap interval",
        "verdicts are B's: faster / slower when the whole interval is below / above 1 "
        f"and the Mann-Whitney test agrees at {level}",
    ]
    present = set(cmp.rows["verdict"])
    lines += [f"{s}: {t.format(level)}" for v, (s, t) in _SHORT.items() if v in present]
    lines += [text for lowest, text in _COLUMN_NOTES.items() if lowest <= tier]
    return Text("\n".join(lines), style="dim")


def comparison_table(cmp: Comparison) -> RenderableType:
    """The comparison for the terminal: confounders (loud), notes, then a table per suite.

    Parameters
    ----------
    cmp
        A comparison from :func:`~dask_bench.report.analysis.compare.compare_runs`.

    Returns
    -------
    rich renderable
        A red panel of the confounders (if any), notes, the A/A control (if any), the
        title, a table per suite and a legend. Workload, units, ratio B/A with its
        interval and verdict fit 80 characters; Cliff's δ, p, n, medians and effect size
        come as the width allows.
    """
    head: list[RenderableType] = []
    if cmp.confounders:
        why = [Text(f"• {c}") for c in cmp.confounders]
        why.append(Text("Verdicts may reflect these differences, not only the one compared."))
        why[-1].stylize("bold")
        title = Text("NOT LIKE FOR LIKE", style="bold red")
        head.append(Panel(Group(*why), title=title, title_align="left", border_style="red"))
    head += [Text(f"note: {n}", style="yellow") for n in cmp.notes]
    control, warning = compare_text.control_line(cmp), compare_text.control_warning(cmp)
    head += [Text(control, style="bold cyan")] if control else []
    head += [Text(f"warning: {warning}", style="bold yellow")] if warning else []
    # Text, not str: run and workload names must never be read as rich markup.
    head.append(Text(compare_text.title(cmp), style="bold"))
    tail = [Text(compare_text.unmatched(cmp))] if cmp.only_in_a or cmp.only_in_b else []
    level = compare_text.level_of(cmp)
    columns = [replace(c, header=c.title.format(level)) for c in _TTY_COLUMNS]
    suites = by_suite(cmp.rows.to_dict("records"), lambda row: str(row["suite"]))

    def build(tier: int) -> list[RenderableType]:
        tables = [
            tiered_table(suite, columns, [_tty_row(r) for r in rows], tier)
            for suite, rows in suites.items()
        ]
        return [*head, *tables, _legend(cmp, tier), *tail]

    return Fitted(build, tiers=5)
