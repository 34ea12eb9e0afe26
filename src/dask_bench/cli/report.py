"""``dask-bench report``: the HTML report and figure files of one or several runs."""

from __future__ import annotations

from pathlib import Path

import click

from dask_bench.cli._app import cli, db_option, open_store


@cli.command()
@click.argument("run_refs", metavar="[RUN ...]", nargs=-1)
@click.option(
    "-o",
    "--output",
    type=click.Path(path_type=Path),
    help="Report folder (default: <database>-report-<run ids> beside the database).",
)
@click.option("--pdf", is_flag=True, help="Also write every figure as PDF.")
@click.option("--png", is_flag=True, help="Also write every figure as PNG (for slides).")
@click.option("--study", "study_id", help="Report every run (variant) of this study id.")
@db_option()
def report(
    run_refs: tuple[str, ...],
    output: Path | None,
    pdf: bool,
    png: bool,
    study_id: str | None,
    database: str,
) -> None:
    """Write the HTML report (with its figures as SVG files) of runs (default: the latest).

    Several runs are overlaid in one report, each in its own colour, and compared
    with the first one.
    """
    from dask_bench.errors import ConfigError
    from dask_bench.report import build_report, default_report_dir

    with open_store(database) as store:
        runs = [store.run(ref) for ref in run_refs]
        if study_id is not None:
            runs += store.study_runs(study_id)
        runs = runs or [store.run()]
        ids = [r.id for r in runs]
        if len(set(ids)) != len(ids):
            raise ConfigError(
                f"runs {', '.join(map(str, ids))} name the same run twice; give each run once"
            )
        target = output if output is not None else default_report_dir(database, runs)
        path = build_report(store, runs, target, pdf=pdf, png=png)
    click.echo(f"report: {path}")
