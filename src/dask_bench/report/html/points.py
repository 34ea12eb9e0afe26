"""The points table of each suite in the HTML report: every number, with notes and legend.

Every point's median with its interval, how it ended, its throughput, efficiency with
its interval, where its worker time went, its status and its notes; values are written
by :mod:`dask_bench.report._format`, as in the terminal tables.
"""

from __future__ import annotations

import os
from collections.abc import Mapping, Sequence
from pathlib import Path
from urllib.parse import quote

import pandas as pd

from dask_bench._defaults import DEFAULT_CONFIDENCE
from dask_bench.report._format import (
    breakdown_legend,
    ci_label,
    dominant_text,
    ending_text,
    error_text,
    format_efficiency,
    format_interval,
    format_ratio_interval,
    format_seconds,
    format_throughput,
    point_status,
)
from dask_bench.report._values import is_missing, table_rows
from dask_bench.report.analysis.efficiency import efficiency_level
from dask_bench.report.analysis.metric import is_latency
from dask_bench.report.analysis.notes import table_notes
from dask_bench.report.analysis.plausibility import base_points
from dask_bench.report.analysis.precision import is_imprecise
from dask_bench.report.html._markup import esc, table, td
from dask_bench.report.html._notes import notes_cell, notes_listing
from dask_bench.store.schema import BREAKDOWN_LABELS, PointStatus, Run


def points_tables(
    runs: Sequence[Run], suites: Mapping[str, pd.DataFrame], folder: str | None = None
) -> dict[str, str]:
    """The points table of every suite of a report, with its notes and legend (HTML).

    Parameters
    ----------
    runs
        The runs of the report.
    suites
        Each suite's rows of :func:`dask_bench.store.run_summaries` over ``runs``.
    folder
        The report folder: links to Dask's performance reports are relative to it.

    Returns
    -------
    dict
        Suite name to its table. The report makes them while its figures are drawn.
    """
    confidence = runs[0].confidence if runs else DEFAULT_CONFIDENCE
    several, links = len(runs) > 1, dask_report_links(runs, folder)
    return {
        suite: _points_table(
            points,
            several=several,
            dask_reports=links,
            confidence=confidence,
            anchor=f"notes-{suite}",
        )
        for suite, points in suites.items()
    }


def dask_report_links(runs: Sequence[Run], folder: str | None) -> dict[int, str]:
    """Point id -> link to its Dask performance report, for the points that have one.

    Relative to ``folder`` (the report's) when given, else an absolute ``file:`` URI.
    """
    links = {}
    for run in runs:
        for point in run.points:
            if point.performance_report:
                target = Path(point.performance_report)
                if folder is not None:
                    # relative: the report and Dask's files can move together
                    links[point.id] = quote(Path(os.path.relpath(target, folder)).as_posix())
                else:
                    links[point.id] = target.absolute().as_uri()
    return links


def _points_table(
    points: pd.DataFrame,
    *,
    several: bool,
    dask_reports: Mapping[int, str] | None = None,
    confidence: float = DEFAULT_CONFIDENCE,
    anchor: str = "note",
) -> str:
    dask_reports = dask_reports or {}
    linked = any(int(pid) in dask_reports for pid in points["point_id"])
    strong = bool((points["mode"] == "strong").any()) if "mode" in points else False
    ci = ci_label(confidence)
    notes = table_notes(points)
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
        w, t = int(row["workers"]), int(row["threads_per_worker"])
        # with worker groups the threads differ from group to group
        shape = f"{w}x{t}" if w * t == int(row["units"]) else f"{w} workers"
        units = f"{int(row['units'])} ({shape})"
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
        status_cls = "ok" if row["status"] == PointStatus.OK and not row["n_failed"] else "bad"
        # The cell shows the short error; hovering shows the full (escaped) text.
        cells.append(td(point_status(row), status_cls, title=error_text(row.get("error"))))
        cells.append(notes_cell(notes, int(row["point_id"]), anchor))
        if linked:
            href = dask_reports.get(int(row["point_id"]))
            cells.append(f'<td><a href="{esc(href)}">report</a></td>' if href else td(None))
        cls = ' class="imprecise"' if imprecise else ""
        rows.append(f"<tr{cls}>" + "".join(cells) + "</tr>")
    # Many columns: the table scrolls inside the page rather than widening it.
    legend = _table_legend(points, ci, dominant)
    return f'<div class="wide">{table(headers, rows)}</div>{notes_listing(notes, anchor)}{legend}'


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
