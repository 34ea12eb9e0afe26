"""SGE queries shared by the conftest and the tests (SGE_ROOT etc. come from the fixture)."""

from __future__ import annotations

import subprocess
import time
import xml.etree.ElementTree as ET

#: Prefix of every job dask-bench submits (``dask-bench-<run id>``).
JOB_PREFIX = "dask-bench-"


class SGEQueryError(RuntimeError):
    """qstat failed."""


def queue(name: str | None = None) -> list[tuple[str, str, str]]:
    """Jobs in the queue of every user (all, or those called ``name``): (id, name, state)."""
    args = ["qstat", "-u", "*", "-xml"]
    done = subprocess.run(args, capture_output=True, text=True, timeout=30, check=False)
    if done.returncode != 0:
        raise SGEQueryError(f"{' '.join(args)} failed: {done.stderr.strip()}")
    rows = [
        (
            (job.findtext("JB_job_number") or "").strip(),
            (job.findtext("JB_name") or "").strip(),
            (job.findtext("state") or "").strip(),
        )
        for job in ET.fromstring(done.stdout).iter("job_list")
    ]
    return [row for row in rows if name is None or row[1] == name]


def job_ids(name: str | None = None) -> list[str]:
    """Ids of the jobs in the queue (all, or those called ``name``)."""
    return [row[0] for row in queue(name)]


def dask_bench_jobs() -> list[str]:
    """Ids of the jobs in the queue that dask-bench submitted."""
    return [job for job, name, _ in queue() if name.startswith(JOB_PREFIX)]


def wait_gone(ids: list[str], within: float = 15.0) -> list[str]:
    """Wait until none of ``ids`` is in the queue; returns those still listed."""
    deadline = time.monotonic() + within
    while set(ids) & set(job_ids()) and time.monotonic() < deadline:
        time.sleep(0.25)
    return sorted(set(ids) & set(job_ids()))
