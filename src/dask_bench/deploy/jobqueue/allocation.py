"""Back-ends of a study run inside one batch allocation (``script slurm``, ``script pbs``).

The script starts the scheduler and the workers; the study connects to them through
the scheduler file, like the ``existing`` back-end, and records what it ran in: the
batch system, the job's id, its nodes, how long it waited in the queue, and where the
scheduler, the study and the workers ran (node, job step, CPUs).
"""

from __future__ import annotations

import os
import platform
import socket
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any, ClassVar

from dask_bench.deploy.existing import ExistingBackend
from dask_bench.deploy.jobqueue._batch import BatchSystem, JobInfo, parse_time
from dask_bench.deploy.jobqueue.pbs import PBS, parse_qstat
from dask_bench.deploy.jobqueue.slurm import Slurm
from dask_bench.deploy.registry import register_backend
from dask_bench.errors import BackendError, ConfigError

if TYPE_CHECKING:
    from distributed import Client

_SLURM_TIMES = ("%Y-%m-%dT%H:%M:%S",)


def where() -> dict[str, Any]:
    """Where this process runs: node, job step (Slurm) and the CPUs it may use."""
    node = os.environ.get("SLURMD_NODENAME") or socket.gethostname()
    place: dict[str, Any] = {"node": node, "host": platform.node()}
    if "SLURM_STEP_ID" in os.environ:
        place["step"] = f"{os.environ.get('SLURM_JOB_ID', '?')}.{os.environ['SLURM_STEP_ID']}"
    if hasattr(os, "sched_getaffinity"):
        place["cpus"] = sorted(os.sched_getaffinity(0))
    return place


class AllocationBackend(ExistingBackend):
    """A pool started by the allocation's script; records the allocation it runs in."""

    #: The batch system's commands, for the job's submit and start times.
    batch: ClassVar[BatchSystem]
    #: The environment variable holding the job's id.
    job_variable: ClassVar[str]

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.allocation: dict[str, Any] | None = None

    def setup(self) -> None:
        """Refuse to run outside a job; read the job's id, nodes and queue wait."""
        job = os.environ.get(self.job_variable)
        if not job:
            raise ConfigError(
                f"the {self.name} back-end records the batch job it runs in, and "
                f"{self.job_variable} is not set; submit the script of 'dask-bench script "
                f"{self.batch.title.lower()}' instead"
            )
        super().setup()
        info = self.job(job)
        self.allocation = {
            "batch_system": self.batch.title,
            "job_id": job,
            "nodes": self.nodes(info),
            "submitted": _iso(info.submitted if info else None),
            "started": _iso(info.started if info else None),
            "queue_seconds": info.queue_seconds if info else None,
            "client": where(),
        }

    def job(self, job_id: str) -> JobInfo | None:
        """The job as the batch system reports it (None when it cannot say)."""
        return None

    def nodes(self, info: JobInfo | None) -> str | None:
        """The job's nodes."""
        return info.nodes if info else None

    def describe(self) -> dict[str, Any]:
        """What :class:`ExistingBackend` records, and the allocation with its placement."""
        info = super().describe()
        if self.allocation is not None:
            if self._client is not None:
                self.allocation.update(_placement(self._client))
            info["allocation"] = self.allocation
        return info


def _placement(client: Client) -> dict[str, Any]:
    """Where the scheduler and the workers run (provenance only: never fails the run)."""
    out: dict[str, Any] = {}
    try:
        out["scheduler"] = client.run_on_scheduler(where)
        workers = client.run(where)
    except Exception:
        return out
    if workers:
        out["worker_nodes"] = sorted({str(w.get("node")) for w in workers.values()})
        out["worker_steps"] = sorted({str(w.get("step")) for w in workers.values() if "step" in w})
        out["worker_cpus"] = sorted({c for w in workers.values() for c in w.get("cpus", [])})
    return out


def _iso(moment: datetime | None) -> str | None:
    return moment.isoformat() if moment is not None else None


@register_backend(
    "slurm-allocation",
    "inside one Slurm job (written by 'script slurm'): the job's workers as a fixed pool",
)
class SlurmAllocationBackend(AllocationBackend):
    """The study of ``dask-bench script slurm``: records SLURM_JOB_ID, nodes and queue wait."""

    batch = Slurm()
    job_variable = "SLURM_JOB_ID"

    def job(self, job_id: str) -> JobInfo | None:
        """Submit and start time from ``squeue -j``; the start from SLURM_JOB_START_TIME else."""
        try:
            out = self.batch.run(["squeue", "--noheader", "-j", job_id, "--format=%V|%S|%N"])
        except BackendError:
            out = ""  # provenance only: the study runs without the queue's view
        parts = (out.strip().splitlines() or [""])[0].split("|")
        submitted = parse_time(parts[0], _SLURM_TIMES) if len(parts) == 3 else None
        started = parse_time(parts[1], _SLURM_TIMES) if len(parts) == 3 else None
        if started is None and os.environ.get("SLURM_JOB_START_TIME", "").isdigit():
            started = datetime.fromtimestamp(int(os.environ["SLURM_JOB_START_TIME"]))
        nodes = parts[2] if len(parts) == 3 and parts[2] else None
        return JobInfo(job_id, "", "RUNNING", None, nodes, submitted, started)

    def nodes(self, info: JobInfo | None) -> str | None:
        """SLURM_JOB_NODELIST, as Slurm writes it (``node[1-3]``)."""
        return os.environ.get("SLURM_JOB_NODELIST") or super().nodes(info)


@register_backend(
    "pbs-allocation",
    "inside one PBS job (written by 'script pbs'): the job's workers as a fixed pool",
)
class PBSAllocationBackend(AllocationBackend):
    """The study of ``dask-bench script pbs``: records PBS_JOBID, nodes and queue wait."""

    batch = PBS()
    job_variable = "PBS_JOBID"

    def job(self, job_id: str) -> JobInfo | None:
        """Submit (``qtime``) and start (``stime``) time from ``qstat -f``."""
        try:
            found = parse_qstat(self.batch.run(["qstat", "-f", job_id], check=False))
        except BackendError:
            return None
        return found[0] if found else None

    def nodes(self, info: JobInfo | None) -> str | None:
        """The hosts of PBS_NODEFILE, in order, each once."""
        path = os.environ.get("PBS_NODEFILE")
        try:
            lines = Path(path).read_text().split() if path else []
        except OSError:
            lines = []
        return ",".join(dict.fromkeys(lines)) or super().nodes(info)
