"""Runs in the terminal: each run's header and tables, then each compared with the first.

What ``dask-bench run`` prints when a study ends, and ``dask-bench show`` prints of
stored runs.
"""

from __future__ import annotations

from collections.abc import Sequence

from rich.console import Console
from rich.markup import escape

from dask_bench.report._format import printable
from dask_bench.report.analysis.suites import suite_frames
from dask_bench.report.console.placement import placement_table
from dask_bench.report.console.run_info import run_header
from dask_bench.report.console.scenarios import scenario_tables
from dask_bench.report.console.scheduler import scheduler_table
from dask_bench.report.console.startup import startup_table
from dask_bench.report.console.tables import fitted_table
from dask_bench.store import Store
from dask_bench.store.schema import Run


def show_runs(out: Console, store: Store, runs: Sequence[Run]) -> None:
    """Print each run's header and tables, then compare each run with the first.

    Parameters
    ----------
    out
        Where to print; its width decides which optional columns the tables keep.
    store
        The results database.
    runs
        The runs, in order (the variants of one study: the first is the reference).
    """
    for run in runs:
        out.print(run_header(run))
        for suite, points in suite_frames(store, run).items():
            out.print(fitted_table(run, suite, points, out.width))
            sched = scheduler_table(points, suite)
            if sched is not None:  # points with scheduler figures (breakdown on)
                out.print(sched)
        for extra in (placement_table(run), startup_table(run)):
            if extra is not None:
                out.print(extra)
        for table in scenario_tables(run):
            out.print(table)
    first, *others = runs
    if not others:
        return
    # only now: the comparison's statistics import scipy, which one run never needs
    from dask_bench.report.analysis.compare import compare_runs
    from dask_bench.report.analysis.compare_text import comparison_summary
    from dask_bench.report.console.compare import comparison_table

    for other in others:
        if not (first.points and other.points):
            continue  # a variant that measured nothing has nothing to compare
        cmp = compare_runs(store, first, other)
        names = (escape(printable(other.name)), escape(printable(first.name)))
        out.print(f"\n[bold]{names[0]}[/bold] compared with [bold]{names[1]}[/bold]")
        out.print(comparison_table(cmp))
        out.print(comparison_summary(cmp), markup=False, highlight=False)
