"""Workers killed for real (SIGKILL) during and between points of a LocalCluster study."""

from __future__ import annotations

import os
import signal
import threading
import time

import psutil

from dask_bench import Store, build_study, run_study
from dask_bench.runner import PlannedPoint, Reporter
from dask_bench.store import measurements_frame, point_summaries

from .helpers import tiny_study


def _kill_a_worker() -> int:
    """SIGKILL the newest worker process of this test's LocalCluster; its nanny restarts it."""
    workers = [
        p
        for p in psutil.Process().children(recursive=True)
        if "multiprocessing" in " ".join(p.cmdline()) and "resource_tracker" not in p.cmdline()
    ]
    victim = max(workers, key=lambda p: p.create_time())
    os.kill(victim.pid, signal.SIGKILL)
    victim.wait(10)
    return victim.pid


class KillDuring(Reporter):
    """Kills a worker 0.2 s into the timed repetition after the third one at 2 workers."""

    def __init__(self) -> None:
        self.killed: list[int] = []
        self.thread: threading.Thread | None = None

    def repetition(self, point: PlannedPoint, index: int, warmup: bool) -> None:
        if point.workers == 2 and not warmup and index == 2 and self.thread is None:

            def later() -> None:
                time.sleep(0.2)
                self.killed.append(_kill_a_worker())

            self.thread = threading.Thread(target=later)
            self.thread.start()


def test_a_worker_killed_mid_repetition_is_a_disturbed_repetition_left_out(tmp_path):
    db = tmp_path / "kill.db"
    study = tiny_study(
        db,
        suites={
            "tasks": {"workloads": ["map-sleep"], "per_unit": 2, "options": {"sleep_seconds": 0.3}}
        },
        measurement={"min_repeats": 6, "max_repeats": 10, "target_ci": 0.05, "breakdown": False},
    )
    reporter = KillDuring()
    result = run_study(build_study(study), reporter)
    assert reporter.thread is not None
    reporter.thread.join()
    assert result.status == "complete" and reporter.killed
    store = Store(str(db))
    run = store.run(result.run_id)
    reps = measurements_frame(store, run)
    at2 = reps[(reps["workers"] == 2) & ~reps["warmup"]]
    disturbed = at2[at2["disturbed"]]
    assert len(disturbed) >= 1
    assert disturbed["disturbance"].str.contains("left").any()
    summary = point_summaries(store, run).set_index("units")
    point = summary.loc[2]
    assert point["n_disturbed"] >= 1 and point["status"] == "ok"
    # 4 sleeps of 0.3 s on 2 workers: 0.6 s; the disturbed repetition is not averaged in
    clean = at2[~at2["disturbed"] & at2["ok"]]["seconds"]
    assert point["n"] == len(clean)
    assert 0.55 <= point["median"] <= 0.8
    assert clean.max() < disturbed["seconds"].max() or disturbed["seconds"].isna().any()
    store.close()


class KillBetween(Reporter):
    """Kills a worker right after the first point at 2 workers ends."""

    def __init__(self) -> None:
        self.killed: list[int] = []

    def point_done(self, point: PlannedPoint, status: str, error: str | None) -> None:
        if point.workers == 2 and not self.killed:
            self.killed.append(_kill_a_worker())
            time.sleep(0.5)  # the scheduler notices the closed connection meanwhile


def test_a_worker_killed_between_points_is_noticed_before_the_next_point(tmp_path):
    db = tmp_path / "between.db"
    study = tiny_study(
        db,
        suites={
            "tasks": {
                "workloads": ["map-sleep", "map-tiny"],
                "per_unit": 2,
                "options": {"sleep_seconds": 0.1},
            }
        },
        measurement={
            "interleave": False,
            "min_repeats": 6,
            "max_repeats": 8,
            "target_ci": 0.5,
            "breakdown": False,
        },
    )
    reporter = KillBetween()
    result = run_study(build_study(study), reporter)
    assert result.status == "complete" and reporter.killed
    store = Store(str(db))
    run = store.run(result.run_id)
    second = next(p for p in run.points if p.workers == 2 and p.workload == "map-tiny")
    assert second.status == "ok"
    assert any(n.startswith("before this point:") and "left" in n for n in second.notes or [])
    # every repetition of the next point ran on the restored pair of workers
    assert not any(m.disturbed for m in second.measurements)
    store.close()
