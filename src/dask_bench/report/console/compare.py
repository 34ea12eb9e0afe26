"""Show a comparison of two runs: a terminal table that fits the console, and HTML.

The numbers come from :func:`dask_bench.report.analysis.compare.compare_runs`; this module only
formats them, the same cells two ways.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from rich.console import Group, RenderableType
from rich.panel import Panel
from rich.text import Text

from dask_bench.report._format import format_seconds, is_missing
from dask_bench.report.analysis.compare import MIN_SAMPLES, TOO_FEW, Comparison, comparison_summary
from dask_bench.report.analysis.twosample import FASTER, SAME, SLOWER, UNDECIDABLE
from dask_bench.report.console._fit import Column, Fitted, by_suite, tiered_table
from dask_bench.report.html._markup import esc, table, td
from dask_bench.report.html.page import CSS

# --- terminal and HTML: the same cells, shown two ways ---

#: Terminal style and HTML class of each verdict (failures are neither B's win nor loss).
_VERDICT_LOOK = {FASTER: ("green", "ok"), SLOWER: ("red", "bad"), SAME: ("dim", "")}
_OTHER_LOOK = ("yellow", "warn")
#: Points listed by name under the table before the rest are only counted.
_LIST_AT_MOST = 6


def _number(value: float) -> str:
    # Three significant figures, trailing zeros kept: 1.00, 0.998, 12.3.
    return f"{value:#.3g}".rstrip(".")


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


#: Short verdicts of the terminal table, and their meaning in its legend ({} is the level).
_SHORT = {
    SAME: ("no diff.", "no significant difference"),
    UNDECIDABLE: ("undecided", "too few repetitions to judge at {} (use --min-repeats 5 or more)"),
    TOO_FEW: ("too few", f"fewer than {MIN_SAMPLES} timed samples on a side"),
    "failed in A": ("failed A", "the point failed in A"),
    "failed in B": ("failed B", "the point failed in B"),
    "failed in both": ("failed both", "the point failed in A and in B"),
}
#: Terminal columns (see :func:`~dask_bench.report.analysis.check.tiered_table`); {} is the level.
_TTY_COLUMNS: list[Column] = [
    ("workload", False, 0), ("units", True, 0), ("n", True, 3), ("median A", True, 4),
    ("median B", True, 4), ("B/A [{} CI]", True, 0), ("verdict", False, 0), ("δ", True, 1),
    ("effect", False, 5), ("p", True, 2),
]  # fmt: skip


def _tty_row(row: Mapping[str, Any]) -> list[Text]:
    _, name, units, n, med_a, med_b, ratio, verdict, _, p = _cells(row)
    delta = "—" if is_missing(row["delta"]) else f"{row['delta']:+.2f}"
    look = _VERDICT_LOOK.get(verdict, _OTHER_LOOK)[0]
    return [
        Text(name, style="bold"), Text(units), Text(n), Text(med_a), Text(med_b), Text(ratio),
        Text(_SHORT.get(verdict, (verdict,))[0], style=look), Text(delta),
        Text(str(row["effect"]) or "—"), Text(p),
    ]  # fmt: skip


def _legend(cmp: Comparison, tier: int) -> Text:
    level = f"{cmp.confidence * 100:g}%"
    lines = [
        f"B/A: median time of B / median time of A, with its {level} bootstrap interval",
        "verdicts are B's: faster / slower when the whole interval is below / above 1 "
        f"and the Mann-Whitney test agrees at {level}",
    ]
    present = set(cmp.rows["verdict"])
    lines += [f"{s}: {t.format(level)}" for v, (s, t) in _SHORT.items() if v in present]
    columns = {1: "δ: Cliff's delta, < 0 when B's times tend to be smaller",
               2: "p: Mann-Whitney p-value", 3: "n: timed repetitions in A / B"}  # fmt: skip
    lines += [text for lowest, text in columns.items() if lowest <= tier]
    return Text("\n".join(lines), style="dim")


def comparison_table(cmp: Comparison) -> RenderableType:
    """The comparison for the terminal: confounders (loud), notes, then a table per suite.

    Parameters
    ----------
    cmp
        A comparison from :func:`compare_runs`.

    Returns
    -------
    rich renderable
        A red panel of the confounders (if any), notes, the title, a table per suite
        and a legend. Workload, units, ratio B/A with its interval and verdict fit 80
        characters; Cliff's δ, p, n, medians and effect size come as the width allows.
    """
    head: list[RenderableType] = []
    if cmp.confounders:
        why = [Text(f"• {c}") for c in cmp.confounders]
        why.append(Text("Verdicts may reflect these differences, not only the one compared."))
        why[-1].stylize("bold")
        title = Text("NOT LIKE FOR LIKE", style="bold red")
        head.append(Panel(Group(*why), title=title, title_align="left", border_style="red"))
    head += [Text(f"note: {n}", style="yellow") for n in cmp.notes]
    # Text, not str: run and workload names must never be read as rich markup.
    head.append(Text(_title(cmp), style="bold"))
    tail = [Text(_unmatched(cmp))] if cmp.only_in_a or cmp.only_in_b else []
    level = f"{cmp.confidence * 100:g}%"
    columns = [(h.format(level), right, tier) for h, right, tier in _TTY_COLUMNS]
    suites = by_suite(cmp.rows.to_dict("records"), lambda row: str(row["suite"]))

    def build(tier: int) -> list[RenderableType]:
        tables = [
            tiered_table(suite, columns, [_tty_row(r) for r in rows], tier)
            for suite, rows in suites.items()
        ]
        return [*head, *tables, _legend(cmp, tier), *tail]

    return Fitted(build, tiers=5)


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
