"""A study's back-end, built one way wherever it is needed: run, plan, manifest."""

from __future__ import annotations

from typing import TYPE_CHECKING

from dask_bench.deploy.base import Backend, job_tag
from dask_bench.deploy.layout import GroupLayout, WorkerLayout
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
    fixed = sum(int(g.workers) for g in dep.groups.values() if not g.swept)
    largest = max(dep.workers) + fixed
    if dep.memory_per_worker == "auto":
        import psutil

        default = (total_memory or psutil.virtual_memory().total) // largest
    else:
        default = _bytes(dep.memory_per_worker)
    groups = tuple(
        GroupLayout(
            name=name,
            workers=None if g.swept else int(g.workers),
            threads_per_worker=g.threads_per_worker or dep.threads_per_worker,
            memory_per_worker=default
            if g.memory_per_worker is None
            else _bytes(g.memory_per_worker),
            resources=dict(g.resources),
            options=dict(g.options),
        )
        for name, g in dep.groups.items()
    )
    swept = next((g for g in groups if g.workers is None), None)
    if swept is None:
        return WorkerLayout(threads_per_worker=dep.threads_per_worker, memory_per_worker=default)
    return WorkerLayout(
        threads_per_worker=swept.threads_per_worker,
        memory_per_worker=swept.memory_per_worker,
        groups=groups,
    )


def _bytes(size: str | int) -> int:
    if isinstance(size, str):
        from dask.utils import parse_bytes

        return int(parse_bytes(size))
    return int(size)


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
    layout = layout or resolve_layout(study)
    return cls(
        layout,
        dep.options,
        cores_per_node=dep.cores_per_node,
        security=make_security(study.security),
        tag=tag or job_tag(),
        largest=layout.total(max(dep.workers)),
        dask_config=study.config,
        startup_timeout=dep.startup_timeout,
    )
