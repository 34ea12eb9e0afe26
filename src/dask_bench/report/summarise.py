"""The summary of runs just measured or stored: terminal tables, and the report if asked.

What ``dask-bench run`` does when a study ends, and ``dask-bench show`` does for stored
runs (without writing). What is printed is kept (see :mod:`dask_bench.report.cache`),
so that the next ``show`` of the same, unchanged runs prints it without reading them
again; a study's summary also keeps its last run alone, what a bare ``show`` prints.
"""

from __future__ import annotations

from rich.console import Console

from dask_bench.report.console.runs import show_runs
from dask_bench.report.reuse import keep_show
from dask_bench.store import Store


def summarise_runs(
    database: str, run_ids: list[int], *, write: bool, keep_last: bool = False
) -> None:
    """Print each run's header and tables, compare each with the first, write the report.

    Parameters
    ----------
    database
        Where the runs are stored.
    run_ids
        The runs of one study, in order (one per variant).
    write
        Also write one HTML report of all the runs, beside the database.
    keep_last
        Also keep what a bare ``show`` will print next, the last run alone (a study
        that just ended).
    """
    store = Store(database)
    try:
        runs = [store.run(i) for i in run_ids]
        out = Console()
        with out.capture() as captured:
            show_runs(out, store, runs)
        text = captured.get()
        out.file.write(text)
        out.file.flush()
        keep_show(database, run_ids, out, text)
        if keep_last and len(runs) > 1:
            # what a bare 'show' prints next: the last variant alone
            with out.capture() as last:
                show_runs(out, store, runs[-1:])
            keep_show(database, run_ids[-1:], out, last.get())
        if write:
            # only now: the report's figures import matplotlib, which `show` never needs
            from dask_bench.report.html.build import build_report, default_report_dir

            path = build_report(store, runs, default_report_dir(database, runs))
            out.print(f"report: {path}")
    finally:
        store.close()
