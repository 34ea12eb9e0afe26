"""An sbatch script that runs a whole study inside one Slurm allocation.

For centres where interactive queues are slow: one job holds the scheduler (in
the batch step), the workers (one ``srun`` step of N tasks) and the study, which
connects through a scheduler file (``run --scheduler-file``) and measures every
size on a subset of the workers.
"""

from __future__ import annotations

import math
import shlex
import sys
from collections.abc import Mapping
from pathlib import Path
from typing import TYPE_CHECKING, Any

from dask_bench.deploy.jobqueue._batch import export_lines
from dask_bench.deploy.jobqueue.nodes import node_split
from dask_bench.deploy.jobqueue.slurm import SlurmBackend
from dask_bench.deploy.layout import WorkerLayout
from dask_bench.deploy.registry import get_backend
from dask_bench.errors import ConfigError

if TYPE_CHECKING:
    from dask_bench.study import Study

#: Name of the allocation job (its run id is not known before it runs).
ALLOCATION_NAME = "dask-bench-study"
#: The SLURMCluster keywords that mean the same for one allocation, with their sbatch flag.
_FLAGS = {"queue": "--partition", "account": "--account", "walltime": "--time"}


def slurm_options(study: Study) -> dict[str, Any]:
    """The study's ``deployment.options`` when they are Slurm's (its back-end is ``slurm``).

    Options written for another back-end mean nothing to sbatch, so none are used then.
    """
    dep = study.deployment
    return dict(dep.options) if issubclass(get_backend(dep.backend), SlurmBackend) else {}


def _directives(options: Mapping[str, Any]) -> list[str]:
    lines = []
    for key, flag in _FLAGS.items():
        if options.get(key):
            lines.append(f"#SBATCH {flag}={options[key]}")
    for extra in options.get("job_extra_directives") or []:
        lines.append(f"#SBATCH {extra}")
    return lines


def allocation_script(
    study_file: str | Path,
    max_workers: int,
    layout: WorkerLayout,
    options: Mapping[str, Any] | None = None,
    cores_per_node: int | None = None,
    run_args: list[str] | None = None,
    python: str | None = None,
    dask_config: Mapping[str, Any] | None = None,
) -> str:
    """The text of the sbatch script.

    Parameters
    ----------
    study_file
        The study to run (made absolute: the job may start elsewhere).
    max_workers
        Workers of the largest size; the allocation holds that many worker tasks.
    layout
        Threads and memory of every worker.
    options
        The study's ``deployment.options`` for Slurm: ``queue``, ``account``,
        ``walltime``, ``job_extra_directives``, ``job_script_prologue`` and
        ``interface`` are used; ``python`` picks the interpreter.
    cores_per_node
        Spreads the workers as the ``slurm`` back-end would (``--nodes``).
    run_args
        Extra arguments of ``dask-bench run`` (e.g. ``--db``).
    python
        The interpreter with dask-bench installed; default: this one.
    dask_config
        The study's Dask config, exported before the scheduler and the workers start.
    """
    if layout.groups:
        # one allocation is one job shape: groups need a job (and a queue) each
        raise ConfigError(
            "script slurm makes one allocation of one kind of worker, and deployment.groups "
            "sets several; run the study with the slurm back-end, which submits one job "
            "shape per group"
        )
    options = dict(options or {})
    python = python or str(options.get("python") or sys.executable)
    threads, memory = layout.threads_per_worker, layout.memory_per_worker
    mem_per_cpu = math.ceil(memory / threads / 2**20)
    head = [
        "#!/usr/bin/env bash",
        f"#SBATCH --job-name={ALLOCATION_NAME}",
        f"#SBATCH --ntasks={max_workers}",
        f"#SBATCH --cpus-per-task={threads}",
        f"#SBATCH --mem-per-cpu={mem_per_cpu}M",
    ]
    if cores_per_node:
        head.append(f"#SBATCH --nodes={len(node_split(max_workers, threads, cores_per_node))}")
    head += _directives(options)
    interface = options.get("interface")
    net = f" --interface {shlex.quote(str(interface))}" if interface else ""
    py = shlex.quote(python)
    study = shlex.quote(str(Path(study_file).resolve()))
    extra = " ".join(shlex.quote(a) for a in run_args or [])
    prologue = list(options.get("job_script_prologue") or [])
    body = [
        "",
        "# Written by 'dask-bench script slurm': scheduler and study in the batch step,",
        "# the workers as one srun step; every size is measured on a subset of them.",
        "set -euo pipefail",
        *prologue,
        *export_lines(dask_config or {}),
        'cd "${SLURM_SUBMIT_DIR:-$PWD}"',
        'work="dask-bench-${SLURM_JOB_ID:-local}"',
        'mkdir -p "$work"',
        'scheduler_file="$work/scheduler.json"',
        f'{py} -m distributed.cli.dask_scheduler --scheduler-file "$scheduler_file" '
        f'--port 0 --dashboard-address 127.0.0.1:0{net} > "$work/scheduler.log" 2>&1 &',
        "scheduler_pid=$!",
        "workers_pid=",
        "# whatever happens to the study, stop the workers and the scheduler",
        "trap 'kill $workers_pid $scheduler_pid 2>/dev/null; wait 2>/dev/null || true' EXIT",
        'for _ in $(seq 600); do [ -s "$scheduler_file" ] && break; sleep 0.1; done',
        '[ -s "$scheduler_file" ] || { echo "the scheduler did not start; see $work/scheduler.log" >&2; exit 1; }',  # noqa: E501
        f"srun --ntasks={max_workers} --cpus-per-task={threads} --kill-on-bad-exit=0 "
        f'{py} -m distributed.cli.dask_worker --scheduler-file "$scheduler_file" '
        f"--nthreads {threads} --memory-limit {memory} --no-dashboard{net} "
        '> "$work/workers.log" 2>&1 &',
        "workers_pid=$!",
        f'{py} -m dask_bench run {study} --scheduler-file "$scheduler_file"'
        + (f" {extra}" if extra else ""),
    ]
    return "\n".join(head + body) + "\n"
