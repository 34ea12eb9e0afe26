"""The ``pbs`` back-end: dask-jobqueue's PBSCluster (PBS Pro, OpenPBS, Torque), seen by qstat."""

from __future__ import annotations

from typing import Any

from dask_bench.deploy.jobqueue._alloc import NANNY_HEADROOM, job_memory, skipped
from dask_bench.deploy.jobqueue._batch import BatchSystem, JobInfo, parse_time
from dask_bench.deploy.jobqueue._groups import directives_skip, option_or_config
from dask_bench.deploy.jobqueue.core import JobQueueBackend, batch_backend

#: ``qstat -f`` times, e.g. ``Mon Jan  8 10:15:02 2024`` (ctime style, same in PBS Pro and Torque).
_TIMES = ("%a %b %d %H:%M:%S %Y",)
#: job_state letters, spelled out for messages.
_STATES = {
    "Q": "QUEUED",
    "R": "RUNNING",
    "H": "HELD",
    "W": "WAITING",
    "T": "TRANSIT",
    "E": "EXITING",
    "S": "SUSPENDED",
    "U": "SUSPENDED",
    "B": "BEGUN",
    "M": "MOVED",
}
#: Finished jobs (kept a while by the server) are no longer in the queue.
_ENDED = {"C", "F", "X"}
#: Not started (yet): a start time left over from an earlier run of the job is not its start.
_WAITING = {"Q", "H", "W", "T"}


def parse_qstat(text: str) -> list[JobInfo]:
    """The jobs in ``qstat -f`` output, finished ones left out.

    Each job starts with ``Job Id: 123.server``, then ``    key = value`` lines; long
    values continue on lines that start with a tab. Records without a job state are
    skipped.
    """
    records: list[dict[str, str]] = []
    key: str | None = None
    for line in text.splitlines():
        if line.startswith("Job Id:"):
            records.append({"Job Id": line.partition(":")[2].strip()})
            key = None
        elif records and key is not None and line.startswith("\t"):
            records[-1][key] += line[1:]  # the server wraps long values at any character
        elif records and " = " in line:
            name, _, value = line.partition(" = ")
            key = name.strip()
            records[-1][key] = value
        else:
            key = None
    return [job for record in records if (job := _job(record)) is not None]


def _job(raw: dict[str, str]) -> JobInfo | None:
    record = {key: value.strip() for key, value in raw.items()}
    # dask-jobqueue keeps the number only ("123" of "123.server"), so ids match its jobs
    job_id = record["Job Id"].split(".")[0]
    state = record.get("job_state", "")
    if not job_id or not state or state in _ENDED:
        return None
    started = record.get("stime") or record.get("start_time") or ""
    return JobInfo(
        job_id=job_id,
        name=record.get("Job_Name", ""),
        state=_STATES.get(state, state),
        reason=None if state == "R" else record.get("comment") or None,
        nodes=_nodes(record.get("exec_host", "")),
        submitted=parse_time(record.get("qtime") or record.get("ctime") or "", _TIMES),
        started=None if state in _WAITING else parse_time(started, _TIMES),
    )


def _nodes(exec_host: str) -> str | None:
    """``node1/0*2+node2/0`` (PBS Pro) or ``node1/0+node1/1`` (Torque) -> ``node1,node2``."""
    hosts = [part.split("/")[0].strip() for part in exec_host.split("+")]
    unique = list(dict.fromkeys(h for h in hosts if h))
    return ",".join(unique) or None


class PBS(BatchSystem):
    """qselect, qstat and qdel."""

    title = "PBS"
    cancel_command = "qdel"
    # PBS_NODEFILE names a file, not a node: the worker's host name says where it runs
    node_variables = ()

    def jobs(self, name: str) -> list[JobInfo]:
        """Jobs called ``name`` (``qselect -N``), with comments, nodes and times (``qstat -f``)."""
        ids = [word for word in self.run(["qselect", "-N", name]).split() if word[:1].isdigit()]
        if not ids:
            return []
        # a job that ends between the two commands makes qstat fail for it alone
        return parse_qstat(self.run(["qstat", "-f", *ids], check=False))


@batch_backend("pbs", "PBS / Torque")
class PBSBackend(JobQueueBackend):
    """PBSCluster with the study's layout; ``options`` go to PBSCluster unchanged."""

    cluster_class = "PBSCluster"
    batch = PBS()

    def _shape(self, workers: int, group: str | None = None) -> dict[str, Any]:
        """The job's shape, asking PBS for the nannies' process beyond the workers' limits.

        PBSCluster's default request is ``select=1:ncpus=<cores>:mem=<the workers' limits>``,
        so a PBS that enforces memory would kill the job when its workers alone reach them:
        the same request is made with :data:`NANNY_HEADROOM` more memory. A ``resource_spec``
        in the options (or dask-jobqueue's config) is taken as written, and so is a request
        that ``job_directives_skip`` leaves out (``[select]``, where the site's ``-l mem=``
        goes in ``job_extra_directives``).
        """
        shape = super()._shape(workers, group)
        options = self._job_options(group)
        section = self._config_section(options)
        if option_or_config(options, "resource_spec", section) is not None:
            return shape
        from dask_jobqueue.pbs import pbs_format_bytes_ceil  # PBS's MB and GB, i.e. MiB and GiB

        memory = job_memory(self.layout, workers, group)
        ours, default = (
            f"select=1:ncpus={shape['cores']}:mem={pbs_format_bytes_ceil(nbytes)}"
            for nbytes in (memory, memory - NANNY_HEADROOM)
        )
        lines = [f"#PBS -l {ours}", f"#PBS -l {default}"]
        if skipped(lines, {"job_directives_skip": directives_skip(options, section)}) == lines:
            shape["resource_spec"] = ours
        return shape
