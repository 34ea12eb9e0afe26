"""``dask-bench check``: compare a stored run with performance references (for cron or CI)."""

from __future__ import annotations

import sys

import click
from rich.console import Console

from dask_bench.cli._app import cli, db_option, open_store


@cli.command()
@click.argument("run_ref", metavar="RUN")
@click.option(
    "--references",
    "references_file",
    type=click.Path(dir_okay=False),
    help="Study file whose 'references:' to use instead of those stored with the run.",
)
@db_option()
def check(run_ref: str, references_file: str | None, database: str) -> None:
    """Check a run (id or name) against performance references.

    Exits 0 when every reference is met, 1 when any is missed or was not measured,
    2 on bad input.
    """
    from dask_bench.errors import ConfigError
    from dask_bench.report import check_run, check_table

    references = None
    if references_file is not None:
        from dask_bench.runner.checks import load_study

        references = load_study(references_file).references
        if not references:
            raise ConfigError(
                f"{references_file} has no references; add a 'references:' section to it"
            )
    with open_store(database) as store:
        result = check_run(store, store.run(run_ref), references, source=references_file)
    out = Console()
    out.print(check_table(result))
    out.print(result.summary(), style="green" if result.ok else "bold red")
    if not result.ok:
        sys.exit(1)
