"""What every deployment back-end provides.

A back-end starts a cluster with no workers, asks it for N workers, describes
itself and closes. Waiting until exactly N workers are connected, and timing how
long that took, is shared by all back-ends (:func:`dask_bench.deploy.scaling.scale_to`).
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Mapping
from dataclasses import asdict, dataclass
from types import TracebackType
from typing import TYPE_CHECKING, Any, ClassVar

if TYPE_CHECKING:
    from distributed import Client


@dataclass(frozen=True)
class WorkerLayout:
    """The shape of every worker, identical across back-ends so comparisons are like-for-like.

    Attributes
    ----------
    threads_per_worker
        Threads in each worker process.
    memory_per_worker
        Memory limit of each worker, in bytes.
    """

    threads_per_worker: int
    memory_per_worker: int

    def units(self, workers: int) -> int:
        """Processing units (total threads) of ``workers`` workers."""
        return workers * self.threads_per_worker

    def as_dict(self) -> dict[str, int]:
        """The layout as plain data, for storing."""
        return asdict(self)


class Backend(ABC):
    """A way to deploy a Dask cluster.

    Subclasses set :attr:`name` and :attr:`description` and implement
    :meth:`start`, :meth:`request` and :meth:`close`. ``options`` are passed
    unchanged to the upstream deployer.
    """

    name: ClassVar[str]
    description: ClassVar[str]
    #: Whether one cluster can be rescaled through the whole sweep.
    can_rescale: ClassVar[bool] = True

    def __init__(self, layout: WorkerLayout, options: Mapping[str, Any] | None = None) -> None:
        self.layout = layout
        self.options: dict[str, Any] = dict(options or {})

    @abstractmethod
    def start(self) -> Client:
        """Start the cluster (with no workers yet) and return a client connected to it."""

    @abstractmethod
    def request(self, workers: int) -> None:
        """Ask for ``workers`` workers in total; returns without waiting for them."""

    @abstractmethod
    def close(self) -> None:
        """Stop every worker and the scheduler; safe to call twice and after a failed start."""

    def describe(self) -> dict[str, Any]:
        """Name, options and layout, for the run's provenance."""
        return {"backend": self.name, "options": self.options, "layout": self.layout.as_dict()}

    def __enter__(self) -> Backend:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()
