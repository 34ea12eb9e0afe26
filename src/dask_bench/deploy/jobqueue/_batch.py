"""What dask-bench asks of a batch system besides submitting: job states and cancelling.

Also the lines of a job script that export the study's Dask config.

dask-jobqueue submits and cancels the jobs it knows; these commands serve what it
does not: the pending reason when workers do not arrive, queue wait versus process
start, the nodes a job landed on, and cancelling the jobs of a crashed run by name.
"""

from __future__ import annotations

import shutil
import subprocess
from abc import ABC, abstractmethod
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from dask_bench.errors import BackendError
from dask_bench.study.dask_config import environment_assignment

#: Seconds a query of the batch system may take.
COMMAND_TIMEOUT = 30.0


@dataclass(frozen=True)
class JobInfo:
    """One batch job as the batch system reports it."""

    job_id: str
    name: str
    state: str
    reason: str | None = None
    nodes: str | None = None
    submitted: datetime | None = None
    started: datetime | None = None

    @property
    def queue_seconds(self) -> float | None:
        """Seconds from submission to start, when both are known."""
        if self.submitted is None or self.started is None:
            return None
        return max(0.0, (self.started - self.submitted).total_seconds())

    def describe(self) -> str:
        """``123 PENDING (Resources) on node1``, for messages."""
        text = f"{self.job_id} {self.state}"
        if self.reason:
            text += f" ({self.reason})"
        if self.nodes:
            text += f" on {self.nodes}"
        return text


class BatchSystem(ABC):
    """Commands of one batch system."""

    #: Shown in messages, e.g. "Slurm".
    title: str
    #: Environment variables that name a job's node inside the job, first found wins.
    node_variables: tuple[str, ...] = ()
    #: The command that cancels jobs given their ids, e.g. "scancel".
    cancel_command: str

    @abstractmethod
    def jobs(self, name: str) -> list[JobInfo]:
        """The jobs called ``name`` (also those of other back-end instances)."""

    def cancel(self, job_ids: Sequence[str]) -> None:
        """Cancel these jobs (:attr:`cancel_command`); jobs that have ended already are no error.

        The command ignores those or only complains, so its exit status is not checked.
        """
        self.run([self.cancel_command, *job_ids], check=False)

    def cancel_named(self, name: str) -> list[str]:
        """Cancel every job called ``name``; returns their ids."""
        ids = [j.job_id for j in self.jobs(name)]
        if ids:
            self.cancel(ids)
        return ids

    def run(self, args: Sequence[str], check: bool = True) -> str:
        """Run a command of the batch system and return its output.

        Raises
        ------
        BackendError
            When the command is missing, hangs or (with ``check``) fails.
        """
        if shutil.which(args[0]) is None:
            raise BackendError(
                f"{args[0]} not found: the {self.title} client commands must be on PATH "
                "where dask-bench runs"
            )
        try:
            done = subprocess.run(
                list(args), capture_output=True, text=True, timeout=COMMAND_TIMEOUT, check=False
            )
        except subprocess.TimeoutExpired:
            raise BackendError(
                f"'{' '.join(args)}' did not answer within {COMMAND_TIMEOUT:g} s; "
                f"is the {self.title} controller up?"
            ) from None
        if check and done.returncode != 0:
            reason = (done.stderr or done.stdout).strip().splitlines()
            raise BackendError(
                f"'{' '.join(args)}' failed: {reason[-1] if reason else done.returncode}"
            )
        return done.stdout


def parse_time(text: str, formats: Sequence[str]) -> datetime | None:
    """The first format that parses ``text``; None for "N/A", "Unknown" and the like."""
    text = text.strip()
    for fmt in formats:
        try:
            return datetime.strptime(text, fmt)
        except ValueError:
            continue
    return None


def export_lines(config: Mapping[str, Any]) -> list[str]:
    """Shell lines that give a Dask process started after them the Dask config ``config``.

    One ``export DASK_...=...`` per key, in the encoding Dask reads its environment with
    (see :func:`~dask_bench.study.dask_config.environment_value`).
    """
    return [f"export {environment_assignment(k, v)}" for k, v in config.items()]


def with_exports(
    options: Mapping[str, Any], dask_config: Mapping[str, Any], config_name: Callable[[], str]
) -> dict[str, Any]:
    """``options`` with ``dask_config`` exported at the end of the job script's prologue.

    ``config_name`` gives dask-jobqueue's config section of the job class (``slurm``),
    whose prologue applies when the options set none.
    """
    out = dict(options)
    if not dask_config:
        return out
    prologue = out.pop("job_script_prologue", None)
    legacy = out.pop("env_extra", None)  # its old name, moved to avoid the warning
    if prologue is None:
        prologue = legacy
    if prologue is None:  # what dask-jobqueue would take from its own config
        import dask.config

        section = f"jobqueue.{out.get('config_name') or config_name()}"
        prologue = dask.config.get(f"{section}.job-script-prologue", None)
        prologue = prologue or dask.config.get(f"{section}.env-extra", None)
    out["job_script_prologue"] = [*(prologue or []), *export_lines(dask_config)]
    return out


def job_record(
    name: str, job_id: object, workers: int | None, info: JobInfo | None
) -> dict[str, Any]:
    """A submitted job as the run stores it: spec name, id, workers, state, nodes, queue wait."""
    return {
        "name": name,
        "job_id": job_id,
        "workers": workers,
        "state": info.state if info else None,
        "nodes": info.nodes if info else None,
        "queue_seconds": info.queue_seconds if info else None,
    }
