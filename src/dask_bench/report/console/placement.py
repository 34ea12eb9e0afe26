"""Where tasks ran, by worker group: one table per run that recorded it."""

from __future__ import annotations

from rich.markup import escape
from rich.table import Table

from dask_bench.report._format import printable
from dask_bench.report.analysis.placement import placement_rows
from dask_bench.store.schema import Run


def placement_table(run: Run) -> Table | None:
    """The table, or None when no point of ``run`` recorded where its tasks ran."""
    rows = placement_rows(run)
    if not rows:
        return None
    table = Table(
        title="where tasks ran (tasks per worker group, timed repetitions)",
        title_justify="left",
    )
    for header in ("workload", "units", "task prefix", "needs", "ran on"):
        # group and prefix names fold onto the next line rather than end in "…"
        table.add_column(header, justify="right" if header == "units" else "left", overflow="fold")
    for row in rows:
        ran = escape(printable(row.ran))
        table.add_row(
            escape(printable(row.workload)),
            str(row.units),
            escape(printable(row.prefix)),
            escape(printable(row.needs)) or "—",
            f"[red]{ran} (wrong workers)[/red]" if row.wrong else ran,
        )
    return table
