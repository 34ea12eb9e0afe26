"""How much the measuring harness costs, and how truthful it is. Prints figures; asserts nothing.

(a) overhead per measurement: the harness loop (repetition, check, stopping rule, committing
    the row to SQLite) around a tiny Dask call, minus a bare ``time.perf_counter()`` loop around
    the same call. Target: at most 0.5 ms.
(b) duty cycle of the default study: time inside timed regions / wall time of the sweep, cluster
    start excluded. Target: at least 0.85 without warm-ups; and the breakdown's cost per
    point, read once per size. Target: at most 50 ms.
(c) fidelity: a sleep workload whose ideal weak efficiency is exactly 1 (target: within 2 %)
    and whose ideal strong speedup at 2 workers is exactly 2 (target: within 3 %).
(d) cost of the breakdown (spans, forced heartbeats, reading the metrics, memory sampling):
    the same point measured with and without it; the difference per point, and spread over
    its repetitions. Target: at most 50 ms per point, or switch it off
    (``measurement.breakdown: false``, ``--no-breakdown``).

Run: ``make bench`` or ``python benchmarks/harness.py [--skip-default-study]``.
"""

from __future__ import annotations

import argparse
import statistics
import tempfile
import time
from pathlib import Path
from typing import Any

from dask_bench.runner import PlannedPoint, Reporter, run_study
from dask_bench.runner.checks import build_study
from dask_bench.runner.measure import measure
from dask_bench.store import Store, point_summaries
from dask_bench.workloads import Trial


def inc(x: int) -> int:
    return x + 1


def overhead(repeats: int = 50, batches: int = 20) -> dict[str, float]:
    from distributed import Client, LocalCluster

    with (
        LocalCluster(n_workers=1, threads_per_worker=1, dashboard_address=":0") as cluster,
        Client(cluster) as client,
        tempfile.TemporaryDirectory() as tmp,
    ):
        counter = iter(range(10**9))

        def call() -> int:
            return int(client.submit(inc, next(counter), pure=False).result())

        for _ in range(50):  # warm the connection and the worker
            call()
        bare, harness = [], []
        store = Store(str(Path(tmp) / "o.db"), create=True)
        run = store.create_run(
            name="o", mode="weak", backend="local", layout={}, study={}, version="0"
        )
        point = store.add_point(
            run,
            suite="tasks",
            workload="inc",
            workload_version=1,
            workers=1,
            threads_per_worker=1,
            memory_per_worker=1,
            units=1,
            chunks=1,
            chunk_size=1,
        )
        settings = build_study({}).measurement.model_copy(
            update={"warmup": 0, "min_repeats": repeats, "max_repeats": repeats, "target_ci": 1e-9}
        )
        trial = Trial(run=call, check=lambda r: None, nbytes=0, ntasks=1)
        for _ in range(batches):
            # bare: the same call, timed with perf_counter and nothing else
            t0 = time.perf_counter()
            for _ in range(repeats):
                s = time.perf_counter()
                call()
                _ = time.perf_counter() - s
            bare.append((time.perf_counter() - t0) / repeats)
            t0 = time.perf_counter()
            measure(
                trial,
                settings,
                lambda rep: store.add_measurement(
                    point, repetition=rep.index, warmup=rep.warmup, seconds=rep.seconds, ok=rep.ok
                ),
            )
            harness.append((time.perf_counter() - t0) / repeats)
        store.close()
    diffs = [h - b for h, b in zip(harness, bare, strict=True)]
    return {
        "bare_ms": statistics.median(bare) * 1e3,
        "harness_ms": statistics.median(harness) * 1e3,
        "overhead_ms": statistics.median(diffs) * 1e3,
    }


def breakdown_cost(repeats: int = 10, batches: int = 15) -> dict[str, float]:
    from distributed import Client, LocalCluster

    from dask_bench.runner.breakdown import PointObserver, finish_points

    with (
        LocalCluster(n_workers=2, threads_per_worker=1, dashboard_address=":0") as cluster,
        Client(cluster) as client,
    ):
        counter = iter(range(10**9))

        def call() -> int:
            return int(client.submit(inc, next(counter), pure=False).result())

        for _ in range(50):
            call()
        settings = build_study({}).measurement.model_copy(
            update={"warmup": 1, "min_repeats": repeats, "max_repeats": repeats, "target_ci": 1e-9}
        )
        trial = Trial(run=call, check=lambda r: None, nbytes=0, ntasks=1)
        plain, observed = [], []
        for b in range(batches):
            t0 = time.perf_counter()
            measure(trial, settings)
            plain.append(time.perf_counter() - t0)
            t0 = time.perf_counter()
            observer = PointObserver(client, ("harness", f"point {b}"))
            outcome = measure(trial, settings, observer=observer)
            finish_points(client, [observer], [outcome.timings], [2], None)
            observed.append(time.perf_counter() - t0)
    per_point = statistics.median(o - p for o, p in zip(observed, plain, strict=True))
    return {
        "per_point_ms": per_point * 1e3,
        "per_measurement_ms": per_point / (repeats + 1) * 1e3,
        "repeats": repeats,
    }


class _Clock(Reporter):
    """Notes when the sweep starts (first scale request, after the cluster started) and ends."""

    def __init__(self) -> None:
        self.start: float | None = None
        self.end = 0.0

    def scaling(self, workers: int) -> None:
        if self.start is None:
            self.start = time.perf_counter()

    def point_done(self, point: PlannedPoint, status: str, error: str | None) -> None:
        self.end = time.perf_counter()


def duty_cycle(study_overrides: dict[str, Any]) -> dict[str, float]:
    with tempfile.TemporaryDirectory() as tmp:
        db = str(Path(tmp) / "d.db")
        clock = _Clock()
        result = run_study(build_study({"database": db, "report": False, **study_overrides}), clock)
        store = Store(db)
        from dask_bench.store import measurements_frame

        run = store.run(result.run_id)
        frame = measurements_frame(store, run)
        summary = point_summaries(store, run)
        measuring = (run.environment or {}).get("measuring", {})
        store.close()
    assert clock.start is not None
    wall = clock.end - clock.start
    timed = frame["seconds"].fillna(0)
    precise = summary["precise"].sum() if "precise" in summary else float("nan")
    return {
        "wall_s": wall,
        "points": float(result.points),
        "precise": float(precise),
        "duty_all": float(timed.sum()) / wall,
        "duty_excl_warmup": float(timed[~frame["warmup"]].sum()) / wall,
        "breakdown_ms_per_point": measuring.get("breakdown_seconds", float("nan"))
        / max(1, result.points)
        * 1e3,
    }


def accuracy(mode: str = "weak") -> dict[str, float]:
    """map-sleep at 1 and 2 workers: weak efficiency (ideal 1.0) or strong speedup (ideal 2.0)."""
    sizes: dict[str, Any] = {"per_unit": 4} if mode == "weak" else {"total": 8}
    with tempfile.TemporaryDirectory() as tmp:
        db = str(Path(tmp) / "a.db")
        study = build_study(
            {
                "database": db,
                "report": False,
                "mode": mode,
                "deployment": {"workers": [1, 2]},
                "suites": {
                    "tasks": {
                        "workloads": ["map-sleep"],
                        **sizes,
                        "options": {"sleep_seconds": 0.1},
                    }
                },
                "measurement": {"min_repeats": 6, "target_ci": 0.01, "hardware_baseline": False},
            }
        )
        result = run_study(study)
        store = Store(db)
        frame = point_summaries(store, store.run(result.run_id)).set_index("units")
        store.close()
    value = float(frame.loc[2, "efficiency" if mode == "weak" else "speedup"])
    ideal = 1.0 if mode == "weak" else 2.0
    return {
        "t1_s": float(frame.loc[1, "median"]),
        "t2_s": float(frame.loc[2, "median"]),
        "value": value,
        "ideal": ideal,
        "error_pct": abs(value / ideal - 1.0) * 100,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--skip-default-study",
        action="store_true",
        help="skip (b), which runs the whole default study (about two minutes)",
    )
    args = parser.parse_args()

    o = overhead()
    print(
        f"(a) overhead per measurement: {o['overhead_ms']:.3f} ms "
        f"(bare call {o['bare_ms']:.3f} ms, with harness {o['harness_ms']:.3f} ms; "
        "target <= 0.5 ms)"
    )
    if not args.skip_default_study:
        d = duty_cycle({})
        print(
            f"(b) duty cycle of the default study: {d['duty_all']:.3f} counting warm-ups as timed, "
            f"{d['duty_excl_warmup']:.3f} without them ({d['points']:.0f} points, "
            f"{d['precise']:.0f} precise, sweep {d['wall_s']:.1f} s; target >= 0.85 without "
            f"warm-ups); breakdown read once per size: {d['breakdown_ms_per_point']:.1f} ms "
            "per point (target <= 50 ms)"
        )
    for mode, what, target in (("weak", "efficiency", 2), ("strong", "speedup", 3)):
        a = accuracy(mode)
        print(
            f"(c) map-sleep, {mode} scaling: {what} at 2 workers {a['value']:.4f} against the "
            f"ideal {a['ideal']:.1f}, off by {a['error_pct']:.2f} % (T1 {a['t1_s']:.4f} s, "
            f"T2 {a['t2_s']:.4f} s; target within {target} %)"
        )
    c = breakdown_cost()
    print(
        f"(d) breakdown cost: {c['per_point_ms']:.1f} ms per point, "
        f"{c['per_measurement_ms']:.2f} ms per measurement over its {c['repeats']:.0f} timed "
        "repetitions and warm-up (target <= 50 ms per point; --no-breakdown switches it off)"
    )


if __name__ == "__main__":
    main()
