"""The scaling figures of one run, per suite (see :func:`~.figures.metric_figure`).

The report draws every run with :func:`~dask_bench.report.figures.scaling.metric_figure`
(several runs share its panels); these are the same figures for one run, by name.
"""

from __future__ import annotations

import pandas as pd
from matplotlib.figure import Figure

from dask_bench.report.analysis.suites import suite_frames
from dask_bench.report.figures._plot import run_points
from dask_bench.report.figures.heatmap import heatmap_figure
from dask_bench.report.figures.scaling import metric_figure
from dask_bench.store import Store
from dask_bench.store.schema import Run


def _single(metric: str, run: Run, suite: str, points: pd.DataFrame) -> Figure:
    return metric_figure(suite, metric, run_points(run, points), [run])


def efficiency_figure(run: Run, suite: str, points: pd.DataFrame) -> Figure:
    """Parallel efficiency of one run's suite, one panel per workload (see :func:`metric_figure`).

    Takes the run, the suite's name and that suite's rows of point summaries (as every per-run
    figure does).
    """
    return _single("efficiency", run, suite, points)


def throughput_figure(run: Run, suite: str, points: pd.DataFrame) -> Figure:
    """Throughput of one run's suite, one panel per throughput workload (log-log).

    Takes the run, the suite's name and that suite's rows of point summaries (as every per-run
    figure does). Latency workloads are left out: see :func:`walltime_figure`.
    """
    return _single("throughput", run, suite, points)


def walltime_figure(run: Run, suite: str, points: pd.DataFrame) -> Figure:
    """Median wall time of one run's suite, one panel per workload, with ideals (log-log).

    Takes the run, the suite's name and that suite's rows of point summaries (as every per-run
    figure does). Latency workloads are titled as such: their time is their result.
    """
    return _single("walltime", run, suite, points)


#: The figures drawn for every suite of a run, by file-name suffix.
SUITE_FIGURES = {
    "efficiency": efficiency_figure,
    "throughput": throughput_figure,
    "walltime": walltime_figure,
    "heatmap": heatmap_figure,
}


def suite_figures(store: Store, run: Run) -> dict[str, list[Figure]]:
    """Every figure of every suite of a run (see :data:`SUITE_FIGURES`).

    Parameters
    ----------
    store
        The results database.
    run
        The run to plot.

    Returns
    -------
    dict
        Suite name to its figures, in :data:`SUITE_FIGURES` order, in suite order.
    """
    return {
        suite: [draw(run, suite, part) for draw in SUITE_FIGURES.values()]
        for suite, part in suite_frames(store, run).items()
    }
