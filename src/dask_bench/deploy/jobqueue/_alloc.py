"""What the one-allocation scripts (``script slurm``, ``script pbs``) share.

The script's shape is the same on every batch system: the site's prologue first
(module systems break under ``set -u``), then strict mode, the open-files limit, the
scheduler and the study each on CPUs of their own, and the workers of the largest
size on the rest.
"""

from __future__ import annotations

import math
import shlex
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from dask_bench.deploy.jobqueue._batch import export_lines
from dask_bench.deploy.layout import WorkerLayout
from dask_bench.errors import ConfigError

#: Memory asked of the batch system per worker beyond its ``--memory-limit``: the nanny
#: process and the interpreter live outside the worker's limit, and a batch system that
#: enforces memory would kill the whole task when the worker alone reaches its limit.
NANNY_HEADROOM = 256 * 2**20
#: Tasks besides the workers: one for the scheduler, one for the study (the client).
SERVICE_TASKS = 2
#: Open files asked for when the hard limit is "unlimited" (Linux refuses more than nr_open).
_OPEN_FILES_UNLIMITED = 1_048_576


@dataclass(frozen=True)
class ScriptSettings:
    """What the user chose for the allocation beyond the study's ``deployment.options``."""

    #: Whole nodes for the job (``--exclusive``, ``-l place=excl``).
    exclusive: bool = False
    #: CPU binding of every launched task (Slurm ``--cpu-bind``), None: the site's default.
    cpu_bind: str | None = None
    #: Seconds of wall time asked for when the options set no ``walltime``.
    walltime_seconds: int | None = None


def memory_per_task(layout: WorkerLayout) -> int:
    """Bytes the batch system gives one worker task: its limit plus :data:`NANNY_HEADROOM`."""
    return layout.memory_per_worker + NANNY_HEADROOM


def job_memory(layout: WorkerLayout, workers: int, group: str | None = None) -> int:
    """Bytes a dask-jobqueue job of ``workers`` workers (of ``group``) asks of the batch system.

    The workers' limits plus one :data:`NANNY_HEADROOM`: a job's workers are started by
    one ``dask worker`` process, which holds their nannies outside every worker's limit.
    """
    memory = layout.memory_per_worker if group is None else layout.group(group).memory_per_worker
    return workers * memory + NANNY_HEADROOM


def mib(nbytes: float) -> int:
    """Whole MiB, rounded up (batch systems take integers)."""
    return math.ceil(nbytes / 2**20)


def walltime_text(seconds: int, *, days: bool) -> str:
    """``HH:MM:SS``, or ``D-HH:MM:SS`` from a day on where the batch system reads it (Slurm)."""
    minutes, secs = divmod(max(0, int(seconds)), 60)
    hours, minutes = divmod(minutes, 60)
    if days and hours >= 24:
        return f"{hours // 24}-{hours % 24:02d}:{minutes:02d}:{secs:02d}"
    return f"{hours:02d}:{minutes:02d}:{secs:02d}"


def skipped(lines: Sequence[str], options: Mapping[str, Any]) -> list[str]:
    """``lines`` without those containing a ``job_directives_skip`` entry (dask-jobqueue's rule)."""
    skip = [str(s) for s in options.get("job_directives_skip") or []]
    return [line for line in lines if not any(s in line for s in skip)]


def shell_word(value: Any) -> str:
    """``value`` as one shell word; ``$VAR`` in it expands when the job runs (``$TMPDIR``)."""
    text = str(value)
    if "$" in text:
        return '"' + text.replace("\\", "\\\\").replace('"', '\\"').replace("`", "\\`") + '"'
    return shlex.quote(text)


def check_layout(layout: WorkerLayout, what: str) -> None:
    """Refuse worker groups: one allocation is one job shape.

    Raises
    ------
    ConfigError
        When ``layout`` has groups.
    """
    if layout.groups:
        raise ConfigError(
            f"script {what} makes one allocation of one kind of worker, and deployment.groups "
            f"sets several; run the study with the {what} back-end, which submits one job "
            "shape per group"
        )


def preamble(options: Mapping[str, Any], dask_config: Mapping[str, Any] | None) -> list[str]:
    """The prologue, then strict mode and the open-files limit, then the Dask config.

    Lmod's and Environment Modules' init scripts read unset variables, so the site's
    prologue runs before ``set -u``; the raised limit is inherited by every process
    the script starts (srun and pbsdsh pass resource limits on).
    """
    prologue = [str(line) for line in options.get("job_script_prologue") or []]
    note = ["# the site's prologue, before strict mode: module init scripts break under set -u"]
    return [
        *(note if prologue else []),
        *prologue,
        "set -euo pipefail",
        "# scheduler, workers and study open a socket per connection: allow what the site allows",
        'hard=$(ulimit -Hn); [ "$hard" = unlimited ] && hard=' + str(_OPEN_FILES_UNLIMITED),
        'ulimit -n "$hard" 2>/dev/null || true',
        *export_lines(dask_config or {}),
    ]


def wait_for_scheduler(log: str) -> list[str]:
    """Lines that wait up to a minute for the scheduler file, or fail naming ``log``."""
    return [
        'for _ in $(seq 600); do [ -s "$scheduler_file" ] && break; sleep 0.1; done',
        f'[ -s "$scheduler_file" ] || {{ echo "the scheduler did not start; see {log}" >&2; '
        "exit 1; }",
    ]


def network(options: Mapping[str, Any]) -> str:
    """`` --interface ib0`` when the options name an interface."""
    interface = options.get("interface")
    return f" --interface {shell_word(interface)}" if interface else ""


def worker_args(layout: WorkerLayout, options: Mapping[str, Any]) -> str:
    """``dask worker`` arguments for the study's layout and the options' local directory."""
    local = options.get("local_directory")
    extra = f" --local-directory {shell_word(local)}" if local else ""
    return (
        f"--nthreads {layout.threads_per_worker} --memory-limit {layout.memory_per_worker} "
        f"--no-dashboard{network(options)}{extra}"
    )


def scheduler_command(python: str, options: Mapping[str, Any]) -> str:
    """``dask scheduler`` writing ``$scheduler_file``, its log in ``$work``."""
    return (
        f'{python} -m distributed.cli.dask_scheduler --scheduler-file "$scheduler_file" '
        f"--port 0 --dashboard-address 127.0.0.1:0{network(options)} "
        '> "$work/scheduler.log" 2>&1 &'
    )


def worker_command(python: str, layout: WorkerLayout, options: Mapping[str, Any]) -> str:
    """``dask worker`` of the study's layout, meeting the scheduler at ``$scheduler_file``."""
    return (
        f'{python} -m distributed.cli.dask_worker --scheduler-file "$scheduler_file" '
        f"{worker_args(layout, options)}"
    )
