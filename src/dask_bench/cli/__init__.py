"""The command line: ``dask-bench ...`` and ``dask bench ...`` (Dask's ``dask_cli`` entry point).

One module per command (or small family of commands); each stays thin: it parses
options, calls the library and prints.
"""

from __future__ import annotations

from dask_bench.cli import batch, check, compare, history, image, manifest, report, results, run  # noqa: F401  (registers the commands)
from dask_bench.cli._app import EXIT_INTERRUPTED, cli

__all__ = ["EXIT_INTERRUPTED", "cli", "main"]


def main() -> None:
    """Entry point of the ``dask-bench`` command."""
    cli(prog_name="dask-bench")
