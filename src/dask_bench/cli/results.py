"""``dask-bench list``, ``show`` and ``export``: read stored runs."""

from __future__ import annotations

from pathlib import Path

import click
from rich.console import Console

from dask_bench.cli._app import cli, db_option, file_option, open_store


@cli.command(name="list")
@click.argument("what", type=click.Choice(["workloads", "backends", "runs"]))
@db_option()
def list_(what: str, database: str) -> None:
    """List the workloads, back-ends or stored runs."""
    from rich.table import Table

    out = Console()
    if what == "workloads":
        from dask_bench.workloads import Choice, all_workloads

        table = Table("suite", "workload", "description", "options")
        for w in all_workloads():
            opts = ", ".join(
                f"{k}={v.describe() if isinstance(v, Choice) else v}" for k, v in w.options.items()
            )
            table.add_row(w.suite, w.name, w.description, opts)
        out.print(table)
    elif what == "backends":
        from dask_bench.deploy import backends

        table = Table("back-end", "installed", "description", "scenario events")
        for b in backends():
            installed = b.installed()
            table.add_row(
                b.name,
                "yes" if installed else f"no: pip install dask-bench[{b.extra}]",
                b.description,
                ", ".join(sorted(b.load().events)) or "—" if installed else "—",
            )
        out.print(table)
    else:
        from dask_bench.report.console.runs_list import runs_table
        from dask_bench.store.listing import list_runs

        out.print(runs_table(list_runs(database)))


@cli.command()
@click.argument("run_ref", metavar="[RUN]", required=False)
@click.option("--study", "study_id", help="Show every run (variant) of this study id instead.")
@db_option()
def show(run_ref: str | None, study_id: str | None, database: str) -> None:
    """Show the tables of a stored run (id or name; default: the latest).

    With --study, every variant of the study is shown and compared with the first.
    """
    from dask_bench.report.reuse import print_kept_show
    from dask_bench.store.fingerprint import stored_view

    view = stored_view(database, run_ref, study_id)  # None: read through Store
    if print_kept_show(view, Console()):
        return  # the same runs, unchanged since they were last shown
    from dask_bench.report import summarise_runs

    if view is not None:
        ids = list(view[0])
    else:
        with open_store(database) as store:
            if study_id is not None:
                ids = [r.id for r in store.study_runs(study_id)]
            else:
                ids = [store.run(run_ref).id]
    summarise_runs(database, ids, write=False)


@cli.command()
@click.argument("run_ref", metavar="RUN")
@click.option(
    "--format",
    "fmt",
    type=click.Choice(["csv", "parquet", "json"]),
    default="csv",
    show_default=True,
    help="Output format.",
)
@click.option(
    "--level",
    type=click.Choice(["repetitions", "points"]),
    default="repetitions",
    show_default=True,
    help="One row per repetition, or one row per point (its summary, how it ended, notes).",
)
@file_option("File to write.", required=True)
@db_option()
def export(run_ref: str, fmt: str, level: str, output: Path, database: str) -> None:
    """Export a run to a file: every repetition (default) or every point.

    Repetitions carry their point's and run's columns; points carry the median with
    its confidence interval, how the point ended, what was left out as disturbed,
    efficiency with its interval, where the worker time went, memory, tasks/s and notes.
    """
    from dask_bench.report._files import check_output
    from dask_bench.report.reuse import export_key, keep_export, quick_export, write_kept_export

    path = quick_export(database, run_ref, fmt, level, output)
    if path is not None:
        click.echo(f"wrote {path}")
        return
    check_output(output)  # before the database is read: a refused output touches nothing
    key = export_key(database, run_ref, fmt, level)
    path = write_kept_export(key, output)
    if path is None:  # not kept: read the run the full way
        from dask_bench.report import export_run

        with open_store(database) as store:
            path = export_run(store, store.run(run_ref), fmt, output, level=level)
        keep_export(key, path)
    click.echo(f"wrote {path}")
