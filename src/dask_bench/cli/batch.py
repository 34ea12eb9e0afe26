"""``dask-bench plan``, ``script slurm`` and ``cleanup``: batch schedulers without surprises."""

from __future__ import annotations

from pathlib import Path

import click
from rich.console import Console

from dask_bench.cli._app import cli, db_option, open_store


@cli.command()
@click.argument("study_file", type=click.Path(dir_okay=False))
@click.option("--backend", help="Deployment back-end (see 'dask-bench list backends').")
@click.option("--variant", "variants", multiple=True, help="Only this variant (repeatable).")
def plan(study_file: str, backend: str | None, variants: tuple[str, ...]) -> None:
    """Print what a study would do, with the exact job scripts, without submitting anything.

    A study with deployment variants shows each variant in turn.
    """
    from dask_bench.runner.checks import load_study
    from dask_bench.runner.preview import preview_study

    study = load_study(study_file, {"deployment.backend": backend, "variants": variants or None})
    each = study.variant_studies()
    for index, variant in enumerate(each):
        if len(each) > 1:
            click.echo(f"{'' if index == 0 else chr(10)}=== variant {variant.variant} ===")
        click.echo(preview_study(variant).render())


@cli.group()
def script() -> None:
    """Write a batch script that runs a whole study inside one allocation."""


@script.command(name="slurm")
@click.argument("study_file", type=click.Path(dir_okay=False))
@click.option(
    "-o", "--output", type=click.Path(dir_okay=False), help="Write here instead of stdout."
)
@click.option("--db", "database", help="Results database of the study (default: the study's).")
@click.option("--variant", help="The study's variant to run in the allocation.")
def script_slurm(
    study_file: str, output: str | None, database: str | None, variant: str | None
) -> None:
    """An sbatch script: scheduler, workers (one srun step) and the study in one job.

    Submit it with 'sbatch FILE'; the study measures every size on a subset of the
    allocation's workers.
    """
    from dask_bench.deploy import resolve_layout
    from dask_bench.deploy.jobqueue.sbatch import allocation_script, slurm_options
    from dask_bench.errors import ConfigError
    from dask_bench.runner.checks import load_study

    study = load_study(study_file, {"variants": [variant] if variant else None})
    each = study.variant_studies()
    if len(each) > 1:
        names = ", ".join(str(s.variant) for s in each)
        raise ConfigError(
            f"{study_file} has variants {names}; an allocation runs one: choose it with --variant"
        )
    study = each[0]
    dep = study.deployment
    extra = ["--db", database] if database else []
    if study.variant:
        extra += ["--variant", study.variant]
    text = allocation_script(
        study_file,
        max(dep.workers),
        resolve_layout(study),
        options=slurm_options(study),
        cores_per_node=dep.cores_per_node,
        run_args=extra or None,
        dask_config=study.config,
    )
    if output is None:
        click.echo(text, nl=False)
        return
    path = Path(output)
    tmp = path.with_name(f".{path.name}.tmp")
    try:
        tmp.write_text(text, encoding="utf-8")
        tmp.chmod(0o755)
        tmp.replace(path)
    except OSError as exc:
        tmp.unlink(missing_ok=True)
        raise click.BadParameter(
            f"cannot write {output}: {exc.strerror}", param_hint="-o"
        ) from None
    Console(stderr=True).print(f"wrote {output}; submit it with: sbatch {output}")


@cli.command()
@click.argument("run_ref", metavar="[RUN]", required=False)
@db_option()
@click.option("--force", is_flag=True, help="Also when the study still runs on this host.")
def cleanup(run_ref: str | None, database: str, force: bool) -> None:
    """Cancel the batch jobs of a crashed run (default: every run still marked running)."""
    from dask_bench.runner.cleanup import cleanup_run, runs_to_clean, study_alive

    out = Console()
    with open_store(database) as store:
        for run in runs_to_clean(store, run_ref):
            if run_ref is None and not force and study_alive(run):
                out.print(f"run {run.id}: its study still runs here; skipped (--force cleans it)")
                continue
            done = cleanup_run(store, run, force=force)
            jobs = ", ".join(done.cancelled) if done.cancelled else "none left"
            note = "; marked failed" if done.marked_failed else ""
            out.print(f"run {done.run_id} ({done.backend}): cancelled jobs: {jobs}{note}")
