"""The summary of runs just measured or stored: terminal tables, and the report if asked.

What ``dask-bench run`` does when a study ends, and ``dask-bench show`` does for stored
runs (without writing).
"""

from __future__ import annotations

from rich.console import Console

from dask_bench.report.console.runs import show_runs
from dask_bench.store import Store


def summarise_runs(database: str, run_ids: list[int], *, write: bool) -> None:
    """Print each run's header and tables, compare each with the first, write the report.

    Parameters
    ----------
    database
        Where the runs are stored.
    run_ids
        The runs of one study, in order (one per variant).
    write
        Also write one HTML report of all the runs, beside the database.
    """
    store = Store(database)
    try:
        runs = [store.run(i) for i in run_ids]
        out = Console()
        show_runs(out, store, runs)
        if write:
            # only now: the report's figures import matplotlib, which `show` never needs
            from dask_bench.report.html.build import build_report, default_report_dir

            path = build_report(store, runs, default_report_dir(database, runs))
            out.print(f"report: {path}")
    finally:
        store.close()
