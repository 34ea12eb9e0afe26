"""Back-ends whose workers are a fixed pool: a running cluster, the ranks of an MPI job.

dask-bench connects a client to the pool's scheduler and neither starts nor scales
its workers: a size of ``n`` workers is measured on ``n`` of them (see
:func:`dask_bench.deploy.scaling.subset`), and closing closes only the client.
"""

from __future__ import annotations

from abc import abstractmethod
from typing import TYPE_CHECKING, Any

from dask_bench.deploy.base import Backend
from dask_bench.errors import BackendError

if TYPE_CHECKING:
    from distributed import Client


class FixedPoolBackend(Backend):
    """A pool of workers behind a scheduler that dask-bench connects to, and never scales.

    Subclasses say where the scheduler is (:meth:`scheduler_address`), how to connect
    (:meth:`connect`) and what to advise when that fails (:meth:`unreachable`).
    """

    fixed_pool = True

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        #: The scheduler's address, once known.
        self.address: str | None = None
        self._client: Client | None = None

    @abstractmethod
    def scheduler_address(self) -> str:
        """The address to connect to, when :meth:`start` is called."""

    def connect(self, address: str) -> Client:
        """A client connected to the scheduler at ``address``, with the run's TLS."""
        from distributed import Client

        return Client(address, set_as_default=True, security=self.security)

    @abstractmethod
    def unreachable(self, address: str, reason: str) -> str:
        """The one-line error when the scheduler at ``address`` cannot be reached."""

    def start(self) -> Client:
        """Connect a client to the pool's scheduler (nothing is started)."""
        address = self.address = self.scheduler_address()
        try:
            self._client = self.connect(address)
        except (OSError, ValueError) as exc:
            reason = " ".join(str(exc).split())  # one line, whatever distributed says
            raise BackendError(self.unreachable(address, reason)) from None
        return self._client

    def request(self, workers: int) -> None:
        """Nothing to submit: the pool is what it is, and scaling waits for enough workers."""
        if self._client is None:
            raise RuntimeError("request() before start()")
        self.check_pool(workers)

    def check_pool(self, workers: int) -> None:
        """Fail at once when the pool is known to be smaller than ``workers``."""
        return None

    def close(self) -> None:
        """Close dask-bench's client only; the scheduler and the workers are not ours."""
        client, self._client = self._client, None
        if client is not None:
            client.close()

    def scheduler_location(self) -> str:
        """``remote at tcp://...`` (or the kind alone before the address is known)."""
        if self.address is None or self.scheduler_runs != "remote":
            return self.scheduler_runs
        return f"remote at {self.address}"

    def describe(self) -> dict[str, Any]:
        """Back-end, layout, options and the scheduler's address."""
        info = super().describe()
        if self.address is not None:
            info["scheduler"] = self.address
        return info
