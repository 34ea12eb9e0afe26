"""What the harness itself costs per point at many workers. Prints figures; asserts nothing.

1. On the Slurm test bed (``testbeds/slurm``: 4 simulated nodes of 2 CPUs; started when
   needed, stopped again if this script started it), one study sweeps ``tasks/map-tiny``
   at 4 and 64 single-thread workers (2 workers per job, 32 jobs of 1 CPU at 64, 8 per
   node, 256 MiB each). Each size's harness figures come from the run's provenance
   (``measuring.harness``): the time spent on a point outside its repetitions' timed
   regions and outside preparing its data, including the checks after its scale step.
   The ratio 64 / 4 must stay at most 16 (linear in the workers).
2. On a LocalCluster, what the harness adds per task: the result check and the
   breakdown's readings (per point, divided by its tasks), timed directly; a
   repetition's Dask span and, for fixed pools measured on a subset of their workers,
   the worker restriction (per task and per listed worker), as the median of paired
   differences of whole runs, with their range (2,000 tiny tasks, 5 rounds); the
   readings at 2,000 and 20,000 tasks, split into a part per point and one per task.
3. What a 1,000-worker, 1M-task point would spend in the harness, extrapolated linearly.

Run: ``make bench-scale`` or ``python benchmarks/scale.py [--workers 4,64] [--tasks 2000,20000]
[--rounds 5] [--no-slurm]``. About 7 minutes on 2 cores (the 64 workers take 1-2 minutes
to start).
Everything started here (jobs, clusters, the test bed) is stopped on errors and Ctrl-C too.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import sqlite3
import statistics
import tempfile
import time
from collections.abc import Callable
from typing import Any

from _testbed import slurm_testbed  # benchmarks/, run as scripts
from dask_bench.runner import run_study
from dask_bench.runner.checks import build_study
from dask_bench.runner.harness import extrapolate, fit_linear

#: Settings that keep 64 idle worker processes (and their nannies) from filling 2 cores
#: with their own periodic work: profiling, system monitoring, event-loop ticks.
LIGHT_WORKERS = {
    "distributed.worker.profile.enabled": False,
    "distributed.admin.system-monitor.interval": "2s",
    "distributed.admin.tick.interval": "200ms",
    "distributed.worker.memory.monitor-interval": "1s",
}


def slurm_study(folder: str, sizes: list[int]) -> dict[str, Any]:
    """The study of part 1: ``tasks/map-tiny`` at ``sizes`` single-thread workers."""
    return {
        "name": "bench-scale",
        "deployment": {
            "backend": "slurm",
            "workers": sizes,
            "memory_per_worker": "256MiB",
            "cores_per_node": 2,  # 2 workers per job
            "startup_timeout": 400,
            "options": {
                "queue": "debug",
                "walltime": "00:30:00",
                "job_cpu": 1,  # 8 jobs per node (4 per CPU): 64 workers fit the test bed
                # the workers' limits only: with the nannies' 256 MiB a job, 8 jobs would
                # ask for more than a test-bed node's memory (the 96 processes use 6.5 GiB)
                "job_mem": "512M",
                "scheduler_options": {"host": "127.0.0.1"},
                "log_directory": f"{folder}/jobs",
            },
        },
        "config": LIGHT_WORKERS,
        "suites": {"tasks": {"workloads": ["map-tiny"], "chunk_size": 5, "per_unit": 2}},
        "measurement": {
            "min_repeats": 3,
            "max_repeats": 3,
            "warmup": 1,
            "max_warmup": 1,
            "breakdown": True,
            "hardware_baseline": False,
            "repetition_timeout": 300,
        },
        "database": f"{folder}/scale.db",
        "report": False,
    }


def harness_figures(db: str) -> dict[int, dict[str, float]]:
    """``measuring.harness`` of the database's only run, by worker count."""
    with contextlib.closing(sqlite3.connect(db)) as conn:
        (env,) = conn.execute("select environment from runs").fetchone()
    found = json.loads(env).get("measuring", {}).get("harness", {})
    return {int(k): v for k, v in found.items()}


def slurm_part(sizes: list[int]) -> dict[int, dict[str, float]]:
    """Part 1; run_study cancels its jobs on errors and Ctrl-C (then it returns early)."""
    with tempfile.TemporaryDirectory() as folder, slurm_testbed():
        result = run_study(build_study(slurm_study(folder, sizes)))
        print(
            f"slurm study: {result.status}, {result.points} points, {result.failed_points} failed"
        )
        if result.status != "complete":
            raise SystemExit(f"the study did not complete: {result.message}")
        figures = harness_figures(f"{folder}/scale.db")
    print("\nharness per point on the Slurm test bed (seconds)")
    keys = ["workers", "repetitions", "workload_seconds", "harness_seconds"]
    keys += ["after_scale_seconds", "per_point_seconds"]
    keys += sorted({k for f in figures.values() for k in f} - set(keys) - _NOT_SHOWN)
    for k in keys:
        print(f"  {k:<22}" + "".join(f"{figures[n].get(k, 0.0):>12.3f}" for n in sorted(figures)))
    return figures


_NOT_SHOWN = {"points", "wall_seconds", "prepare_seconds"}


def _timed(func: Callable[[], Any]) -> float:
    t0 = time.perf_counter()
    func()
    return time.perf_counter() - t0


def _paired(label: str, deltas: list[float], n: int) -> tuple[float, str]:
    """The median paired difference per task, and how it reads against the noise."""
    median = statistics.median(deltas) / n
    low, high = min(deltas) / n, max(deltas) / n
    shown = f"{median * 1e6:+.1f} us (paired rounds {low * 1e6:+.1f} to {high * 1e6:+.1f})"
    if low <= 0 <= high:
        shown += ": within this machine's noise"
    return median, f"  {label:<30}{shown}"


def local_part(task_counts: list[int], rounds: int) -> dict[str, float]:
    """Part 2: seconds per task of each per-task harness cost, the largest graph's.

    The check and the breakdown's readings are timed directly. The span and the worker
    restriction act inside the scheduler, so they are differences of whole runs: the
    three runs of a round (plain, in a span, restricted) follow each other, and the
    median of the rounds' paired differences is reported with their range, since a
    drift of the machine moves whole runs by more than these costs. The scheduler sends
    every task at once (worker-saturation inf): the workers then never wait on its round
    trips, which would add milliseconds of noise per task.
    """
    import dask
    from distributed import Client, LocalCluster, span, wait

    from dask_bench._kernels import inc
    from dask_bench.runner.breakdown import PointObserver, finish_points
    from dask_bench.workloads import WorkloadContext, get_workload

    per_task: dict[str, float] = {}
    fake = [f"tcp://10.255.{i // 250}.{i % 250 + 1}:4000" for i in range(64)]
    print(f"\nper task on a LocalCluster of 2 workers ({rounds} rounds of paired runs)")
    with (
        dask.config.set({"distributed.scheduler.worker-saturation": float("inf")}),
        LocalCluster(n_workers=2, threads_per_worker=1, dashboard_address=":0") as cluster,
        Client(cluster) as client,
    ):

        def plain(n: int) -> Any:
            futures = client.map(inc, range(n), pure=False)
            wait(futures)
            return client.gather(futures)

        def spanned(n: int) -> Any:
            with span("bench-scale"):
                return plain(n)

        def restricted(n: int) -> Any:
            # a subset of a fixed pool: every task restricted to 64 listed workers (none of
            # which exists, so that the tasks still run anywhere: the cost is the listing)
            with dask.annotate(workers=fake, allow_other_workers=True):
                return plain(n)

        n = min(task_counts)
        plain(n)  # warm-up
        base, span_d, restrict_d = [], [], []
        for _ in range(rounds):
            b = _timed(lambda: plain(n))
            span_d.append(_timed(lambda: spanned(n)) - b)
            restrict_d.append(_timed(lambda: restricted(n)) - b)
            base.append(b)
        # the workload's own check of its result, as after every repetition
        ctx = WorkloadContext(client=client, units=1, chunks=n, chunk_size=1, options={})
        trial = get_workload("tasks", "map-tiny").func(ctx)
        result = trial.run()
        check = statistics.median(_timed(lambda: trial.check(result)) for _ in range(3))
        print(f" {n:,} tasks: a plain run {statistics.median(base) / n * 1e6:.0f} us a task")
        print(f"  {'result check':<30}{check / n * 1e6:.2f} us (timed directly)")
        span_cost, line = _paired("span", span_d, n)
        print(line)
        restrict_cost, line = _paired("restriction to 64 workers", restrict_d, n)
        print(line)
        # the breakdown's readings of a point of one repetition, at each graph size: a
        # fixed part per point and a part per task, by least squares
        readings = []
        for size in task_counts:
            observer = PointObserver(client, ("bench-scale", str(size)))
            observer.steady()  # the first timed repetition: bracketed by cluster-wide readings
            with observer.repetition(0, False):
                plain(size)
            readings.append((size, finish_points(client, [observer], [[1.0]], [2], None)[1]))
            print(f"  breakdown readings, {size:>7,} tasks: {readings[-1][1]:.3f} s a point")
        fixed, slope = fit_linear(readings) if len(task_counts) > 1 else (readings[0][1], 0.0)
        print(f"  {'breakdown readings':<30}{fixed:.3f} s a point + {slope * 1e6:.2f} us a task")
        per_task = {
            "span": max(0.0, span_cost),
            "check": check / n,
            "readings": slope,
            "readings_per_point": fixed,
            "restriction_per_worker": max(0.0, restrict_cost) / len(fake),
            "restriction_in_noise": float(min(restrict_d) <= 0 <= max(restrict_d)),
        }
    return per_task


def main() -> None:
    """Run the parts and print their figures."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--workers", default="4,64", help="sizes on the Slurm test bed")
    parser.add_argument(
        "--tasks", default="2000,20000", help="graph sizes on a LocalCluster (rounds: the first)"
    )
    parser.add_argument("--rounds", type=int, default=5, help="paired rounds per graph size")
    parser.add_argument("--no-slurm", action="store_true", help="only the LocalCluster part")
    args = parser.parse_args()
    start, load = time.perf_counter(), os.getloadavg()
    sizes = [int(x) for x in args.workers.split(",")]
    figures = {} if args.no_slurm else slurm_part(sizes)
    per_task = local_part([int(x) for x in args.tasks.split(",")], args.rounds)
    print()
    if len(figures) >= 2:
        small, large = min(figures), max(figures)
        a, b = figures[small]["per_point_seconds"], figures[large]["per_point_seconds"]
        ratio = b / a if a else float("inf")
        limit = large / small
        verdict = "at most linear" if ratio <= limit else "MORE THAN LINEAR"
        print(f"harness per point, {large} / {small} workers: {ratio:.2f} ({limit:g}: {verdict})")
        fixed, per_worker = fit_linear([(n, f["per_point_seconds"]) for n, f in figures.items()])
        print(f"per worker: {per_worker * 1e3:.2f} ms per point; fixed: {fixed * 1e3:.1f} ms")
    else:
        fixed, per_worker = 0.0, 0.0
    task_cost = per_task["span"] + per_task["check"] + per_task["readings"]
    print(f"per task: {task_cost * 1e6:.2f} us (span, result check, breakdown readings)")
    # a point of 1M tasks per repetition runs 7 of them (1 warm-up, min_repeats 6)
    total = extrapolate(
        fixed + per_task["readings_per_point"], per_worker, task_cost, workers=1000,
        tasks=7 * 1_000_000,
    )  # fmt: skip
    print(f"1,000 workers, 1M tasks, 7 repetitions: about {total:.1f} s of harness per point")
    restrict = per_task["restriction_per_worker"] * 1_000_000 * 1000
    if per_task["restriction_in_noise"]:
        print("  (the restriction below is within this machine's noise: not a measurement)")
    print(
        f"  plus, on a subset of a fixed pool only, the scheduler's worker restriction: "
        f"{per_task['restriction_per_worker'] * 1e9:.1f} ns per task and listed worker, "
        f"{restrict:.0f} s per repetition (left out at the size that uses the whole pool)"
    )
    print(
        f"({time.perf_counter() - start:.0f} s; load average {load[0]:.2f} {load[1]:.2f} "
        f"{load[2]:.2f} before, {os.getloadavg()[0]:.2f} after, {os.cpu_count()} cores)"
    )


if __name__ == "__main__":
    main()
