"""The ``sge`` back-end: dask-jobqueue's SGECluster (Grid Engine), with qstat's view of the jobs."""

from __future__ import annotations

import xml.etree.ElementTree as ET
from dataclasses import replace
from datetime import datetime
from typing import Any

from dask_bench.deploy.jobqueue._batch import BatchSystem, JobInfo, parse_time
from dask_bench.deploy.jobqueue._groups import option_or_config
from dask_bench.deploy.jobqueue.core import JobQueueBackend, batch_backend
from dask_bench.errors import BackendError, ConfigError

#: ``qstat -xml`` times, e.g. ``2026-11-22T05:13:11`` (local time, as SGE shows it).
_XML_TIMES = ("%Y-%m-%dT%H:%M:%S", "%Y-%m-%dT%H:%M:%S.%f")
#: The parallel environment of jobs holding several slots, unless
#: ``deployment.options.parallel_environment`` names another (null: none).
DEFAULT_PE = "smp"
#: ``qstat -j`` times, e.g. ``Sun Nov 22 05:13:10 2026``.
_J_TIMES = ("%a %b %d %H:%M:%S %Y",)


def parse_qstat_xml(text: str) -> list[JobInfo]:
    """The jobs in ``qstat -xml`` output, running and pending.

    Running jobs (``job_list state="running"``) carry their start time and queue
    instance (``all.q@node1``, whose host is the node); pending ones their submission
    time. Neither carries the other time nor why a job waits: see :func:`parse_qstat_j`.

    Raises
    ------
    BackendError
        When the text is not XML.
    """
    try:
        root = ET.fromstring(text)
    except ET.ParseError as exc:
        raise BackendError(f"qstat -xml printed no readable XML: {exc}") from None
    jobs = []
    for entry in root.iter("job_list"):
        job_id = (entry.findtext("JB_job_number") or "").strip()
        if not job_id:
            continue
        queue = (entry.findtext("queue_name") or "").strip()
        running = entry.get("state") == "running"
        jobs.append(
            JobInfo(
                job_id=job_id,
                name=(entry.findtext("JB_name") or "").strip(),
                state=(entry.findtext("state") or "").strip(),
                nodes=queue.partition("@")[2] or None,
                submitted=parse_time(entry.findtext("JB_submission_time") or "", _XML_TIMES),
                started=parse_time(entry.findtext("JAT_start_time") or "", _XML_TIMES)
                if running
                else None,
            )
        )
    return jobs


def parse_qstat_j(text: str) -> dict[str, tuple[datetime | None, str | None]]:
    """Job id -> (submission time, why it waits) from ``qstat -j ID|NAME`` output.

    The reason is the job's ``error reason`` (jobs in ``Eqw``), else the line of its
    ``scheduling info:`` that speaks of the job itself (``Job is in hold state``), else
    the first one (``queue instance "all.q@node1" dropped because it is full``).
    """
    found: dict[str, tuple[datetime | None, str | None]] = {}
    job_id: str | None = None
    submitted: datetime | None = None
    errors: list[str] = []
    info: list[str] = []
    in_info = False

    def keep() -> None:
        if job_id is not None:
            pick = next((line for line in info if line.startswith("Job ")), None)
            reason = errors[0] if errors else pick or (info[0] if info else None)
            found[job_id] = (submitted, reason)

    for line in text.splitlines():
        value = line.partition(":")[2]
        if line.startswith("job_number:"):
            keep()
            job_id, submitted, errors, info, in_info = value.strip(), None, [], [], False
        elif line.startswith("submission_time:"):
            submitted = parse_time(value, _J_TIMES)
        elif line.startswith("error reason"):
            # "error reason    1:      11/22/2026 05:13:38 [0:18208]: error: can't chdir ..."
            message = value.strip()
            errors.append(message.partition("]: ")[2] or message)
        elif line.startswith("scheduling info:"):
            in_info = True
            info.append(value.strip())
        elif in_info and line.startswith(" ") and line.strip():
            info.append(line.strip())
        else:
            in_info = False
    keep()
    return found


class SGE(BatchSystem):
    """qstat and qdel."""

    title = "SGE"
    cancel_command = "qdel"
    # SGE sets HOSTNAME in a job to the execution host's name as SGE knows it
    node_variables = ("HOSTNAME",)

    def jobs(self, name: str) -> list[JobInfo]:
        """Jobs called ``name`` (``qstat -xml``), with submit times and reasons (``qstat -j``)."""
        mine = [
            j for j in parse_qstat_xml(self.run(["qstat", "-u", "*", "-xml"])) if j.name == name
        ]
        if not mine:
            return []
        # details only: a job that ends meanwhile makes qstat -j fail, which is no error
        details = parse_qstat_j(self.run(["qstat", "-j", name], check=False))
        jobs = []
        for job in mine:
            submitted, reason = details.get(job.job_id, (None, None))
            jobs.append(
                replace(
                    job,
                    submitted=job.submitted or submitted,
                    reason=reason if job.started is None else None,
                )
            )
        return jobs


@batch_backend("sge", "Sun Grid Engine")
class SGEBackend(JobQueueBackend):
    """SGECluster with the study's layout; ``options`` go to SGECluster unchanged.

    Memory: SGECluster asks Grid Engine for none unless ``resource_spec`` is given (its
    resource names, ``h_vmem``, ``mem_free``, ..., are the site's), so nothing is added
    here, headroom included. Where the site enforces memory, a ``resource_spec`` should
    cover the workers' limits plus :data:`~dask_bench.deploy.jobqueue._alloc.NANNY_HEADROOM`
    for the ``dask worker`` process that holds the job's nannies (divided by the job's
    slots where the site counts ``h_vmem`` per slot of the parallel environment).
    """

    cluster_class = "SGECluster"
    batch = SGE()

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        # dask-bench's own option, not SGECluster's: taken out before the options pass on
        self.options = dict(self.options)
        pe = self.options.pop("parallel_environment", DEFAULT_PE)
        if pe is not None and (not isinstance(pe, str) or not pe.strip() or " " in pe):
            raise ConfigError(
                f"deployment.options.parallel_environment: {pe!r} is not the name of a "
                "parallel environment (qconf -spl lists them); use e.g. smp, or null for none"
            )
        self.parallel_environment: str | None = pe

    def _shape(self, workers: int, group: str | None = None) -> dict[str, Any]:
        """The job's shape; a job of several slots asks for them in the parallel environment.

        Without ``-pe``, SGE gives a job one slot however many workers and threads it
        runs, and puts other jobs on the cores they use.
        """
        shape = super()._shape(workers, group)
        if self.parallel_environment and shape["cores"] > 1:
            options = self._job_options(group)
            section = self._config_section(options)
            given = option_or_config(options, "job_extra_directives", section) or []
            pe = f"-pe {self.parallel_environment} {shape['cores']}"
            shape["job_extra_directives"] = [*given, pe]
        return shape

    def describe(self) -> dict[str, Any]:
        """As every batch back-end, with the parallel environment jobs of several slots use."""
        info = super().describe()
        info["parallel_environment"] = self.parallel_environment
        return info
