"""How long reading a large results database takes. Prints figures; asserts nothing.

A store of synthetic but realistic runs is generated first (by default 100,000 measurement
rows: every registered workload at 1 to 64 processing units, about 20 timed repetitions per
point plus a warm-up, a few failed repetitions and points, a few repetitions disturbed by
a worker leaving, every way a point can end, notes, where the worker time went, real
provenance and scale steps), then these are timed with ``time.perf_counter``, each on a
freshly opened store:

- ``build_report`` of the latest run, and of the last 3 runs overlaid. Target: at most 5 s.
- ``compare_runs`` of the last two runs, and ``history_frame`` of one workload and of all.

The last line prints the headline figure (the report of 3 runs against its target);
``--profile`` then prints where that report spends its time (cProfile, cumulative, parent
process only: figures drawn by forked processes show as waiting).

Run: ``make bench-report`` or ``python benchmarks/report.py [--rows N] [--keep DIR]``.
"""

from __future__ import annotations

import argparse
import cProfile
import os
import platform
import pstats
import shutil
import tempfile
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import numpy as np
from rich.console import Console
from rich.table import Table
from sqlalchemy import insert

from dask_bench._version import __version__
from dask_bench.report import build_report, compare_runs, history_frame
from dask_bench.runner.checks import build_study
from dask_bench.runner.provenance import PACKAGES, environment
from dask_bench.store import Store
from dask_bench.store.schema import (
    BREAKDOWN_CATEGORIES,
    Breakdown,
    Ending,
    Measurement,
    Point,
    Run,
    ScaleEventRow,
)
from dask_bench.workloads import Workload, all_workloads

SIZES = (1, 2, 4, 8, 16, 32, 64)
GIB = 2**30
REPORT_TARGET = 5.0  # seconds
#: Chunks per unit and chunk size of each suite (the study defaults).
SUITE_SHAPE = {"tasks": (2, 20), "arrays": (4, 1000), "dataframes": (4, 20_000), "climate": (4, 30)}
#: How points that did not fail end, and how often.
ENDINGS = (Ending.PRECISION, Ending.MAX_REPEATS, Ending.BUDGET, Ending.TIME_BUDGET)
ENDING_WEIGHTS = (0.7, 0.15, 0.1, 0.05)
#: Share of timed repetitions disturbed by a worker leaving, and of points with notes.
DISTURBED_SHARE = 0.01
NOTED_SHARE = 0.05
#: Typical shares of the worker time by category (see BREAKDOWN_CATEGORIES).
BREAKDOWN_SHARES = (0.55, 0.05, 0.1, 0.05, 0.05, 0.02, 0.08, 0.1)
ERRORS = (
    "KilledWorker: Attempted to run task 'sum-aggregate' on 4 different workers",
    "repetition exceeded its timeout of 300.0 s; workers restarted",
    "MemoryError: Unable to allocate 1.49 GiB for an array",
    "CommClosedError: in <TCP (closed) ConnectionPool.gather local=tcp://127.0.0.1>",
)


@dataclass(frozen=True)
class Generated:
    """What :func:`generate` wrote."""

    runs: int
    points: int
    rows: int
    seconds: float


def _versions(dask: str, workers: int) -> dict[str, Any]:
    """Package versions as ``cluster_versions`` records them, the same on every node."""
    from distributed.versions import get_versions

    found = get_versions(packages=["pyarrow", "dask_bench"])["packages"]
    node = {p: None if found.get(p) is None else str(found[p]) for p in PACKAGES}
    node.update(dask=dask, distributed=dask)
    addrs = [f"tcp://127.0.0.1:{40000 + i}" for i in range(workers)]
    return {"client": node, "scheduler": dict(node), "workers": {a: dict(node) for a in addrs}}


def _problem(w: Workload, units: int) -> dict[str, Any]:
    per_unit, chunk_size = SUITE_SHAPE[w.suite]
    chunks = per_unit * units
    if w.suite == "tasks":
        nbytes, ntasks = None, chunks * chunk_size
    elif w.suite == "arrays":
        nbytes, ntasks = chunks * chunk_size**2 * 8, chunks * 3
    elif w.suite == "climate":  # days of a 1 degree float32 grid
        nbytes, ntasks = chunks * chunk_size * 180 * 360 * 4, chunks * 3
    else:
        nbytes, ntasks = chunks * chunk_size * 40, chunks * 4
    return {"chunks": chunks, "chunk_size": chunk_size, "nbytes": nbytes, "ntasks": ntasks}


def _repetition_counts(rng: np.random.Generator, points: int, timed_rows: int) -> np.ndarray:
    """About 20 timed repetitions per point (15 to 25), adding up to exactly ``timed_rows``."""
    counts = rng.integers(15, 26, points)
    while (gap := timed_rows - int(counts.sum())) != 0:
        step = 1 if gap > 0 else -1
        pick = rng.choice(points, min(abs(gap), points), replace=False)
        pick = pick[counts[pick] + step >= 2]  # the runner always takes at least 2
        counts[pick] += step
    return counts


def generate(db: Path, rows: int, seed: int = 0) -> Generated:
    """Write a store of synthetic runs holding ``rows`` measurement rows, in bulk inserts."""
    start = time.perf_counter()
    rng = np.random.default_rng(seed)
    workloads = all_workloads()
    combos = [(w, u) for w in workloads for u in SIZES]
    per_point = 21  # a warm-up and about 20 timed repetitions
    n_runs = max(3, round(rows / (len(combos) * per_point)))
    per_run = min(len(combos), max(1, rows // (per_point * n_runs)))
    n_points = n_runs * per_run
    timed = _repetition_counts(rng, n_points, rows - n_points)
    # Each workload: time at 1 unit, and how fast it grows with units (weak scaling).
    keys = [w.key for w in workloads]
    base = dict(zip(keys, rng.lognormal(np.log(0.2), 1.0, len(keys)), strict=True))
    growth = dict(zip(keys, rng.uniform(0.01, 0.35, len(keys)), strict=True))
    study = build_study({"name": "nightly", "deployment": {"workers": list(SIZES)}})
    layout = {"threads_per_worker": 1, "memory_per_worker": 4 * GIB}
    deployment = {"backend": "local", "options": {}, "layout": layout, "processes": True}
    run_rows, point_rows, rep_rows, event_rows, breakdown_rows = [], [], [], [], []
    point_id = 0
    t0 = datetime(2026, 1, 5, 2, 0)
    for r in range(n_runs):
        started = t0 + timedelta(days=r)
        dask = "2026.6.0" if r < n_runs // 2 else "2026.8.0"  # an upgrade half-way
        env = environment(deployment, _versions(dask, max(SIZES)))
        drift = rng.normal(1.0, 0.03)
        clock = started
        previous = 0
        for size in SIZES:
            first = rng.uniform(0.4, 1.5)
            event_rows.append({
                "run_id": r + 1, "requested": size, "previous": previous, "time_to_first": first,
                "time_to_all": first + 0.02 * size * rng.uniform(0.5, 2.0), "ok": True,
                "error": None, "at": clock,
            })  # fmt: skip
            previous = size
        for w, units in combos[:per_run]:
            point_id += 1
            n = int(timed[point_id - 1])
            mean = base[w.key] * (1 + growth[w.key] * np.log2(units)) * drift
            seconds = mean * rng.lognormal(0.0, 0.05, n + 1)
            seconds[0] *= rng.uniform(1.5, 3.0)  # the warm-up pays for imports and caches
            failed_point = rng.random() < 0.01
            stopped_by = str(ENDINGS[rng.choice(len(ENDINGS), p=ENDING_WEIGHTS)])
            bad_reps = rng.random(n + 1) < 0.002
            bad_reps[0] = False
            if failed_point:
                bad_reps[-1] = True  # a point fails on its last repetition
            disturbed = (rng.random(n + 1) < DISTURBED_SHARE) & ~bad_reps
            disturbed[0] = False
            seconds[disturbed] *= rng.uniform(1.3, 2.0)  # a worker left: slower, left out
            error = str(rng.choice(ERRORS)) if failed_point else None
            noted = rng.random() < NOTED_SHARE
            shares = rng.dirichlet(np.asarray(BREAKDOWN_SHARES) * 40)
            breakdown_rows += [
                {"point_id": point_id, "category": c, "seconds": float(v * units * mean)}
                for c, v in zip(BREAKDOWN_CATEGORIES, shares, strict=True)
            ]
            point_rows.append({
                "id": point_id, "run_id": r + 1, "suite": w.suite, "workload": w.name,
                "workload_version": w.version, "workers": units, "threads_per_worker": 1,
                "memory_per_worker": 4 * GIB, "units": units, "options": dict(w.options),
                **_problem(w, units), "status": "failed" if failed_point else "ok",
                "stopped_by": "failure" if failed_point else stopped_by,
                "error": error, "started_at": clock,
                "finished_at": clock + timedelta(seconds=float(seconds.sum())),
                "notes": ["2 warm-ups until the timings were steady"] if noted else None,
                "scheduler_tasks": _problem(w, units)["ntasks"],
                "tasks_per_second": _problem(w, units)["ntasks"] / mean,
                "memory_peak": int(0.3 * GIB * units), "memory_mean": int(0.2 * GIB * units),
                "metrics_complete": True,
            })  # fmt: skip
            for k in range(n + 1):
                ok = not bad_reps[k]
                rep_rows.append({
                    "point_id": point_id, "repetition": 0 if k == 0 else k - 1, "warmup": k == 0,
                    "seconds": float(seconds[k]) if ok else None, "ok": ok,
                    "error": None if ok else error or str(rng.choice(ERRORS)), "started_at": clock,
                    "disturbed": bool(disturbed[k]),
                    "disturbance": "worker tcp://127.0.0.1:40003 left" if disturbed[k] else None,
                })  # fmt: skip
                clock += timedelta(seconds=float(seconds[k]))
        run_rows.append({
            "id": r + 1, "name": f"nightly-{started:%Y-%m-%d}", "status": "complete",
            "mode": "weak", "backend": "local", "layout": layout, "started_at": started,
            "finished_at": clock, "study": study.model_dump(mode="json"), "environment": env,
            "dask_bench_version": __version__, "message": None,
        })  # fmt: skip
    store = Store(db, create=True)
    try:
        with store.engine.begin() as conn:
            conn.execute(insert(Run), run_rows)
            conn.execute(insert(ScaleEventRow), event_rows)
            conn.execute(insert(Point), point_rows)
            conn.execute(insert(Measurement), rep_rows)
            conn.execute(insert(Breakdown), breakdown_rows)
    finally:
        store.close()
    return Generated(n_runs, n_points, len(rep_rows), time.perf_counter() - start)


@contextmanager
def fresh_store(db: Path) -> Iterator[Store]:
    """A newly opened store, so that no step profits from objects a previous one loaded."""
    store = Store(db)
    try:
        yield store
    finally:
        store.close()


def timed(step: Callable[[Store], object], db: Path) -> float:
    """Seconds ``step`` takes on a fresh store (opening it is not counted)."""
    with fresh_store(db) as store:
        start = time.perf_counter()
        step(store)
        return time.perf_counter() - start


def cpu_count() -> int:
    """Cores this process may use."""
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # not on Linux
        return os.cpu_count() or 1


def profile(step: Callable[[Store], object], db: Path) -> None:
    """Print the 25 functions ``step`` spends most (cumulative) time in, on a fresh store."""
    with fresh_store(db) as store:
        profiler = cProfile.Profile()
        profiler.enable()
        step(store)
        profiler.disable()
    pstats.Stats(profiler).sort_stats("cumulative").print_stats(25)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=100_000, help="measurement rows to generate")
    parser.add_argument("--keep", type=Path, help="keep the store and the reports in this folder")
    parser.add_argument("--seed", type=int, default=0, help="seed of the synthetic data")
    parser.add_argument(
        "--profile", action="store_true", help="then profile the report of 3 runs (cProfile)"
    )
    args = parser.parse_args()
    if args.rows < 100:
        parser.error("--rows must be at least 100")
    folder = args.keep or Path(tempfile.mkdtemp(prefix="dask-bench-report-"))
    folder.mkdir(parents=True, exist_ok=True)
    db = folder / "bench.db"
    db.unlink(missing_ok=True)
    try:
        gen = generate(db, args.rows, args.seed)
        with fresh_store(db) as store:
            ids = [r.id for r in store.runs()]

        def report(ref: list[int], name: str) -> Callable[[Store], object]:
            return lambda s: build_report(s, [s.run(i) for i in ref], folder / name)

        steps: list[tuple[str, Callable[[Store], object], float | None]] = [
            ("build_report, latest run", report(ids[-1:], "report-latest"), REPORT_TARGET),
            ("build_report, 3 runs overlaid", report(ids[-3:], "report-3-runs"), REPORT_TARGET),
            ("compare_runs, last 2 runs", lambda s: compare_runs(s, *map(s.run, ids[-2:])), None),
            ("history_frame, one workload", lambda s: history_frame(s, "map-sleep"), None),
            ("history_frame, every workload", lambda s: history_frame(s), None),
        ]  # fmt: skip
        table = Table(title=f"report on {gen.rows:,} measurement rows ({platform.node()})")
        for column in ("step", "seconds", "target", "verdict"):
            table.add_column(column, justify="left" if column == "step" else "right")
        table.add_row(
            f"generate {gen.runs} runs, {gen.points:,} points", f"{gen.seconds:.2f}", "—", "—"
        )
        measured: dict[str, float] = {}
        for name, step, target in steps:
            seconds = measured[name] = timed(step, db)
            verdict = "—" if target is None else ("PASS" if seconds <= target else "MISS")
            table.add_row(
                name, f"{seconds:.2f}", "—" if target is None else f"≤ {target:g} s", verdict
            )
        Console().print(table)
        headline = measured["build_report, 3 runs overlaid"]
        print(
            f"report of 3 runs over {gen.rows:,} rows: {headline:.2f} s "
            f"(target ≤ {REPORT_TARGET:g} s, {'PASS' if headline <= REPORT_TARGET else 'MISS'}; "
            f"{cpu_count()} cores, load average {os.getloadavg()[0]:.1f})"
        )
        if args.profile:
            profile(steps[1][1], db)
        if args.keep:
            print(f"kept the store and reports in {folder}")
    finally:
        if not args.keep:
            shutil.rmtree(folder, ignore_errors=True)


if __name__ == "__main__":
    main()
