"""Worker groups on a batch back-end: one job shape (and queue) per group, one scheduler.

Each group's jobs take the run's job options with the group's options over them (its
``queue`` or partition, its ``job_extra_directives``), the group's worker shape, and
``--resources`` for what its workers offer. The group is in each job's spec name, so
that its workers are named ``<group>-<job>[-<k>]`` and the scheduler knows their group.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from dask_bench.deploy.jobqueue.nodes import node_split
from dask_bench.deploy.layout import WorkerLayout, resources_argument
from dask_bench.errors import ConfigError

#: A job of ``per_job`` workers of a group (None: the layout has no groups).
JobShape = tuple[str | None, int]


def split(layout: WorkerLayout, workers: int, cores_per_node: int | None) -> list[JobShape]:
    """The jobs of a size of ``workers`` workers in all, group by group."""
    if not layout.groups:
        return [(None, k) for k in node_split(workers, layout.threads_per_worker, cores_per_node)]
    shapes: list[JobShape] = []
    for name, count in layout.counts(workers).items():
        threads = layout.group(name).threads_per_worker
        shapes += [(name, k) for k in node_split(count, threads, cores_per_node)]
    return shapes


def group_options(
    layout: WorkerLayout,
    group: str | None,
    options: Mapping[str, Any],
    *,
    config_name: str,
    skip: set[str],
) -> dict[str, Any]:
    """The job options of ``group``'s jobs: ``options`` with the group's over them.

    ``config_name`` is dask-jobqueue's config section (``slurm``), whose
    ``worker-extra-args`` apply when neither sets ``worker_extra_args``; ``skip`` are
    keywords of the whole cluster, which a group may not set.

    Raises
    ------
    ConfigError
        When a group sets a keyword of the whole cluster rather than of a job.
    """
    if group is None:
        return dict(options)
    spec = layout.group(group)
    wrong = sorted(set(spec.options) & skip)
    if wrong:
        raise ConfigError(
            f"deployment.groups.{group}.options: {', '.join(wrong)} apply to the whole "
            "cluster, not to one group's jobs; set them in deployment.options"
        )
    merged = {**options, **spec.options}
    extra = option_or_config(merged, "worker_extra_args", config_name) or []
    merged["worker_extra_args"] = [*extra, *resources_argument(spec.resources)]
    return merged


def option_or_config(options: Mapping[str, Any], key: str, config_name: str) -> Any:
    """``options[key]``, else what dask-jobqueue takes from its config section ``config_name``.

    ``None`` when neither sets it.
    """
    value = options.get(key)
    if value is None:
        import dask.config

        value = dask.config.get(f"jobqueue.{config_name}.{key.replace('_', '-')}", None)
    return value


def directives_skip(options: Mapping[str, Any], config_name: str) -> list[str]:
    """The ``job_directives_skip`` dask-jobqueue applies: the options', else its config's.

    When both leave it empty, the deprecated ``header_skip`` (options, else config).
    """
    skip = option_or_config(options, "job_directives_skip", config_name)
    skip = skip or option_or_config(options, "header_skip", config_name)
    return [str(s) for s in skip or ()]


def job_shape(layout: WorkerLayout, workers: int, group: str | None = None) -> dict[str, Any]:
    """``cores``, ``processes`` and ``memory`` of a job of ``workers`` workers (of ``group``)."""
    threads, memory = layout.threads_per_worker, layout.memory_per_worker
    if group is not None:
        spec = layout.group(group)
        threads, memory = spec.threads_per_worker, spec.memory_per_worker
    return {"cores": workers * threads, "processes": workers, "memory": f"{workers * memory}B"}


def shape_order(shape: JobShape) -> tuple[str, int]:
    """Groups in name order, and in each the largest jobs first."""
    return (shape[0] or "", -shape[1])


def script_key(shape: JobShape) -> str:
    """How a stored job script is named: workers per job, after its group when there is one."""
    group, per_job = shape
    return str(per_job) if group is None else f"{group}/{per_job}"
