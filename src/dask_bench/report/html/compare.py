"""A comparison of two runs as HTML: a section of the report, or a page of its own.

The numbers come from :func:`dask_bench.report.analysis.compare.compare_runs`, the
words from :mod:`dask_bench.report.analysis.compare_text`, shared with the terminal.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from dask_bench.report._files import atomic_output
from dask_bench.report.analysis import compare_text
from dask_bench.report.analysis.compare import Comparison
from dask_bench.report.analysis.twosample import FASTER, SAME, SLOWER
from dask_bench.report.html._markup import CSS, esc, table, td

#: HTML class of each verdict cell (failures are neither B's win nor loss).
_VERDICT_CLASS = {FASTER: "ok", SLOWER: "bad", SAME: ""}
_OTHER_CLASS = "warn"
#: Cells right-aligned as numbers.
_NUMERIC = {"units", "n", "median_a", "median_b", "ratio"}


def _row(row: Mapping[str, Any]) -> str:
    tds = []
    for key, text in compare_text.cells(row).items():
        if key == "verdict":
            method = row["ci_method"]
            cls = _VERDICT_CLASS.get(text, _OTHER_CLASS)
            tds.append(td(text, cls, title=f"bootstrap: {method}" if method else None))
        else:
            tds.append(td(text, "num" if key in _NUMERIC else ""))
    return "<tr>" + "".join(tds) + "</tr>"


def comparison_html(cmp: Comparison) -> str:
    """The comparison as an HTML ``<section>`` for a report: warnings, the table, the summary.

    Parameters
    ----------
    cmp
        A comparison from :func:`~dask_bench.report.analysis.compare.compare_runs`.

    Returns
    -------
    str
        A fragment; every stored name is escaped. Confounders are in a
        ``div.warning``, the A/A control in ``p.control`` (a rate above α in a
        ``div.warning`` too); verdict cells have class ``ok`` (B faster) or ``bad`` (B slower).
    """
    parts = ['<section class="comparison">', f"<h2>{esc(compare_text.title(cmp))}</h2>"]
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
    control, warning = compare_text.control_line(cmp), compare_text.control_warning(cmp)
    if control:
        parts.append(f'<p class="control"><strong>{esc(control)}</strong></p>')
    if warning:
        parts.append(f'<div class="warning">{esc(warning)}</div>')
    parts.append(f"<p>{esc(compare_text.explanation(cmp))}</p>")
    rows = [_row(row) for row in cmp.rows.to_dict("records")]
    parts.append(table(list(compare_text.headers(cmp).values()), rows, cls="comparison"))
    unmatched = compare_text.unmatched(cmp)
    if unmatched:
        parts.append(f"<p>{esc(unmatched)}</p>")
    summary = compare_text.comparison_summary(cmp)
    parts.append(f"<p><strong>{esc(summary)}</strong></p></section>")
    return "\n".join(parts)


def comparison_page(cmp: Comparison) -> str:
    """A self-contained HTML page holding :func:`comparison_html`."""
    title = f"dask-bench: {cmp.run_b.name} relative to {cmp.run_a.name}"
    return (
        f'<!DOCTYPE html>\n<html lang="en">\n<head><meta charset="utf-8">'
        f"<title>{esc(title)}</title>\n<style>{CSS}</style></head>\n<body>\n"
        f"{comparison_html(cmp)}\n</body>\n</html>\n"
    )


def save_comparison_page(cmp: Comparison, path: str | os.PathLike[str]) -> Path:
    """Write :func:`comparison_page` to ``path``, replacing it atomically.

    Raises
    ------
    ConfigError
        When the output folder is missing (see :func:`~dask_bench.report._files.check_output`).
    """
    with atomic_output(path) as tmp:
        tmp.write_text(comparison_page(cmp), encoding="utf-8")
    return Path(path)
