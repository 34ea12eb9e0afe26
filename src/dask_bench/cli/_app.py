"""The click group shared by every command, and small helpers of the commands."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeVar

import click

from dask_bench._version import __version__
from dask_bench.errors import DaskBenchError

if TYPE_CHECKING:
    from dask_bench.store import Store

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
            _one_line(str(exc))
            ctx.exit(exc.exit_code)
        except click.UsageError as exc:
            # click's usage block is four lines; the contract is one
            where = exc.ctx.command_path if exc.ctx is not None else "dask-bench"
            _one_line(" ".join(f"{exc.format_message()} (see '{where} --help')".split()))
            ctx.exit(2)
        except OSError as exc:
            # a path the user gave that cannot be read or written (an -o into /proc...)
            if exc.filename is None or ctx.find_root().meta.get("dask_bench.debug"):
                raise
            _one_line(f"cannot use {exc.filename}: {exc.strerror}; choose another path")
            ctx.exit(2)


def _one_line(message: str) -> None:
    """Print an error on stderr (one line, unless it carries a table), secrets hidden."""
    from dask_bench.report import printable
    from dask_bench.secrets import scrub_text

    # control characters (an ANSI sequence in a run name) are shown, never obeyed; the
    # line breaks of a message that carries a table (version mismatches) are kept
    text = "\n".join(printable(line) for line in scrub_text(message).split("\n"))
    click.secho(f"error: {text}", err=True, fg="red")


def db_option() -> Callable[[_F], _F]:
    """The ``--db`` option of the commands that read the results database."""
    # from _defaults, not the study package: its pydantic models would slow every command
    from dask_bench._defaults import DEFAULT_DATABASE

    return click.option(
        "--db",
        "database",
        default=DEFAULT_DATABASE,
        show_default=True,
        help="SQLite file or SQLAlchemy URL of the results database.",
    )


def file_option(text: str, *, required: bool = False) -> Callable[[_F], _F]:
    """The ``-o/--output`` option of the commands that write one file, with its help text."""
    return click.option(
        "-o",
        "--output",
        required=required,
        type=click.Path(dir_okay=False, path_type=Path),
        help=text,
    )


@contextmanager
def open_store(database: str) -> Iterator[Store]:
    """An existing results database, closed afterwards (a missing one is an error)."""
    from dask_bench.store import Store

    store = Store(database)
    try:
        yield store
    finally:
        store.close()


@click.group(name="bench", cls=_Group, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="dask-bench")
@click.option("--debug", is_flag=True, help="Show full tracebacks for errors.")
@click.pass_context
def cli(ctx: click.Context, debug: bool) -> None:
    """Measure how well Dask scales on a deployment, and why."""
    ctx.find_root().meta["dask_bench.debug"] = debug
