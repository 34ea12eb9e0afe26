"""``dask-bench manifest``: a kubernetes study's DaskCluster (and DaskWorkerGroups), for kubectl."""

from __future__ import annotations

import os
from typing import TYPE_CHECKING

import click
from rich.console import Console

from dask_bench.cli._app import cli
from dask_bench.cli.batch import ENV_FILE

if TYPE_CHECKING:
    from dask_bench.study import Study


@cli.command()
@click.argument("study_file", type=click.Path(dir_okay=False), required=False)
@click.option(
    "-o", "--output", type=click.Path(dir_okay=False), help="Write here instead of stdout."
)
@click.option(
    "--workers",
    type=click.IntRange(min=0),
    help="Workers in all, of every worker group (default: the study's largest size).",
)
@click.option("--backend", help="Deployment back-end, as in 'plan' (must be kubernetes).")
@click.option("--variant", help="The study's variant to write (one that uses kubernetes).")
@click.option(
    "--namespace-document",
    is_flag=True,
    help="Put the Namespace of deployment.options.namespace first.",
)
@ENV_FILE
def manifest(
    study_file: str | None,
    output: str | None,
    workers: int | None,
    backend: str | None,
    variant: str | None,
    namespace_document: bool,
    env_file: str | None,
) -> None:
    """Write the DaskCluster manifest of a study whose back-end is kubernetes.

    With deployment.groups, a DaskWorkerGroup per fixed group follows the DaskCluster
    (one multi-document YAML). Every document is checked against its CRD in the installed
    dask-kubernetes before it is written; apply them with 'kubectl apply -f FILE'. With
    security.tls, a Secret of the certificates comes first: it holds the private key, so
    it is written only here (stdout or -o), never stored. With --env-file and an empty
    CERT_DIR, the certificates are made there first, as 'run' does.
    """
    from dask_bench.cli.run import build_run_study, load_with_env
    from dask_bench.deploy.kubernetes.documents import (
        KEY_WARNING,
        runs_on_kubernetes,
        study_manifest,
    )
    from dask_bench.report import atomic_output

    overrides = {"deployment.backend": backend, "variants": [variant] if variant else None}
    chosen = _chosen(load_with_env(study_file, overrides, env_file))
    if env_file is not None and runs_on_kubernetes(chosen):
        # valid, and a manifest will be written: make the certificates CERT_DIR lacks
        study, env = build_run_study(study_file, overrides, env_file, make=True)
        chosen = _chosen(study)
        if env is not None and env.certificates_to_make and chosen.security.tls != "auto":
            made = f"certificates made in {env.certificates_to_make}; 'run' with the .env uses them"
            Console(stderr=True, highlight=False, soft_wrap=True).print(made)
    text = study_manifest(chosen, workers, namespace=namespace_document)
    if output is None:
        click.echo(text, nl=False)
        return
    if KEY_WARNING in text:  # the private key: readable by its owner only, from the start
        fd = os.open(output, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        os.fchmod(fd, 0o600)
        with os.fdopen(fd, "w", encoding="utf-8") as out:
            out.write(text)
    else:
        with atomic_output(output) as tmp:
            tmp.write_text(text, encoding="utf-8")
    Console(stderr=True).print(f"wrote {output}; apply it with: kubectl apply -f {output}")


def _chosen(study: Study) -> Study:
    """The variant to write: the one on kubernetes, or the study's only one."""
    from dask_bench.deploy.kubernetes.documents import runs_on_kubernetes
    from dask_bench.errors import ConfigError

    each = study.variant_studies()
    on_kubernetes = [s for s in each if runs_on_kubernetes(s)]
    if len(on_kubernetes) > 1:
        names = ", ".join(str(s.variant) for s in on_kubernetes)
        raise ConfigError(f"variants {names} use kubernetes; choose one with --variant NAME")
    return (on_kubernetes or each)[0]
