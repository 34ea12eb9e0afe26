"""Back-ends that start a distributed ``SpecCluster`` here: LocalCluster, dask-jobqueue's.

The scheduler runs in dask-bench's process, and the cluster starts the workers (or the
jobs that hold them). While they start, the errors of distributed and dask-jobqueue are
kept (:class:`~dask_bench.deploy._failures.LastError`), so that a worker or job that
failed says why; closing closes the client, then the cluster.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from dask_bench.deploy._failures import LastError, failed_specs
from dask_bench.deploy.base import Backend
from dask_bench.errors import ConfigError

if TYPE_CHECKING:
    from distributed import Client
    from distributed.deploy.spec import SpecCluster


class SpecClusterBackend(Backend):
    """A SpecCluster started by :meth:`start`, its client, and why its workers failed."""

    #: LocalCluster and dask-jobqueue start their scheduler here.
    scheduler_runs = "in dask-bench's process"

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._cluster: SpecCluster | None = None
        self._client: Client | None = None
        #: Listens from :meth:`start` (:meth:`watch_errors`) until :meth:`close`.
        self._errors: LastError | None = None

    def check(self) -> None:
        """Refuse a network interface this machine lacks: the scheduler listens here on it."""
        super().check()
        scheduler = self.options.get("scheduler_options")
        own = scheduler.get("interface") if isinstance(scheduler, Mapping) else None
        interface = own or self.options.get("interface")
        if not isinstance(interface, str):
            return
        import psutil

        names = sorted(psutil.net_if_addrs())
        if interface not in names:
            key = "scheduler_options.interface" if own else "interface"
            raise ConfigError(
                f"deployment.options.{key}: {interface!r} is not a network interface of this "
                f"machine, where the scheduler runs (it has {', '.join(names)}); name one of "
                "them, or leave the option out"
            )

    def watch_errors(self) -> None:
        """Keep the errors logged from now on, for :meth:`failed_start` (call before starting)."""
        self._errors = LastError.attach()

    def failed_start(self, unknown: str) -> str | None:
        """Why a worker (or job) of the cluster failed to start; None when none failed.

        The last error logged, or ``unknown`` when none was.
        """
        if self._cluster is None or not failed_specs(self._cluster):
            return None
        cause = self._errors.last if self._errors is not None else None
        return cause or unknown

    def adapt(self, minimum: int, maximum: int, options: Mapping[str, Any]) -> None:
        """``SpecCluster.adapt(minimum=, maximum=, **options)``: distributed's Adaptive."""
        if self._cluster is None:
            raise RuntimeError("adapt() before start()")
        self._cluster.adapt(minimum=minimum, maximum=maximum, **options)

    def stop_adapting(self) -> None:
        """Stop the cluster's Adaptive (it would otherwise undo the next scale request)."""
        adaptive = getattr(self._cluster, "_adaptive", None)
        if adaptive is not None:
            adaptive.stop()

    def close(self) -> None:
        """Close the client, then the cluster (and with it every worker); stop listening."""
        client, cluster = self._client, self._cluster
        self._client = self._cluster = None
        if self._errors is not None:
            self._errors.detach()
            self._errors = None
        if client is not None:
            client.close()
        if cluster is not None:
            cluster.close()
