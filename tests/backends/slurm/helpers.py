"""Slurm queries shared by the conftest and the tests (SLURM_CONF comes from the fixture)."""

from __future__ import annotations

import subprocess
import time

#: Prefix of every job dask-bench submits (``dask-bench-<run id>``, ``dask-bench-study``).
JOB_PREFIX = "dask-bench-"


class SlurmQueryError(RuntimeError):
    """squeue failed."""


def queue(name: str | None = None) -> list[tuple[str, str, str, str]]:
    """Jobs in the queue (all, or those called ``name``): (id, name, state, reason)."""
    args = ["squeue", "--noheader", "--format=%i|%j|%T|%r"]
    if name is not None:
        args.append(f"--name={name}")
    done = subprocess.run(args, capture_output=True, text=True, timeout=30, check=False)
    if done.returncode != 0:
        raise SlurmQueryError(f"{' '.join(args)} failed: {done.stderr.strip()}")
    rows = []
    for line in done.stdout.splitlines():
        parts = line.strip().split("|")
        if len(parts) == 4:
            rows.append((parts[0], parts[1], parts[2], parts[3]))
    return rows


def job_ids(name: str | None = None) -> list[str]:
    """Ids of the jobs in the queue (all, or those called ``name``)."""
    return [row[0] for row in queue(name)]


def dask_bench_jobs() -> list[str]:
    """Ids of the jobs in the queue that dask-bench submitted."""
    return [job for job, name, _, _ in queue() if name.startswith(JOB_PREFIX)]


def wait_until(predicate, within: float, every: float = 0.25) -> bool:
    """Poll ``predicate`` until it is true or ``within`` seconds have passed."""
    deadline = time.monotonic() + within
    while True:
        if predicate():
            return True
        if time.monotonic() > deadline:
            return False
        time.sleep(every)


def wait_gone(ids: list[str], within: float = 15.0) -> list[str]:
    """Wait until none of ``ids`` is in the queue; returns those still listed."""
    wait_until(lambda: not set(ids) & set(job_ids()), within)
    return sorted(set(ids) & set(job_ids()))
