"""dask-bench against a naive scaling loop on the same operations. Prints figures; asserts nothing.

A simple scaling script starts a cluster per worker count and times each operation a
fixed 30 times, then reports mean ± a Student-t interval. This script does exactly
that for every array and dataframe workload, at the sizes dask-bench measured them
(its calibrated chunk counts, so both time the same work), and compares:

- wall time: the whole dask-bench study (cluster start, calibration, warm-ups,
  breakdown, database) against the whole naive loop (cluster start, preparation,
  30 observations per operation);
- precision: the relative half-width of each point's 95 % interval, dask-bench's of
  the median (order statistics) and the loop's of the mean (Student t), and also of
  the median for the same 30 observations.

Target of the issue: dask-bench reaches <= 5 % on the same operations in <= 1/5 of the
loop's wall time. Run: ``python benchmarks/naive.py [--observations 30]``.
"""

from __future__ import annotations

import argparse
import statistics
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from scipy import stats as st

from dask_bench.runner import run_study
from dask_bench.runner.checks import build_study
from dask_bench.stats import relative_halfwidth
from dask_bench.store import Store, point_summaries
from dask_bench.workloads import WorkloadContext, get_workload

SUITES = ("arrays", "dataframes")
WORKERS = (1, 2)


@dataclass
class Point:
    """One point dask-bench measured: where, at which size, and how precisely."""

    suite: str
    workload: str
    workers: int
    units: int
    chunks: int
    chunk_size: int
    options: dict[str, Any]
    ci_rel: float
    precise: bool


def dask_bench_study(db: str) -> tuple[float, list[Point], int, int]:
    """The default study restricted to the array and dataframe suites at 1 and 2 workers."""
    study = build_study(
        {
            "database": db,
            "report": False,
            "deployment": {"workers": list(WORKERS)},
            "suites": {suite: {} for suite in SUITES},
            "measurement": {"hardware_baseline": False},  # the loop has none either
        }
    )
    t0 = time.perf_counter()
    result = run_study(study)
    wall = time.perf_counter() - t0
    store = Store(db)
    run = store.run(result.run_id)
    summary = point_summaries(store, run).set_index("point_id")
    points = [
        Point(
            suite=p.suite,
            workload=p.workload,
            workers=p.workers,
            units=p.units,
            chunks=p.chunks,
            chunk_size=p.chunk_size,
            options=dict(p.options or {}),
            ci_rel=float(summary.loc[p.id, "ci_rel"]),
            precise=bool(summary.loc[p.id, "precise"]),
        )
        for p in run.points
        if p.status == "ok"
    ]
    threads = int(run.layout.get("threads_per_worker", 1))
    memory = int(run.layout.get("memory_per_worker", 2**30))
    store.close()
    return wall, points, threads, memory


def naive_loop(
    points: list[Point], observations: int, threads: int, memory: int
) -> tuple[float, dict[tuple[str, str, int], tuple[float, float]]]:
    """30 fixed observations per operation; (mean-t, median) relative half-widths per point."""
    from distributed import Client, LocalCluster

    out: dict[tuple[str, str, int], tuple[float, float]] = {}
    t0 = time.perf_counter()
    for workers in WORKERS:
        with (
            LocalCluster(
                n_workers=workers,
                threads_per_worker=threads,
                memory_limit=memory,
                dashboard_address=":0",
            ) as cluster,
            Client(cluster) as client,
        ):
            for p in [p for p in points if p.workers == workers]:
                ctx = WorkloadContext(
                    client=client,
                    units=p.units,
                    chunks=p.chunks,
                    chunk_size=p.chunk_size,
                    options=p.options,
                )
                trial = get_workload(p.suite, p.workload).func(ctx)
                seconds = []
                for _ in range(observations):
                    s = time.perf_counter()
                    trial.run()
                    seconds.append(time.perf_counter() - s)
                trial.release()
                mean = statistics.fmean(seconds)
                half = st.t.ppf(0.975, len(seconds) - 1) * statistics.stdev(seconds)
                half /= len(seconds) ** 0.5
                out[(p.suite, p.workload, workers)] = (half / mean, relative_halfwidth(seconds))
    return time.perf_counter() - t0, out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--observations", type=int, default=30)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        bench_wall, points, threads, memory = dask_bench_study(str(Path(tmp) / "n.db"))
    loop_wall, loop = naive_loop(points, args.observations, threads, memory)
    print(f"{'point':32} {'dask-bench median':>18} {'loop mean (t)':>14} {'loop median':>12}")
    for p in points:
        t_rel, m_rel = loop[(p.suite, p.workload, p.workers)]
        mark = "" if p.precise else " *"
        print(
            f"{p.suite + '/' + p.workload + ' @' + str(p.workers):32} "
            f"{p.ci_rel * 100:>16.1f} %{mark:2} {t_rel * 100:>12.1f} % {m_rel * 100:>10.1f} %"
        )
    ours = [p.ci_rel for p in points]
    loops = [v[0] for v in loop.values()]
    precise = sum(p.precise for p in points)
    print(
        f"dask-bench: {bench_wall:.1f} s for {len(points)} points, {precise} within 5 %, "
        f"median half-width {statistics.median(ours) * 100:.1f} %, "
        f"widest {max(ours) * 100:.1f} %"
    )
    print(
        f"naive loop ({args.observations} observations each): {loop_wall:.1f} s, median "
        f"half-width {statistics.median(loops) * 100:.1f} %, widest {max(loops) * 100:.1f} %"
    )
    print(f"time ratio dask-bench / loop: {bench_wall / loop_wall:.2f} (target <= 0.20)")


if __name__ == "__main__":
    main()
