"""The shape of the workers: one kind (threads, memory), or named groups of several kinds.

Every back-end deploys the same layout, so that comparisons are like-for-like. With
groups (``deployment.groups``) a size is the total number of workers of all groups: the
swept group holds what the fixed groups leave.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import asdict, dataclass, field
from typing import Any


@dataclass(frozen=True)
class GroupLayout:
    """One worker group of a heterogeneous pool.

    Attributes
    ----------
    name
        The group's name; its workers are named ``<name>-<n>``.
    workers
        Workers of the group at every size; None: the swept group.
    threads_per_worker, memory_per_worker
        The shape of each of its workers (memory in bytes).
    resources
        Dask worker resources each of its workers offers.
    options
        Back-end options for its workers, over ``deployment.options``.
    """

    name: str
    workers: int | None
    threads_per_worker: int
    memory_per_worker: int
    resources: Mapping[str, float] = field(default_factory=dict)
    options: Mapping[str, Any] = field(default_factory=dict)

    def as_dict(self) -> dict[str, Any]:
        """The group as plain data, for storing (options are stored with the study)."""
        return {
            "name": self.name,
            "workers": self.workers,
            "threads_per_worker": self.threads_per_worker,
            "memory_per_worker": self.memory_per_worker,
            "resources": dict(self.resources),
        }


@dataclass(frozen=True)
class WorkerLayout:
    """The shape of every worker, identical across back-ends so comparisons are like-for-like.

    Attributes
    ----------
    threads_per_worker
        Threads in each worker process (with groups: the swept group's).
    memory_per_worker
        Memory limit of each worker, in bytes (with groups: the swept group's).
    groups
        Named worker groups; empty: every worker has the shape above.
    """

    threads_per_worker: int
    memory_per_worker: int
    groups: tuple[GroupLayout, ...] = ()

    @property
    def fixed_workers(self) -> int:
        """Workers of the groups whose count does not follow the sweep."""
        return sum(g.workers or 0 for g in self.groups)

    def total(self, swept: int) -> int:
        """Workers of all groups when the swept group has ``swept``."""
        return swept + self.fixed_workers

    def counts(self, workers: int) -> dict[str, int]:
        """Workers of each group at a size of ``workers`` in all (empty without groups)."""
        fixed = self.fixed_workers
        return {
            g.name: g.workers if g.workers is not None else workers - fixed for g in self.groups
        }

    def group(self, name: str) -> GroupLayout:
        """The group called ``name``."""
        for g in self.groups:
            if g.name == name:
                return g
        raise KeyError(name)

    def units(self, workers: int) -> int:
        """Processing units (total threads) of ``workers`` workers (of all groups)."""
        if not self.groups:
            return workers * self.threads_per_worker
        return sum(
            count * self.group(name).threads_per_worker
            for name, count in self.counts(workers).items()
        )

    @property
    def threads(self) -> frozenset[int]:
        """Every thread count a worker of this layout may have."""
        if not self.groups:
            return frozenset({self.threads_per_worker})
        return frozenset(g.threads_per_worker for g in self.groups)

    @property
    def memory(self) -> int:
        """The largest memory limit of a worker of this layout, in bytes."""
        return max([self.memory_per_worker, *(g.memory_per_worker for g in self.groups)])

    def describe(self, workers: int) -> str:
        """``2 x small (1 thread, 1 GiB) + 1 x big (2 threads, 4 GiB, BIGMEM=1)``."""
        from dask.utils import format_bytes

        parts = []
        for name, count in self.counts(workers).items():
            g = self.group(name)
            what = [f"{g.threads_per_worker} thread{'s' if g.threads_per_worker != 1 else ''}"]
            what.append(format_bytes(g.memory_per_worker))
            what += [f"{k}={v:g}" for k, v in g.resources.items()]
            parts.append(f"{count} x {name} ({', '.join(what)})")
        return " + ".join(parts)

    def as_dict(self) -> dict[str, Any]:
        """The layout as plain data, for storing (groups only when there are some)."""
        info = asdict(self)
        info.pop("groups")
        if self.groups:
            info["groups"] = [g.as_dict() for g in self.groups]
        return info


def group_of(layout: WorkerLayout, info: Mapping[str, Any]) -> str | None:
    """The group of a worker, from the scheduler's view of it (``scheduler_info()``).

    Local and batch back-ends name a group's workers ``<group>-...``; elsewhere (an
    existing pool, MPI ranks) the group is the one whose resources and threads the
    worker offers. None: no group matches (or the layout has none).
    """
    name = str(info.get("name", ""))
    for g in layout.groups:
        if name.startswith(f"{g.name}-"):
            return g.name
    for g in layout.groups:
        if offers(g, info):
            return g.name
    return None


def offers(group: GroupLayout, info: Mapping[str, Any]) -> bool:
    """Whether a worker (``scheduler_info()``) offers exactly ``group``'s resources and threads."""
    resources = dict(info.get("resources") or {})
    return resources == dict(group.resources) and info.get("nthreads") == group.threads_per_worker


def resources_argument(resources: Mapping[str, float]) -> list[str]:
    """``dask worker`` arguments offering ``resources`` (``--resources A=1,B=2``)."""
    if not resources:
        return []
    return ["--resources", ",".join(f"{k}={v:g}" for k, v in resources.items())]
