"""Who ran what, where: the header of a run, the list of runs, and reasons to distrust a run.

Shared by the terminal (``show``, ``list runs``) and the HTML report.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from rich.console import Group, RenderableType
from rich.panel import Panel
from rich.table import Table
from rich.text import Text

from dask_bench.report._format import (
    format_bandwidth,
    format_date,
    format_layout,
    nested,
    package_version,
    printable,
)
from dask_bench.report.analysis.hardware import KINDS, bandwidths, baseline_error
from dask_bench.store.schema import Run

#: Colour of each run or point status.
STATUS_STYLES = {
    "complete": "green",
    "ok": "green",
    "running": "yellow",
    "interrupted": "yellow",
    "failed": "red",
}


def _styled(text: str, style: str = "") -> Text:
    # Text cells, not markup strings: a name such as "[x]" must not be read as rich markup.
    return Text(printable(text), style=style)


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
    text = f"{scheme}:// ({tls.get(str(security.get('tls')), 'no TLS asked')})"
    dashboard = security.get("dashboard")
    if isinstance(dashboard, list) and dashboard:
        text += f"; dashboard on {', '.join(map(str, dashboard))}"
    return text


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
