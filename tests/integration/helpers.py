"""Shared pieces of the integration tests."""

from __future__ import annotations

import os
import sqlite3
import subprocess
import sys
from pathlib import Path

import psutil

BIN = Path(sys.executable).parent


def tiny_study(db: Path, **extra):
    """A study small enough for 2 cores: tasks suite, 1 and 2 workers, quick precision."""
    study = {
        "name": "tiny",
        "deployment": {"workers": [1, 2], "memory_per_worker": "1GiB"},
        "suites": {
            "tasks": {
                "workloads": ["map-tiny", "map-sleep"],
                "chunk_size": 10,
                "per_unit": 2,
                "options": {"sleep_seconds": 0.05},
            }
        },
        "measurement": {"min_repeats": 3, "max_repeats": 6, "target_ci": 0.2},
        "database": str(db),
        "report": False,
    }
    for key, value in extra.items():
        study[key] = value
    # The hardware baseline takes ~15 s; only the tests about it switch it on.
    if isinstance(study.get("measurement"), dict):
        study["measurement"] = {"hardware_baseline": False, **study["measurement"]}
    return study


def query(db: Path, sql: str, *args):
    with sqlite3.connect(db) as con:
        return con.execute(sql, args).fetchall()


def run_tag(db: Path, run_id: int) -> str:
    """The name of the jobs and clusters of a stored run (``dask-bench-<run>-<study>``)."""
    from dask_bench.deploy import job_tag

    ((study_id,),) = query(db, "select study_id from runs where id = ?", run_id)
    return job_tag(run_id, study_id)


def stored_repetitions(db: Path) -> int:
    """Timed repetitions stored so far; 0 while the study has not created its tables."""
    try:
        return int(query(db, "select count(*) from measurements where warmup = 0")[0][0])
    except sqlite3.OperationalError:  # the file exists a moment before its tables
        return 0


def dask_bench(
    *args: str, timeout: float = 300, extra_env: dict[str, str] | None = None, **kw
) -> subprocess.CompletedProcess[str]:
    """Run the installed command line (``extra_env``: more environment variables)."""
    env = {**os.environ, "COLUMNS": "200", **(extra_env or {})}
    return subprocess.run(
        [str(BIN / "dask-bench"), *args],
        capture_output=True,
        text=True,
        timeout=timeout,
        env=env,
        **kw,
    )


def descendants(pid: int) -> list[psutil.Process]:
    try:
        return psutil.Process(pid).children(recursive=True)
    except psutil.NoSuchProcess:
        return []


def alive(procs: list[psutil.Process]) -> list[psutil.Process]:
    out = []
    for p in procs:
        try:
            if p.is_running() and p.status() != psutil.STATUS_ZOMBIE:
                out.append(p)
        except psutil.NoSuchProcess:
            pass
    return out


def start_study(folder: Path, spec: dict) -> subprocess.Popen[str]:
    """Write ``spec`` as a study file in ``folder`` and start ``dask-bench run`` on it."""
    import yaml

    study = folder / "study.yaml"
    study.write_text(yaml.safe_dump(spec))
    return subprocess.Popen(
        [str(BIN / "dask-bench"), "run", str(study), "--quiet"],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


def wait_gone(procs: set[psutil.Process], within: float = 15) -> list[psutil.Process]:
    """Wait up to ``within`` seconds for ``procs`` to exit; return those still alive."""
    import time

    deadline = time.monotonic() + within
    while alive(list(procs)) and time.monotonic() < deadline:
        time.sleep(0.2)
    return alive(list(procs))
