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


def scenario_comparison(run_a: Run, run_b: Run) -> list[Table]:
    """The scenarios both runs ran (same name and kind), their figures side by side.

    E.g. recovery from a lost worker on Slurm against local, or adaptive scaling on
    Slurm against SGE. Empty when the runs share no scenario.
    """
    a = {s.name: s for s in scenario_summaries(run_a)}
    b = {s.name: s for s in scenario_summaries(run_b)}
    tables = []
    for name, left in a.items():
        right = b.get(name)
        if right is None or right.kind != left.kind:
            continue
        title = Text.assemble(
            ("Scenario ", "bold"), styled(name, "bold"), " — ", styled(left.workload), ", ",
            styled(left.event),
        )  # fmt: skip
        table = Table(title=title, title_justify="left")
        table.add_column("figure", style="dim", no_wrap=True)
        table.add_column(Text(f"A: {run_a.name} (run {run_a.id})"), overflow="fold")
        table.add_column(Text(f"B: {run_b.name} (run {run_b.id})"), overflow="fold")
        rows_b = {r.label: r for r in scenario_rows(right, run_b.confidence) if r.label != "note"}
        for row in scenario_rows(left, run_a.confidence):
            if row.label == "note":
                continue
            other = rows_b.get(row.label)
            table.add_row(
                row.label,
                styled(row.text, _LEVELS[row.level]),
                styled(other.text, _LEVELS[other.level]) if other else styled("—"),
            )
        notes = [f"A: {n}" for n in left.notes] + [f"B: {n}" for n in right.notes]
        if left.event != right.event:
            notes.insert(0, f"the events differ: B: {right.event}")
        if notes:
            table.caption = "; ".join(notes)
            table.caption_justify = "left"
        tables.append(table)
    return tables
