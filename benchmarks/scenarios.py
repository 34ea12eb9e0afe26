"""What losing a worker and adapting cost on this machine. Prints figures; asserts nothing.

Two scenarios on one workload (``tasks/map-sleep``: tasks that sleep, so the ideal time
is known and the machine's 2 cores are not the limit):

- ``worker-loss``: 1 of 2 local workers SIGKILLed at 50 % of the tasks, not replaced;
  the slowdown against the same work undisturbed, with its interval, and how long the
  scheduler took to notice and how many tasks ran again.
- ``adaptive``: an adaptive cluster between 1 and 3 workers under a burst of work,
  against a fixed cluster of 3; the time until half and 90 % of the maximum arrived.
  With ``--slurm``, also on the Slurm test bed (``testbeds/slurm``, started when needed),
  where each new worker is a job that waits in Slurm's queue.

Run: ``make bench-scenarios`` or ``python benchmarks/scenarios.py [--repeats 5] [--slurm]``.
"""

from __future__ import annotations

import argparse
import os
import tempfile
import time
from typing import Any

from _testbed import slurm_testbed  # benchmarks/, run as scripts
from dask_bench.report.analysis.scenarios import ScenarioSummary, scenario_summaries
from dask_bench.runner import run_study
from dask_bench.runner.checks import build_study
from dask_bench.store import Store

WORKLOAD = {"workload": "tasks/map-sleep", "chunks": 24, "options": {"sleep_seconds": 0.2}}


def _study(db: str, scenario: dict[str, Any], **deployment: Any) -> dict[str, Any]:
    return {
        "name": f"bench-{scenario['kind']}",
        "database": db,
        "report": False,
        "suites": {},
        "deployment": {"workers": [1], "memory_per_worker": "512MiB", **deployment},
        "measurement": {"hardware_baseline": False},
        "scenarios": {scenario["kind"]: {**WORKLOAD, **scenario}},
    }


def _run(study: dict[str, Any]) -> ScenarioSummary:
    result = run_study(build_study(study))
    store = Store(study["database"])
    try:
        (summary,) = scenario_summaries(store.run(result.run_id))
    finally:
        store.close()
    return summary


def _s(value: float | None) -> str:
    return "—" if value is None else f"{value:.2f} s"


def _ratio(summary: ScenarioSummary) -> str:
    r = summary.slowdown
    if r.value is None:
        return "—"
    ci = f"[{r.interval[0]:.2f}x, {r.interval[1]:.2f}x]" if r.interval else "(no interval)"
    return f"{r.value:.2f}x {ci}"


def worker_loss(db: str, repeats: int) -> None:
    """Lose 1 of 2 local workers at half the tasks."""
    scenario = {"kind": "worker-loss", "workers": 2, "lose": 1, "at_progress": 0.5}
    s = _run(_study(db, {**scenario, "repeats": repeats}))
    f = s.figures
    print(f"worker-loss on local, 1 of 2 workers at 50 % of the tasks ({s.rounds} rounds):")
    print(f"  undisturbed {_s(s.control)}, losing a worker {_s(s.with_event)}")
    print(f"  slowdown {_ratio(s)} (95 % interval)")
    print(
        f"  noticed after {_s(f.get('detected_after'))}; "
        f"{f.get('recomputed') or 0:g} task(s) ran again ({_s(f.get('recomputed_seconds'))})"
    )


def adaptive(db: str, repeats: int, where: str, **deployment: Any) -> None:
    """Adapt between 1 and 3 workers under a burst, against 3 fixed ones."""
    scenario = {
        "kind": "adaptive",
        "workers": 3,
        "minimum": 1,
        "maximum": 3,
        "adapt": {"interval": "250ms", "wait_count": 3, "target_duration": "0.5s"},
        "idle": 5,
        "repeats": repeats,
    }
    s = _run(_study(db, scenario, **deployment))
    f = s.figures
    print(f"adaptive on {where}, 1 to 3 workers ({s.rounds} rounds):")
    print(f"  fixed 3 workers {_s(s.control)}, adaptive {_s(s.with_event)}, ratio {_ratio(s)}")
    print(
        f"  ramp: half the maximum after {_s(f.get('ramp_50'))}, 90 % after "
        f"{_s(f.get('ramp_90'))}; longest queue wait {_s(f.get('queue_seconds'))}"
    )
    print(
        f"  back to 1 worker {_s(f.get('linger'))} after the work; worker-seconds "
        f"{f.get('worker_seconds') or 0:.1f} (fixed: {3 * (s.control or 0):.1f})"
    )


def main() -> None:
    """Run the scenarios and print their figures."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=5, help="rounds per scenario")
    parser.add_argument("--slurm", action="store_true", help="also adapt on the Slurm test bed")
    args = parser.parse_args()
    start = time.perf_counter()
    load = os.getloadavg()[0]
    with tempfile.TemporaryDirectory() as folder:
        worker_loss(f"{folder}/loss.db", args.repeats)
        adaptive(f"{folder}/adaptive.db", args.repeats, "local")
        if args.slurm:
            options = {
                "queue": "debug",
                "walltime": "00:10:00",
                "scheduler_options": {"host": "127.0.0.1"},
                "log_directory": f"{folder}/jobs",
            }
            with slurm_testbed():
                adaptive(
                    f"{folder}/slurm.db",
                    args.repeats,
                    "the Slurm test bed",
                    backend="slurm",
                    startup_timeout=60,
                    options=options,
                )
    print(
        f"({time.perf_counter() - start:.0f} s; load average {load:.2f} before, "
        f"{os.getloadavg()[0]:.2f} after, {os.cpu_count()} cores)"
    )


if __name__ == "__main__":
    main()
