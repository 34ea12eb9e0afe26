"""The summary of runs just measured or stored: terminal tables, and the report if asked.

What ``dask-bench run`` does when a study ends, and ``dask-bench show`` does for stored
runs (without writing). What is printed is kept (see :mod:`dask_bench.report.cache`),
so that the next ``show`` of the same, unchanged runs prints it without reading them
again; a study's summary also keeps its last run alone, what a bare ``show`` prints.
"""

from __future__ import annotations

import io

from rich.console import Console

from dask_bench.report.console.runs import show_runs
from dask_bench.report.reuse import keep_show
from dask_bench.store import Store
from dask_bench.store.schema import Run


def summarise_runs(
    database: str, run_ids: list[int], *, write: bool, study_end: bool = False
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
    study_end
        The study just ended: also keep what ``show`` will print next (the last run
        alone, a bare ``show``), and on a terminal, what it prints into a pipe or a
        file (``show | less``: the same width, no colours).
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
        if study_end:
            # what 'show' prints next: a bare 'show' is the last run alone (variants),
            # and 'show | less' the same width without colours
            views = [runs, runs[-1:]] if len(runs) > 1 else [runs]
            for console in [out, *_plain_twin(out)]:
                for view in views:
                    if not (console is out and view is runs):  # printed and kept above
                        _keep_rendered(database, store, view, console)
        if write:
            # only now: the report's figures import matplotlib, which `show` never needs
            from dask_bench.report.html.build import build_report, default_report_dir

            path = build_report(store, runs, default_report_dir(database, runs))
            out.print(f"report: {path}")
    finally:
        store.close()


def _plain_twin(out: Console) -> list[Console]:
    """On a terminal, a console of its width without colours: how ``show | less`` prints."""
    if not out.is_terminal:
        return []
    return [Console(file=io.StringIO(), width=out.width, color_system=None, force_terminal=False)]


def _keep_rendered(database: str, store: Store, runs: list[Run], console: Console) -> None:
    """Keep what ``show`` of ``runs`` prints on ``console``, without printing it."""
    with console.capture() as captured:
        show_runs(console, store, runs)
    keep_show(database, [r.id for r in runs], console, captured.get())
