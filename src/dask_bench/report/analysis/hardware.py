"""The hardware baseline of a run (``environment["hardware"]``), read for the reports.

Formatting lives with the other shared formatters in :mod:`dask_bench.report._format`.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from typing import Any

from dask_bench.store.schema import Run

#: Bandwidths measured by ``Client.benchmark_hardware``, in display order.
KINDS = ("memory", "disk", "network")


def _hardware(run: Run) -> Mapping[str, Any] | None:
    return run.provenance.hardware


def _size(label: str) -> int | None:
    from dask.utils import parse_bytes

    try:
        return int(parse_bytes(label))
    except (ValueError, TypeError):
        return None


def largest_size(by_size: Any) -> float | None:
    """The bandwidth at the largest size measured (sizes are labels such as ``10 MiB``).

    Small sizes measure per-call overhead more than bandwidth, so the largest is the
    figure that says what the hardware can move. None when nothing usable was stored.
    """
    if not isinstance(by_size, Mapping):
        return None
    sized = [
        (size, float(value))
        for label, value in by_size.items()
        if (size := _size(str(label))) is not None
        and isinstance(value, (int, float))
        and math.isfinite(value)
    ]
    return max(sized)[1] if sized else None


def bandwidths(run: Run) -> dict[str, float | None] | None:
    """Memory, disk and network bandwidth (bytes/s) of a run's baseline.

    None when the run has no baseline; a kind is None when it was not measured
    (network needs two workers) or the baseline failed.
    """
    hardware = _hardware(run)
    if hardware is None:
        return None
    return {kind: largest_size(hardware.get(kind)) for kind in KINDS}


def baseline_error(run: Run) -> str | None:
    """Why the run's baseline failed, or None."""
    error = (_hardware(run) or {}).get("error")
    return None if error is None else str(error)


def baseline_facts(run: Run) -> tuple[int | None, float | None]:
    """Workers that took part in the baseline and the seconds it took (None: unknown)."""
    hardware = _hardware(run) or {}
    workers, seconds = hardware.get("workers"), hardware.get("seconds")
    return (
        workers if isinstance(workers, int) else None,
        float(seconds) if isinstance(seconds, (int, float)) else None,
    )
