"""Losing batch jobs on purpose: the ``worker-loss`` scenario on the jobqueue back-ends.

A worker of a dask-jobqueue cluster lives in a batch job; the infrastructure loses
it the way a node failure or a pre-emption does: the batch system ends the job.
The scenario cancels the job holding each chosen worker with the batch system's own
command (``scancel``, ``qdel``, ...), behind dask-jobqueue's back, so that the
scheduler learns of it only when the worker's connection drops.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from dask_bench.errors import BackendError


def job_of(worker_name: str, jobs: Iterable[str]) -> str | None:
    """The job (spec name) holding a worker: its own name, or ``<job>-<i>`` in a group."""
    for job in jobs:
        suffix = worker_name[len(job) + 1 :]
        if worker_name == job or (worker_name.startswith(f"{job}-") and suffix.isdigit()):
            return job
    return None


def jobs_holding(
    workers: Mapping[str, Mapping[str, Any]], addresses: Iterable[str], jobs: Iterable[str]
) -> list[str]:
    """The jobs holding the workers at ``addresses`` (from ``scheduler_info()["workers"]``).

    Raises
    ------
    BackendError
        When a worker is unknown or belongs to no job of this cluster.
    """
    names = list(jobs)
    found: list[str] = []
    for address in addresses:
        info = workers.get(address)
        job = job_of(str(info.get("name")), names) if info is not None else None
        if job is None:
            raise BackendError(f"worker {address} belongs to no job of this cluster")
        if job not in found:
            found.append(job)
    return found
