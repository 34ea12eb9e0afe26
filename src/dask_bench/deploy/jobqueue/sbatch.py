"""An sbatch script that runs a whole study inside one Slurm allocation.

For centres where interactive queues are slow: one job holds the scheduler, the
workers and the study, each a job step on CPUs of its own. The study connects
through a scheduler file (``run --scheduler-file``), records the allocation
(back-end ``slurm-allocation``) and measures every size on a subset of the workers.
"""

from __future__ import annotations

import shlex
import sys
from collections.abc import Mapping
from pathlib import Path
from typing import TYPE_CHECKING, Any

from dask_bench.deploy.jobqueue._alloc import (
    SERVICE_TASKS,
    ScriptSettings,
    check_layout,
    memory_per_task,
    mib,
    preamble,
    scheduler_command,
    shell_word,
    skipped,
    wait_for_scheduler,
    walltime_text,
    worker_command,
)
from dask_bench.deploy.jobqueue.nodes import node_split
from dask_bench.deploy.jobqueue.slurm import SlurmBackend
from dask_bench.deploy.layout import WorkerLayout
from dask_bench.deploy.registry import get_backend

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


def _directives(options: Mapping[str, Any], settings: ScriptSettings) -> list[str]:
    lines = [f"#SBATCH {flag}={options[key]}" for key, flag in _FLAGS.items() if options.get(key)]
    if not options.get("walltime") and settings.walltime_seconds:
        lines.append(f"#SBATCH --time={walltime_text(settings.walltime_seconds, days=True)}")
    if settings.exclusive:
        lines.append("#SBATCH --exclusive")
    extras = [str(e) for e in options.get("job_extra_directives") or []]
    logs = options.get("log_directory")
    if logs and not any(e.startswith(("-o", "--output")) for e in extras):
        # sbatch does not expand $VARS here, and does not create the folder (the CLI does)
        lines.append(f"#SBATCH --output={logs}/{ALLOCATION_NAME}-%j.out")
    return lines + [f"#SBATCH {extra}" for extra in extras]


def allocation_script(
    study_file: str | Path,
    max_workers: int,
    layout: WorkerLayout,
    options: Mapping[str, Any] | None = None,
    cores_per_node: int | None = None,
    run_args: list[str] | None = None,
    python: str | None = None,
    dask_config: Mapping[str, Any] | None = None,
    settings: ScriptSettings | None = None,
) -> str:
    """The text of the sbatch script.

    Parameters
    ----------
    study_file
        The study to run (made absolute: the job may start elsewhere).
    max_workers
        Workers of the largest size; the allocation holds that many worker tasks,
        and two more (the scheduler's and the study's).
    layout
        Threads and memory of every worker.
    options
        The study's ``deployment.options`` for Slurm: ``queue``, ``account``,
        ``walltime``, ``job_extra_directives``, ``job_directives_skip``,
        ``job_script_prologue``, ``interface``, ``local_directory``,
        ``log_directory``, ``shebang`` and ``python`` are used.
    cores_per_node
        Spreads the tasks as the ``slurm`` back-end would (``--nodes``).
    run_args
        Extra arguments of ``dask-bench run`` (e.g. ``--db``).
    python
        The interpreter with dask-bench installed; default: ``options.python``, else this one.
    dask_config
        The study's Dask config, exported before the scheduler and the workers start.
    settings
        Exclusive nodes, CPU binding and the wall time when the options set none.
    """
    check_layout(layout, "slurm")
    options = dict(options or {})
    settings = settings or ScriptSettings()
    py = shlex.quote(python or str(options.get("python") or sys.executable))
    threads = layout.threads_per_worker
    tasks = max_workers + SERVICE_TASKS
    head = [
        f"#SBATCH --job-name={ALLOCATION_NAME}",
        f"#SBATCH --ntasks={tasks}",
        f"#SBATCH --cpus-per-task={threads}",
        # the nanny's headroom: the worker's limit is the study's, the task gets more
        f"#SBATCH --mem-per-cpu={mib(memory_per_task(layout) / threads)}M",
    ]
    if cores_per_node:
        head.append(f"#SBATCH --nodes={len(node_split(tasks, threads, cores_per_node))}")
    head = skipped(head + _directives(options, settings), options)
    bind = f" --cpu-bind={shlex.quote(settings.cpu_bind)}" if settings.cpu_bind else ""
    # --exact: a step gets only the CPUs (and, through SLURM_MEM_PER_CPU, the memory) it
    # asks for, and Slurm gives no two running steps the same CPUs; the batch step only waits
    one = f"srun --nodes=1 --ntasks=1 --cpus-per-task={threads} --exact{bind}"
    logs = options.get("log_directory")
    work = f"{shell_word(logs)}/" if logs else ""
    study = shlex.quote(str(Path(study_file).resolve()))
    extra = "".join(f" {shlex.quote(a)}" for a in run_args or [])
    body = [
        "",
        "# Written by 'dask-bench script slurm': the scheduler, the workers and the study are",
        "# three job steps on CPUs of their own; every size is measured on a subset of workers.",
        *preamble(options, dask_config),
        'cd "${SLURM_SUBMIT_DIR:-$PWD}"',
        f'work={work}"dask-bench-${{SLURM_JOB_ID:-local}}"',
        'mkdir -p "$work"',
        'scheduler_file="$work/scheduler.json"',
        f"{one} {scheduler_command(py, options)}",
        "scheduler_pid=$!",
        "workers_pid=",
        "# whatever happens to the study, stop the workers and the scheduler",
        "trap 'kill $workers_pid $scheduler_pid 2>/dev/null; wait 2>/dev/null || true' EXIT",
        *wait_for_scheduler("$work/scheduler.log"),
        f"srun --ntasks={max_workers} --cpus-per-task={threads} --exact{bind} "
        f'--kill-on-bad-exit=0 {worker_command(py, layout, options)} > "$work/workers.log" 2>&1 &',
        "workers_pid=$!",
        f'{one} {py} -m dask_bench run {study} --scheduler-file "$scheduler_file" '
        f"--backend slurm-allocation{extra}",
    ]
    shebang = str(options.get("shebang") or "#!/usr/bin/env bash")
    return "\n".join([shebang, *head, *body]) + "\n"
