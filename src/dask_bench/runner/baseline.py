"""The hardware baseline: Dask's own memory, disk and network bandwidth benchmark.

Stored with the run's provenance so that timings on two machines can be read
against what each machine can move per second.
"""

from __future__ import annotations

import time
from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Any

from dask_bench.deploy.scaling import connected_workers
from dask_bench.store.db import now

if TYPE_CHECKING:
    from distributed import Client

#: What ``Client.benchmark_hardware`` measures, each as size -> bytes per second.
KINDS = ("memory", "disk", "network")


def baseline_size(sizes: Sequence[int]) -> int | None:
    """The worker count at which a sweep runs the baseline.

    The first size with at least two workers (network bandwidth is measured between
    pairs of workers), else the first size; None for an empty sweep.
    """
    return next((s for s in sizes if s >= 2), sizes[0] if sizes else None)


def _bandwidths(raw: Any) -> dict[str, float]:
    # Dask returns size labels ("10 MiB") as keys; str() keeps any other key JSON-safe.
    if not isinstance(raw, Mapping):
        return {}
    return {str(size): float(value) for size, value in raw.items()}


def hardware_baseline(client: Client) -> dict[str, Any]:
    """Run ``client.benchmark_hardware()`` on the connected workers.

    Parameters
    ----------
    client
        Connected to the cluster at the size to measure.

    Returns
    -------
    dict
        JSON-safe: ``memory``, ``disk`` and ``network``, each size label -> bytes per
        second averaged over the workers (``network`` is empty with one worker),
        ``workers`` (how many took part, None if unknown), ``started_at`` (UTC, ISO
        format) and ``seconds`` (how long it took). When the benchmark fails (e.g. no
        disk space), ``error`` holds the reason instead of the bandwidths: the
        baseline is context, not a reason to stop a study.
    """
    facts: dict[str, Any] = {"workers": None, "started_at": now().isoformat()}
    start = time.perf_counter()
    try:
        facts["workers"] = len(connected_workers(client))
        raw: Any = client.benchmark_hardware()
    except Exception as exc:
        text = str(exc).strip().splitlines()[0] if str(exc).strip() else ""
        error = f"{type(exc).__name__}: {text}" if text else type(exc).__name__
        return {"error": error, **facts, "seconds": time.perf_counter() - start}
    seconds = time.perf_counter() - start
    return {**{kind: _bandwidths(raw.get(kind)) for kind in KINDS}, **facts, "seconds": seconds}
