"""Reasons to distrust or qualify a run's numbers: a partial run, mismatched versions.

Shown under the header of a run in the terminal and at the top of the HTML report.
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
