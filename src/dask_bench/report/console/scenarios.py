"""The recovery table: what each scenario's event cost (``show`` and ``run``).

One small two-column table per scenario, so that it reads at any terminal width.
"""

from __future__ import annotations

from rich.table import Table
from rich.text import Text

from dask_bench.report._scenario_rows import scenario_rows
from dask_bench.report.analysis.scenarios import scenario_summaries
from dask_bench.report.console._style import STATUS_STYLES, styled
from dask_bench.store.schema import Run

_LEVELS = {"": "", "warn": "yellow", "bad": "red"}


def scenario_tables(run: Run) -> list[Table]:
    """One table per scenario of ``run`` (medians over its pairs); empty when it has none."""
    tables = []
    for s in scenario_summaries(run):
        status = styled(s.status, STATUS_STYLES.get(s.status, "red"))
        title = Text.assemble(
            ("Scenario ", "bold"), styled(s.name, "bold"), " — ", styled(s.workload), ", ",
            styled(s.event), " — ", status,
        )  # fmt: skip
        table = Table(title=title, title_justify="left", show_header=False, box=None)
        table.add_column("figure", style="dim", no_wrap=True)
        table.add_column("value", overflow="fold")
        for row in scenario_rows(s, run.confidence):
            table.add_row(row.label, styled(row.text, _LEVELS[row.level]))
        tables.append(table)
    return tables
