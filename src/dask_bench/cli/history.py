"""``dask-bench history``: how workloads' timings moved across stored runs."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import click
from rich.console import Console

from dask_bench.cli._app import cli, db_option, file_option, open_store
from dask_bench.study.catalogue import suite_names


def _parse_date(text: str | None) -> date | None:
    from dask_bench.errors import ConfigError

    if text is None:
        return None
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise ConfigError(
            f"--since {text!r} is not a date; write YYYY-MM-DD, e.g. 2024-06-01"
        ) from None


@cli.command()
@click.argument("workload", required=False)
@click.option("--since", help="Only runs started on or after this date (YYYY-MM-DD, UTC).")
@click.option("--backend", help="Only runs on this back-end.")
@click.option("--units", type=click.IntRange(min=1), help="Only points at these processing units.")
@click.option(
    "--suite",
    type=click.Choice(suite_names()),
    help="Only this suite (some workload names exist in several suites).",
)
@file_option("Also write the figure of WORKLOAD's history (.png, .svg or .pdf).")
@db_option()
def history(
    workload: str | None,
    since: str | None,
    backend: str | None,
    units: int | None,
    suite: str | None,
    output: Path | None,
    database: str,
) -> None:
    """Show how a workload's median time moved across runs (default: every workload, in brief).

    With WORKLOAD: one table per size with a row per run, the change against the
    previous and the first run, and dask/distributed version changes highlighted.
    Without: one row per workload and size.
    """
    from dask_bench.errors import ConfigError
    from dask_bench.report import (
        figure_format,
        history_figure,
        history_frame,
        history_table,
        save_figure,
    )

    start = _parse_date(since)
    if output is not None:
        if workload is None:
            raise ConfigError(
                "-o draws the history of one workload; name it, "
                f"e.g. dask-bench history map-sleep -o {output}"
            )
        figure_format(output)  # before reading anything: a bad path fails fast
    with open_store(database) as store:
        frame = history_frame(
            store, workload, suite=suite, since=start, backend=backend, units=units
        )
    Console().print(history_table(frame, summary=workload is None))
    if output is not None:
        path = save_figure(history_figure(frame), output)
        click.echo(f"wrote {path}")
