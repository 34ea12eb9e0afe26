"""Terminal tables of stored runs, as rich objects; printing them is the CLI's job.

The small formatting helpers here are shared with the HTML report so that the
terminal and the file show the same numbers in the same way.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping
from datetime import datetime
from typing import Any

import pandas as pd
from rich.console import Group, RenderableType
from rich.panel import Panel
from rich.table import Table
from rich.text import Text

from dask_bench.report._hardware import KINDS, bandwidths, baseline_error
from dask_bench.store import Store, point_summaries
from dask_bench.store.schema import Run

#: Efficiency below these fractions is flagged (yellow, then red).
WARN_EFFICIENCY = 0.80
BAD_EFFICIENCY = 0.50
#: Longest error text shown in a table cell; the full text stays in the database.
ERROR_WIDTH = 60
#: Colour of each run or point status.
STATUS_STYLES = {
    "complete": "green",
    "ok": "green",
    "running": "yellow",
    "interrupted": "yellow",
    "failed": "red",
}
#: Fixed order of suites when a run holds several.
SUITE_ORDER = ("tasks", "arrays", "dataframes")


# --- formatting shared with the HTML report ---


def is_missing(value: Any) -> bool:
    """Whether a cell value is absent (None or NaN)."""
    return value is None or (isinstance(value, float) and math.isnan(value))


def _time_scale(seconds: float) -> tuple[float, str]:
    # One unit per value keeps three significant figures readable across µs..minutes.
    magnitude = abs(seconds)
    if magnitude >= 1 or magnitude == 0:
        return 1.0, "s"
    if magnitude >= 1e-3:
        return 1e3, "ms"
    return 1e6, "µs"


def format_seconds(seconds: float | None, like: float | None = None) -> str:
    """A duration such as ``1.234 s`` or ``56.7 ms``; ``—`` when unknown.

    Parameters
    ----------
    seconds
        The duration.
    like
        Use the unit that suits this value instead (so a CI half-width is shown in
        the unit of its median).
    """
    if seconds is None or is_missing(seconds):
        return "—"
    scale, unit = _time_scale(seconds if like is None or is_missing(like) else like)
    digits = 3 if unit == "s" else 1
    return f"{seconds * scale:.{digits}f} {unit}"


def format_bytes(nbytes: Any) -> str:
    """A byte count in binary units, e.g. ``4.0 GiB``; ``—`` when unknown."""
    if is_missing(nbytes) or not isinstance(nbytes, (int, float)):
        return "—"
    value = float(nbytes)
    if abs(value) < 1024:
        return f"{value:.0f} B"
    for unit in ("KiB", "MiB", "GiB"):
        value /= 1024
        if abs(value) < 1024:
            return f"{value:.1f} {unit}"
    return f"{value / 1024:.1f} TiB"


def format_bandwidth(bytes_per_second: Any) -> str:
    """A bandwidth in binary units, e.g. ``4.2 GiB/s``; ``—`` when unknown."""
    if is_missing(bytes_per_second) or not isinstance(bytes_per_second, (int, float)):
        return "—"
    return f"{format_bytes(bytes_per_second)}/s"


def hardware_line(run: Run) -> str | None:
    """The run's hardware baseline in one line, e.g. ``memory 4.2 GiB/s, disk 1.1 GiB/s, ...``.

    None when the run has no baseline.
    """
    error = baseline_error(run)
    if error:
        return f"baseline failed: {error}"
    found = bandwidths(run)
    if found is None:
        return None
    return ", ".join(f"{kind} {format_bandwidth(found[kind])}" for kind in KINDS)


def format_throughput(value: float | None, unit: str) -> str:
    """Throughput with its unit, e.g. ``1,234 tasks/s``; ``—`` when unknown."""
    if value is None or is_missing(value):
        return "—"
    number = f"{value:,.0f}" if abs(value) >= 100 else f"{value:.3g}"
    return f"{number} {unit}".strip()


def format_efficiency(value: float | None) -> str:
    """Efficiency as a whole percentage, e.g. ``97%``; ``—`` when unknown."""
    if value is None or is_missing(value):
        return "—"
    return f"{value * 100:.0f}%"


def efficiency_level(value: float | None) -> str:
    """``ok``, ``warn`` (below 80 %) or ``bad`` (below 50 %); ``none`` when unknown."""
    if value is None or is_missing(value):
        return "none"
    if value < BAD_EFFICIENCY:
        return "bad"
    if value < WARN_EFFICIENCY:
        return "warn"
    return "ok"


def error_text(error: Any) -> str | None:
    """A stored error as text; None when absent (pandas turns a missing one into NaN)."""
    return None if is_missing(error) or error == "" else str(error)


def short_error(error: Any, width: int = ERROR_WIDTH) -> str:
    """The first line of an error, cut to ``width`` characters."""
    error = error_text(error)
    if error is None:
        return ""
    line = next((ln.strip() for ln in str(error).splitlines() if ln.strip()), "")
    return line if len(line) <= width else line[: width - 1] + "…"


def point_status(row: Mapping[str, Any]) -> str:
    """A point's status as shown: ``ok``, ``failed: <error>``, with failed repetitions."""
    status = str(row.get("status") or "unknown")
    error = short_error(row.get("error"))
    n_failed = int(row.get("n_failed") or 0)
    if status == "ok" and n_failed:
        return f"ok ({n_failed} failed rep.)"
    if status != "ok" and error:
        return f"{status}: {error}"
    return status


def format_date(value: datetime | None) -> str:
    """A stored UTC time as ``YYYY-MM-DD HH:MM:SS UTC``; ``—`` when unknown."""
    if value is None:
        return "—"
    return f"{value:%Y-%m-%d %H:%M:%S} UTC"


def format_layout(layout: Mapping[str, Any] | None) -> str:
    """A worker layout, e.g. ``2 threads, 4.0 GiB per worker``."""
    layout = layout or {}
    threads = layout.get("threads_per_worker")
    memory = layout.get("memory_per_worker")
    threads_text = "? threads" if threads is None else f"{threads} thread{'s' * (threads != 1)}"
    return f"{threads_text}, {format_bytes(memory)} per worker"


def nested(mapping: Any, *keys: str) -> Any:
    """``mapping[k1][k2]...`` or None when any level is missing (provenance may be partial)."""
    for key in keys:
        if not isinstance(mapping, Mapping):
            return None
        mapping = mapping.get(key)
    return mapping


def package_version(run: Run, package: str) -> str:
    """A package's version on the client, as recorded; ``unknown`` when not recorded."""
    version = nested(run.environment, "versions", "client", package)
    return str(version) if version else "unknown"


def suite_frames(store: Store, run: Run) -> dict[str, pd.DataFrame]:
    """Point summaries of a run split by suite, in a fixed suite order.

    Rows are sorted by workload (in order of first appearance) and processing units.
    """
    frame = point_summaries(store, run)
    if frame.empty:
        return {}
    names = list(dict.fromkeys(frame["suite"]))
    names.sort(key=lambda s: (SUITE_ORDER.index(s) if s in SUITE_ORDER else len(SUITE_ORDER), s))
    out: dict[str, pd.DataFrame] = {}
    for suite in names:
        part = frame[frame["suite"] == suite].copy()
        order = {w: i for i, w in enumerate(dict.fromkeys(part["workload"]))}
        part["_order"] = part["workload"].map(order)
        part = part.sort_values(["_order", "units", "point_id"], kind="stable")
        out[suite] = part.drop(columns="_order").reset_index(drop=True)
    return out


def _version(value: Any) -> str:
    return "missing" if value is None else str(value)


def warnings_of(run: Run) -> list[str]:
    """Reasons to distrust or qualify a run's numbers, one line each."""
    out: list[str] = []
    if run.status != "complete":
        why = f": {run.message}" if run.message else ""
        out.append(f"run status is {run.status!r}, results may be partial{why}")
    mismatches = nested(run.environment, "version_mismatches") or []
    for m in mismatches if isinstance(mismatches, list) else []:
        if not isinstance(m, Mapping):
            continue
        workers = m.get("workers") or {}
        seen = ", ".join(sorted({_version(v) for v in workers.values()})) if workers else "same"
        out.append(
            f"version mismatch for {m.get('package')}: client {_version(m.get('client'))}, "
            f"scheduler {_version(m.get('scheduler'))}, workers {seen}"
        )
    return out


#: Short names for terminal tables.
BREAKDOWN_SHORT = {
    "compute-cpu": "cpu",
    "compute-other": "noncpu",
    "transfer": "xfer",
    "serialization": "serde",
    "spill": "spill",
    "overhead": "ovhd",
    "idle": "idle",
}


def dominant_text(row: pd.Series | dict[str, object]) -> str:
    """``transfer 45%``: the category that took most of a point's worker time."""
    name, share = row.get("dominant"), row.get("dominant_share")
    if not isinstance(name, str) or not isinstance(share, float) or math.isnan(share):
        return "—"
    return f"{BREAKDOWN_SHORT.get(name, name)} {share * 100:.0f}%"


# --- rich objects ---


def _styled(text: str, style: str = "") -> Text:
    # Text cells, not markup strings: an error such as "[x]" must not be read as rich markup.
    return Text(text, style=style)


def _efficiency_cell(value: float | None) -> Text:
    style = {"bad": "red", "warn": "yellow"}.get(efficiency_level(value), "")
    return _styled(format_efficiency(value), style)


def _status_cell(row: Mapping[str, Any]) -> Text:
    text = point_status(row)
    style = STATUS_STYLES.get(str(row.get("status")), "")
    if style == "green" and row.get("n_failed"):
        style = "yellow"
    return _styled(text, style)


def suite_table(run: Run, suite: str, points: pd.DataFrame) -> Table:
    """The table of one suite's points (rows of :func:`dask_bench.store.point_summaries`)."""
    strong = run.mode == "strong"
    records = points.to_dict("records")
    unit = str(records[0]["throughput_unit"]) if records else ""
    show_status = any(r["status"] != "ok" for r in records)
    show_dominant = any(isinstance(r.get("dominant"), str) for r in records)
    imprecise = [r for r in records if r.get("stopped_by") in IMPRECISE]
    threads = int(records[0]["threads_per_worker"]) if records else 1
    table = Table(
        title=f"{suite} — {run.mode} scaling, units = workers x {threads} thread"
        f"{'s' if threads != 1 else ''}",
        title_justify="left",
        caption=_caption(imprecise, show_dominant),
        caption_justify="left",
    )
    # no_wrap keeps one line per point; a narrow terminal crops the last columns instead.
    table.add_column("workload", no_wrap=True)
    table.add_column("units", justify="right", no_wrap=True)
    table.add_column("median", justify="right", no_wrap=True)
    table.add_column("± CI", justify="right", no_wrap=True)
    table.add_column("n", justify="right", no_wrap=True)
    table.add_column(unit or "throughput", justify="right", no_wrap=True)
    if strong:
        table.add_column("speedup", justify="right", no_wrap=True)
    table.add_column("eff.", justify="right", no_wrap=True)
    if show_dominant:
        # Where most of the worker time went (the report's breakdown figure has it all).
        table.add_column("mostly", no_wrap=True)
    if show_status:
        table.add_column("status")
    previous = None
    for row in records:
        n = int(row["n"])
        half = row["ci_halfwidth"] if n >= 2 else None
        star = "*" if row.get("stopped_by") in IMPRECISE else ""
        cells: list[RenderableType] = [
            # The workload name only on its first row keeps groups easy to scan.
            _styled("" if row["workload"] == previous else str(row["workload"]), "bold"),
            _styled(str(int(row["units"]))),
            _styled(format_seconds(row["median"])),
            _styled("—" if half is None else "±" + format_seconds(half, like=row["median"])),
            _styled(f"{n}{star}", "yellow" if star else ""),
            _styled(format_throughput(row["throughput"], "")),
        ]
        if strong:
            sp = row["speedup"]
            cells.append(_styled("—" if is_missing(sp) else f"{sp:.2f}x"))
        cells.append(_efficiency_cell(row["efficiency"]))
        if show_dominant:
            cells.append(_styled(dominant_text(row)))
        if show_status:
            cells.append(_status_cell(row))
        table.add_row(*cells)
        previous = row["workload"]
    return table


#: Why repetitions stopped, when it was not because the mean was precise enough.
IMPRECISE = {"budget": "time budget", "max_repeats": "max repeats"}


def _caption(imprecise: list[dict[str, Any]], dominant: bool) -> str | None:
    lines = [f"* confidence target not reached ({_why(imprecise)})"] if imprecise else []
    if dominant:
        lines.append(
            "mostly: largest share of worker time; xfer transfer, serde (de)serialization, "
            "ovhd overhead"
        )
    return "\n".join(lines) or None


def _why(rows: list[dict[str, Any]]) -> str:
    return ", ".join(sorted({IMPRECISE[str(r["stopped_by"])] for r in rows}))


def suite_tables(store: Store, run: Run) -> list[Table]:
    """One table per suite of a run, with every point's timing, throughput and efficiency.

    Parameters
    ----------
    store
        The results database.
    run
        The run to show.

    Returns
    -------
    list of rich.table.Table
        Empty when the run has no points yet.
    """
    return [suite_table(run, suite, part) for suite, part in suite_frames(store, run).items()]


def run_header(run: Run) -> RenderableType:
    """A panel naming a run and its provenance: status, mode, back-end, layout, versions.

    Parameters
    ----------
    run
        The run to describe.

    Returns
    -------
    rich renderable
        A panel, followed by warnings when the run is partial or versions differ.
    """
    grid = Table.grid(padding=(0, 2))
    grid.add_column(style="bold")
    grid.add_column()
    host = nested(run.environment, "host") or {}
    rows: list[tuple[str, Text]] = [
        ("run", _styled(f"{run.name} (id {run.id})")),
        ("status", _styled(run.status, STATUS_STYLES.get(run.status, ""))),
        ("mode", _styled(f"{run.mode} scaling")),
        ("back-end", _styled(run.backend)),
        ("layout", _styled(format_layout(run.layout))),
        ("connections", _styled(_transport(run))),
        ("started", _styled(format_date(run.started_at))),
        ("finished", _styled(format_date(run.finished_at))),
        ("dask", _styled(package_version(run, "dask"))),
        ("distributed", _styled(package_version(run, "distributed"))),
    ]
    if run.variant:
        rows.insert(1, ("study", _styled(f"{run.study_id}, variant {run.variant}")))
    if isinstance(host, Mapping) and host.get("hostname"):
        rows.append(("host", _styled(f"{host.get('hostname')}, {host.get('cores', '?')} cores")))
    hardware = hardware_line(run)
    if hardware is not None:
        rows.append(("hardware", _styled(hardware)))
    for key, value in rows:
        grid.add_row(key, value)
    panel = Panel(grid, title="dask-bench run", title_align="left", expand=False)
    warnings = [_styled(f"warning: {w}", "yellow") for w in warnings_of(run)]
    return Group(panel, *warnings) if warnings else panel


def _transport(run: Run) -> str:
    security = nested(run.environment, "security") or {}
    address = str(security.get("scheduler_address") or "")
    scheme = address.partition("://")[0] if "://" in address else "?"
    tls = {"auto": "TLS, temporary certificates", "files": "TLS, own certificates"}
    return f"{scheme}:// ({tls.get(str(security.get('tls')), 'no TLS asked')})"


def _points_text(run: Run) -> str:
    total = len(run.points)
    failed = sum(p.status == "failed" for p in run.points)
    return f"{total} ({failed} failed)" if failed else str(total)


def runs_table(runs: Iterable[Run]) -> Table:
    """A table listing runs: id, name, status, mode, back-end, start time and points.

    Parameters
    ----------
    runs
        Runs as returned by :meth:`dask_bench.store.Store.runs`.

    Returns
    -------
    rich.table.Table
    """
    table = Table(title="runs", title_justify="left")
    table.add_column("id", justify="right")
    for header in ("name", "study", "status", "mode", "backend", "started"):
        table.add_column(header)
    table.add_column("points", justify="right")
    for run in runs:
        table.add_row(
            _styled(str(run.id)),
            _styled(run.name),
            _styled(run.study_id or ""),
            _styled(run.status, STATUS_STYLES.get(run.status, "")),
            _styled(run.mode),
            _styled(run.backend),
            _styled(format_date(run.started_at)),
            _styled(_points_text(run)),
        )
    return table
