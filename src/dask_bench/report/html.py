"""The HTML page of a report: one self-contained file for one or several runs.

Everything the page shows is inline (CSS, and figures as base64 PNG data URIs) so
that it can be mailed, archived or opened offline and still shows the same
thing; the links to the separate figure and data files are relative to it.
Every stored text is escaped: workload errors and names come from user code.
"""

from __future__ import annotations

import base64
import os
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from urllib.parse import quote

import pandas as pd

from dask_bench.report._markup import esc, table, td
from dask_bench.report._provenance import provenance_section, scale_events_table, versions_table
from dask_bench.report.tables import (
    dominant_text,
    efficiency_level,
    error_text,
    format_date,
    format_efficiency,
    format_layout,
    format_seconds,
    format_throughput,
    is_missing,
    point_status,
    warnings_of,
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
.summary { background: #f6f8fa; border-left: 4px solid #4a7ebb; padding: .4em 1em; }
figure { display: inline-block; margin: .5em 1em .5em 0; vertical-align: top; }
figure img { max-width: 100%; display: block; }
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
        Format (``png``, ``svg``, ``pdf``) to file content; PNG is always present.
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


def _figure(fig: RenderedFigure) -> str:
    data = base64.b64encode(fig.files["png"]).decode("ascii")
    links = "".join(
        f'<a href="figures/{esc(fig.name)}.{fmt}">{fmt.upper()}</a>' for fmt in sorted(fig.files)
    )
    return (
        f'<figure><img alt="{esc(fig.alt)}" src="data:image/png;base64,{data}">'
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
    points: pd.DataFrame, several: bool, dask_reports: Mapping[int, str] | None = None
) -> str:
    dask_reports = dask_reports or {}
    linked = any(int(pid) in dask_reports for pid in points["point_id"])
    strong = bool((points["mode"] == "strong").any()) if "mode" in points else False
    headers = ["run"] if several else []
    headers += ["workload", "units (w x t)", "median", "± CI", "n", "failed reps", "throughput"]
    headers += ["speedup"] if strong else []
    dominant = "dominant" in points and bool(points["dominant"].notna().any())
    headers += ["efficiency"] + (["worker time mostly"] if dominant else []) + ["status"]
    headers += ["Dask report"] if linked else []
    rows = []
    for row in points.to_dict("records"):
        n = int(row["n"])
        half = row["ci_halfwidth"] if n >= 2 else None
        units = f"{int(row['units'])} ({int(row['workers'])}x{int(row['threads_per_worker'])})"
        cells = [td(row["run_id"], "num")] if several else []
        cells += [
            td(row["workload"]),
            td(units, "num"),
            td(format_seconds(row["median"]), "num"),
            td("—" if half is None else "± " + format_seconds(half, like=row["median"]), "num"),
            td(n, "num"),
            td(int(row["n_failed"]), "num"),
            td(format_throughput(row["throughput"], str(row["throughput_unit"])), "num"),
        ]
        if strong:
            sp = row["speedup"]
            cells.append(td("—" if is_missing(sp) else f"{sp:.2f}x", "num"))
        level = efficiency_level(row["efficiency"])
        cells.append(td(format_efficiency(row["efficiency"]), f"num {level}"))
        if dominant:
            name = row.get("dominant")
            label = BREAKDOWN_LABELS.get(name, "") if isinstance(name, str) else ""
            cells.append(td(dominant_text(row), title=label or None))
        status_cls = "ok" if row["status"] == "ok" and not row["n_failed"] else "bad"
        # The cell shows the short error; hovering shows the full (escaped) text.
        cells.append(td(point_status(row), status_cls, title=error_text(row.get("error"))))
        if linked:
            href = dask_reports.get(int(row["point_id"]))
            cells.append(f'<td><a href="{esc(href)}">report</a></td>' if href else td(None))
        rows.append("<tr>" + "".join(cells) + "</tr>")
    return table(headers, rows)


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


def _suite_section(page: Page, suite: str, points: pd.DataFrame) -> str:
    figures = "".join(_figure(f) for f in page.figures if f.section == suite)
    return (
        f'<section id="suite-{esc(suite)}"><h2>Suite {esc(suite)}</h2>{_summary(page, suite)}'
        f"<div>{figures}</div>"
        f"{_points_table(points, len(page.runs) > 1, _dask_report_links(page))}</section>"
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
    body = "".join(_suite_section(page, s, p) for s, p in page.suites.items())
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
        f"<footer>Generated {esc(generated)}. Medians of timed repetitions (warm-ups excluded); "
        "± is the half-width of the confidence interval of the mean; efficiency is relative "
        "to each workload's smallest successful point, and its band propagates the confidence "
        "intervals of both points.</footer></body></html>\n"
    )
