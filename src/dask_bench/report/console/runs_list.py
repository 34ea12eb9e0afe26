"""The list of stored runs, for the terminal (``dask-bench list runs``).

Kept apart from the run header (:mod:`.run_info`): it imports neither SQLAlchemy nor
pandas, so listing runs starts fast.
"""

from __future__ import annotations

from collections.abc import Iterable

from rich.console import RenderableType
from rich.table import Table
from rich.text import Text

from dask_bench.report._format import format_date
from dask_bench.report.console._fit import Fitted
from dask_bench.report.console._style import STATUS_STYLES, styled
from dask_bench.store.listing import RunListing


def _points_text(run: RunListing) -> str:
    failed = run.failed_points
    return f"{run.points} ({failed} failed)" if failed else str(run.points)


def runs_table(runs: Iterable[RunListing]) -> RenderableType:
    """A table listing runs: id, name, study, status, mode, back-end, start time and points.

    One row a run, a column a field, where the console is wide enough; in a narrower one
    (80 columns) each run's fields are lines of one cell instead, so that names, study
    ids and dates stay whole rather than end in "…".

    Parameters
    ----------
    runs
        Runs as :func:`dask_bench.store.listing.list_runs` returns them.

    Returns
    -------
    rich renderable
        A :class:`rich.table.Table`, laid out when printed.
    """
    listed = list(runs)
    return Fitted(lambda tier: [_runs_wide(listed) if tier else _runs_narrow(listed)], tiers=1)


def _runs_wide(runs: list[RunListing]) -> Table:
    table = Table(title="runs", title_justify="left")
    table.add_column("id", justify="right", no_wrap=True)
    for header in ("name", "study", "status", "mode", "backend", "started"):
        table.add_column(header, no_wrap=True)
    table.add_column("points", justify="right", no_wrap=True)
    for run in runs:
        table.add_row(
            styled(str(run.id)),
            styled(run.name),
            styled(run.study_id or ""),
            styled(run.status, STATUS_STYLES.get(run.status, "")),
            styled(run.mode),
            styled(run.backend),
            styled(format_date(run.started_at)),
            styled(_points_text(run)),
        )
    return table


def _runs_narrow(runs: list[RunListing]) -> Table:
    table = Table(title="runs", title_justify="left")
    table.add_column("id", justify="right", no_wrap=True)
    table.add_column("run", overflow="fold")
    for run in runs:
        study = [styled(f"study {run.study_id}"), styled(" · ")] if run.study_id else []
        cell = Text("\n").join(
            [
                styled(run.name),
                Text.assemble(
                    *study,
                    styled(run.status, STATUS_STYLES.get(run.status, "")),
                    styled(f" · {run.mode} · {run.backend}"),
                ),
                styled(f"started {format_date(run.started_at)} · points {_points_text(run)}"),
            ]
        )
        table.add_row(styled(str(run.id)), cell)
    return table
