"""Reasons to distrust or qualify a run's numbers: a partial run, mismatched versions.

Shown under the header of a run in the terminal and at the top of the HTML report; and
the Dask config the run set, with whether every side reported it.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from dask_bench.store.schema import Run, RunStatus


def _version(value: Any) -> str:
    return "missing" if value is None else str(value)


def warnings_of(run: Run) -> list[str]:
    """Reasons to distrust or qualify a run's numbers, one line each."""
    out: list[str] = []
    if run.status != RunStatus.COMPLETE:
        why = f": {run.message}" if run.message else ""
        out.append(f"run status is {run.status!r}, results may be partial{why}")
    for m in run.provenance.version_mismatches:
        if not isinstance(m, Mapping):
            continue
        workers = m.get("workers") or {}
        seen = ", ".join(sorted({_version(v) for v in workers.values()})) if workers else "same"
        out.append(
            f"version mismatch for {m.get('package')}: client {_version(m.get('client'))}, "
            f"scheduler {_version(m.get('scheduler'))}, workers {seen}"
        )
    return out


def dask_config_line(run: Run) -> str | None:
    """The Dask config a run set and how it was read back, in one line; None when it set none.

    E.g. ``dataframe.shuffle.method=p2p (read back on client, scheduler and 2 workers)``,
    or ``... (differs: dataframe.shuffle.method is None on the scheduler and 2 workers)``.
    """
    seen = run.provenance.dask_config
    requested = seen.requested if seen is not None else (run.study or {}).get("config")
    if not requested or not isinstance(requested, Mapping):
        return None
    text = ", ".join(f"{k}={v}" for k, v in requested.items())
    if seen is None:
        return f"{text} (not read back: the run ended before its workers arrived)"
    if seen.mismatches:
        first = seen.mismatches[0]
        where = list(first.get("where") or [])
        workers = sum(str(w).startswith("worker ") for w in where)
        places = [w for w in where if not str(w).startswith("worker ")]
        places += [f"{workers} worker{'s' if workers != 1 else ''}"] if workers else []
        value = "not set" if first.get("unset") else repr(first.get("found"))
        return f"{text} (differs: {first.get('setting')} is {value} on the {' and '.join(places)})"
    workers = len(seen.workers)
    return f"{text} (read back on client, scheduler and {workers} worker{'s' * (workers != 1)})"
