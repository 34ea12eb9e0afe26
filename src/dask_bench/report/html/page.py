"""The HTML page of a report: one self-contained file for one or several runs.

Everything the page shows is inline (CSS, and figures as base64 SVG data URIs, sharp
at any zoom) so that it can be mailed, archived or opened offline and still shows the
same thing; the links to the separate figure and data files are relative to it.
Every stored text is escaped: workload errors and names come from user code.
"""

from __future__ import annotations

import base64
import os
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from urllib.parse import quote

import pandas as pd

from dask_bench.report._format import (
    ci_label,
    confidence_of,
    efficiency_level,
    ending_text,
    error_text,
    format_date,
    format_efficiency,
    format_interval,
    format_layout,
    format_ratio_interval,
    format_seconds,
    format_throughput,
    is_imprecise,
    is_missing,
    point_status,
    table_rows,
)
from dask_bench.report.analysis.metric import is_latency
from dask_bench.report.analysis.notes import table_notes
from dask_bench.report.analysis.plausibility import base_points
from dask_bench.report.console.run_info import warnings_of
from dask_bench.report.console.tables import breakdown_legend, dominant_text
from dask_bench.report.html._markup import esc, table, td
from dask_bench.report.html._provenance import (
    provenance_section,
    scale_events_table,
    versions_table,
)
from dask_bench.store.schema import BREAKDOWN_LABELS, Run

#: Marks a page as a dask-bench report, so that only such folders are overwritten.
GENERATOR = '<meta name="generator" content="dask-bench">'

CSS = """
body { font-family: system-ui, sans-serif; margin: 2em auto; max-width: 1150px; color: #222;
       padding: 0 1em; }
h1 { margin-bottom: .2em; } h2 { margin-top: 2em; border-bottom: 1px solid #ccc; }
table { border-collapse: collapse; margin: .8em 0; font-size: 90%; }
th, td { border: 1px solid #ddd; padding: .25em .6em; text-align: left; vertical-align: top; }
th { background: #f3f3f3; }
td.num { text-align: right; font-variant-numeric: tabular-nums; }
table.kv th { width: 12em; }
.warning { background: #fff4d6; border: 1px solid #e0b000; padding: .5em 1em; margin: .4em 0; }
.warn { color: #a66f00; font-weight: bold; } .bad { color: #c00; font-weight: bold; }
.ok { color: #187a18; } .mismatch td, .mismatch th { background: #fff4d6; }
.high { color: #6a3d9a; font-weight: bold; } .high::after { content: " ?"; }
tr.imprecise td { background: #fffbea; } tr.imprecise td.n { color: #a66f00; font-weight: bold; }
td.notes { font-size: 85%; color: #444; min-width: 14em; max-width: 30em; }
td.notes ul { margin: 0; padding-left: 1.1em; } td.notes summary { cursor: pointer; }
ol.notes { font-size: 85%; color: #444; }
div.wide { overflow-x: auto; max-width: 100%; }
td.notes li.check { color: #6a3d9a; }
p.legend { font-size: 85%; color: #555; margin-top: 0; }
.summary { background: #f6f8fa; border-left: 4px solid #4a7ebb; padding: .4em 1em; }
figure { display: block; margin: .5em 0 1em 0; max-width: 100%; }
figure img { max-width: 100%; height: auto; display: block; }
figcaption { font-size: 85%; color: #555; }
nav a, figcaption a { margin-right: .8em; }
footer { margin-top: 3em; color: #777; font-size: 85%; }
"""


@dataclass(frozen=True)
class RenderedFigure:
    """A figure as shown in the page and written beside it.

    Attributes
    ----------
    name
        File stem, e.g. ``tasks-efficiency``.
    section
        The suite it belongs to, or ``startup``.
    alt
        Text alternative, also the caption.
    files
        Format (``png``, ``svg``, ``pdf``) to file content; SVG (embedded) is always present.
    """

    name: str
    section: str
    alt: str
    files: Mapping[str, bytes] = field(default_factory=dict)


@dataclass(frozen=True)
class Page:
    """Everything a report page shows, computed before anything is rendered."""

    runs: Sequence[Run]
    suites: Mapping[str, pd.DataFrame]
    figures: Sequence[RenderedFigure]
    summaries: Mapping[str, Mapping[int, list[str]]]
    data_files: Sequence[tuple[str, str]] = ()
    comparisons: Sequence[str] = ()
    #: The report folder; links to Dask's performance reports are relative to it.
    folder: str | None = None
    #: The points table of each suite, when made beforehand (see :func:`points_tables`).
    tables: Mapping[str, str] = field(default_factory=dict)


def points_tables(page: Page) -> dict[str, str]:
    """The points table of every suite of a page, with its notes and legend (HTML).

    The report makes them while its figures are drawn, and hands them back in
    :attr:`Page.tables`.
    """
    confidence = confidence_of(page.runs[0]) if page.runs else 0.95
    several, links = len(page.runs) > 1, _dask_report_links(page)
    return {
        suite: _points_table(points, several, links, confidence, anchor=f"notes-{suite}")
        for suite, points in page.suites.items()
    }


#: Figures are shown this much larger than their size in print (their text is small).
FIGURE_ZOOM = 1.25


def _shown_width(svg: bytes) -> str:
    """A style giving an SVG figure its width on screen, from its size in points."""
    found = re.search(rb'<svg[^>]*\bwidth="([0-9.]+)pt"', svg[:2000])
    if found is None:
        return ""
    pixels = float(found.group(1)) * 96 / 72 * FIGURE_ZOOM
    return f' style="width: {pixels:.0f}px"'


def _figure(fig: RenderedFigure) -> str:
    svg = fig.files["svg"]
    data = base64.b64encode(svg).decode("ascii")
    links = "".join(
        f'<a href="figures/{esc(fig.name)}.{fmt}">{fmt.upper()}</a>' for fmt in sorted(fig.files)
    )
    return (
        f'<figure><img alt="{esc(fig.alt)}"{_shown_width(svg)} '
        f'src="data:image/svg+xml;base64,{data}">'
        f"<figcaption>{esc(fig.alt)} {links}</figcaption></figure>"
    )


def _dask_report_links(page: Page) -> dict[int, str]:
    """Point id -> link to its Dask performance report, for the points that have one."""
    links = {}
    for run in page.runs:
        for point in run.points:
            if point.performance_report:
                target = Path(point.performance_report)
                if page.folder is not None:
                    # relative: the report and Dask's files can move together
                    links[point.id] = quote(Path(os.path.relpath(target, page.folder)).as_posix())
                else:
                    links[point.id] = target.absolute().as_uri()
    return links


def _points_table(
    points: pd.DataFrame,
    several: bool,
    dask_reports: Mapping[int, str] | None = None,
    confidence: float = 0.95,
    anchor: str = "note",
) -> str:
    dask_reports = dask_reports or {}
    linked = any(int(pid) in dask_reports for pid in points["point_id"])
    strong = bool((points["mode"] == "strong").any()) if "mode" in points else False
    ci = ci_label(confidence)
    notes = table_notes(points, anchor)
    bases = base_points(points)
    headers = ["run"] if several else []
    headers += ["workload", "units (w x t)", "median", ci, "n", "failed reps", "throughput"]
    headers += ["speedup"] if strong else []
    dominant = "dominant" in points and bool(points["dominant"].notna().any())
    headers += ["efficiency", f"efficiency {ci}", "ended"]
    headers += ["worker time mostly"] if dominant else []
    headers += ["status", "notes"] + (["Dask report"] if linked else [])
    rows = []
    for row in table_rows(points):
        units = f"{int(row['units'])} ({int(row['workers'])}x{int(row['threads_per_worker'])})"
        imprecise = is_imprecise(row)
        latency = is_latency(str(row["suite"]), str(row["workload"]))
        thr = format_throughput(row["throughput"], str(row["throughput_unit"]))
        cells = [td(row["run_id"], "num")] if several else []
        cells += [
            td(row["workload"] + (" (latency)" if latency else "")),
            td(units, "num"),
            td(format_seconds(row["median"]), "num"),
            td(format_interval(row["ci_low"], row["ci_high"], like=row["median"]), "num"),
            td(f"{int(row['n'])}{'*' if imprecise else ''}", "num n"),
            td(int(row["n_failed"]), "num"),
            td("— (latency: see median)" if latency else thr, "num"),
        ]
        if strong:
            sp = row["speedup"]
            cells.append(td("—" if is_missing(sp) else f"{sp:.2f}x", "num"))
        level = efficiency_level(row["efficiency"])
        cells.append(td(format_efficiency(row["efficiency"]), f"num {level}"))
        eff_ci = format_ratio_interval(row["efficiency_low"], row["efficiency_high"])
        eff_ci = "base" if int(row["point_id"]) in bases else eff_ci
        cells += [td(eff_ci, "num"), td(ending_text(row), "warn" if imprecise else "")]
        if dominant:
            name = row.get("dominant")
            label = BREAKDOWN_LABELS.get(name, "") if isinstance(name, str) else ""
            cells.append(td(dominant_text(row), title=label or None))
        status_cls = "ok" if row["status"] == "ok" and not row["n_failed"] else "bad"
        # The cell shows the short error; hovering shows the full (escaped) text.
        cells.append(td(point_status(row), status_cls, title=error_text(row.get("error"))))
        cells.append(notes.cell(int(row["point_id"])))
        if linked:
            href = dask_reports.get(int(row["point_id"]))
            cells.append(f'<td><a href="{esc(href)}">report</a></td>' if href else td(None))
        cls = ' class="imprecise"' if imprecise else ""
        rows.append(f"<tr{cls}>" + "".join(cells) + "</tr>")
    # Many columns: the table scrolls inside the page rather than widening it.
    legend = _table_legend(points, ci, dominant)
    return f'<div class="wide">{table(headers, rows)}</div>{notes.listing()}{legend}'


def _table_legend(points: pd.DataFrame, ci: str, dominant: bool) -> str:
    lines = [
        f"{ci}: distribution-free confidence interval of the median (— with too few "
        "repetitions); efficiency interval: bootstrap interval of the ratio of medians; "
        "base: the smallest size, 100 % by definition.",
        "* and a shaded row: imprecise, the interval is wider than the target; ended: how "
        "the repetitions stopped (precise, budget, time budget, max repeats, disturbed, failed).",
        "Efficiency above 110 % is marked ? and explained in the notes; it is never good news.",
    ]
    if dominant:
        names = {str(n) for n in points["dominant"].dropna()}
        lines.append(f"worker time mostly: {breakdown_legend(names)}.")
    return "".join(f'<p class="legend">{esc(line)}</p>' for line in lines)


def _summary(page: Page, suite: str) -> str:
    per_run = page.summaries.get(suite, {})
    several = len(page.runs) > 1
    items = []
    for run in page.runs:
        lines = per_run.get(run.id, [])
        if not lines:
            continue
        head = f"<b>run {run.id} ({esc(run.name)}):</b> " if several else ""
        items.append(f"<li>{head}{' '.join(esc(line) for line in lines)}</li>")
    return f'<div class="summary"><ul>{"".join(items)}</ul></div>' if items else ""


def _suite_section(page: Page, suite: str, points: pd.DataFrame, table: str) -> str:
    figures = "".join(_figure(f) for f in page.figures if f.section == suite)
    return (
        f'<section id="suite-{esc(suite)}"><h2>Suite {esc(suite)}</h2>{_summary(page, suite)}'
        f"<div>{figures}</div>{table}</section>"
    )


def _title(runs: Sequence[Run]) -> str:
    if len(runs) == 1:
        return f"dask-bench: {runs[0].name} (run {runs[0].id})"
    return "dask-bench: runs " + ", ".join(str(r.id) for r in runs)


def _subtitle(runs: Sequence[Run]) -> str:
    if len(runs) == 1:
        run = runs[0]
        return f"{run.mode} scaling on back-end {run.backend}, {format_layout(run.layout)}"
    return "; ".join(f"run {r.id}: {r.name} on {r.backend}" for r in runs)


def render_page(page: Page) -> str:
    """The report as one HTML document.

    Parameters
    ----------
    page
        What to show, prepared by :func:`dask_bench.report.build_report`.

    Returns
    -------
    str
        A complete HTML document that loads no external resource.
    """
    runs = page.runs
    warnings = "".join(
        f'<div class="warning">⚠ {"" if len(runs) == 1 else f"run {r.id}: "}{esc(w)}</div>'
        for r in runs
        for w in warnings_of(r)
    )
    nav = "".join(f'<a href="#suite-{esc(s)}">{esc(s)}</a>' for s in page.suites)
    nav += '<a href="#startup">startup</a>'
    nav += '<a href="#comparison">comparison</a>' if page.comparisons else ""
    nav += '<a href="#data">data</a>' if page.data_files else ""
    if len(runs) == 1:
        versions = f"<h3>Package versions</h3>{versions_table(runs[0])}"
    else:
        # Folded: the provenance table above already compares dask and distributed.
        versions = "".join(
            f"<details><summary>Package versions of run {r.id}</summary>{versions_table(r)}"
            "</details>"
            for r in runs
        )
    tables = page.tables or points_tables(page)
    body = "".join(_suite_section(page, s, p, tables[s]) for s, p in page.suites.items())
    if not page.suites:
        body = "<p>No measured points.</p>"
    startup = "".join(_figure(f) for f in page.figures if f.section == "startup")
    comparisons = (
        '<section id="comparison">' + "".join(page.comparisons) + "</section>"
        if page.comparisons
        else ""
    )
    data = ""
    if page.data_files:
        links = "".join(
            f'<li><a href="{esc(path)}">{esc(label)}</a></li>' for label, path in page.data_files
        )
        data = f'<section id="data"><h2>Data</h2><ul>{links}</ul></section>'
    generated = format_date(datetime.now(UTC).replace(tzinfo=None))
    title = _title(runs)
    return (
        "<!DOCTYPE html>\n"
        f'<html lang="en"><head><meta charset="utf-8">{GENERATOR}<title>{esc(title)}</title>'
        f"<style>{CSS}</style></head><body>"
        f"<h1>{esc(title)}</h1><p>{esc(_subtitle(runs))}</p><nav>{nav}</nav>{warnings}"
        f"<h2>Provenance</h2>{provenance_section(runs)}{versions}"
        f"{body}{comparisons}"
        f'<section id="startup"><h2>Startup latency</h2><div>{startup}</div>'
        f"{scale_events_table(runs)}</section>{data}"
        f"<footer>Generated {esc(generated)}. Medians of timed repetitions (warm-ups and "
        "disturbed repetitions excluded), with the distribution-free confidence interval of the "
        "median (order statistics: asymmetric, within the observed timings); efficiency is "
        "relative to each workload's smallest successful point, with a bootstrap interval of "
        "the ratio of the two medians.</footer></body></html>\n"
    )
