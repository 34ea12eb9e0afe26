"""How a workload's timings moved across stored runs, with Dask version changes marked.

A *series* is one workload at one size (suite, workload, processing units); its
history is one row per run that measured it, oldest first. The figure is in
:mod:`dask_bench.report.history_plot`.
"""

from __future__ import annotations

from datetime import date, datetime, time
from typing import Any

import pandas as pd
from rich.console import RenderableType
from rich.text import Text
from sqlalchemy import select

from dask_bench.errors import ConfigError, StoreError
from dask_bench.report._fit import Column, Fitted, by_suite, tiered_table
from dask_bench.report.tables import (
    SUITE_ORDER,
    format_date,
    format_efficiency,
    format_seconds,
    format_throughput,
    is_missing,
    package_version,
)
from dask_bench.store import Store, run_summaries
from dask_bench.store.schema import Point, Run

#: Packages whose version changes are marked.
PACKAGES = ("dask", "distributed")
#: One series: the columns that identify it.
SERIES = ["suite", "workload", "units"]
#: Columns of :func:`history_frame`, in order.
HISTORY_COLUMNS = [
    "run_id", "run_name", "started_at", "backend", "run_status", *SERIES, "status", "problem",
    *PACKAGES, "median", "ci_halfwidth", "n", "throughput", "throughput_unit", "efficiency",
    "changed", "problem_changed",
]  # fmt: skip
#: How many names an error message lists at most.
_LISTED = 8


def _names(values: Any) -> str:
    names = sorted({str(v) for v in values})
    more = f", ... ({len(names) - _LISTED} more)" if len(names) > _LISTED else ""
    return ", ".join(names[:_LISTED]) + more


def _matching_runs(
    store: Store,
    workload: str | None,
    suite: str | None,
    since: date | None,
    backend: str | None,
    units: int | None,
) -> pd.DataFrame:
    """The (run, suite, workload, units) that pass every filter; one query, no timings read."""
    stmt = (
        select(Point.run_id, Point.suite, Point.workload, Point.units, Run.started_at, Run.backend)
        .join(Run, Run.id == Point.run_id)
        .distinct()
    )
    rows = pd.DataFrame(
        store.session.execute(stmt).all(),
        columns=["run_id", *SERIES, "started_at", "backend"],
    )
    if rows.empty:
        raise StoreError(f"{store.url} holds no measured runs yet; run 'dask-bench run' first")
    what = "any workload" if workload is None else f"workload {workload!r}"
    if workload is not None:
        known = rows["workload"]
        rows = rows[rows["workload"] == workload]
        if rows.empty:
            raise ConfigError(
                f"no stored run measured workload {workload!r}; measured workloads: {_names(known)}"
            )
    start = None
    if since is not None:
        start = since if isinstance(since, datetime) else datetime.combine(since, time.min)
    # Each filter in turn, so that the error names the one that left nothing.
    filters: list[tuple[str, Any, str]] = [
        ("suite", suite, f"--suite {suite}"),
        ("units", units, f"--units {units}"),
        ("backend", backend, f"--backend {backend}"),
    ]
    for column, value, flag in filters:
        if value is None:
            continue
        kept = rows[rows[column] == value]
        if kept.empty:
            raise ConfigError(
                f"no run of {what} matches {flag}; stored runs of it have {column}: "
                f"{_names(rows[column])}"
            )
        rows = kept
    if start is not None:
        kept = rows[rows["started_at"] >= start]
        if kept.empty:
            latest = format_date(rows["started_at"].max().to_pydatetime())
            raise ConfigError(
                f"no run of {what} matches --since {start:%Y-%m-%d}; its latest run "
                f"started {latest}"
            )
        rows = kept
    return rows


def changed_packages(changed: str) -> set[str]:
    """The packages named in a ``changed`` cell of :func:`history_frame`."""
    return {part.split(" ", 1)[0] for part in changed.split("; ") if part}


def _problems(store: Store, frame: pd.DataFrame) -> list[str]:
    """What each point computed and on what.

    Chunks and chunk size, workload options and version, and the worker layout: the
    same units as 2 workers x 1 thread or 1 x 2 are not the same measurement.
    """
    ids = [int(i) for i in frame["point_id"]]
    stmt = select(Point.id, Point.options).where(Point.id.in_(ids))
    options = {int(i): o or {} for i, o in store.session.execute(stmt)}
    out = []
    for row in frame.to_dict("records"):
        opts = "".join(f", {k}={v}" for k, v in sorted(options[int(row["point_id"])].items()))
        size = f"{row['chunks']} chunks of {row['chunk_size']}"
        layout = f"{row['workers']}x{row['threads_per_worker']} workers x threads"
        out.append(f"{size}{opts}, v{row['workload_version']}, {layout}")
    return out


def _mark_changes(frame: pd.DataFrame) -> tuple[list[str], list[str]]:
    """Per row: version changes and problem change since the previous run of its series."""
    versions, problems = [""] * len(frame), [""] * len(frame)
    for _, series in frame.groupby(SERIES, sort=False):
        last: dict[str, str] = {}
        for i, pos in enumerate(series.index):
            changes = []
            for pkg in PACKAGES:
                version = str(frame.at[pos, pkg])
                if version == "unknown":
                    continue  # no provenance: neither a change nor a baseline
                if pkg in last and last[pkg] != version:
                    changes.append(f"{pkg} {last[pkg]} → {version}")
                last[pkg] = version
            versions[int(pos)] = "; ".join(changes)
            before, now = frame.at[series.index[i - 1], "problem"], frame.at[pos, "problem"]
            if i and before != now:
                problems[int(pos)] = f"{before} → {now}"
    return versions, problems


def history_frame(
    store: Store,
    workload: str | None = None,
    *,
    suite: str | None = None,
    since: date | None = None,
    backend: str | None = None,
    units: int | None = None,
) -> pd.DataFrame:
    """The history of workloads across stored runs, oldest run first.

    Parameters
    ----------
    store
        The results database.
    workload
        A workload name; default: every workload.
    suite
        Only this suite (a workload name such as ``std`` exists in several).
    since
        Only runs started on or after this date (UTC).
    backend
        Only runs on this back-end.
    units
        Only points at these processing units.

    Returns
    -------
    pandas.DataFrame
        One row per (run, suite, workload, units), columns :data:`HISTORY_COLUMNS`.
        ``changed`` names the dask/distributed version changes since the previous
        run of the same series (empty when none); ``problem`` is what the point
        computed (chunks and chunk size, options, workload version) and
        ``problem_changed`` says when it differs from the previous run's, so that
        a time that moved because the problem did is not read as a regression.

    Raises
    ------
    StoreError
        When the store holds no measured run.
    ConfigError
        When the workload was never measured or a filter leaves no run; the message
        names the filter.
    """
    keep = _matching_runs(store, workload, suite, since, backend, units)
    wanted = set(keep["run_id"])
    runs = [r for r in store.runs() if r.id in wanted]
    frame = run_summaries(store, runs, suite=suite, workload=workload)
    frame = frame.merge(keep[["run_id", *SERIES]], on=["run_id", *SERIES])
    by_id = {r.id: r for r in runs}
    frame["run_status"] = frame["run_id"].map(lambda i: by_id[i].status)
    for pkg in PACKAGES:
        frame[pkg] = frame["run_id"].map(lambda i, p=pkg: package_version(by_id[i], p))
    frame = frame.sort_values(["started_at", "run_id", "point_id"], kind="stable")
    # A point measured twice in one run (not done by the runner) keeps its last row.
    frame = frame.drop_duplicates(["run_id", *SERIES], keep="last").reset_index(drop=True)
    frame["problem"] = _problems(store, frame)
    frame["changed"], frame["problem_changed"] = _mark_changes(frame)
    return frame[HISTORY_COLUMNS]


def series(frame: pd.DataFrame) -> list[tuple[tuple[str, str, int], pd.DataFrame]]:
    """The series of a history frame, in order of first appearance, then units."""
    groups = [(key, part) for key, part in frame.groupby(SERIES, sort=False)]
    groups.sort(key=lambda g: (list(frame["workload"]).index(g[0][1]), g[0][0], g[0][2]))
    return [((str(s), str(w), int(u)), part.reset_index(drop=True)) for (s, w, u), part in groups]


def _change(value: Any, base: Any) -> str:
    if is_missing(value) or is_missing(base) or not base:
        return "—"
    return f"{(float(value) / float(base) - 1) * 100:+.1f}%"


def _series_title(key: tuple[str, str, int]) -> str:
    suite, workload, units = key
    return f"{workload} ({suite}), {units} unit{'s' * (units != 1)}"


#: Columns of a series table (see :func:`~dask_bench.report.check.tiered_table`); tier 0
#: fits 80 characters. {} is the throughput unit; problem and status only when of note.
_SERIES_COLUMNS: list[Column] = [
    ("run", True, 0), ("name", False, 1), ("started", False, 0), ("time", False, 5),
    ("backend", False, 6), ("versions", False, 0), ("problem", False, 8), ("median", True, 0),
    ("± CI", True, 2), ("n", True, 4), ("{}", True, 7), ("eff.", True, 7),
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
        ci = "—" if int(row["n"]) < 2 else "±" + format_seconds(row["ci_halfwidth"], median)
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
    rank = {suite: i for i, suite in enumerate(SUITE_ORDER)}
    grouped = by_suite(series(frame), lambda s: s[0][0])
    suites = dict(sorted(grouped.items(), key=lambda kv: rank.get(kv[0], len(rank))))
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
