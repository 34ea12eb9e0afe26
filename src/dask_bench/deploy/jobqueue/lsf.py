"""The ``lsf`` back-end: dask-jobqueue's LSFCluster, with bjobs' view of the jobs."""

from __future__ import annotations

import re
from datetime import datetime, timedelta
from typing import Any

from dask_bench.deploy.jobqueue._alloc import job_memory
from dask_bench.deploy.jobqueue._batch import BatchSystem, JobInfo, parse_time
from dask_bench.deploy.jobqueue._groups import option_or_config
from dask_bench.deploy.jobqueue.core import JobQueueBackend, batch_backend

#: bjobs fields; the free-text pending reason comes last so that it may hold anything.
_FIELDS = ("jobid", "job_name", "stat", "exec_host", "submit_time", "start_time", "pend_reason")
_FORMAT = " ".join(_FIELDS) + " delimiter='|'"
#: ``Jan  8 10:15``, with seconds or the year when LSF is configured to show them.
_TIMES = ("%b %d %H:%M:%S %Y", "%b %d %H:%M %Y")


def parse_bjobs(text: str, now: datetime | None = None) -> list[JobInfo]:
    """The jobs in ``bjobs -noheader -o "<fields> delimiter='|'"`` output.

    Lines that do not have the fields, or whose job id is not a number ("No unfinished
    job found"), are skipped. ``now`` completes times shown without a year.
    """
    now = now or datetime.now()
    jobs = []
    for line in text.splitlines():
        parts = [part.strip() for part in line.split("|", len(_FIELDS) - 1)]
        if len(parts) != len(_FIELDS) or not parts[0].isdigit():
            continue
        job_id, name, state, hosts, submitted, started, reason = parts
        jobs.append(
            JobInfo(
                job_id=job_id,
                name=name,
                state=state,
                reason=None if reason in ("", "-") else reason,
                nodes=_nodes(hosts),
                submitted=_time(submitted, now),
                started=None if state == "PEND" else _time(started, now),
            )
        )
    return jobs


def _nodes(exec_host: str) -> str | None:
    """``4*node1:2*node2`` or ``node1:node1`` -> ``node1,node2``; ``-`` -> None."""
    hosts = [re.sub(r"^\d+\*", "", part.strip()) for part in exec_host.split(":")]
    unique = list(dict.fromkeys(h for h in hosts if h and h != "-"))
    return ",".join(unique) or None


def _time(text: str, now: datetime) -> datetime | None:
    # bjobs may mark a time with a trailing letter (E: estimated, L: local); drop it
    text = re.sub(r"\s+[A-Z]$", "", text.strip())
    if re.search(r"\s\d{4}$", text):
        return parse_time(text, _TIMES)
    # no year shown: this year, unless that lies in the future (then it was last year;
    # a day of slack for clocks that differ)
    parsed = parse_time(f"{text} {now.year}", _TIMES)
    if parsed is not None and parsed > now + timedelta(days=1):
        parsed = parse_time(f"{text} {now.year - 1}", _TIMES)
    return parsed


class LSF(BatchSystem):
    """bjobs and bkill."""

    title = "LSF"
    cancel_command = "bkill"
    # LSB_HOSTS lists every slot of the job: the worker's host name says where it runs
    node_variables = ()

    def jobs(self, name: str) -> list[JobInfo]:
        """Unfinished jobs called ``name`` (``bjobs -J``), with reasons, hosts and times."""
        # no matching job makes bjobs exit non-zero ("Job <name> is not found")
        out = self.run(["bjobs", "-J", name, "-noheader", "-o", _FORMAT], check=False)
        return [job for job in parse_bjobs(out) if job.name == name]


@batch_backend("lsf", "IBM LSF")
class LSFBackend(JobQueueBackend):
    """LSFCluster with the study's layout; ``options`` go to LSFCluster unchanged."""

    cluster_class = "LSFCluster"
    batch = LSF()

    def _shape(self, workers: int, group: str | None = None) -> dict[str, Any]:
        """The job's shape, asking LSF for the nannies' process beyond the workers' limits.

        LSFCluster's ``mem`` (bytes, written as ``-M`` in the site's ``lsf_units``) is
        the workers' limits by default, so an LSF that enforces memory would kill the job
        when its workers alone reach them: it is set to :data:`NANNY_HEADROOM` more. A
        ``mem`` in the options (or dask-jobqueue's config) is taken as written.
        """
        shape = super()._shape(workers, group)
        options = self._job_options(group)
        section = self._config_section(options)
        if option_or_config(options, "mem", section) is None:
            shape["mem"] = job_memory(self.layout, workers, group)
        return shape
