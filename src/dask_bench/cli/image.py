"""``dask-bench image``: a container file for scheduler and workers that match this client."""

from __future__ import annotations

from pathlib import Path

import click

from dask_bench.cli._app import cli


@cli.command()
@click.option(
    "--extra",
    "extras",
    multiple=True,
    metavar="NAME",
    help="Also pin the requirements of this dask-bench extra, e.g. kubernetes (repeatable).",
)
@click.option(
    "--all",
    "everything",
    is_flag=True,
    help="Pin every installed distribution (but pip, setuptools, wheel), not only the closure.",
)
@click.option(
    "--base",
    metavar="IMAGE",
    help="Base image instead of the official Python image of this interpreter's version.",
)
@click.option(
    "-o",
    "--output",
    type=click.Path(path_type=Path),
    help="Write the container file here (replaced atomically) instead of to stdout.",
)
def image(extras: tuple[str, ...], everything: bool, base: str | None, output: Path | None) -> None:
    """Write a container file for Dask scheduler and workers matching this client.

    It pins this interpreter's exact Python version (the base image) and every
    distribution dask-bench needs at run time, with the chosen extras, at the versions
    installed here; dask-bench itself comes from the index at this version, or, when
    installed from a local folder, from that folder (the build context).
    """
    from dask_bench.image import build_command, containerfile, source

    name = "Containerfile" if output is None else str(output)
    if output is not None:
        from dask_bench.report import check_output

        check_output(output)  # before the work, not after it
    text = containerfile(extras, everything=everything, base=base, filename=name)
    if output is None:
        click.echo(text, nl=False)
        return
    from dask_bench.report import atomic_output

    with atomic_output(output) as tmp:
        tmp.write_text(text, encoding="utf-8")
    src = source()
    click.echo(f"wrote {output}")
    click.echo(f"build: {build_command(name, src)}")
    click.echo(f"   or: {build_command(name, src, 'docker')}")
