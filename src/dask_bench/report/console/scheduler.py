"""The terminal table of the scheduler figures of a run's points (``points.scheduler``)."""

from __future__ import annotations

import pandas as pd
from rich.table import Table

from dask_bench.report.analysis.scheduler import HEADERS, LEGEND, scheduler_rows
from dask_bench.report.console._style import styled


def scheduler_table(points: pd.DataFrame, title: str = "scheduler") -> Table | None:
    """The scheduler figures of the points that have them; None when none has.

    Parameters
    ----------
    points
        Rows of :func:`dask_bench.store.point_summaries`.
    title
        The table's title (e.g. the suite's name).

    Returns
    -------
    rich.table.Table or None
        One row per point with figures (see :mod:`dask_bench.report.analysis.scheduler`);
        its columns fit 80 characters.
    """
    rows, notes = scheduler_rows(points)
    if not rows:
        return None
    # No box and one space between columns: nine columns then fit an 80-column terminal.
    table = Table(
        title=f"{title} — scheduler side",
        title_justify="left",
        caption_justify="left",
        box=None,
        padding=(0, 1, 0, 0),
        show_edge=False,
    )
    for i, header in enumerate(HEADERS):
        # headers of two words wrap onto two lines, keeping the columns narrow
        table.add_column(header.replace(" ", "\n", 1) if " " in header else header,
                         justify="left" if i == 0 else "right", no_wrap=True)  # fmt: skip
    for row in rows:
        table.add_row(*(styled(cell, "bold" if i == 0 else "") for i, cell in enumerate(row)))
    table.caption = "\n".join([LEGEND, *notes])
    return table
