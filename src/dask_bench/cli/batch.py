"""``plan``, ``script slurm``, ``script pbs``, ``cleanup``: batch schedulers without surprises."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any

import click
from rich.console import Console

from dask_bench.cli._app import cli, db_option, open_store

if TYPE_CHECKING:
    from dask_bench.study import Study


#: ``--env-file``, as ``run`` has it: the seed's ``.env``, checked without running.
ENV_FILE = click.option(
    "--env-file",
    type=click.Path(dir_okay=False),
    help="The seed tool's .env file, over the study file (as 'run --env-file').",
)


@cli.command()
@click.argument("study_file", type=click.Path(dir_okay=False), required=False)
@click.option("--backend", help="Deployment back-end (see 'dask-bench list backends').")
@click.option("--variant", "variants", multiple=True, help="Only this variant (repeatable).")
@ENV_FILE
def plan(
    study_file: str | None, backend: str | None, variants: tuple[str, ...], env_file: str | None
) -> None:
    """Print what a study would do, with the exact job scripts, without submitting anything.

    A study with deployment variants shows each variant in turn. Without a study file:
    the default study (with --env-file: what the .env makes of it).
    """
    from dask_bench.cli.run import load_with_env
    from dask_bench.runner.preview import preview_study

    overrides = {"deployment.backend": backend, "variants": variants or None}
    study = load_with_env(study_file, overrides, env_file)
    each = study.variant_studies()
    for index, variant in enumerate(each):
        if len(each) > 1:
            click.echo(f"{'' if index == 0 else chr(10)}=== variant {variant.variant} ===")
        click.echo(preview_study(variant).render())


@cli.group()
def script() -> None:
    """Write a batch script that runs a whole study inside one allocation."""


def _allocation_options(f: Any) -> Any:
    """The flags ``script slurm`` and ``script pbs`` share."""
    for option in reversed(
        [
            click.option(
                "-o", "--output", type=click.Path(dir_okay=False), help="Write here, not stdout."
            ),
            click.option("--db", "database", help="Results database (default: the study's)."),
            ENV_FILE,
            click.option("--variant", help="The study's variant to run in the allocation."),
            click.option(
                "--walltime",
                help="Wall time, e.g. 02:00:00 (default: options.walltime, else the study's "
                "estimated duration x 1.5 + 10 min).",
            ),
            click.option("--exclusive", is_flag=True, help="Whole nodes for the allocation."),
        ]
    ):
        f = option(f)
    return f


@script.command(name="slurm")
@click.argument("study_file", type=click.Path(dir_okay=False))
@_allocation_options
@click.option(
    "--cpu-bind",
    metavar="TYPE",
    help="srun --cpu-bind of every step, e.g. cores (default: the site's).",
)
def script_slurm(study_file: str, cpu_bind: str | None, **flags: Any) -> None:
    """An sbatch script: scheduler, workers and the study as three job steps of one job.

    Submit it with 'sbatch FILE'; the study measures every size on a subset of the
    allocation's workers and records the job (back-end slurm-allocation).
    """
    from dask_bench.deploy.jobqueue.sbatch import allocation_script, slurm_options

    _write_script("slurm", study_file, flags, cpu_bind, slurm_options, allocation_script)


@script.command(name="pbs")
@click.argument("study_file", type=click.Path(dir_okay=False))
@_allocation_options
def script_pbs(study_file: str, **flags: Any) -> None:
    """A qsub script (PBS Pro, OpenPBS): scheduler and study on the first node, workers by pbsdsh.

    Submit it with 'qsub FILE'; the study records the job (back-end pbs-allocation).
    """
    from dask_bench.deploy.jobqueue.qsub import pbs_options, pbs_script

    _write_script("pbs", study_file, flags, None, pbs_options, pbs_script)


def _write_script(
    kind: str,
    study_file: str,
    flags: dict[str, Any],
    cpu_bind: str | None,
    options_of: Callable[[Study], dict[str, Any]],
    make: Callable[..., str],
) -> None:
    from dask_bench.cli.run import load_with_env
    from dask_bench.deploy import resolve_layout
    from dask_bench.deploy.jobqueue._alloc import ScriptSettings
    from dask_bench.errors import ConfigError
    from dask_bench.runner.estimate import estimate_duration, walltime_seconds
    from dask_bench.runner.plan import plan_study

    variant, output, env_file = flags["variant"], flags["output"], flags["env_file"]
    study = load_with_env(study_file, {"variants": [variant] if variant else None}, env_file)
    each = study.variant_studies()
    if len(each) > 1:
        names = ", ".join(str(s.variant) for s in each)
        raise ConfigError(
            f"{study_file} has variants {names}; an allocation runs one: choose it with --variant"
        )
    study = each[0]
    dep = study.deployment
    extra = ["--db", flags["database"]] if flags["database"] else []
    if env_file:  # the job's run reads it too, from wherever the job starts
        extra += ["--env-file", str(Path(env_file).resolve())]
    if study.variant:
        extra += ["--variant", study.variant]
    options = options_of(study)
    if flags["walltime"]:
        options["walltime"] = flags["walltime"]
    settings = ScriptSettings(
        exclusive=flags["exclusive"],
        cpu_bind=cpu_bind,
        walltime_seconds=walltime_seconds(estimate_duration(plan_study(study))),
    )
    text = make(
        study_file,
        max(dep.workers),
        resolve_layout(study),
        options=options,
        cores_per_node=dep.cores_per_node,
        run_args=extra or None,
        dask_config=study.config,
        settings=settings,
    )
    logs = options.get("log_directory")
    if logs and "$" not in str(logs):
        # the batch system writes the job's output there and does not create it
        Path(str(logs)).mkdir(parents=True, exist_ok=True)
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
    submit = "sbatch" if kind == "slurm" else "qsub"
    Console(stderr=True).print(f"wrote {output}; submit it with: {submit} {output}")


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
