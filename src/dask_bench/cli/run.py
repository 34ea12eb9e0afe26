"""``dask-bench run``: run a scaling study and summarise it."""

from __future__ import annotations

import logging
import sys
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

import click
from rich.console import Console

from dask_bench.cli._app import EXIT_INTERRUPTED, cli

if TYPE_CHECKING:
    from dask_bench.envfile import EnvMapping
    from dask_bench.study import Study


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


@cli.command()
@click.argument("study_file", required=False, type=click.Path(dir_okay=False))
@click.option("--workers", callback=_workers, help="Worker counts to sweep, e.g. 1,2,4.")
@click.option("--threads-per-worker", type=click.IntRange(min=1), help="Threads per worker.")
@click.option("--memory-per-worker", help="Memory limit per worker, e.g. 2GiB.")
@click.option("--mode", type=click.Choice(["weak", "strong"]), help="Weak or strong scaling.")
@click.option("--suite", "suites", multiple=True, help="Run only this suite (repeatable).")
@click.option("--backend", help="Deployment back-end (see 'dask-bench list backends').")
@click.option(
    "--variant",
    "variants",
    multiple=True,
    help="Run only this deployment variant of the study (repeatable).",
)
@click.option(
    "--tls/--no-tls",
    default=None,
    help="Encrypt every connection with temporary certificates (security.tls: auto), or not.",
)
@click.option(
    "--scheduler-file",
    type=click.Path(dir_okay=False),
    help="Measure on the running cluster of this scheduler file (back-end 'existing', or "
    "with --backend one that reads a scheduler file, e.g. slurm-allocation).",
)
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
@click.option(
    "--time-budget",
    help="Time for the whole study, e.g. 4m, 90s, 1h30m: repetitions go where the "
    "uncertainty is largest until every point is precise or this is spent.",
)
@click.option(
    "--allow-version-mismatch",
    is_flag=True,
    default=None,
    help="Measure even when client, scheduler and workers run different package versions.",
)
@click.option(
    "--breakdown/--no-breakdown",
    default=None,
    help="Store where the time went at every point (default: yes).",
)
@click.option(
    "--hardware-baseline/--no-hardware-baseline",
    default=None,
    help="Run client.benchmark_hardware() once per run (default: yes).",
)
@click.option(
    "--performance-report",
    type=click.Path(file_okay=False),
    help="Folder for Dask's performance report (HTML) of every point.",
)
@click.option("--report/--no-report", default=None, help="Write the HTML report (default: yes).")
@click.option(
    "--env-file",
    help="The seed tool's .env file, mapped onto the study (flags override it; "
    "it overrides the study file).",
)
@click.option(
    "--resume",
    metavar="RUN",
    help="Finish this interrupted, failed or crashed run (id or name) of the same study: "
    "only its missing and failed points, on a new cluster with the same layout.",
)
@click.option(
    "--accept-changed-study",
    is_flag=True,
    help="With --resume: resume although the study differs from the one the run started with.",
)
@click.option("--quiet", is_flag=True, help="No progress display.")
def run(
    study_file: str | None, quiet: bool, report: bool | None, env_file: str | None, **flags: Any
) -> None:
    """Run a scaling study (default: weak scaling on a LocalCluster, all suites).

    A study with deployment variants runs each in turn (or those named by --variant),
    then compares each with the first and writes one report of all of them.
    """
    from dask_bench.errors import ConfigError
    from dask_bench.report import summarise_runs
    from dask_bench.runner import Reporter, RichReporter, run_variants
    from dask_bench.runner._setup import preflight
    from dask_bench.runner.estimate import estimate_runs
    from dask_bench.runner.variants import resume_run
    from dask_bench.store.schema import RunStatus

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
        "measurement.time_budget": flags["time_budget"],
        "measurement.breakdown": flags["breakdown"],
        "measurement.hardware_baseline": flags["hardware_baseline"],
        "measurement.performance_report": flags["performance_report"],
        "deployment.allow_version_mismatch": flags["allow_version_mismatch"],
        "report": report,
        "variants": list(flags["variants"]) or None,
        "security.tls": {True: "auto", False: False, None: None}[flags["tls"]],
    }
    pool = _pool_backend(flags["backend"]) if flags["scheduler_file"] else "existing"
    if flags["scheduler_file"]:
        # the study's deployment options belong to its own back-end, not to this one
        overrides["deployment.backend"] = pool
        overrides["deployment.options"] = {"scheduler_file": flags["scheduler_file"]}
    study, env = build_run_study(study_file, overrides, env_file, make=True)
    if flags["scheduler_file"] and study.variants:
        study = _variant_on_scheduler_file(study, flags["scheduler_file"], pool)
    if env is not None:
        # Ignored keys are warnings: shown even with --quiet.
        notes = Console(stderr=True, highlight=False, soft_wrap=True)
        for line in env.lines(quiet=quiet):
            notes.print(line, markup=False, style="yellow" if line.startswith("ignored") else None)
    # p2p shuffles log a WARNING per shuffle on the in-process scheduler; it is not news.
    logging.getLogger("distributed.shuffle._scheduler_plugin").setLevel(logging.ERROR)
    plans = preflight(study)  # refuses what would fail at the start, before any output
    total = sum(len(plan.points) for plan in plans)
    if flags["accept_changed_study"] and not flags["resume"]:
        raise ConfigError("--accept-changed-study goes with --resume RUN")
    if not quiet and not flags["resume"]:
        scenarios = len(study.scenarios) * len(plans)
        also = f" and {scenarios} scenario{'s' if scenarios != 1 else ''}" if scenarios else ""
        Console(stderr=True, highlight=False).print(
            f"{total} points{also}; estimated duration: {estimate_runs(plans).text()}",
            markup=False,
        )
    rounds = sum(s.repeats for s in study.scenarios.values()) * len(plans)
    reporter = Reporter() if quiet else RichReporter(total + rounds)
    with reporter:
        if flags["resume"]:
            resumed = resume_run(
                study,
                flags["resume"],
                reporter,
                accept_changed_study=flags["accept_changed_study"],
            )
            results = [resumed]
        else:
            results = run_variants(study, reporter)
    complete = all(r.status == RunStatus.COMPLETE for r in results)
    summarise_runs(
        study.database,
        [r.run_id for r in results],
        write=study.report and complete,
        study_end=True,
    )
    err = Console(stderr=True, highlight=False)
    for result in results:
        if result.error is not None:
            err.print(f"[red]variant {result.variant} failed:[/red] {result.error}")
    stopped = [r for r in results if r.status == RunStatus.INTERRUPTED]
    if stopped:
        result = stopped[0]
        ids = " ".join(str(r.run_id) for r in results)
        err.print(
            f"[yellow]interrupted:[/yellow] run {result.run_id} kept {result.points} point(s); "
            f"'dask-bench report {ids} --db {study.database}' writes the report"
        )
        sys.exit(EXIT_INTERRUPTED)
    errors = [r.error for r in results if r.error is not None]
    if errors:
        sys.exit(max(e.exit_code for e in errors))
    failed = sum(r.failed_points for r in results)
    if failed:
        err.print(f"[red]{failed} point(s) failed[/red]; see the table above")
        sys.exit(1)


def _pool_backend(name: str | None) -> str:
    """The back-end of a ``--scheduler-file`` run: ``existing``, or one of its kind named."""
    from dask_bench.deploy.existing import ExistingBackend
    from dask_bench.deploy.registry import get_backend

    if name is None or issubclass(get_backend(name), ExistingBackend):
        return name or "existing"
    # the study's own back-end (e.g. slurm) does not apply to a cluster that runs already
    return "existing"


def _variant_on_scheduler_file(study: Study, scheduler_file: str, backend: str) -> Study:
    """The one variant a ``--scheduler-file`` run measures, on that running cluster."""
    from dask_bench.errors import ConfigError

    each = study.variant_studies()
    if len(each) > 1:
        names = ", ".join(str(s.variant) for s in each)
        raise ConfigError(
            f"--scheduler-file measures one cluster, and the study has variants {names}; "
            "choose one with --variant NAME"
        )
    existing = {"backend": backend, "options": {"scheduler_file": scheduler_file}}
    return each[0].model_copy(update={"deployment": each[0].deployment.model_copy(update=existing)})


def build_run_study(
    study_file: str | None,
    overrides: Mapping[str, Any],
    env_file: str | None = None,
    make: bool = False,
) -> tuple[Study, EnvMapping | None]:
    """The study ``run`` measures: flags override the ``.env`` file, which overrides the study.

    Parameters
    ----------
    study_file
        The study file; ``None`` for the default study.
    overrides
        Dotted study keys set by the command-line flags (``None`` = not given).
    env_file
        The seed tool's ``.env`` file, if any.
    make
        Make the certificates the ``.env`` asks for in an empty ``CERT_DIR`` (``run``
        does, once the study is valid; ``plan`` only says so).

    Returns
    -------
    tuple
        The validated study, and what the ``.env`` file set and ignored (``None``
        without one).
    """
    from dask_bench.envfile import make_certificates, merge_env, study_from_env
    from dask_bench.runner.checks import build_study, load_study
    from dask_bench.study import read_study_file

    if env_file is None:
        return load_study(study_file, overrides), None
    data = read_study_file(study_file) if study_file is not None else {}
    raw, env = merge_env(data, study_from_env(env_file), overrides)
    source = f"{study_file or 'default study'} with {env_file}"
    study = build_study(raw, overrides, source=source)  # valid before anything is written
    if make and env.certificates_to_make and study.security.tls == "auto":
        study = build_study(make_certificates(raw, env), overrides, source=source)
    return study, env


def load_with_env(
    study_file: str | None,
    overrides: Mapping[str, Any],
    env_file: str | None,
    *,
    make: bool = False,
) -> Study:
    """The study of a command that runs nothing (``plan``, ``script``, ``manifest``).

    With a ``.env`` file, what it set and ignored is listed on stderr, as ``run`` does.
    Nothing is written unless ``make``: ``manifest`` makes the certificates of an empty
    ``CERT_DIR``, as ``run`` does, because its Secret carries them.
    """
    study, env = build_run_study(study_file, overrides, env_file, make=make)
    if env is not None:
        notes = Console(stderr=True, highlight=False, soft_wrap=True)
        for line in env.lines():
            notes.print(line, markup=False, style="yellow" if line.startswith("ignored") else None)
    return study
