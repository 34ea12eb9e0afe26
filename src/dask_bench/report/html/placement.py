"""The report's table of where tasks ran, by worker group."""

from __future__ import annotations

from collections.abc import Sequence

from dask_bench.report.analysis.placement import placement_rows
from dask_bench.report.html._markup import esc
from dask_bench.store.schema import Run


def placement_section(runs: Sequence[Run]) -> str:
    """The section, or ``""`` when no run recorded where its tasks ran."""
    parts = []
    for run in runs:
        rows = placement_rows(run)
        if not rows:
            continue
        where = "" if len(runs) == 1 else f" (run {run.id})"
        body = "".join(
            f'<tr><td>{esc(r.workload)}</td><td class="num">{r.units}</td>'
            f"<td>{esc(r.prefix)}</td><td>{esc(r.needs) or '—'}</td>"
            + (f'<td class="bad">{esc(r.ran)} (wrong workers)' if r.wrong else f"<td>{esc(r.ran)}")
            + "</td></tr>"
            for r in rows
        )
        parts.append(
            f"<h3>Tasks per worker group{esc(where)}</h3><table><tr><th>workload</th>"
            "<th>units</th><th>task prefix</th><th>needs</th><th>ran on</th></tr>"
            f"{body}</table>"
        )
    if not parts:
        return ""
    return (
        '<section id="placement"><h2>Where tasks ran</h2><p>Tasks of the timed repetitions '
        "by worker group, counted by the scheduler; a task that needs a resource and ran "
        "on a worker without it fails its point.</p>" + "".join(parts) + "</section>"
    )
