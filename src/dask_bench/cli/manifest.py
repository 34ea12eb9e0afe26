"""``dask-bench manifest``: a kubernetes study's DaskCluster (and DaskWorkerGroups), for kubectl."""

from __future__ import annotations

import os

import click
from rich.console import Console

from dask_bench.cli._app import cli


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
def manifest(
    study_file: str | None,
    output: str | None,
    workers: int | None,
    backend: str | None,
    variant: str | None,
    namespace_document: bool,
) -> None:
    """Write the DaskCluster manifest of a study whose back-end is kubernetes.

    With deployment.groups, a DaskWorkerGroup per fixed group follows the DaskCluster
    (one multi-document YAML). Every document is checked against its CRD in the installed
    dask-kubernetes before it is written; apply them with 'kubectl apply -f FILE'. With
    security.tls, a Secret of the certificates comes first: it holds the private key, so
    it is written only here (stdout or -o), never stored.
    """
    from dask_bench.deploy.kubernetes.documents import (
        KEY_WARNING,
        runs_on_kubernetes,
        study_manifest,
    )
    from dask_bench.errors import ConfigError
    from dask_bench.report import atomic_output
    from dask_bench.runner.checks import load_study

    study = load_study(
        study_file, {"deployment.backend": backend, "variants": [variant] if variant else None}
    )
    each = study.variant_studies()
    on_kubernetes = [s for s in each if runs_on_kubernetes(s)]
    if len(on_kubernetes) > 1:
        names = ", ".join(str(s.variant) for s in on_kubernetes)
        raise ConfigError(f"variants {names} use kubernetes; choose one with --variant NAME")
    text = study_manifest((on_kubernetes or each)[0], workers, namespace=namespace_document)
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
