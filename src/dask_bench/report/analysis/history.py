"""The rows of a history: one per run that measured a series, with changes marked.

A *series* is one workload at one size (suite, workload, processing units); its
history is one row per run that measured it, oldest first. The tables are in
:mod:`dask_bench.report.console.history`, the figure in :mod:`dask_bench.report.figures.history`.
"""

from __future__ import annotations

from datetime import date, datetime, time
from typing import Any

import pandas as pd
from sqlalchemy import select

from dask_bench.errors import ConfigError, StoreError
from dask_bench.report._format import format_date
from dask_bench.report._values import package_version
from dask_bench.store import Store, run_summaries
from dask_bench.store.schema import Point, Run

#: Packages whose version changes are marked.
PACKAGES = ("dask", "distributed")
#: One series: the columns that identify it.
SERIES = ["suite", "workload", "units"]
#: Columns of :func:`history_frame`, in order.
HISTORY_COLUMNS = [
    "run_id",
    "run_name",
    "started_at",
    "backend",
    "run_status",
    *SERIES,
    "status",
    "problem",
    *PACKAGES,
    "median",
    "ci_low",
    "ci_high",
    "ci_halfwidth",
    "n",
    "throughput",
    "throughput_unit",
    "efficiency",
    "changed",
    "problem_changed",
]
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
