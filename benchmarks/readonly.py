"""How long the read-only commands take: ``list runs``, ``show`` and ``export``. Prints figures.

A small results database is made first, in a temporary folder, by a tiny local study
(one worker, the tasks suite, two repetitions a point, no report), unless ``--db`` names
one. Each command then runs as its own process (as a user runs it, interpreter start and
imports included), once to warm the file cache and ``--runs`` times counted; the median
wall time of each is printed with its minimum and maximum, and the machine's load average
before and after, since a loaded machine slows every figure. Target: at most 0.5 s each.

``export`` of the repetitions (CSV, the default) reads them with ``sqlite3`` alone.
``show`` and ``export --level points`` are timed twice (see ``dask_bench.report.cache``):

- *first*: nothing kept, every run with an empty cache folder: the runs are read the
  full way (pandas, SQLAlchemy, the statistics);
- *kept*: the same request again on unchanged runs, as after ``dask-bench run`` (which
  keeps what it printed) or after a first ``show`` or ``export``.

Run: ``make bench-readonly`` or ``python benchmarks/readonly.py [--runs N] [--db FILE]``.
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

TARGET = 0.5  # seconds
#: The tiny study that fills the database: about 20 s on 2 cores.
STUDY = [
    "run", "--workers", "1", "--suite", "tasks", "--no-report", "--quiet",
    "--min-repeats", "2", "--max-repeats", "2", "--point-budget", "0.5",
    "--no-breakdown", "--no-hardware-baseline", "--name", "readonly-bench",
]  # fmt: skip


def dask_bench() -> list[str]:
    """The command line of this interpreter's ``dask-bench`` (its script, else ``-m``)."""
    script = Path(sys.executable).with_name("dask-bench")
    return [str(script)] if script.exists() else [sys.executable, "-m", "dask_bench"]


def load() -> str:
    """The load average over 1, 5 and 15 minutes, and the processors that share it."""
    one, five, fifteen = os.getloadavg()
    return f"{one:.2f} {five:.2f} {fifteen:.2f} on {os.cpu_count()} cores"


def timed(command: list[str], runs: int, cache: str | None = None) -> list[float]:
    """Wall seconds of ``runs`` runs of ``command``, after one run not counted.

    ``cache`` is the cache folder every run shares; None: a new, empty one each run.
    """
    seconds = []
    for i in range(runs + 1):
        with tempfile.TemporaryDirectory(prefix="dask-bench-cache-") as empty:
            env = {**os.environ, "DASK_BENCH_CACHE_DIR": cache or empty}
            start = time.perf_counter()
            subprocess.run(command, check=True, stdout=subprocess.DEVNULL, env=env)
            if i:  # the first warms the file cache
                seconds.append(time.perf_counter() - start)
    return seconds


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=7, help="counted runs of each command")
    parser.add_argument("--db", help="an existing results database (default: make one)")
    args = parser.parse_args()
    base = dask_bench()
    with tempfile.TemporaryDirectory(prefix="dask-bench-readonly-") as tmp:
        database = args.db or str(Path(tmp) / "r.db")
        kept = str(Path(tmp) / "cache")  # shared by the 'kept' runs, and the study's end
        if args.db is None:
            print(f"making a database with a tiny study: {' '.join(STUDY)}")
            subprocess.run(
                [*base, *STUDY, "--db", database],
                check=True,
                stdout=subprocess.DEVNULL,
                env={**os.environ, "DASK_BENCH_CACHE_DIR": kept},
            )
        export = ["export", "1" if args.db else "readonly-bench", "-o", f"{tmp}/x.csv"]
        points = [*export, "--level", "points"]
        commands: list[tuple[str, list[str], str | None]] = [
            ("list runs", ["list", "runs"], kept),
            ("show, first", ["show"], None),
            ("show, kept", ["show"], kept),
            ("export", export, None),
            ("points, first", points, None),
            ("points, kept", points, kept),
        ]
        print(f"load average before: {load()}")
        print(f"{'command':<15}{'median s':>10}{'min s':>9}{'max s':>9}  (target {TARGET} s)")
        for name, command, cache in commands:
            seconds = timed([*base, *command, "--db", database], args.runs, cache)
            median = statistics.median(seconds)
            verdict = "" if median <= TARGET else "  over target"
            print(f"{name:<15}{median:>10.3f}{min(seconds):>9.3f}{max(seconds):>9.3f}{verdict}")
        print(f"load average after: {load()}")


if __name__ == "__main__":
    main()
