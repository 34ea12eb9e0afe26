"""Provenance sections of the HTML report: who ran what, where, with which versions."""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from typing import Any

from dask_bench.report._format import (
    format_allocation,
    format_bandwidth,
    format_bytes,
    format_date,
    format_layout,
    format_seconds,
)
from dask_bench.report._values import package_version, placement_text
from dask_bench.report.analysis.hardware import KINDS, bandwidths, baseline_error, baseline_facts
from dask_bench.report.analysis.trust import dask_config_line
from dask_bench.report.html._markup import esc, kv_table, table, td
from dask_bench.store.schema import Run

#: Packages shown first in the versions table; any others recorded follow.
KEY_PACKAGES = ("dask", "distributed", "python", "numpy", "pandas", "pyarrow", "dask_bench")
#: Rows never highlighted as differences: they identify a run, or are measured and so
#: differ a little between any two runs (a different machine shows in host and CPU).
UNCOMPARED = (
    "run",
    "started",
    "finished",
    "duration",
    "hardware baseline",
    *(f"{kind} bandwidth" for kind in KINDS),
)


def _duration(run: Run) -> str | None:
    if run.finished_at is None:
        return None
    return format_seconds((run.finished_at - run.started_at).total_seconds())


def hardware_rows(run: Run) -> list[tuple[str, Any]]:
    """The hardware baseline: bandwidth at the largest size measured, ``—`` when absent."""
    found = bandwidths(run) or {}
    rows: list[tuple[str, Any]] = [
        (f"{kind} bandwidth", format_bandwidth(found.get(kind))) for kind in KINDS
    ]
    if found:
        workers, seconds = baseline_facts(run)
        how = "client.benchmark_hardware()"
        how += "" if workers is None else f" on {workers} worker{'s' * (workers != 1)}"
        how += "" if seconds is None else f", took {format_seconds(seconds)}"
        error = baseline_error(run)
        rows.append(("hardware baseline", f"failed: {error}" if error else how))
    return rows


def provenance_rows(run: Run) -> list[tuple[str, Any]]:
    """The facts that identify a run's deployment and environment, as (key, value) rows."""
    env = run.provenance
    host, deployment = env.host, env.deployment
    options = deployment.get("options") if isinstance(deployment, Mapping) else None
    processes = deployment.get("processes") if isinstance(deployment, Mapping) else None
    rows: list[tuple[str, Any]] = [
        ("run", f"{run.name} (id {run.id})"),
        ("status", run.status + (f": {run.message}" if run.message else "")),
        ("mode", f"{run.mode} scaling"),
        ("back-end", run.backend),
        ("allocation", format_allocation(deployment)),
        ("back-end options", json.dumps(options, sort_keys=True) if options else None),
        ("layout", format_layout(run.layout)),
        ("workers are", None if processes is None else ("processes" if processes else "threads")),
        ("placement", placement_text(run)),
        ("dask config", dask_config_line(run)),
        ("started", format_date(run.started_at)),
        ("finished", format_date(run.finished_at)),
        ("duration", _duration(run)),
        ("dask", package_version(run, "dask")),
        ("distributed", package_version(run, "distributed")),
        ("dask-bench", env.dask_bench or run.dask_bench_version),
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
    return rows + hardware_rows(run)


def provenance_section(runs: Sequence[Run]) -> str:
    """One key/value table for one run; for several, one column per run.

    Rows where the runs differ are highlighted: they are what the comparison is about
    (or what confounds it).
    """
    if len(runs) == 1:
        return kv_table(provenance_rows(runs[0]))
    columns = [dict(provenance_rows(r)) for r in runs]
    keys = list(dict.fromkeys(k for c in columns for k in c))
    body = []
    for key in keys:
        values = [c.get(key) for c in columns]
        differs = key not in UNCOMPARED and len({str(v) for v in values}) > 1
        cells = "".join(td(v) for v in values)
        attr = ' class="mismatch"' if differs else ""
        body.append(f"<tr{attr}><th>{esc(key)}</th>{cells}</tr>")
    headers = ["", *(f"run {r.id}" for r in runs)]
    return table(headers, body, cls="kv")


def versions_table(run: Run) -> str:
    """Package versions on client, scheduler and workers; differing rows highlighted."""
    versions = run.provenance.versions
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


def scale_events_table(runs: Sequence[Run]) -> str:
    """Every scale step of the runs: from and to how many workers, and how long it took."""
    rows = [
        "<tr>"
        + (td(run.id, "num") if len(runs) > 1 else "")
        + td(ev.previous, "num")
        + td(ev.requested, "num")
        + td(format_seconds(ev.time_to_first), "num")
        + td(format_seconds(ev.time_to_all), "num")
        + td("ok" if ev.ok else f"failed: {ev.error or ''}", "ok" if ev.ok else "bad")
        + "</tr>"
        for run in runs
        for ev in run.scale_events
    ]
    if not rows:
        return "<p>No scale steps were recorded.</p>"
    headers = ["from workers", "to workers", "first arrived", "all arrived", "status"]
    return table((["run"] if len(runs) > 1 else []) + headers, rows)
