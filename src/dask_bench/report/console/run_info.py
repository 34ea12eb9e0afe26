"""Who ran what, where: the header of a run and the list of runs, for the terminal.

Shown by ``show`` and ``list runs``; the HTML report has its own provenance section.
"""

from __future__ import annotations

from collections.abc import Mapping

from rich.console import Group, RenderableType
from rich.panel import Panel
from rich.table import Table
from rich.text import Text

from dask_bench.report._format import (
    format_allocation,
    format_bandwidth,
    format_date,
    format_layout,
)
from dask_bench.report._values import package_version, placement_text
from dask_bench.report.analysis.hardware import KINDS, bandwidths, baseline_error
from dask_bench.report.analysis.trust import dask_config_line, warnings_of
from dask_bench.report.console._style import STATUS_STYLES, styled
from dask_bench.store.schema import Run


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
    grid.add_column(style="bold", no_wrap=True)
    # a run name or address longer than the terminal folds onto the next line, whole
    grid.add_column(overflow="fold")
    host = run.provenance.host
    rows: list[tuple[str, Text]] = [
        ("run", styled(f"{run.name} (id {run.id})")),
        ("status", styled(run.status, STATUS_STYLES.get(run.status, ""))),
        ("mode", styled(f"{run.mode} scaling")),
        ("back-end", styled(run.backend)),
        ("allocation", styled(format_allocation(run.provenance.deployment) or "")),
        ("layout", styled(format_layout(run.layout))),
        ("connections", styled(_transport(run))),
        ("placement", styled(placement_text(run) or "")),
        ("dask config", styled(dask_config_line(run) or "")),
        ("started", styled(format_date(run.started_at))),
        ("finished", styled(format_date(run.finished_at))),
        ("dask", styled(package_version(run, "dask"))),
        ("distributed", styled(package_version(run, "distributed"))),
    ]
    # only when set
    rows = [
        (k, v) for k, v in rows if k not in ("dask config", "allocation", "placement") or v.plain
    ]
    if run.variant:
        rows.insert(1, ("study", styled(f"{run.study_id}, variant {run.variant}")))
    if isinstance(host, Mapping) and host.get("hostname"):
        rows.append(("host", styled(f"{host.get('hostname')}, {host.get('cores', '?')} cores")))
    hardware = hardware_line(run)
    if hardware is not None:
        rows.append(("hardware", styled(hardware)))
    for key, value in rows:
        grid.add_row(key, value)
    panel = Panel(grid, title="dask-bench run", title_align="left", expand=False)
    warnings = [styled(f"warning: {w}", "yellow") for w in warnings_of(run)]
    return Group(panel, *warnings) if warnings else panel


def _transport(run: Run) -> str:
    security = run.provenance.security
    address = security.scheduler_address or ""
    scheme = address.partition("://")[0] if "://" in address else "?"
    tls = {"auto": "TLS, temporary certificates", "files": "TLS, own certificates"}
    text = f"{scheme}:// ({tls.get(security.tls, 'no TLS asked')})"
    if security.dashboard:
        text += f"; dashboard on {', '.join(security.dashboard)}"
    return text
