"""The false-positive rate of compare's verdicts on this machine. Prints figures; asserts nothing.

An A/A study: two variants that are exact copies (``first`` and ``copy``), run one after
the other on a LocalCluster over the tasks and arrays suites at tiny sizes and 1, 2 and 4
workers (24 points each by default). Every point that ``compare`` calls faster or slower is
a false positive; their share should stay at or below the test's α (5 % at the default 95 %
confidence). The binomial probability of as many by chance says whether more is bad luck
or a machine that drifts between variants.

Run: ``make bench-aa`` or ``python benchmarks/aa.py [--workers 1,2,4] [--min-repeats 6]``.
"""

from __future__ import annotations

import argparse
import os
import tempfile
import time
from pathlib import Path
from typing import Any

from dask_bench.report import compare_runs
from dask_bench.runner import run_variants
from dask_bench.runner.checks import build_study
from dask_bench.store import Store

TASKS = ["map-tiny", "map-sleep", "tree-reduce", "chain"]
ARRAYS = ["create", "map-blocks", "std", "sin2-cos2"]


def aa_study(db: str, workers: list[int], min_repeats: int) -> dict[str, Any]:
    """Two identical variants over 8 workloads at tiny, fixed sizes (no calibration)."""
    return {
        "name": "aa",
        "database": db,
        "report": False,
        "deployment": {"workers": workers, "memory_per_worker": "512MiB"},
        "suites": {
            "tasks": {
                "workloads": TASKS,
                "chunk_size": 10,
                "per_unit": 2,
                "options": {"sleep_seconds": 0.05},
            },
            "arrays": {"workloads": ARRAYS, "chunk_size": 200, "per_unit": 2},
        },
        "measurement": {
            "min_repeats": min_repeats,
            "max_repeats": 2 * min_repeats,
            "point_budget": 2,
            "hardware_baseline": False,
            "breakdown": False,
        },
        "variants": {"first": {}, "copy": {}},
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--workers", default="1,2,4", help="worker counts (default 1,2,4)")
    parser.add_argument("--min-repeats", type=int, default=6, help="timed repetitions (6)")
    parser.add_argument("--db", help="keep the results in this database (default: temporary)")
    args = parser.parse_args()
    workers = [int(w) for w in args.workers.split(",")]

    with tempfile.TemporaryDirectory() as tmp:
        db = args.db or str(Path(tmp) / "aa.db")
        study = build_study(aa_study(db, workers, args.min_repeats))
        load = os.getloadavg()[0]  # other users of the machine: drift between the variants
        start = time.perf_counter()
        results = run_variants(study)
        wall = time.perf_counter() - start
        store = Store(db)
        try:
            first, copy = (store.run(r.run_id) for r in results)
            cmp = compare_runs(store, first, copy)
        finally:
            store.close()

    rows = cmp.rows
    print(
        f"A/A study: {len(rows)} points per variant, both variants in {wall:.0f} s "
        f"(load average {load:.2f} before, {os.getloadavg()[0]:.2f} after, "
        f"{os.cpu_count()} cores)"
    )
    for row in rows.to_dict("records"):
        ratio = f"{row['ratio']:.3f} [{row['ci_low']:.3f}, {row['ci_high']:.3f}]"
        print(
            f"  {row['suite']}/{row['workload']:<12} units {row['units']}: "
            f"B/A {ratio}  p {row['p_value']:.3f}  {row['verdict']}"
        )
    control = cmp.control
    if control is None or control.rate is None:
        print("no point could be compared")
        return
    print(
        f"called different: {control.called} of {control.compared} points "
        f"({control.rate * 100:.1f} %), expected <= {control.alpha * 100:.0f} % (the test's "
        f"alpha); P(as many or more by chance) = {control.chance:.2g}"
    )


if __name__ == "__main__":
    main()
