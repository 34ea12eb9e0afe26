"""Terminal tables of stored runs, as rich objects; printing them is the caller's job.

Values are formatted by :mod:`dask_bench.report._format`, shared with the HTML
report, so that the terminal and the file show the same numbers in the same way.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

import pandas as pd
from rich.console import RenderableType
from rich.table import Table
from rich.text import Text

from dask_bench.report._format import (
    ENDING_SHORT,
    breakdown_legend,
    ci_label,
    dominant_text,
    ending,
    ending_text,
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
from dask_bench.report.analysis.plausibility import NOTES, base_points, plausibility_notes
from dask_bench.report.analysis.precision import is_imprecise, target_of
from dask_bench.report.analysis.suites import suite_frames
from dask_bench.report.console._style import EFFICIENCY_STYLES, STATUS_STYLES, styled
from dask_bench.store import Store
from dask_bench.store.schema import Ending, PointStatus, Run


def _efficiency_cell(value: float | None) -> Text:
    return styled(format_efficiency(value), EFFICIENCY_STYLES.get(efficiency_level(value), ""))


def _status_cell(row: Mapping[str, Any]) -> Text:
    text = point_status(row)
    style = STATUS_STYLES.get(str(row.get("status")), "")
    if style == "green" and row.get("n_failed"):
        style = "yellow"
    return styled(text, style)


def _ending_cell(row: Mapping[str, Any]) -> Text:
    text = ending_text(row)
    style = (
        "red"
        if text.startswith(ENDING_SHORT[Ending.FAILURE])
        else ("yellow" if is_imprecise(row) else "")
    )
    return styled(text, style)


#: Columns a narrow terminal drops first, in this order (the HTML report keeps them all).
OPTIONAL_COLUMNS = ("mostly", "throughput", "eff_ci", "ended")


@dataclass(frozen=True)
class _Facts:
    """What a suite's table shows, read from its points once for every width tried."""

    records: list[dict[str, Any]]
    notes: dict[int, list[str]]
    bases: set[int]
    latency: set[str]

    @classmethod
    def of(cls, suite: str, points: pd.DataFrame) -> _Facts:
        records = table_rows(points)
        latency = {str(r["workload"]) for r in records if is_latency(suite, str(r["workload"]))}
        return cls(records, plausibility_notes(points), base_points(points), latency)


def suite_table(
    run: Run,
    suite: str,
    points: pd.DataFrame,
    *,
    hide: Iterable[str] = (),
    facts: _Facts | None = None,
) -> Table:
    """The table of one suite's points (rows of :func:`dask_bench.store.point_summaries`).

    Every point shows its median with the median's confidence interval, how its
    repetitions ended (``*`` on ``n`` when the interval missed the target), its
    throughput (latency workloads have none: their median is the result), its
    efficiency with the efficiency's interval, and numbered notes on results that
    deserve a second look (see :mod:`dask_bench.report.analysis.plausibility`), explained in
    the caption. ``hide`` leaves out some of :data:`OPTIONAL_COLUMNS`; the caption
    says which.
    """
    hidden = set(hide)
    strong = run.mode == "strong"
    facts = facts or _Facts.of(suite, points)
    records, notes, bases, latency = facts.records, facts.notes, facts.bases, facts.latency
    unit = str(records[0]["throughput_unit"]) if records else ""
    ci = ci_label(run.confidence)
    given = {text for texts in notes.values() for text in texts}
    numbers = {text: i + 1 for i, text in enumerate(t for t in NOTES if t in given)}
    show_status = any(r["status"] != PointStatus.OK for r in records)
    dominant = {str(r["dominant"]) for r in records if isinstance(r.get("dominant"), str)}
    if "mostly" in hidden:
        dominant = set()
    threads = int(records[0]["threads_per_worker"]) if records else 1
    units = f"workers x {threads} thread{'s' if threads != 1 else ''}"
    if (run.layout or {}).get("groups"):
        units = "threads of every worker group"
    table = Table(
        title=f"{suite} — {run.mode} scaling, units = {units}",
        title_justify="left",
        caption_justify="left",
    )
    # no_wrap keeps one line per point; a narrow terminal crops the last columns instead.
    table.add_column("workload", no_wrap=True)
    headers = ["units", "median", ci, "n"]
    if "throughput" not in hidden:
        headers.append(unit or "throughput")
    for header in headers:
        table.add_column(header, justify="right", no_wrap=True)
    if strong:
        table.add_column("speedup", justify="right", no_wrap=True)
    table.add_column("eff.", justify="right", no_wrap=True)
    if "eff_ci" not in hidden:
        table.add_column(f"eff. {ci}", justify="right", no_wrap=True)
    if "ended" not in hidden:
        table.add_column("ended", no_wrap=True)
    if dominant:
        # Where most of the worker time went (the report's breakdown figure has it all).
        table.add_column("mostly", no_wrap=True)
    if numbers:
        table.add_column("notes", no_wrap=True)
    if show_status:
        # an error message's long words fold onto the next line rather than end in "…"
        table.add_column("status", overflow="fold")
    previous = None
    for row in records:
        n = int(row["n"])
        star = "*" if is_imprecise(row) else ""
        name = str(row["workload"])
        thr = "latency" if name in latency else format_throughput(row["throughput"], "")
        cells: list[RenderableType] = [
            # The workload name only on its first row keeps groups easy to scan.
            styled("" if name == previous else name, "bold"),
            styled(str(int(row["units"]))),
            styled(format_seconds(row["median"])),
            styled(format_interval(row["ci_low"], row["ci_high"], like=row["median"])),
            styled(f"{n}{star}", "yellow" if star else ""),
        ]
        if "throughput" not in hidden:
            cells.append(styled(thr, "dim" if name in latency else ""))
        if strong:
            sp = row["speedup"]
            cells.append(styled("—" if is_missing(sp) else f"{sp:.2f}x"))
        cells.append(_efficiency_cell(row["efficiency"]))
        if "eff_ci" not in hidden:
            base = int(row["point_id"]) in bases
            eff_ci = format_ratio_interval(row["efficiency_low"], row["efficiency_high"])
            cells.append(styled("base" if base else eff_ci, "dim" if base else ""))
        if "ended" not in hidden:
            cells.append(_ending_cell(row))
        if dominant:
            cells.append(styled(dominant_text(row)))
        if numbers:
            marks = [str(numbers[t]) for t in notes.get(int(row["point_id"]), [])]
            cells.append(styled(",".join(marks), "magenta"))
        if show_status:
            cells.append(_status_cell(row))
        table.add_row(*cells)
        previous = name
    caption = _caption(run, records, numbers, latency, dominant)
    dropped = [c for c in OPTIONAL_COLUMNS if c in hidden]
    if dropped:
        names = ", ".join(_COLUMN_NAMES[c] for c in dropped)
        more = f"narrow terminal: {names} left out (widen it, or see the HTML report)"
        caption = f"{caption}\n{more}" if caption else more
    table.caption = caption
    return table


_COLUMN_NAMES = {
    "mostly": "mostly",
    "throughput": "throughput",
    "eff_ci": "efficiency interval",
    "ended": "ended",
}


def fitted_table(run: Run, suite: str, points: pd.DataFrame, width: int | None) -> Table:
    """:func:`suite_table`, leaving out optional columns until it fits ``width`` characters."""
    facts = _Facts.of(suite, points)
    table = suite_table(run, suite, points, facts=facts)
    if width is None:
        return table
    from rich.console import Console
    from rich.measure import Measurement

    console = Console(width=10_000)  # wide: measures the table's natural width, unclamped
    for n in range(1, len(OPTIONAL_COLUMNS) + 1):
        if Measurement.get(console, console.options, table).maximum <= width:
            break
        table = suite_table(run, suite, points, hide=OPTIONAL_COLUMNS[:n], facts=facts)
    return table


def _caption(
    run: Run,
    records: list[dict[str, Any]],
    numbers: Mapping[str, int],
    latency: set[str],
    dominant: set[str],
) -> str | None:
    ci = ci_label(run.confidence)
    lines = []
    imprecise = [r for r in records if is_imprecise(r)]
    if imprecise:
        endings = ", ".join(sorted({ending(r) for r in imprecise}))
        lines.append(
            f"* imprecise: the {ci} of the median is wider than the target "
            f"(±{target_of(run) * 100:g} %); ended: {endings}"
        )
    if any(int(r["n"]) > 0 and is_missing(r["ci_low"]) for r in records):
        lines.append(f"{ci} —: too few repetitions for an interval of the median")
    if latency:
        names = ", ".join(sorted(latency))
        lines.append(f"latency workloads ({names}): judged by their median time, not throughput")
    if dominant:
        lines.append(f"mostly: largest share of worker time; {breakdown_legend(dominant)}")
    lines += [f"{i} {text}" for text, i in numbers.items()]
    return "\n".join(lines) or None


def suite_tables(store: Store, run: Run, width: int | None = None) -> list[Table]:
    """One table per suite of a run, with every point's timing, throughput and efficiency.

    Parameters
    ----------
    store
        The results database.
    run
        The run to show.
    width
        The terminal's width: optional columns are left out until a table fits.

    Returns
    -------
    list of rich.table.Table
        Empty when the run has no points yet; see :func:`suite_table` for the columns.
    """
    return [
        fitted_table(run, suite, part, width) for suite, part in suite_frames(store, run).items()
    ]
