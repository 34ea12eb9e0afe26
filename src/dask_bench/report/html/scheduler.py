"""The scheduler figures of a suite's points in the HTML report (``points.scheduler``)."""

from __future__ import annotations

import pandas as pd

from dask_bench.report.analysis.scheduler import HEADERS, LEGEND, scheduler_rows
from dask_bench.report.html._markup import esc, table, td


def scheduler_section(points: pd.DataFrame) -> str:
    """A table of the points' scheduler figures with its legend; empty when none has any.

    Parameters
    ----------
    points
        One suite's rows of :func:`dask_bench.store.run_summaries`.

    Returns
    -------
    str
        HTML: a heading, the table (see :mod:`dask_bench.report.analysis.scheduler`)
        and a legend.
    """
    rows, notes = scheduler_rows(points)
    if not rows:
        return ""
    body = [
        "<tr>" + "".join(td(c, "" if i == 0 else "num") for i, c in enumerate(r)) + "</tr>"
        for r in rows
    ]
    legend = "".join(f'<p class="legend">{esc(line)}</p>' for line in [LEGEND, *notes])
    return f"<h3>Scheduler side</h3>{table(HEADERS, body, 'scheduler')}{legend}"
