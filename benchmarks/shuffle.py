"""p2p against task-based shuffling of dataframes, through variant configs. Prints figures.

A study with two variants that differ only in their Dask config,
``dataframe.shuffle.method: p2p`` and ``tasks``, over the shuffling dataframe workloads
(``set-index``, ``sort-values``, ``merge``) at 1 and 2 workers on a LocalCluster. Prints
what every worker reported for the key (read back before measuring), the tasks per
repetition of each variant (the two methods build different graphs), and compare's
verdicts of ``tasks`` against ``p2p``. With ``--control``, a third variant ``p2p-copy``
makes an A/A pair with ``p2p``, whose false-positive rate the comparison then quotes.

Run: ``make bench-shuffle`` or ``python benchmarks/shuffle.py [--workers 1,2] [--control]``.
"""

from __future__ import annotations

import argparse
import logging
import tempfile
import time
from pathlib import Path
from typing import Any

from rich.console import Console

from dask_bench.report import compare_runs, comparison_summary, comparison_table
from dask_bench.runner import run_variants
from dask_bench.runner.checks import build_study
from dask_bench.store import Store

WORKLOADS = ["set-index", "sort-values", "merge"]


def shuffle_study(db: str, workers: list[int], control: bool) -> dict[str, Any]:
    """The p2p and tasks variants (and a copy of p2p), at small fixed sizes."""
    variants: dict[str, Any] = {
        "p2p": {"config": {"dataframe.shuffle.method": "p2p"}},
        "tasks": {"config": {"dataframe.shuffle.method": "tasks"}},
    }
    if control:
        variants["p2p-copy"] = variants["p2p"]
    return {
        "name": "shuffle",
        "database": db,
        "report": False,
        "deployment": {"workers": workers, "memory_per_worker": "1GiB"},
        "suites": {"dataframes": {"workloads": WORKLOADS, "chunk_size": 20000, "per_unit": 4}},
        "measurement": {
            "min_repeats": 6,
            "max_repeats": 12,
            "point_budget": 3,
            "hardware_baseline": False,
            "breakdown": False,
        },
        "variants": variants,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--workers", default="1,2", help="worker counts (default 1,2)")
    parser.add_argument("--control", action="store_true", help="add p2p-copy, an A/A control")
    parser.add_argument("--db", help="keep the results in this database (default: temporary)")
    args = parser.parse_args()
    workers = [int(w) for w in args.workers.split(",")]
    out = Console(width=120)
    # the scheduler runs in this process and logs every p2p shuffle it starts as a warning
    logging.getLogger("distributed.shuffle").setLevel(logging.ERROR)

    with tempfile.TemporaryDirectory() as tmp:
        db = args.db or str(Path(tmp) / "shuffle.db")
        study = build_study(shuffle_study(db, workers, args.control))
        start = time.perf_counter()
        results = run_variants(study)
        wall = time.perf_counter() - start
        store = Store(db)
        try:
            runs = {r.variant: store.run(r.run_id) for r in results}
            print(f"{len(runs)} variants in {wall:.0f} s")
            for variant, run in runs.items():
                seen = run.provenance.dask_config
                assert seen is not None  # the study sets a config
                methods = sorted(
                    {str(v.get("dataframe.shuffle.method")) for v in seen.workers.values()}
                )
                ntasks = {f"{p.workload}@{p.units}": p.ntasks for p in run.points}
                print(
                    f"{variant}: {run.status}; dataframe.shuffle.method on the scheduler "
                    f"{seen.scheduler.get('dataframe.shuffle.method')}, on "
                    f"{len(seen.workers)} workers {', '.join(methods)}; tasks per "
                    f"repetition {ntasks}"
                )
            cmp = compare_runs(store, runs["p2p"], runs["tasks"])
        finally:
            store.close()
    out.print(comparison_table(cmp))
    out.print(comparison_summary(cmp), markup=False, highlight=False)


if __name__ == "__main__":
    main()
