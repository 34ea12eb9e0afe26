"""Synthetic results shared by the report tests: known timings, so every number can be checked."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from dask_bench.store import Store
from dask_bench.store.schema import Run

PNG_MAGIC = b"\x89PNG\r\n\x1a\n"
XSS = "<script>alert('x')</script> worker lost"
GIB = 2**30

# suite -> workload -> units -> timed seconds (None: the point failed, no timing).
# Seven repetitions: at 95 % the median's interval is then [fastest, slowest].
TIMINGS: dict[str, dict[str, dict[int, list[float] | None]]] = {
    "tasks": {
        "map-sleep": {
            1: [1.08, 1.12, 1.1, 1.09, 1.11, 1.1, 1.1],  # median 1.1, +-1.8 %: precise
            2: [1.25, 1.3, 1.2, 1.22, 1.28, 1.25, 1.26],  # median 1.25, +-4 %: precise
        },
        # median 0.55, +-9 %: imprecise (stopped by the point budget)
        "tree-reduce": {1: [0.5, 0.6, 0.55, 0.52, 0.58, 0.55, 0.54], 2: None},
    },
    "arrays": {
        # a single repetition at 2 units: no interval (stopped at max_repeats)
        "sum": {1: [2.0, 2.2, 2.1, 2.05, 2.15, 2.1, 2.12], 2: [2.5]},
        "matmul": {1: [1.0] * 7, 2: [2.4, 2.5, 2.6, 2.45, 2.55, 2.5, 2.52]},
        "transpose": {
            1: [0.2, 0.22, 0.21, 0.205, 0.215, 0.21, 0.212],
            2: [0.3, 0.33, 0.31, 0.305, 0.32, 0.31, 0.315],
        },
    },
}
#: How the points that did not reach their precision ended (the others: precision).
STOPPED_BY = {("tasks", "tree-reduce", 1): "budget", ("arrays", "sum", 2): "max_repeats"}
NTASKS = 1000
NBYTES = 200_000_000


def build_store(
    tmp_path: Path, *, mode: str = "weak", environment: dict[str, Any] | None = None
) -> tuple[Store, Run]:
    """A new store at ``tmp_path/r.db`` holding one complete run of :data:`TIMINGS`."""
    store = Store(str(tmp_path / "r.db"), create=True)
    return store, add_run(store, mode=mode, environment=environment)


def add_run(
    store: Store,
    *,
    name: str = "ci-run",
    mode: str = "weak",
    environment: dict[str, Any] | None = None,
    scale: float = 1.0,
    threads: int = 1,
) -> Run:
    """Add a complete run of :data:`TIMINGS`, every time multiplied by ``scale``."""
    run = store.create_run(
        name=name,
        mode=mode,
        backend="local",
        layout={"threads_per_worker": threads, "memory_per_worker": 2 * GIB},
        study={"measurement": {"confidence": 0.95}},
        version="0.1.0",
    )
    if environment is not None:
        store.update_provenance(run, **environment)
    for suite, workloads in TIMINGS.items():
        for workload, by_units in workloads.items():
            for units, seconds in by_units.items():
                point = store.add_point(
                    run, suite=suite, workload=workload, workload_version=1, workers=units,
                    threads_per_worker=threads, memory_per_worker=2 * GIB, units=units,
                    chunks=4 * units, chunk_size=50, options={}, nbytes=NBYTES * units,
                    ntasks=NTASKS * units,
                )  # fmt: skip
                # A slow warm-up that must not enter any statistic.
                store.add_measurement(point, repetition=0, warmup=True, seconds=9.0, ok=True)
                if seconds is None:
                    store.add_measurement(
                        point, repetition=0, warmup=False, seconds=None, ok=False, error=XSS
                    )
                    store.finish_point(point, "failed", error=XSS, stopped_by="failure")
                    continue
                for i, s in enumerate(seconds):
                    store.add_measurement(
                        point, repetition=i, warmup=False, seconds=s * scale, ok=True
                    )
                ending = STOPPED_BY.get((suite, workload, units), "precision")
                store.finish_point(point, "ok", stopped_by=ending)
    store.finish_run(run, "complete")
    return run


def add_point(
    store: Store,
    run: Run,
    suite: str,
    workload: str,
    units: int,
    seconds: list[float],
    **fields: Any,
) -> Any:
    """Add one finished point with these timed repetitions; ``fields`` go to ``finish_point``."""
    point = store.add_point(
        run, suite=suite, workload=workload, workload_version=1, workers=units,
        threads_per_worker=1, memory_per_worker=2 * GIB, units=units, chunks=4 * units,
        chunk_size=50, options={}, nbytes=NBYTES * units, ntasks=NTASKS * units,
    )  # fmt: skip
    for i, s in enumerate(seconds):
        store.add_measurement(point, repetition=i, warmup=False, seconds=s, ok=True)
    fields.setdefault("stopped_by", "precision")
    store.finish_point(point, "ok", **fields)
    return point


def full_environment(mismatch: bool = False) -> dict[str, Any]:
    client = {"dask": "2024.8.0", "distributed": "2024.8.0", "python": "3.11.2"}
    worker = {**client, "dask": "2024.1.0"} if mismatch else dict(client)
    env: dict[str, Any] = {
        "host": {
            "hostname": "bench-host",
            "cpu_model": "Test CPU",
            "cores": 8,
            "memory_bytes": 16 * GIB,
            "os": "Linux",
            "python": "3.11.2",
        },
        "versions": {"client": client, "scheduler": dict(client), "workers": {"tcp://w1": worker}},
        "version_mismatches": [],
        "deployment": {"backend": "local", "options": {"processes": True}},
        "dask_bench": "0.1.0",
    }
    if mismatch:
        env["version_mismatches"] = [{
            "package": "dask", "client": "2024.8.0", "scheduler": "2024.8.0",
            "workers": {"tcp://w1": "2024.1.0"},
        }]  # fmt: skip
    return env
