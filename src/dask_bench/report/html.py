"""A single self-contained HTML report of a run.

Everything is inline (CSS, and figures as base64 PNG data URIs) so that the file
can be mailed, archived or opened offline and still shows the same thing. Every
stored text is escaped: workload errors and names come from user code.
"""

from __future__ import annotations

import base64
import json
import os
from collections.abc import Mapping
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pandas as pd
from sqlalchemy.engine import make_url
from sqlalchemy.exc import ArgumentError

from dask_bench.report._markup import esc, kv_table, table, td
from dask_bench.report.export import atomic_output, check_output
from dask_bench.report.figures import efficiency_figure, figure_png, throughput_figure
from dask_bench.report.tables import (
    efficiency_level,
    error_text,
    format_bytes,
    format_date,
    format_efficiency,
    format_layout,
    format_seconds,
    format_throughput,
    is_missing,
    nested,
    point_status,
    suite_frames,
    warnings_of,
)
from dask_bench.store import Store, database_url
from dask_bench.store.schema import Run

#: Packages shown first in the versions table; any others recorded follow.
KEY_PACKAGES = ("dask", "distributed", "python", "numpy", "pandas", "pyarrow", "dask_bench")

CSS = """
body { font-family: system-ui, sans-serif; margin: 2em auto; max-width: 1100px; color: #222;
       padding: 0 1em; }
h1 { margin-bottom: .2em; } h2 { margin-top: 2em; border-bottom: 1px solid #ccc; }
table { border-collapse: collapse; margin: .8em 0; font-size: 90%; }
th, td { border: 1px solid #ddd; padding: .25em .6em; text-align: left; vertical-align: top; }
th { background: #f3f3f3; }
td.num { text-align: right; font-variant-numeric: tabular-nums; }
table.kv th { width: 12em; }
.warning { background: #fff4d6; border: 1px solid #e0b000; padding: .5em 1em; margin: .4em 0; }
.warn { color: #a66f00; font-weight: bold; } .bad { color: #c00; font-weight: bold; }
.ok { color: #187a18; } .mismatch td { background: #fff4d6; }
figure { display: inline-block; margin: .5em 1em .5em 0; } img { max-width: 100%; }
footer { margin-top: 3em; color: #777; font-size: 85%; }
"""


def default_report_path(database: str | os.PathLike[str], run: Run) -> Path:
    """Where a run's report goes by default: ``<db stem>-report-<run id>.html``.

    Parameters
    ----------
    database
        The database path or SQLAlchemy URL the run was read from.
    run
        The reported run.

    Returns
    -------
    Path
        In the SQLite file's folder; in the current directory for other databases.
    """
    url = database_url(os.fspath(database))
    try:
        parsed = make_url(url)
        name = parsed.database
        is_sqlite = parsed.get_backend_name() == "sqlite"
    except ArgumentError:
        name, is_sqlite = None, False
    if is_sqlite and name and name != ":memory:" and not name.startswith("file:"):
        db_file = Path(name).expanduser().resolve()
        return db_file.parent / f"{db_file.stem}-report-{run.id}.html"
    stem = Path(name).stem if name and name != ":memory:" else "dask-bench"
    return Path.cwd() / f"{stem}-report-{run.id}.html"


def _duration(run: Run) -> str | None:
    if run.finished_at is None:
        return None
    return format_seconds((run.finished_at - run.started_at).total_seconds())


def _provenance(run: Run) -> str:
    env = run.environment or {}
    host = nested(env, "host") or {}
    deployment = nested(env, "deployment") or {}
    options = deployment.get("options") if isinstance(deployment, Mapping) else None
    rows: list[tuple[str, Any]] = [
        ("run", f"{run.name} (id {run.id})"),
        ("status", run.status + (f": {run.message}" if run.message else "")),
        ("mode", f"{run.mode} scaling"),
        ("back-end", run.backend),
        ("back-end options", json.dumps(options, sort_keys=True) if options else None),
        ("layout", format_layout(run.layout)),
        ("started", format_date(run.started_at)),
        ("finished", format_date(run.finished_at)),
        ("duration", _duration(run)),
        ("dask-bench", nested(env, "dask_bench") or run.dask_bench_version),
    ]
    if isinstance(host, Mapping) and host:
        rows += [
            ("host", host.get("hostname")),
            ("CPU", host.get("cpu_model")),
            ("cores", host.get("cores")),
            ("memory", format_bytes(host.get("memory_bytes"))),
            ("OS", host.get("os")),
            ("Python", host.get("python")),
        ]
    return kv_table(rows)


def _versions(run: Run) -> str:
    versions = nested(run.environment, "versions")
    if not isinstance(versions, Mapping):
        return "<p>No package versions were recorded for this run.</p>"
    client = versions.get("client") or {}
    scheduler = versions.get("scheduler") or {}
    workers = versions.get("workers") or {}
    packages = [p for p in KEY_PACKAGES if p in client]
    packages += sorted(p for p in client if p not in KEY_PACKAGES)
    rows = []
    for pkg in packages:
        seen = sorted({str(v.get(pkg)) for v in workers.values() if isinstance(v, Mapping)})
        on_workers = ", ".join(seen) if seen else None
        same = scheduler.get(pkg) == client.get(pkg) and seen in ([], [str(client.get(pkg))])
        cells = td(pkg) + td(client.get(pkg)) + td(scheduler.get(pkg)) + td(on_workers)
        row_attr = "" if same else ' class="mismatch"'
        rows.append(f"<tr{row_attr}>{cells}</tr>")
    headers = ("package", "client", "scheduler", f"workers ({len(workers)})")
    return table(headers, rows)


def _scale_events(run: Run) -> str:
    if not run.scale_events:
        return ""
    rows = [
        "<tr>"
        + td(ev.previous, "num")
        + td(ev.requested, "num")
        + td(format_seconds(ev.time_to_first), "num")
        + td(format_seconds(ev.time_to_all), "num")
        + td("ok" if ev.ok else f"failed: {ev.error or ''}", "ok" if ev.ok else "bad")
        + "</tr>"
        for ev in run.scale_events
    ]
    headers = ("from workers", "to workers", "first arrived", "all arrived", "status")
    return "<h2>Scaling steps</h2>" + table(headers, rows)


def _points_table(run: Run, points: pd.DataFrame) -> str:
    strong = run.mode == "strong"
    headers = ["workload", "units (w x t)", "median", "± CI", "n", "failed reps", "throughput"]
    headers += ["speedup"] if strong else []
    headers += ["efficiency", "status"]
    rows = []
    for row in points.to_dict("records"):
        n = int(row["n"])
        half = row["ci_halfwidth"] if n >= 2 else None
        units = f"{int(row['units'])} ({int(row['workers'])}x{int(row['threads_per_worker'])})"
        cells = [
            td(row["workload"]),
            td(units, "num"),
            td(format_seconds(row["median"]), "num"),
            td("—" if half is None else "± " + format_seconds(half, like=row["median"]), "num"),
            td(n, "num"),
            td(int(row["n_failed"]), "num"),
            td(format_throughput(row["throughput"], str(row["throughput_unit"])), "num"),
        ]
        if strong:
            sp = row["speedup"]
            cells.append(td("—" if is_missing(sp) else f"{sp:.2f}x", "num"))
        level = efficiency_level(row["efficiency"])
        cells.append(td(format_efficiency(row["efficiency"]), f"num {level}"))
        status_cls = "ok" if row["status"] == "ok" and not row["n_failed"] else "bad"
        # The cell shows the short error; hovering shows the full (escaped) text.
        cells.append(td(point_status(row), status_cls, title=error_text(row.get("error"))))
        rows.append("<tr>" + "".join(cells) + "</tr>")
    return table(headers, rows)


def _img(png: bytes, alt: str) -> str:
    data = base64.b64encode(png).decode("ascii")
    return f'<figure><img alt="{esc(alt)}" src="data:image/png;base64,{data}"></figure>'


def _suite_section(run: Run, suite: str, points: pd.DataFrame) -> str:
    figures = [
        _img(figure_png(efficiency_figure(run, suite, points)), f"{suite} efficiency"),
        _img(figure_png(throughput_figure(run, suite, points)), f"{suite} throughput"),
    ]
    return (
        f"<section><h2>Suite {esc(suite)}</h2><div>{''.join(figures)}</div>"
        f"{_points_table(run, points)}</section>"
    )


def render_report(store: Store, run: Run) -> str:
    """The report of a run as one HTML document.

    Parameters
    ----------
    store
        The results database.
    run
        The run to report.

    Returns
    -------
    str
        A complete HTML document with no external resource.
    """
    warnings = "".join(f'<div class="warning">⚠ {esc(w)}</div>' for w in warnings_of(run))
    suites = suite_frames(store, run)
    body = "".join(_suite_section(run, s, p) for s, p in suites.items())
    if not suites:
        body = "<p>This run has no measured points.</p>"
    generated = format_date(datetime.now(UTC).replace(tzinfo=None))
    title = f"dask-bench: {run.name} (run {run.id})"
    return (
        "<!DOCTYPE html>\n"
        f'<html lang="en"><head><meta charset="utf-8"><title>{esc(title)}</title>'
        f"<style>{CSS}</style></head><body>"
        f"<h1>{esc(title)}</h1>"
        f"<p>{esc(run.mode)} scaling on back-end {esc(run.backend)}, "
        f"{esc(format_layout(run.layout))}</p>{warnings}"
        f"<h2>Provenance</h2>{_provenance(run)}<h3>Package versions</h3>{_versions(run)}"
        f"{_scale_events(run)}{body}"
        f"<footer>Generated {esc(generated)}. Medians of timed repetitions (warm-ups excluded); "
        "± is the half-width of the confidence interval of the mean; efficiency is relative "
        "to each workload's smallest successful point.</footer></body></html>\n"
    )


def write_report(store: Store, run: Run, path: str | os.PathLike[str]) -> Path:
    """Write a run's self-contained HTML report, atomically.

    Parameters
    ----------
    store
        The results database.
    run
        The run to report.
    path
        The HTML file to write; an existing file is replaced.

    Returns
    -------
    Path
        The file written.

    Raises
    ------
    ConfigError
        When the output folder does not exist.
    """
    target = check_output(path)
    # Render fully before touching the disk: a failure while plotting leaves nothing behind.
    text = render_report(store, run)
    with atomic_output(target) as tmp:
        tmp.write_text(text, encoding="utf-8")
    return target
