"""The ``slurm`` back-end: dask-jobqueue's SLURMCluster, with Slurm's own view of the jobs."""

from __future__ import annotations

from typing import Any

from dask_bench.deploy.jobqueue._alloc import job_memory, mib
from dask_bench.deploy.jobqueue._batch import BatchSystem, JobInfo, parse_time
from dask_bench.deploy.jobqueue._groups import option_or_config
from dask_bench.deploy.jobqueue.core import JobQueueBackend, batch_backend

#: squeue fields: id, name, state, pending reason, nodes, submit and start time.
_FORMAT = "%i|%j|%T|%r|%N|%V|%S"
_TIMES = ("%Y-%m-%dT%H:%M:%S",)


class Slurm(BatchSystem):
    """squeue and scancel."""

    title = "Slurm"
    cancel_command = "scancel"
    node_variables = ("SLURMD_NODENAME",)

    def jobs(self, name: str) -> list[JobInfo]:
        """Jobs called ``name`` (``squeue --name``), with reasons, nodes and times."""
        out = self.run(["squeue", "--noheader", f"--name={name}", f"--format={_FORMAT}"])
        jobs = []
        for line in out.splitlines():
            parts = line.strip().split("|")
            if len(parts) != 7:
                continue
            job_id, job_name, state, reason, nodes, submitted, started = parts
            jobs.append(
                JobInfo(
                    job_id=job_id,
                    name=job_name,
                    state=state,
                    reason=None if reason in ("None", "") else reason,
                    nodes=nodes or None,
                    submitted=parse_time(submitted, _TIMES),
                    started=parse_time(started, _TIMES) if state != "PENDING" else None,
                )
            )
        return jobs


@batch_backend("slurm", "Slurm")
class SlurmBackend(JobQueueBackend):
    """SLURMCluster with the study's layout; ``options`` go to SLURMCluster unchanged."""

    cluster_class = "SLURMCluster"
    batch = Slurm()

    def _shape(self, workers: int, group: str | None = None) -> dict[str, Any]:
        """The job's shape, asking Slurm for the nannies' process beyond the workers' limits.

        SLURMCluster asks ``--mem`` = the workers' limits, so a memory-enforcing Slurm
        would kill the job when its workers alone reach them. ``job_mem`` in the options
        (or dask-jobqueue's config) is taken as written.
        """
        shape = super()._shape(workers, group)
        options = self._job_options(group)
        section = self._config_section(options)
        if option_or_config(options, "job_mem", section) is None:
            shape["job_mem"] = f"{mib(job_memory(self.layout, workers, group))}M"
        return shape
