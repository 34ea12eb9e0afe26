"""The figure of a history: median time per run, with version and problem changes marked.

Built on :class:`matplotlib.figure.Figure` with an Agg canvas, never through pyplot.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

import numpy as np
import pandas as pd
from matplotlib.axes import Axes
from matplotlib.figure import Figure

from dask_bench.report.analysis.history import PACKAGES, changed_packages, series
from dask_bench.report.figures._plot import blank_figure, no_data


def _run_axis(frame: pd.DataFrame) -> tuple[dict[int, Any], str]:
    """The x of each run: its start date, or its index when two runs share a start time."""
    runs = frame.drop_duplicates("run_id")[["run_id", "started_at"]]
    if runs["started_at"].duplicated().any():
        return {int(r): i + 1 for i, r in enumerate(runs["run_id"])}, "run (oldest first)"
    dates = [ts.to_pydatetime() for ts in runs["started_at"]]
    return dict(zip((int(r) for r in runs["run_id"]), dates, strict=True)), "run started (UTC)"


def _change_lines(ax: Axes, frame: pd.DataFrame, x_of: dict[int, Any]) -> None:
    """Vertical lines where versions changed (dashed, labelled) or the problem did (dotted)."""
    for column, style in (("changed", "--"), ("problem_changed", ":")):
        for row in frame[frame[column] != ""].drop_duplicates("run_id").to_dict("records"):
            x = x_of[int(row["run_id"])]
            ax.axvline(x, linestyle=style, color="0.45", linewidth=1)
            new = changed_packages(str(row["changed"]))
            label = ", ".join(f"{p} {row[p]}" for p in PACKAGES if p in new)
            # At the bottom: times start at 0, so the data rarely reaches there.
            ax.text(
                x,
                0.02,
                f" {label if column == 'changed' else 'problem changed'}",
                rotation=90,
                va="bottom",
                ha="left",
                fontsize="x-small",
                color="0.3",
                transform=ax.get_xaxis_transform(),
            )


def history_figure(frame: pd.DataFrame) -> Figure:
    """Median time per run, one line per series, with version changes marked.

    Parameters
    ----------
    frame
        As returned by :func:`~dask_bench.report.analysis.history.history_frame` (best for
        one workload).

    Returns
    -------
    matplotlib.figure.Figure
        x: the run's start date (its index when two runs started at the same time);
        y: median time with the confidence interval as error bars; a dashed line
        labelled with the new dask/distributed version where it changed, a
        dotted one where the problem (size, options) changed.
    """
    fig = blank_figure((7.5, 4.4))
    ax = fig.add_subplot()
    x_of, xlabel = _run_axis(frame)
    measured = frame["median"].dropna()
    scale, unit = (1e3, "ms") if not measured.empty and measured.max() < 1 else (1.0, "s")
    suites = frame.groupby("workload")["suite"].nunique()
    for (suite, workload, units), part in series(frame):
        name = f"{suite}/{workload}" if suites[workload] > 1 else workload
        median = part["median"].to_numpy(dtype=float)
        # The median's interval is asymmetric and never reaches below the fastest timing.
        below = (median - part["ci_low"].to_numpy(dtype=float)).clip(min=0)
        above = (part["ci_high"].to_numpy(dtype=float) - median).clip(min=0)
        ax.errorbar(
            [x_of[int(r)] for r in part["run_id"]],
            median * scale,
            yerr=np.nan_to_num(np.vstack([below, above])) * scale,
            marker="o",
            capsize=3,
            label=f"{name}, {units} unit{'s' * (units != 1)}",
        )
    _change_lines(ax, frame, x_of)
    if measured.empty:
        no_data(ax)
    ax.set_xlabel(xlabel)
    ax.set_ylabel(f"median time ({unit})")
    ax.set_ylim(bottom=0)
    names = ", ".join(dict.fromkeys(frame["workload"]))
    backends = ", ".join(dict.fromkeys(frame["backend"]))
    ax.set_title(
        f"{names}: median time per run (bars: CI of the median)\nback-end {backends}",
        fontsize="medium",
    )
    if isinstance(next(iter(x_of.values()), None), datetime):
        fig.autofmt_xdate()
    ax.legend(fontsize="small", loc="upper left", bbox_to_anchor=(1.02, 1))
    return fig
