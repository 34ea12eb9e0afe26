"""The scheduler at scale: µs per task at 10k, 100k and 1M tiny tasks. Prints figures.

Runs the ``scheduler`` suite's three builds (``delayed``, ``blockwise``, ``map``) on a
LocalCluster of 2 workers (1 thread each) at each task count, one timed repetition per
point (a warm-up first below 100k tasks), through the same observer and probe as a study
(:class:`~dask_bench.runner.breakdown.PointObserver`), and prints what ``points.scheduler``
would hold: submission and execution µs per task, scheduler CPU, peak scheduler memory,
the longest event-loop tick and the time to the first task, with the machine's load
average. A point that fails or passes ``--timeout`` is printed as such and the others go
on. Asserts nothing: too slow for the tests (the 1M points take minutes).

Run: ``make bench-scheduler`` or
``python benchmarks/scheduler.py [--sizes 10000,100000,1000000] [--builds delayed,map]
[--config KEY=VALUE ...]``. At 1M tasks on 2 cores, taking the graph in blocks the
scheduler's event loop past distributed's 30 s TCP timeout, which drops the client and
its futures: pass ``--config distributed.comm.timeouts.tcp=600s``.
"""

from __future__ import annotations

import argparse
import logging
import os
import time
import warnings
from typing import Any

import dask.config
import yaml
from distributed import Client, LocalCluster

from dask_bench.report._format import format_bytes, format_seconds
from dask_bench.runner.breakdown import PointObserver, finish_points
from dask_bench.workloads import WorkloadContext, get_workload


def _load() -> str:
    return "load {:.2f} {:.2f} {:.2f}".format(*os.getloadavg())


def measure_point(client: Client, build: str, n: int, timeout: float) -> dict[str, Any]:
    """One point of ``n`` tasks: prepare, (warm up,) time one repetition, read its figures."""
    wl = get_workload("scheduler", build)
    ctx = WorkloadContext(
        client, units=2, chunks=1, chunk_size=n, options=wl.resolve_options({}), timeout=timeout
    )
    trial = wl.func(ctx)
    observer = PointObserver(client, ("bench-scheduler", build, str(n)))
    if n < 100_000:  # a warm-up of a large graph costs as much as the point
        with observer.repetition(0, warmup=True):
            trial.check(trial.run())
    t0 = time.perf_counter()
    with observer.repetition(0, warmup=False):
        result = trial.run()
    seconds = time.perf_counter() - t0
    trial.check(result)
    del result
    found, _ = finish_points(client, [observer], [[seconds]], [2], None)
    trial.release()
    figures = found[0].scheduler if found[0] is not None else None
    return {"seconds": seconds, **(figures or {})}


def _monitor_peak(dask_scheduler: Any = None) -> float:
    # the scheduler's own memory samples (every 0.5 s, an hour of them kept)
    return float(max(dask_scheduler.monitor.quantities["memory"]))


def _row(build: str, n: int, f: dict[str, Any]) -> str:
    def us(key: str) -> str:
        value = f.get(key)
        return "—" if value is None else f"{value:,.0f}"

    return (
        f"{build:<10}{n:>10,}{int(f.get('tasks') or 0):>10,}"
        f"{format_seconds(f['seconds']):>11}{us('submit_us_per_task'):>9}"
        f"{us('execute_us_per_task'):>9}{format_seconds(f.get('cpu_seconds')):>11}"
        f"{format_bytes(f.get('peak_memory')):>11}{format_seconds(f.get('longest_tick')):>11}"
        f"{format_seconds(f.get('first_task_seconds')):>11}"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default="10000,100000,1000000", help="task counts")
    parser.add_argument("--builds", default="delayed,blockwise,map", help="workloads")
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--memory", default="4GiB", help="memory limit of each worker")
    parser.add_argument("--timeout", type=float, default=600, help="seconds per repetition")
    parser.add_argument(
        "--config",
        action="append",
        default=[],
        metavar="KEY=VALUE",
        help="Dask config for scheduler and workers (repeatable), e.g. what 1M tasks need "
        "here: distributed.comm.timeouts.tcp=600s distributed.scheduler.worker-saturation=50",
    )
    args = parser.parse_args()
    config = {}
    for item in args.config:
        key, sep, value = item.partition("=")
        if not sep:
            parser.error(f"--config {item!r}: expected KEY=VALUE")
        config[key] = yaml.safe_load(value)  # 50 -> 50, .inf -> inf, 600s -> '600s'
    dask.config.set(config)  # the nannies hand it to the workers
    logging.getLogger("distributed").setLevel(logging.ERROR)
    warnings.filterwarnings("ignore", "Sending large graph", UserWarning)  # that is the point
    sizes = [int(s) for s in args.sizes.split(",")]
    builds = args.builds.split(",")
    print(f"{_load()} on {os.cpu_count()} cores; {args.workers} workers x 1 thread")
    if config:
        print("dask config: " + ", ".join(f"{k}={v}" for k, v in config.items()))
    header = (
        f"{'build':<10}{'n':>10}{'tasks':>10}{'wall':>11}{'sub µs':>9}{'exe µs':>9}"
        f"{'sched CPU':>11}{'sched mem':>11}{'max tick':>11}{'1st task':>11}"
    )
    print(header)
    with (
        LocalCluster(
            n_workers=args.workers,
            threads_per_worker=1,
            memory_limit=args.memory,
            dashboard_address=None,
        ) as cluster,
        Client(cluster) as client,
    ):
        for n in sizes:
            for build in builds:
                t0 = time.perf_counter()
                try:
                    figures = measure_point(client, build, n, args.timeout)
                except Exception as exc:
                    text = " ".join(str(exc).split())[:300]  # with distributed's reason
                    peak = format_bytes(client.run_on_scheduler(_monitor_peak))
                    after = time.perf_counter() - t0
                    print(f"{build:<10}{n:>10,}  failed after {after:.0f} s (scheduler memory "
                          f"peaked at {peak}): {type(exc).__name__}: {text}")  # fmt: skip
                    continue
                print(f"{_row(build, n, figures)}   ({_load()})", flush=True)


if __name__ == "__main__":
    main()
