"""A study's back-end, built one way wherever it is needed: run, plan, manifest."""

from __future__ import annotations

from typing import TYPE_CHECKING

from dask_bench.deploy.base import Backend, WorkerLayout, job_tag
from dask_bench.deploy.registry import get_backend
from dask_bench.deploy.tls import make_security

if TYPE_CHECKING:
    from dask_bench.study import Study


def resolve_layout(study: Study, total_memory: int | None = None) -> WorkerLayout:
    """The worker layout with memory in bytes ('auto' = memory / largest worker count).

    Parameters
    ----------
    study
        The study (one variant).
    total_memory
        Bytes of memory that 'auto' divides; default: this machine's.
    """
    dep = study.deployment
    memory = dep.memory_per_worker
    if memory == "auto":
        import psutil

        total = total_memory or psutil.virtual_memory().total
        memory_bytes = total // max(dep.workers)
    elif isinstance(memory, str):
        from dask.utils import parse_bytes

        memory_bytes = int(parse_bytes(memory))
    else:
        memory_bytes = int(memory)
    return WorkerLayout(threads_per_worker=dep.threads_per_worker, memory_per_worker=memory_bytes)


def make_backend(
    study: Study, *, tag: str | None = None, layout: WorkerLayout | None = None
) -> Backend:
    """The back-end of a study (one variant), configured but not started.

    Parameters
    ----------
    study
        Its ``deployment`` section picks and configures the back-end, its ``security``
        section the TLS settings, its ``config`` the Dask config of scheduler and workers.
    tag
        The name of what the back-end submits; default :func:`job_tag` with the run
        id's placeholder (a run names its own once it is recorded).
    layout
        The worker layout, when planned already; default :func:`resolve_layout`.

    Raises
    ------
    DaskBenchError
        An unknown or uninstalled back-end, options it refuses, unreadable certificates.
    """
    dep = study.deployment
    cls = get_backend(dep.backend)
    return cls(
        layout or resolve_layout(study),
        dep.options,
        cores_per_node=dep.cores_per_node,
        security=make_security(study.security),
        tag=tag or job_tag(),
        largest=max(dep.workers),
        dask_config=study.config,
        startup_timeout=dep.startup_timeout,
    )
