"""Deployment back-ends behind one small interface, found through a registry.

Back-end modules are imported only when used, so that an optional dependency
that is not installed gives a clear "install dask-bench[...]" error instead of
breaking every command.
"""

from __future__ import annotations

import importlib
from dataclasses import dataclass

from dask_bench.deploy.base import Backend, WorkerLayout
from dask_bench.errors import BackendError, ConfigError


@dataclass(frozen=True)
class BackendEntry:
    """A registered back-end: where it lives and what it needs."""

    name: str
    target: str  # "module:Class"
    description: str
    extra: str | None = None  # pip extra that installs its dependencies

    def installed(self) -> bool:
        """Whether its module (and so its dependencies) imports."""
        try:
            self.load()
        except BackendError:
            return False
        return True

    def load(self) -> type[Backend]:
        """Import and return the back-end class."""
        module_name, _, cls_name = self.target.partition(":")
        try:
            module = importlib.import_module(module_name)
        except ImportError as exc:
            hint = (
                f"pip install 'dask-bench[{self.extra}]'" if self.extra else "reinstall dask-bench"
            )
            raise BackendError(
                f"back-end {self.name!r} needs {exc.name or 'a missing package'}; "
                f"install it with: {hint}"
            ) from None
        cls: type[Backend] = getattr(module, cls_name)
        return cls


_REGISTRY: dict[str, BackendEntry] = {}

#: Prefix of the name of everything a run submits (batch jobs): ``dask-bench-<run id>``.
JOB_PREFIX = "dask-bench-"


def job_tag(run_id: int) -> str:
    """The name given to a run's batch jobs, which ``dask-bench cleanup`` looks for."""
    return f"{JOB_PREFIX}{run_id}"


def register_backend(entry: BackendEntry) -> None:
    """Make a back-end available by name."""
    _REGISTRY[entry.name] = entry


def backends() -> list[BackendEntry]:
    """Every registered back-end, by name."""
    return sorted(_REGISTRY.values(), key=lambda e: e.name)


def get_backend(name: str) -> type[Backend]:
    """Return the back-end class called ``name``.

    Raises
    ------
    ConfigError
        When no back-end has that name.
    BackendError
        When its optional dependencies are not installed.
    """
    entry = _REGISTRY.get(name)
    if entry is None:
        known = ", ".join(sorted(_REGISTRY))
        raise ConfigError(
            f"unknown back-end {name!r}; known: {known} (see 'dask-bench list backends')"
        )
    return entry.load()


register_backend(
    BackendEntry(
        "local",
        "dask_bench.deploy.local:LocalBackend",
        "distributed.LocalCluster on this machine "
        "(worker processes, or threads with processes: false)",
    )
)
register_backend(
    BackendEntry(
        "existing",
        "dask_bench.deploy.existing:ExistingBackend",
        "a running Dask scheduler (address or scheduler file); its workers are a fixed pool",
    )
)
register_backend(
    BackendEntry(
        "mpi",
        "dask_bench.deploy.mpi:MpiBackend",
        "dask-mpi under mpirun: rank 0 scheduler, rank 1 the study, the rest a fixed pool",
        extra="mpi",
    )
)

register_backend(
    BackendEntry(
        "kubernetes",
        "dask_bench.deploy.kubernetes:KubernetesBackend",
        "dask-kubernetes operator: a generated DaskCluster, scaled by worker-group replicas",
        extra="kubernetes",
    )
)
register_backend(
    BackendEntry(
        "gateway",
        "dask_bench.deploy.gateway:GatewayBackend",
        "a Dask Gateway server: one gateway cluster, scaled through the gateway",
        extra="gateway",
    )
)

for _name, _cls, _title in (
    ("slurm", "SlurmBackend", "Slurm"),
    ("pbs", "PBSBackend", "PBS / Torque"),
    ("sge", "SGEBackend", "Sun Grid Engine"),
    ("lsf", "LSFBackend", "IBM LSF"),
    ("htcondor", "HTCondorBackend", "HTCondor"),
):
    # batch back-ends share one extra: dask-jobqueue
    register_backend(
        BackendEntry(
            _name,
            f"dask_bench.deploy.{_name}:{_cls}",
            f"{_title} batch jobs through dask-jobqueue",
            extra="jobqueue",
        )
    )

__all__ = [
    "JOB_PREFIX",
    "Backend",
    "BackendEntry",
    "WorkerLayout",
    "backends",
    "get_backend",
    "job_tag",
    "register_backend",
]
