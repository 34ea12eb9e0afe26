"""A qsub script that runs a whole study inside one PBS Pro / OpenPBS allocation.

The PBS flavour of ``script slurm``: the scheduler and the study run in the job
script on the first node, on CPUs kept free of workers (PBS has no job steps that
give a process CPUs of its own, so the first node runs two workers' worth fewer);
the workers start on every node with ``pbsdsh -n``, one ``dask worker --nworkers k``
per node. pbsdsh passes no environment on, so the workers' launcher repeats the
site's prologue and the Dask config.
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
from dask_bench.deploy.jobqueue.nodes import node_split, workers_per_node
from dask_bench.deploy.jobqueue.pbs import PBSBackend
from dask_bench.deploy.layout import WorkerLayout
from dask_bench.deploy.registry import get_backend
from dask_bench.errors import ConfigError

if TYPE_CHECKING:
    from dask_bench.study import Study

#: Name of the allocation job (its run id is not known before it runs).
ALLOCATION_NAME = "dask-bench-study"


def pbs_options(study: Study) -> dict[str, Any]:
    """The study's ``deployment.options`` when they are PBSCluster's (back-end ``pbs``)."""
    dep = study.deployment
    return dict(dep.options) if issubclass(get_backend(dep.backend), PBSBackend) else {}


def node_workers(
    max_workers: int, threads: int, cores_per_node: int | None
) -> tuple[list[int], int]:
    """Workers per node, and the worker slots the first node keeps for scheduler and study.

    Without ``cores_per_node`` everything runs on one node.
    """
    if cores_per_node is None:
        return [max_workers], SERVICE_TASKS
    if workers_per_node(threads, cores_per_node) < SERVICE_TASKS:
        # a node holds one worker: scheduler and study share the first node's cores
        return [0, *node_split(max_workers, threads, cores_per_node)], 1
    counts = node_split(max_workers + SERVICE_TASKS, threads, cores_per_node)
    counts[0] -= SERVICE_TASKS  # the largest node share is first; it holds the services
    return counts, SERVICE_TASKS


def _directives(
    options: Mapping[str, Any],
    layout: WorkerLayout,
    nodes: tuple[list[int], int],
    settings: ScriptSettings,
) -> list[str]:
    threads = layout.threads_per_worker
    counts, services = nodes
    chunk = max(counts[0] + services, *counts)  # worker slots of the fullest node
    select = (
        f"select={len(counts)}:ncpus={chunk * threads}:mem={mib(chunk * memory_per_task(layout))}mb"
    )
    # PBSCluster's resource_spec replaces the generated request, as it does for its jobs
    lines = [f"#PBS -N {ALLOCATION_NAME}", f"#PBS -l {options.get('resource_spec') or select}"]
    walltime = options.get("walltime")
    if not walltime and settings.walltime_seconds:
        walltime = walltime_text(settings.walltime_seconds, days=False)
    if walltime:
        lines.append(f"#PBS -l walltime={walltime}")
    place = ["scatter"] if len(counts) > 1 else []
    place += ["excl"] if settings.exclusive else []
    if place:
        lines.append(f"#PBS -l place={':'.join(place)}")
    for key, flag in (("queue", "-q"), ("account", "-A")):
        if options.get(key):
            lines.append(f"#PBS {flag} {options[key]}")
    logs = options.get("log_directory")
    if logs:
        # a folder: PBS names the files after the job there (it does not create it)
        lines += [f"#PBS -o {logs}/", f"#PBS -e {logs}/"]
    lines += [f"#PBS {extra}" for extra in options.get("job_extra_directives") or []]
    return skipped(lines, options)


def pbs_script(
    study_file: str | Path,
    max_workers: int,
    layout: WorkerLayout,
    options: Mapping[str, Any] | None = None,
    cores_per_node: int | None = None,
    run_args: list[str] | None = None,
    dask_config: Mapping[str, Any] | None = None,
    settings: ScriptSettings | None = None,
) -> str:
    """The text of the qsub script; parameters as :func:`~.sbatch.allocation_script`.

    ``options`` are PBSCluster's: ``queue``, ``account``, ``walltime``, ``resource_spec``,
    ``job_extra_directives``, ``job_directives_skip`` (e.g. ``[select]`` where the site
    asks for ``-l ncpus=48`` instead), ``job_script_prologue``, ``interface``,
    ``local_directory``, ``log_directory``, ``shebang`` and ``python``.
    """
    check_layout(layout, "pbs")
    options = dict(options or {})
    settings = settings or ScriptSettings()
    if settings.cpu_bind:
        raise ConfigError("--cpu-bind is Slurm's; PBS binds CPUs as the site configures it")
    py = shlex.quote(str(options.get("python") or sys.executable))
    nodes = node_workers(max_workers, layout.threads_per_worker, cores_per_node)
    counts = nodes[0]
    shebang = str(options.get("shebang") or "#!/usr/bin/env bash")
    setup = preamble(options, dask_config)
    logs = options.get("log_directory")
    work = f"{shell_word(logs)}/" if logs else ""
    study = shlex.quote(str(Path(study_file).resolve()))
    extra = "".join(f" {shlex.quote(a)}" for a in run_args or [])
    # the workers' launcher, written by the job: quoted, so that it expands on the node
    launcher = [
        shebang,
        *setup,
        'cd "$3"',
        'scheduler_file="$1"',
        f'exec {worker_command(py, layout, options)} --nworkers "$2"',
    ]
    body = [
        "",
        "# Written by 'dask-bench script pbs': the scheduler and the study here, on the first",
        "# node's CPUs kept free of workers; the workers on every node through pbsdsh.",
        *setup,
        'cd "${PBS_O_WORKDIR:-$PWD}"',
        f'work={work}"dask-bench-${{PBS_JOBID:-local}}"',
        'mkdir -p "$work" && work=$(cd "$work" && pwd)',
        'scheduler_file="$work/scheduler.json"',
        scheduler_command(py, options),
        "pids=($!)",
        "# whatever happens to the study, stop the workers and the scheduler",
        "trap 'kill \"${pids[@]}\" 2>/dev/null; wait 2>/dev/null || true' EXIT",
        *wait_for_scheduler("$work/scheduler.log"),
        "cat > \"$work/workers.sh\" <<'DASK_BENCH_WORKERS'",
        *launcher,
        "DASK_BENCH_WORKERS",
        f"counts=({' '.join(map(str, counts))})  # workers per node, in PBS_NODEFILE's order",
        "# pbsdsh -n I runs on the I-th line of PBS_NODEFILE: each host's first line",
        "hosts=($(awk '!seen[$0]++ {print NR-1}' \"$PBS_NODEFILE\"))",
        '[ "${#hosts[@]}" -ge "${#counts[@]}" ] || { echo "the job has ${#hosts[@]} node(s), '
        'the layout needs ${#counts[@]}" >&2; exit 1; }',
        'for k in "${!counts[@]}"; do',
        '  [ "${counts[$k]}" -gt 0 ] || continue',
        '  pbsdsh -n "${hosts[$k]}" -- /bin/bash "$work/workers.sh" "$scheduler_file" '
        '"${counts[$k]}" "$work" > "$work/workers-$k.log" 2>&1 &',
        "  pids+=($!)",
        "done",
        f'{py} -m dask_bench run {study} --scheduler-file "$scheduler_file" '
        f"--backend pbs-allocation{extra}",
    ]
    return "\n".join([shebang, *_directives(options, layout, nodes, settings), *body]) + "\n"
