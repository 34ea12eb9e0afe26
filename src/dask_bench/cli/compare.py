"""``dask-bench compare``: verdicts of one run against another, point by point."""

from __future__ import annotations

from pathlib import Path

import click
from rich.console import Console

from dask_bench._defaults import DEFAULT_CONFIDENCE
from dask_bench.cli._app import cli, db_option, file_option, open_store
from dask_bench.errors import ConfigError


@cli.command()
@click.argument("run_a", metavar="RUN_A")
@click.argument("run_b", metavar="RUN_B")
@click.option(
    "--confidence",
    type=click.FloatRange(0, 1, min_open=True, max_open=True),
    default=DEFAULT_CONFIDENCE,
    show_default=True,
    help="Confidence level of the interval of each ratio B/A.",
)
@file_option("Also write the comparison as an HTML page to this file.")
@db_option()
def compare(run_a: str, run_b: str, confidence: float, output: Path | None, database: str) -> None:
    """Compare run B with run A (ids or names): is B faster, slower or no different.

    Each point measured in both runs gets the ratio of median times B/A with a
    bootstrap interval, a verdict and an effect size. Differences that make the
    runs not like for like (worker layout, problem sizes, workload versions or
    options, scaling mode) are listed first. Scenarios both runs ran (same name)
    follow, their figures side by side. Exits 0 whatever the verdicts.
    """
    from dask_bench.report import (
        check_output,
        compare_runs,
        comparison_summary,
        comparison_table,
        save_comparison_page,
    )
    from dask_bench.report.console.scenarios import scenario_comparison

    if output is not None:
        check_output(output)  # before the work, not after it
    out = Console()
    with open_store(database) as store:
        a, b = store.run(run_a), store.run(run_b)
        side_by_side = scenario_comparison(a, b)
        try:
            cmp = compare_runs(store, a, b, confidence=confidence)
        except ConfigError:
            if not side_by_side or output is not None:
                raise  # no point and no scenario in common; the page holds points
            cmp = None
    if cmp is not None:
        out.print(comparison_table(cmp))
        out.print(comparison_summary(cmp), markup=False, highlight=False)
    for table in side_by_side:
        out.print(table)
    if output is not None and cmp is not None:
        save_comparison_page(cmp, output)
        out.print(f"wrote {output}", markup=False, highlight=False)
