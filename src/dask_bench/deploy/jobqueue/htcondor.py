"""The ``htcondor`` back-end: dask-jobqueue's HTCondorCluster, with condor_q's view of the jobs.

HTCondor has no job name: dask-jobqueue sets the submit file's ``batch_name`` to the
worker's name. dask-bench sets ``batch_name = dask-bench-<run id>-<study>`` instead (through
``job_extra_directives``, which dask-jobqueue merges over its own keys), so that the
jobs of a run are found by ``JobBatchName`` as on the other batch systems. The same way
it sets ``RequestMemory`` (MiB) to the workers' limits plus the nannies' headroom.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import TYPE_CHECKING, Any

from dask_bench.deploy.jobqueue._alloc import job_memory, mib
from dask_bench.deploy.jobqueue._batch import BatchSystem, JobInfo
from dask_bench.deploy.jobqueue._groups import directives_skip
from dask_bench.deploy.jobqueue.core import JobQueueBackend, batch_backend
from dask_bench.errors import ConfigError

if TYPE_CHECKING:
    from distributed import Client

#: Job ClassAd attributes, tab-separated (``-af:t``); free-text reasons last.
_ATTRS = (
    "ClusterId",
    "ProcId",
    "JobBatchName",
    "JobStatus",
    "QDate",
    "JobCurrentStartDate",
    "RemoteHost",
    "HoldReason",
    "LastRejMatchReason",
)
_STATES = {
    "1": "IDLE",
    "2": "RUNNING",
    "3": "REMOVED",
    "4": "COMPLETED",
    "5": "HELD",
    "6": "TRANSFERRING_OUTPUT",
    "7": "SUSPENDED",
}
#: Removed and completed jobs linger in condor_q while they leave; they are not waiting.
_ENDED = {"3", "4"}
#: Submit-file keys that would rename the jobs (submit keys are case-insensitive).
_NAME_KEYS = {"batch_name", "+jobbatchname", "my.jobbatchname"}
#: Submit-file keys that set the job's memory request (dask-jobqueue writes RequestMemory).
_MEMORY_KEYS = {"requestmemory", "request_memory", "+requestmemory", "my.requestmemory"}
#: dask-jobqueue's key for the memory request, in its header (which job_directives_skip names).
_REQUEST_MEMORY = "RequestMemory"


def parse_condor_q(text: str) -> list[JobInfo]:
    """The jobs in ``condor_q -af:t ClusterId ProcId JobBatchName ...`` output.

    Lines without every attribute, or with a non-numeric id, are skipped, and so are
    removed and completed jobs. HTCondor prints ``undefined`` for a missing attribute.
    """
    jobs = []
    for line in text.splitlines():
        parts = [part.strip() for part in line.split("\t", len(_ATTRS) - 1)]
        if len(parts) != len(_ATTRS) or not (parts[0].isdigit() and parts[1].isdigit()):
            continue
        cluster, proc, name, status, queued, started, host, held, rejected = (
            None if p == "undefined" else p for p in parts
        )
        if status is None or status in _ENDED:
            continue
        reason = held if status == "5" else rejected if status == "1" else None
        jobs.append(
            JobInfo(
                job_id=f"{cluster}.{proc}",  # as dask-jobqueue names them
                name=name or "",
                state=_STATES.get(status, status),
                reason=reason or None,
                nodes=host.rpartition("@")[2] if host else None,  # slot1@node1 -> node1
                submitted=_epoch(queued),
                started=None if status == "1" else _epoch(started),
            )
        )
    return jobs


def _epoch(text: str | None) -> datetime | None:
    try:
        seconds = int(text or "")
    except ValueError:
        return None
    return datetime.fromtimestamp(seconds) if seconds > 0 else None


class HTCondor(BatchSystem):
    """condor_q and condor_rm."""

    title = "HTCondor"
    cancel_command = "condor_rm"
    node_variables = ()  # the worker's host name says where it runs

    def jobs(self, name: str) -> list[JobInfo]:
        """Jobs whose batch name is ``name``, with hold reasons, hosts and times."""
        literal = name.replace("\\", "\\\\").replace('"', '\\"')
        out = self.run(
            ["condor_q", "-constraint", f'JobBatchName == "{literal}"', "-af:t", *_ATTRS]
        )
        return parse_condor_q(out)


@batch_backend("htcondor", "HTCondor")
class HTCondorBackend(JobQueueBackend):
    """HTCondorCluster with the study's layout; ``options`` go to HTCondorCluster unchanged.

    The additions are ``batch_name`` and ``RequestMemory`` among the submit-file keys
    (see the module).
    """

    cluster_class = "HTCondorCluster"
    batch = HTCondor()

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        for key in ("job_extra_directives", "job_extra"):
            given = self.options.get(key)
            if given is not None and not isinstance(given, Mapping):
                raise ConfigError(
                    f"'deployment.options.{key}' must be a mapping of submit-file keys to "
                    f"values for HTCondorCluster, not {type(given).__name__}"
                )
            if given is not None and _NAME_KEYS & {str(k).lower() for k in given}:
                raise ConfigError(
                    f"'deployment.options.{key}' must not set batch_name: dask-bench names "
                    "the jobs dask-bench-<run id>-<study>, so that 'dask-bench cleanup' finds them"
                )

    def _directives(self) -> dict[str, Any]:
        """The user's submit-file keys (options, else dask config) plus the batch name."""
        import dask

        # as dask-jobqueue reads them: the deprecated job_extra when the directives are empty,
        # the dask config when neither is given
        given = self.options.get("job_extra_directives")
        if not given:
            given = self.options.get("job_extra") or given
        if given is None:
            config = self.options.get("config_name", "htcondor")
            given = dask.config.get(f"jobqueue.{config}.job-extra-directives", None) or {}
        if not isinstance(given, Mapping):
            raise ConfigError(
                "dask config 'jobqueue.htcondor.job-extra-directives' must be a mapping of "
                f"submit-file keys to values, not {type(given).__name__}"
            )
        return {**given, "batch_name": self.tag}

    def _job_options(self, group: str | None = None) -> dict[str, Any]:
        """The job options, with the run's submit-file keys, the group's over them, the name."""
        own = self.layout.group(group).options.get("job_extra_directives") if group else None
        where = f"deployment.groups.{group}.options.job_extra_directives"
        if own is not None and not isinstance(own, Mapping):
            raise ConfigError(
                f"'{where}' must be a mapping of submit-file keys to values for "
                f"HTCondorCluster, not {type(own).__name__}"
            )
        if own and _NAME_KEYS & {str(k).lower() for k in own}:
            raise ConfigError(
                f"'{where}' must not set batch_name: dask-bench names the jobs "
                "dask-bench-<run id>-<study>, so that 'dask-bench cleanup' finds them"
            )
        directives = {**self._directives(), **(own or {}), "batch_name": self.tag}
        return {**super()._job_options(group), "job_extra_directives": directives}

    def _shape(self, workers: int, group: str | None = None) -> dict[str, Any]:
        """The job's shape, asking HTCondor for the nannies' process beyond the workers' limits.

        dask-jobqueue's ``RequestMemory`` is the workers' limits (``MY.DaskWorkerMemory``),
        so a pool that enforces memory would evict the job when its workers alone reach
        them: the submit-file keys get ``RequestMemory`` = that plus :data:`NANNY_HEADROOM`,
        in MiB. A memory request among the user's keys (options or dask-jobqueue's config),
        or ``RequestMemory`` in ``job_directives_skip``, is taken as written.
        """
        shape = super()._shape(workers, group)
        options = self._job_options(group)
        directives = options["job_extra_directives"]
        section = self._config_section(options)
        given = _MEMORY_KEYS & {str(key).lower() for key in directives}
        if not given and _REQUEST_MEMORY not in directives_skip(options, section):
            directives = {
                **directives,
                _REQUEST_MEMORY: mib(job_memory(self.layout, workers, group)),
            }
        # always: a group's own keys, merged over the run's, must keep the batch name
        shape["job_extra_directives"] = directives
        return shape

    def start(self) -> Client:
        """Start HTCondorCluster, its jobs carrying ``batch_name = <tag>``."""
        user = self.options
        # the shared start passes self.options on; the recorded options stay the user's
        self.options = {**user, "job_extra_directives": self._directives()}
        try:
            return super().start()
        finally:
            self.options = user
