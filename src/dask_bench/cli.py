"""The command line: ``dask-bench ...`` and ``dask bench ...`` (Dask's ``dask_cli`` entry point).

Commands stay thin: they parse options, call the library and print.
"""

from __future__ import annotations

import logging
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any, TypeVar

import click
from rich.console import Console

from dask_bench._version import __version__
from dask_bench.errors import DaskBenchError

_F = TypeVar("_F", bound=Callable[..., Any])

#: Exit code of a study stopped by Ctrl-C/SIGTERM (the shell's convention for SIGINT).
EXIT_INTERRUPTED = 130


class _Group(click.Group):
    """A click group that turns :class:`DaskBenchError` into one line and an exit code."""

    def invoke(self, ctx: click.Context) -> Any:
        try:
            return super().invoke(ctx)
        except DaskBenchError as exc:
            if ctx.find_root().meta.get("dask_bench.debug"):
                raise
            click.secho(f"error: {exc}", err=True, fg="red")
            ctx.exit(exc.exit_code)


def _workers(ctx: click.Context, param: click.Parameter, value: str | None) -> list[int] | None:
    if value is None:
        return None
    try:
        sizes = [int(v) for v in value.split(",") if v.strip()]
    except ValueError:
        raise click.BadParameter(
            f"{value!r} is not a comma-separated list of integers, e.g. 1,2,4"
        ) from None
    if not sizes or any(s <= 0 for s in sizes):
        raise click.BadParameter(f"{value!r}: worker counts must be positive integers, e.g. 1,2,4")
    return sizes


def _db_option() -> Callable[[_F], _F]:
    from dask_bench.config import DEFAULT_DATABASE

    return click.option(
        "--db",
        "database",
        default=DEFAULT_DATABASE,
        show_default=True,
        help="SQLite file or SQLAlchemy URL of the results database.",
    )


@click.group(name="bench", cls=_Group, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="dask-bench")
@click.option("--debug", is_flag=True, help="Show full tracebacks for errors.")
@click.pass_context
def cli(ctx: click.Context, debug: bool) -> None:
    """Measure how well Dask scales on a deployment, and why."""
    ctx.find_root().meta["dask_bench.debug"] = debug


@cli.command()
@click.argument("study_file", required=False, type=click.Path(dir_okay=False))
@click.option("--workers", callback=_workers, help="Worker counts to sweep, e.g. 1,2,4.")
@click.option("--threads-per-worker", type=click.IntRange(min=1), help="Threads per worker.")
@click.option("--memory-per-worker", help="Memory limit per worker, e.g. 2GiB.")
@click.option("--mode", type=click.Choice(["weak", "strong"]), help="Weak or strong scaling.")
@click.option("--suite", "suites", multiple=True, help="Run only this suite (repeatable).")
@click.option("--backend", help="Deployment back-end (see 'dask-bench list backends').")
@click.option("--db", "database", help="SQLite file or SQLAlchemy URL for the results.")
@click.option("--name", help="Name of the run.")
@click.option("--min-repeats", type=click.IntRange(min=2), help="Fewest timed repetitions.")
@click.option("--max-repeats", type=click.IntRange(min=1), help="Most timed repetitions.")
@click.option(
    "--target-ci",
    type=click.FloatRange(min=0, min_open=True),
    help="Target CI half-width relative to the mean, e.g. 0.05.",
)
@click.option(
    "--point-budget",
    type=click.FloatRange(min=0, min_open=True),
    help="Seconds one point may take.",
)
@click.option("--report/--no-report", default=None, help="Write the HTML report (default: yes).")
@click.option("--quiet", is_flag=True, help="No progress display.")
def run(study_file: str | None, quiet: bool, report: bool | None, **flags: Any) -> None:
    """Run a scaling study (default: weak scaling on a LocalCluster, all suites)."""
    from dask_bench.config import load_study
    from dask_bench.runner import Reporter, RichReporter, plan_study, run_study

    overrides = {
        "deployment.workers": flags["workers"],
        "deployment.threads_per_worker": flags["threads_per_worker"],
        "deployment.memory_per_worker": flags["memory_per_worker"],
        "deployment.backend": flags["backend"],
        "mode": flags["mode"],
        "suites": list(flags["suites"]) or None,
        "database": flags["database"],
        "name": flags["name"],
        "measurement.min_repeats": flags["min_repeats"],
        "measurement.max_repeats": flags["max_repeats"],
        "measurement.target_ci": flags["target_ci"],
        "measurement.point_budget": flags["point_budget"],
        "report": report,
    }
    study = load_study(study_file, overrides)
    # p2p shuffles log a WARNING per shuffle on the in-process scheduler; it is not news.
    logging.getLogger("distributed.shuffle._scheduler_plugin").setLevel(logging.ERROR)
    total = len(plan_study(study).points)
    reporter = Reporter() if quiet else RichReporter(total)
    with reporter:
        result = run_study(study, reporter)
    _summarise(study.database, result.run_id, write=study.report and result.status == "complete")
    err = Console(stderr=True)
    if result.status == "interrupted":
        err.print(
            f"[yellow]interrupted:[/yellow] run {result.run_id} kept {result.points} point(s)"
        )
        sys.exit(EXIT_INTERRUPTED)
    if result.failed_points:
        err.print(f"[red]{result.failed_points} point(s) failed[/red]; see the table above")
        sys.exit(1)


def _summarise(database: str, run_id: int, write: bool) -> None:
    from dask_bench.report import default_report_path, run_header, suite_tables, write_report
    from dask_bench.store import Store

    store = Store(database)
    try:
        run_ = store.run(run_id)
        out = Console()
        out.print(run_header(run_))
        for table in suite_tables(store, run_):
            out.print(table)
        if write:
            path = write_report(store, run_, default_report_path(database, run_))
            out.print(f"report: {path}")
    finally:
        store.close()


@cli.command(name="list")
@click.argument("what", type=click.Choice(["workloads", "backends", "runs"]))
@_db_option()
def list_(what: str, database: str) -> None:
    """List the workloads, back-ends or stored runs."""
    from rich.table import Table

    out = Console()
    if what == "workloads":
        from dask_bench.workloads import all_workloads

        table = Table("suite", "workload", "description", "options")
        for w in all_workloads():
            opts = ", ".join(f"{k}={v}" for k, v in w.options.items())
            table.add_row(w.suite, w.name, w.description, opts)
        out.print(table)
    elif what == "backends":
        from dask_bench.deploy import backends

        table = Table("back-end", "installed", "description")
        for b in backends():
            table.add_row(
                b.name,
                "yes" if b.installed() else f"no: pip install dask-bench[{b.extra}]",
                b.description,
            )
        out.print(table)
    else:
        from dask_bench.report import runs_table
        from dask_bench.store import Store

        store = Store(database)
        try:
            out.print(runs_table(store.runs()))
        finally:
            store.close()


@cli.command()
@click.argument("run_ref", metavar="[RUN]", required=False)
@_db_option()
def show(run_ref: str | None, database: str) -> None:
    """Show the tables of a stored run (id or name; default: the latest)."""
    from dask_bench.store import Store

    store = Store(database)
    try:
        run_id = store.run(run_ref).id
    finally:
        store.close()
    _summarise(database, run_id, write=False)


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
    "-o",
    "--output",
    required=True,
    type=click.Path(dir_okay=False, path_type=Path),
    help="File to write.",
)
@_db_option()
def export(run_ref: str, fmt: str, output: Path, database: str) -> None:
    """Export every repetition of a run (with its point and run columns) to a file."""
    from dask_bench.report import export_run
    from dask_bench.store import Store

    store = Store(database)
    try:
        path = export_run(store, store.run(run_ref), fmt, output)
    finally:
        store.close()
    click.echo(f"wrote {path}")


def main() -> None:
    """Entry point of the ``dask-bench`` command."""
    cli(prog_name="dask-bench")
