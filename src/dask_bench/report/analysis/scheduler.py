"""The scheduler figures of points (``points.scheduler``), as rows of text for a table.

Shared by the terminal (``show``) and the HTML report, so both write the same numbers:
per point that has them, its tasks, submission and execution µs per task, the scheduler's
CPU seconds per repetition, its peak memory, the longest event-loop tick and the time
from the client's call to the first task.
"""

from __future__ import annotations

from typing import Any

import pandas as pd

from dask_bench.report._format import format_bytes, format_seconds
from dask_bench.report._values import is_missing
from dask_bench.store.read import SCHED_PREFIX
from dask_bench.store.schema import SchedulerFigure

#: Column headers, short enough for 80 columns.
HEADERS = (
    "workload",
    "units",
    "tasks",
    "submit µs/task",
    "exec µs/task",
    "sched CPU",
    "peak mem",
    "max tick",
    "1st task",
)
#: What the headers mean (a table's caption).
LEGEND = (
    "µs/task: submission (client call to the scheduler holding the graph) and execution "
    "(to the last task's end) per task; sched CPU: scheduler process CPU per repetition; "
    "peak mem: its resident memory; max tick: longest event-loop tick (healthy: the 20 ms "
    "tick interval; distributed warns past 3 s); 1st task: client call to the first task "
    "starting. Medians of the timed repetitions, maxima for memory and ticks."
)
#: Said when the scheduler shares the client's process.
SHARED_NOTE = (
    "the scheduler ran in dask-bench's process: its CPU excludes the client's calling "
    "thread but includes the client's network traffic; its memory includes the client's"
)


def _col(figure: SchedulerFigure) -> str:
    return f"{SCHED_PREFIX}{figure.value}"


def _count(value: Any) -> str:
    return "—" if is_missing(value) else f"{float(value):,.0f}"


def has_scheduler_figures(points: pd.DataFrame) -> bool:
    """Whether any point of the frame has scheduler figures."""
    column = _col(SchedulerFigure.TASKS)
    return column in points and bool(points[column].notna().any())


def scheduler_rows(points: pd.DataFrame) -> tuple[list[list[str]], list[str]]:
    """The table rows (one per point with figures, texts under :data:`HEADERS`) and notes.

    Parameters
    ----------
    points
        Rows of :func:`dask_bench.store.point_summaries` (one suite, or several).

    Returns
    -------
    tuple
        The rows, and notes for the caption (e.g. :data:`SHARED_NOTE`).
    """
    if not has_scheduler_figures(points):
        return [], []
    rows: list[list[str]] = []
    shared = False
    previous = None
    for record in points.to_dict("records"):
        if is_missing(record.get(_col(SchedulerFigure.TASKS))):
            continue
        name = str(record["workload"])
        shared = shared or record.get(_col(SchedulerFigure.SHARED_PROCESS)) is True
        rows.append(
            [
                "" if name == previous else name,
                str(int(record["units"])),
                _count(record[_col(SchedulerFigure.TASKS)]),
                _count(record[_col(SchedulerFigure.SUBMIT_US_PER_TASK)]),
                _count(record[_col(SchedulerFigure.EXECUTE_US_PER_TASK)]),
                format_seconds(record[_col(SchedulerFigure.CPU_SECONDS)]),
                format_bytes(record[_col(SchedulerFigure.PEAK_MEMORY)]),
                format_seconds(record[_col(SchedulerFigure.LONGEST_TICK)]),
                format_seconds(record[_col(SchedulerFigure.FIRST_TASK_SECONDS)]),
            ]
        )
        previous = name
    return rows, [SHARED_NOTE] if shared else []
