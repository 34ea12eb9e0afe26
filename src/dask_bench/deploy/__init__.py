"""Deployment back-ends behind one small interface, registered by name.

A back-end is a :class:`Backend` subclass registered with :func:`register_backend`;
:func:`make_backend` builds a study's. The batch systems of dask-jobqueue live in
:mod:`dask_bench.deploy.jobqueue`, the dask-kubernetes operator in
:mod:`dask_bench.deploy.kubernetes`, Dask Gateway in :mod:`dask_bench.deploy.gateway`.
"""

from dask_bench.deploy.base import JOB_PREFIX, Backend, Launcher, job_tag
from dask_bench.deploy.build import make_backend, resolve_layout
from dask_bench.deploy.layout import GroupLayout, WorkerLayout
from dask_bench.deploy.registry import (
    BackendEntry,
    backends,
    get_backend,
    register_backend,
    unregister_backend,
)

__all__ = [
    "JOB_PREFIX",
    "Backend",
    "BackendEntry",
    "GroupLayout",
    "Launcher",
    "WorkerLayout",
    "backends",
    "get_backend",
    "job_tag",
    "make_backend",
    "register_backend",
    "resolve_layout",
    "unregister_backend",
]
