"""How a workload's timings moved across stored runs, as terminal tables.

A *series* is one workload at one size (suite, workload, processing units); its
history is one row per run that measured it, oldest first (see
:func:`~dask_bench.report.analysis.history.history_frame`). The figure is in
:mod:`dask_bench.report.figures.history`.
"""

from __future__ import annotations

from dataclasses import replace
from typing import Any

import pandas as pd
from rich.console import RenderableType
from rich.text import Text

from dask_bench.report._format import (
    format_efficiency,
    format_interval,
    format_seconds,
    format_throughput,
)
from dask_bench.report._values import is_missing
from dask_bench.report.analysis.history import PACKAGES, changed_packages, series
from dask_bench.report.console._fit import Column, Fitted, by_suite, tiered_table
from dask_bench.store.schema import PointStatus
from dask_bench.study.catalogue import suite_rank


def _change(value: Any, base: Any) -> str:
    if is_missing(value) or is_missing(base) or not base:
        return "—"
    return f"{(float(value) / float(base) - 1) * 100:+.1f}%"


def _series_title(key: tuple[str, str, int]) -> str:
    suite, workload, units = key
    return f"{workload} ({suite}), {units} unit{'s' * (units != 1)}"


#: Columns of a series table (see :class:`~dask_bench.report.console._fit.Fitted`); tier 0
#: fits 80 characters. {} is the throughput unit; problem and status only when of note.
_SERIES_COLUMNS = [
    Column("run", right=True),
    Column("name", tier=1),
    Column("started"),
    Column("time", tier=5),
    Column("backend", tier=6),
    Column("versions"),
    Column("problem", tier=8),
    Column("median", right=True),
    Column("CI", right=True, tier=2),
    Column("n", right=True, tier=4),
    Column("throughput", right=True, tier=7, header="{}"),
    Column("eff.", right=True, tier=7),
    Column("vs prev.", right=True),
    Column("vs first", right=True, tier=3),
    Column("status"),
]
_CHANGED = "bold yellow"
#: The tier of a column never shown.
_NEVER = 1_000


def _versions(row: dict[str, Any]) -> Text:
    """Dask's version, then distributed's when it differs; a changed one in yellow."""
    changed = changed_packages(str(row["changed"]))
    dask, distributed = (str(row[p]) for p in PACKAGES)
    if dask == distributed:
        return Text(dask, style=_CHANGED if changed else "")
    # Spans, not the Text's own style: that would colour both versions.
    text = Text().append(dask, _CHANGED if "dask" in changed else "")
    return text.append("/").append(distributed, _CHANGED if "distributed" in changed else "")


def _series_rows(part: pd.DataFrame) -> list[dict[str, Text]]:
    out, first, previous = [], None, None
    for row in part.to_dict("records"):
        median, moved = row["median"], bool(row["problem_changed"])
        ci = format_interval(row["ci_low"], row["ci_high"], like=median)
        started = None if pd.isna(row["started_at"]) else row["started_at"]
        changed = _CHANGED if moved else ""
        out.append(
            {
                "run": Text(str(row["run_id"])),
                "name": Text(str(row["run_name"])),
                "started": Text("—" if started is None else f"{started:%Y-%m-%d}"),
                "time": Text("—" if started is None else f"{started:%H:%M:%S}"),
                "backend": Text(str(row["backend"])),
                "versions": _versions(row),
                "problem": Text(str(row["problem"]), style=changed),
                "median": Text(format_seconds(median)),
                "CI": Text(ci),
                "n": Text(str(int(row["n"]))),
                "throughput": Text(format_throughput(row["throughput"], "")),
                "eff.": Text(format_efficiency(row["efficiency"])),
                # * : the problem differs from the run before, so the times are not comparable.
                "vs prev.": Text(_change(median, previous) + "*" * moved, style=changed),
                "vs first": Text(_change(median, first)),
                "status": Text(
                    str(row["status"]), style="" if row["status"] == PointStatus.OK else "red"
                ),
            }
        )
        if not is_missing(median):
            first = median if first is None else first
            previous = median
    return out


def _shown(column: Column, unit: str, *, hidden: bool) -> Column:
    """A series column with the throughput unit in its header; never shown when ``hidden``."""
    return replace(column, header=column.title.format(unit), tier=_NEVER if hidden else column.tier)


def _series_legend(frame: pd.DataFrame, tier: int) -> Text:
    first = tier >= 3  # the column "vs first" is shown
    lines = [
        f"vs prev.{', vs first' if first else ''}: median time vs the previous"
        f"{' and the first' if first else ''} measured run (+ is slower)",
        "CI: confidence interval of the median (— with too few repetitions)",
        "versions: dask, then distributed when it differs; in yellow when changed",
        f"started{', time' if tier >= 5 else ''}: when the run started (UTC)",
    ]
    if (frame["problem_changed"] != "").any():
        lines.append(
            "*: the problem (chunks, options, workload version or worker layout) differs "
            "from the run before: times are not comparable"
        )
    return Text("\n".join(lines), style="dim")


def _series_tables(frame: pd.DataFrame) -> Fitted:
    def build(tier: int) -> list[RenderableType]:
        tables: list[RenderableType] = []
        for key, part in series(frame):
            # Problem and status only when some row is of note: beyond every tier otherwise.
            hidden = {
                "problem": bool((part["problem_changed"] == "").all()),
                "status": bool((part["status"] == PointStatus.OK).all()),
            }
            unit = str(part["throughput_unit"].iloc[0]) or "throughput"
            columns = [_shown(c, unit, hidden=hidden.get(c.key, False)) for c in _SERIES_COLUMNS]
            title = f"{_series_title(key)} — median time per run"
            tables.append(tiered_table(title, columns, _series_rows(part), tier))
        return [*tables, _series_legend(frame, tier)]

    return Fitted(build, tiers=8)


#: Columns of the summary table; tier 0 fits 80 characters.
_SUMMARY_COLUMNS = [
    Column("workload"),
    Column("units", right=True),
    Column("runs", right=True),
    Column("first", right=True),
    Column("latest", right=True),
    Column("change", right=True),
    Column("versions", right=True),
    Column("problems", right=True, tier=1),
]


def _summary_rows(parts: list[tuple[tuple[str, str, int], pd.DataFrame]]) -> list[dict[str, Text]]:
    out = []
    for (_, workload, units), part in parts:
        measured = part["median"].dropna()
        first = measured.iloc[0] if not measured.empty else None
        latest = measured.iloc[-1] if not measured.empty else None
        versions, problems = (int((part[c] != "").sum()) for c in ("changed", "problem_changed"))
        change = _change(latest, first) + "*" * bool(problems)
        out.append(
            {
                "workload": Text(workload, style="bold"),
                "units": Text(str(units)),
                "runs": Text(str(len(part))),
                "first": Text(format_seconds(first)),
                "latest": Text(format_seconds(latest)),
                "change": Text(change, style=_CHANGED if problems else ""),
                "versions": Text(str(versions), style=_CHANGED if versions else ""),
                "problems": Text(str(problems), style=_CHANGED if problems else ""),
            }
        )
    return out


def _summary_tables(frame: pd.DataFrame) -> Fitted:
    resized = bool((frame["problem_changed"] != "").any())
    columns = [
        replace(c, tier=_NEVER) if c.key == "problems" and not resized else c
        for c in _SUMMARY_COLUMNS
    ]
    # Suites in their fixed order, as in 'dask-bench show'.
    grouped = by_suite(series(frame), lambda s: s[0][0])
    suites = dict(sorted(grouped.items(), key=lambda kv: suite_rank(kv[0])))
    legend = [
        "first, latest: median time of the first and the latest measured run",
        "change: latest vs first (+ is slower)",
        "versions: runs whose dask or distributed version changed from the run before",
    ]
    if resized:
        legend.append(
            "*: the problem (chunks, options, workload version or worker layout) changed "
            "between runs: the change is not comparable"
        )

    def build(tier: int) -> list[RenderableType]:
        tables = [
            tiered_table(suite, columns, _summary_rows(parts), tier)
            for suite, parts in suites.items()
        ]
        lines = legend.copy()
        if resized and tier >= 1:
            lines.append("problems: runs whose problem changed from the run before")
        title = Text("history — one row per workload and size")
        return [title, *tables, Text("\n".join(lines), style="dim")]

    return Fitted(build, tiers=1)


def history_table(frame: pd.DataFrame, *, summary: bool = False) -> RenderableType:
    """The history as terminal tables.

    Parameters
    ----------
    frame
        As returned by :func:`history_frame`.
    summary
        One row per series (runs, first and latest median, change), a table per
        suite, instead of one table per series with a row per run.

    Returns
    -------
    rich renderable
        The tables and a legend of their abbreviations. The most compact layout
        fits 80 characters (a series: run id, date, versions, median and change
        since the previous run); wider terminals get more columns as they fit.
    """
    return _summary_tables(frame) if summary else _series_tables(frame)
