"""How a workload's timings moved across stored runs, as terminal tables.

A *series* is one workload at one size (suite, workload, processing units); its
history is one row per run that measured it, oldest first (see
:func:`history_frame`). The figure is in :mod:`dask_bench.report.figures.history`.
"""

from __future__ import annotations

from typing import Any

import pandas as pd
from rich.console import RenderableType
from rich.text import Text

from dask_bench.report._format import (
    format_efficiency,
    format_interval,
    format_seconds,
    format_throughput,
    is_missing,
)
from dask_bench.report.analysis.history import HISTORY_COLUMNS as HISTORY_COLUMNS  # re-exported
from dask_bench.report.analysis.history import PACKAGES as PACKAGES  # re-exported
from dask_bench.report.analysis.history import changed_packages as changed_packages  # re-exported
from dask_bench.report.analysis.history import history_frame as history_frame  # re-exported
from dask_bench.report.analysis.history import series as series  # re-exported
from dask_bench.report.console._fit import Column, Fitted, by_suite, tiered_table
from dask_bench.study.catalogue import suite_rank


def _change(value: Any, base: Any) -> str:
    if is_missing(value) or is_missing(base) or not base:
        return "—"
    return f"{(float(value) / float(base) - 1) * 100:+.1f}%"


def _series_title(key: tuple[str, str, int]) -> str:
    suite, workload, units = key
    return f"{workload} ({suite}), {units} unit{'s' * (units != 1)}"


#: Columns of a series table (see :func:`~dask_bench.report.analysis.check.tiered_table`); tier 0
#: fits 80 characters. {} is the throughput unit; problem and status only when of note.
_SERIES_COLUMNS: list[Column] = [
    ("run", True, 0), ("name", False, 1), ("started", False, 0), ("time", False, 5),
    ("backend", False, 6), ("versions", False, 0), ("problem", False, 8), ("median", True, 0),
    ("CI", True, 2), ("n", True, 4), ("{}", True, 7), ("eff.", True, 7),
    ("vs prev.", True, 0), ("vs first", True, 3), ("status", False, 0),
]  # fmt: skip
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


def _series_rows(part: pd.DataFrame) -> list[list[Text]]:
    out, first, previous = [], None, None
    for row in part.to_dict("records"):
        median, moved = row["median"], bool(row["problem_changed"])
        ci = format_interval(row["ci_low"], row["ci_high"], like=median)
        started = None if pd.isna(row["started_at"]) else row["started_at"]
        out.append([
            Text(str(row["run_id"])), Text(str(row["run_name"])),
            Text("—" if started is None else f"{started:%Y-%m-%d}"),
            Text("—" if started is None else f"{started:%H:%M:%S}"), Text(str(row["backend"])),
            _versions(row), Text(str(row["problem"]), style=_CHANGED if moved else ""),
            Text(format_seconds(median)), Text(ci), Text(str(int(row["n"]))),
            Text(format_throughput(row["throughput"], "")),
            Text(format_efficiency(row["efficiency"])),
            # * : the problem differs from the run before, so the times are not comparable.
            Text(_change(median, previous) + "*" * moved, style=_CHANGED if moved else ""),
            Text(_change(median, first)),
            Text(str(row["status"]), style="" if row["status"] == "ok" else "red"),
        ])  # fmt: skip
        if not is_missing(median):
            first = median if first is None else first
            previous = median
    return out


def _series_legend(frame: pd.DataFrame, tier: int) -> Text:
    lines = [
        "vs prev." + (", vs first" if tier >= 3 else "") + ": median time vs the previous"
        + (" and the first" if tier >= 3 else "") + " measured run (+ is slower)",
        "CI: confidence interval of the median (— with too few repetitions)",
        "versions: dask, then distributed when it differs; in yellow when changed",
        "started" + (", time" if tier >= 5 else "") + ": when the run started (UTC)",
    ]  # fmt: skip
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
                "status": bool((part["status"] == "ok").all()),
            }
            unit = str(part["throughput_unit"].iloc[0]) or "throughput"
            columns = [
                (h.format(unit), right, _NEVER if hidden.get(h) else lowest)
                for h, right, lowest in _SERIES_COLUMNS
            ]
            title = f"{_series_title(key)} — median time per run"
            tables.append(tiered_table(title, columns, _series_rows(part), tier))
        return [*tables, _series_legend(frame, tier)]

    return Fitted(build, tiers=8)


#: Columns of the summary table; tier 0 fits 80 characters.
_SUMMARY_COLUMNS: list[Column] = [
    ("workload", False, 0), ("units", True, 0), ("runs", True, 0), ("first", True, 0),
    ("latest", True, 0), ("change", True, 0), ("versions", True, 0), ("problems", True, 1),
]  # fmt: skip


def _summary_rows(parts: list[tuple[tuple[str, str, int], pd.DataFrame]]) -> list[list[Text]]:
    out = []
    for (_, workload, units), part in parts:
        measured = part["median"].dropna()
        first = measured.iloc[0] if not measured.empty else None
        latest = measured.iloc[-1] if not measured.empty else None
        versions, problems = (int((part[c] != "").sum()) for c in ("changed", "problem_changed"))
        out.append([
            Text(workload, style="bold"), Text(str(units)), Text(str(len(part))),
            Text(format_seconds(first)), Text(format_seconds(latest)),
            Text(_change(latest, first) + "*" * bool(problems), style=_CHANGED if problems else ""),
            *(Text(str(n), style=_CHANGED if n else "") for n in (versions, problems)),
        ])  # fmt: skip
    return out


def _summary_tables(frame: pd.DataFrame) -> Fitted:
    resized = bool((frame["problem_changed"] != "").any())
    columns = [(h, right, _NEVER if h == "problems" and not resized else lowest)
               for h, right, lowest in _SUMMARY_COLUMNS]  # fmt: skip
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
