"""The ``pbs`` back-end: dask-jobqueue's PBSCluster (PBS Pro, OpenPBS, Torque), seen by qstat."""

from __future__ import annotations

from dask_bench.deploy.jobqueue._batch import BatchSystem, JobInfo, parse_time
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
