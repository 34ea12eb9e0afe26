"""How long the workers took to arrive, per scale step: the startup table of ``show``."""

from __future__ import annotations

from rich.markup import escape
from rich.table import Table

from dask_bench.report._format import format_seconds, printable
from dask_bench.store.schema import Run


def startup_table(run: Run) -> Table | None:
    """Every scale step of ``run``: workers before and asked, first and all arrived, queue wait.

    None when the run recorded no step (nothing was started).
    """
    events = list(run.scale_events)
    if not events:
        return None
    queue = any(ev.queue_seconds is not None for ev in events)
    table = Table(title="startup: time for the workers to arrive", title_justify="left")
    for header in ("from", "to", "first arrived", "all arrived"):
        table.add_column(header, justify="right")
    if queue:
        table.add_column("queue wait", justify="right")
    table.add_column("status")
    for ev in events:
        cells = [
            str(ev.previous),
            str(ev.requested),
            format_seconds(ev.time_to_first),
            format_seconds(ev.time_to_all),
        ]
        if queue:
            cells.append(format_seconds(ev.queue_seconds))
        status = "ok" if ev.ok else f"[red]failed: {escape(printable(ev.error or ''))}[/red]"
        table.add_row(*cells, status)
    return table
