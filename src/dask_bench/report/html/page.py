"""The HTML page of a report: one self-contained file for one or several runs.

Everything the page shows is inline (CSS, and figures as base64 SVG data URIs, sharp
at any zoom) so that it can be mailed, archived or opened offline and still shows the
same thing; the links to the separate figure and data files are relative to it.
Every stored text is escaped: workload errors and names come from user code.
"""

from __future__ import annotations

import base64
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime

import pandas as pd

from dask_bench.report._format import format_date, format_layout
from dask_bench.report.analysis.trust import warnings_of
from dask_bench.report.html._markup import CSS, esc
from dask_bench.report.html._provenance import (
    provenance_section,
    scale_events_table,
    versions_table,
)
from dask_bench.report.html.placement import placement_section
from dask_bench.report.html.points import points_tables
from dask_bench.report.html.scenarios import scenarios_section
from dask_bench.report.html.scheduler import scheduler_section
from dask_bench.store.schema import Run

#: Marks a page as a dask-bench report, so that only such folders are overwritten.
GENERATOR = '<meta name="generator" content="dask-bench">'


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
    #: The points table of each suite, when made beforehand (see :func:`~.points.points_tables`).
    tables: Mapping[str, str] = field(default_factory=dict)


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
        f"<div>{figures}</div>{table}{scheduler_section(points)}</section>"
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
    placed = any(p.placement for r in runs for p in r.points)
    nav += '<a href="#placement">where tasks ran</a>' if placed else ""
    nav += '<a href="#scenarios">scenarios</a>' if any(r.scenarios for r in runs) else ""
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
    tables = page.tables or points_tables(page.runs, page.suites, page.folder)
    body = "".join(_suite_section(page, s, p, tables[s]) for s, p in page.suites.items())
    if not page.suites:
        body = "<p>No measured points.</p>" if not any(r.scenarios for r in runs) else ""
    startup = "".join(_figure(f) for f in page.figures if f.section == "startup")
    timelines = {f.name: _figure(f) for f in page.figures if f.section == "scenarios"}
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
        f"{body}{placement_section(runs)}{comparisons}{scenarios_section(runs, timelines)}"
        f'<section id="startup"><h2>Startup latency</h2><div>{startup}</div>'
        f"{scale_events_table(runs)}</section>{data}"
        f"<footer>Generated {esc(generated)}. Medians of timed repetitions (warm-ups and "
        "disturbed repetitions excluded), with the distribution-free confidence interval of the "
        "median (order statistics: asymmetric, within the observed timings); efficiency is "
        "relative to each workload's smallest successful point, with a bootstrap interval of "
        "the ratio of the two medians.</footer></body></html>\n"
    )
