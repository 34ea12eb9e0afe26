"""The ``gateway`` back-end: one cluster of a Dask Gateway server, scaled through the gateway."""

from __future__ import annotations

import contextlib
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from dask.utils import format_bytes

from dask_bench.deploy.base import Backend, Launcher, study_sets
from dask_bench.deploy.gateway._client import (
    GatewaySettings,
    cluster_tag,
    one_line,
    scale,
    stop,
    wait_for,
)
from dask_bench.deploy.registry import register_backend
from dask_bench.deploy.scaling import connected_workers
from dask_bench.errors import BackendError, ConfigError
from dask_bench.secrets import scrub

if TYPE_CHECKING:
    from dask_gateway import Gateway
    from distributed import Client

_OPTIONS = ("address", "proxy_address", "public_address", "auth", "cluster_options", "timeout")
#: Cluster options of a gateway server that the study's worker layout sets, with the
#: study key that owns each (setting them in ``cluster_options`` would make the layout lie).
_LAYOUT = {
    "worker_cores": "deployment.threads_per_worker",
    "worker_threads": "deployment.threads_per_worker",
    "worker_memory": "deployment.memory_per_worker",
}
#: Seconds :meth:`GatewayBackend.close` waits for the gateway to report the cluster stopped.
STOP_WAIT = 30.0
#: Scheduler metadata key holding the run's tag: how ``cleanup`` recognises its clusters.
TAG_KEY = "dask-bench-tag"
#: Memory limits may differ by this fraction after the server's unit conversions.
_MEMORY_TOLERANCE = 1e-3


@register_backend(
    "gateway",
    "a Dask Gateway server: one gateway cluster, scaled through the gateway",
    extra="gateway",
    requires=("dask_gateway",),
)
class GatewayBackend(Backend):
    """One cluster of a Dask Gateway server, created at start and scaled through the gateway.

    ``deployment.options``: ``address``, ``proxy_address``, ``public_address`` and ``auth``
    (a name, or ``{type, kwargs}`` like Dask's ``gateway.auth``) go to
    :class:`dask_gateway.Gateway`, ``cluster_options`` to the new cluster, as a
    dask-gateway user writes them (what is omitted comes from Dask's ``gateway.*``
    settings); ``timeout`` bounds each answer of the gateway (default 30 s).

    Like-for-like layout: the server's ``worker_cores``, ``worker_threads`` and
    ``worker_memory`` options, when offered, are set from the study's layout, and every
    scale step checks the workers' threads and memory, since a server may ignore options.
    """

    launcher = Launcher.GATEWAY
    scheduler_runs = "started by a Dask Gateway"
    owned_options = study_sets({f"cluster_options.{key}": field for key, field in _LAYOUT.items()})
    supports_tls = False
    supports_groups = False
    groups_note = "the Gateway server gives every worker the shape it is configured with"
    tls_note = (
        "dask-gateway already secures every cluster with TLS certificates of its own, "
        "issued per cluster by the gateway"
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.check_option_names(_OPTIONS)
        self.settings = GatewaySettings(self.options)
        chosen = self.options.get("cluster_options") or {}
        if not isinstance(chosen, Mapping):
            raise ConfigError(
                "deployment.options.cluster_options must be a mapping of the gateway's "
                f"cluster options, not {type(chosen).__name__}"
            )
        self.cluster_options: dict[str, Any] = dict(chosen)
        #: What the cluster was created with (the user's options plus the layout's).
        self.used_options: dict[str, Any] | None = None
        self.cluster_name: str | None = None
        self.requested = 0
        self._gateway: Gateway | None = None
        self._client: Client | None = None
        self._scheduler: str | None = None
        self._route: str | None = None
        self._server_version: str | None = None

    def start(self) -> Client:
        """Create a gateway cluster with the layout's worker options and connect a client."""
        import dask
        from distributed import Client

        self._gateway = gateway = self.settings.gateway()
        try:
            offered = self.settings.call(
                gateway, gateway._cluster_options(use_local_defaults=False)
            )
        except ValueError as exc:  # HTTP 404: something else answers at that address
            raise BackendError(
                f"the server at {self.settings.address} does not answer like a Dask Gateway "
                f"({one_line(exc)}); check deployment.options.address"
            ) from None
        with contextlib.suppress(Exception):  # provenance only
            versions = self.settings.call(gateway, gateway._get_versions())
            self._server_version = str(versions["server"]["version"])
        options = self._request_options(offered)
        try:
            self.cluster_name = self.settings.call(gateway, gateway._submit(**options))
        except ValueError as exc:  # the server's answer to invalid options (HTTP 422)
            defaults = dask.config.get("gateway.cluster.options", None) or {}
            raise ConfigError(
                f"the Dask Gateway at {self.settings.address} refused the cluster options "
                f"{options}"
                + (f" (with Dask's gateway.cluster.options {defaults})" if defaults else "")
                + f": {one_line(exc)}; fix deployment.options.cluster_options (the "
                "layout's own come from deployment.threads_per_worker/memory_per_worker)"
            ) from None
        self.used_options = options
        # The server fails a cluster that does not start within its own time limit.
        done = ("RUNNING", "STOPPED", "FAILED")
        report = wait_for(self.settings, gateway, self.cluster_name, done, float("inf"))
        if report.status.name != "RUNNING":
            raise BackendError(
                f"the Dask Gateway could not start cluster {self.cluster_name} (status "
                f"{report.status.name.lower()}); see the gateway server's log"
            )
        self._route = report.scheduler_address
        try:
            self._client = Client(
                report.scheduler_address, security=report.security, timeout=self.settings.timeout
            )
        except OSError as exc:
            raise BackendError(
                f"cannot connect to the scheduler of gateway cluster {self.cluster_name} at "
                f"{self._route}: {one_line(exc)}; check deployment.options.proxy_address (the "
                "gateway's scheduler proxy)"
            ) from None
        # Recognisable by `dask-bench cleanup` if this process dies without closing it.
        self._client.set_metadata(TAG_KEY, self.tag)
        self._scheduler = str(self._client.scheduler_info()["address"])
        return self._client

    def _request_options(self, offered: Mapping[str, Any]) -> dict[str, Any]:
        """The user's cluster options, checked against the server's, plus the layout's."""
        unknown = sorted(set(self.cluster_options) - set(offered))
        if unknown:
            names = ", ".join(sorted(offered)) or "none"
            raise ConfigError(
                f"the Dask Gateway at {self.settings.address} offers no cluster option "
                f"{', '.join(map(repr, unknown))} (deployment.options.cluster_options); "
                f"it offers: {names}"
            )
        options = dict(self.cluster_options)
        threads = self.layout.threads_per_worker
        for key in ("worker_cores", "worker_threads"):
            kind = type(offered.get(key))  # the option's type, known by its default
            if key in offered and kind in (int, float):
                options[key] = kind(threads)
        if "worker_memory" in offered:
            memory = _memory_value(offered["worker_memory"], self.layout.memory_per_worker)
            if memory is not None:
                options["worker_memory"] = memory
        return options

    def request(self, workers: int) -> None:
        """Ask the gateway to scale the cluster to ``workers`` workers (no waiting)."""
        gateway, name = self._require()
        try:
            refusal = self.settings.call(gateway, scale(gateway, name, workers))
        except ValueError as exc:  # HTTP 404/422
            raise BackendError(
                f"the Dask Gateway could not scale cluster {name} to {workers} workers: "
                f"{one_line(exc)}"
            ) from None
        self.requested = workers
        if refusal:
            # The server clamps to its limit and says so: the size cannot be reached.
            raise BackendError(
                f"the Dask Gateway will not give cluster {name} {workers} workers: "
                f"{one_line(refusal)}; lower deployment.workers to its limit"
            )

    def step_details(self) -> tuple[float | None, dict[str, Any] | None]:
        """Check that the workers have the layout's threads and memory; name them."""
        if self._client is None:
            raise RuntimeError("step_details() before start()")
        workers = connected_workers(self._client)
        self._check_layout(workers)
        names = sorted(str(w.get("name")) for w in workers.values())
        return None, {"cluster": self.cluster_name, "workers": names}

    def _check_layout(self, workers: Mapping[str, Mapping[str, Any]]) -> None:
        threads, memory = self.layout.threads_per_worker, self.layout.memory_per_worker
        for info in workers.values():
            got_threads = info.get("nthreads")
            got_memory = int(info.get("memory_limit") or 0)
            if got_threads == threads and abs(got_memory - memory) <= memory * _MEMORY_TOLERANCE:
                continue
            sent = {k: v for k, v in (self.used_options or {}).items() if k in _LAYOUT}
            raise BackendError(
                f"the Dask Gateway gave worker {info.get('name')} {got_threads} thread(s) "
                f"and {format_bytes(got_memory) if got_memory else 'no memory limit'}, but "
                f"the layout asks for {threads} and {format_bytes(memory)} (cluster options "
                f"sent: {sent or 'none of worker_cores/worker_threads/worker_memory'}); make "
                "the server's cluster options (c.Backend.cluster_options) offer worker_threads "
                "and worker_memory in bytes, or set deployment.threads_per_worker/"
                "memory_per_worker to what it gives"
            )

    def job_states(self) -> str | None:
        """``gateway cluster NAME running, 1 of 2 workers connected``."""
        if self._gateway is None or self.cluster_name is None:
            return None
        gateway = self._gateway
        report = self.settings.call(gateway, gateway._cluster_report(self.cluster_name))
        state = f"gateway cluster {self.cluster_name} {report.status.name.lower()}"
        if self._client is not None:
            connected = len(connected_workers(self._client))
            state += f", {connected} of {self.requested} workers connected"
        return state

    def close(self) -> None:
        """Close the client, then stop the cluster through the gateway and wait until it stopped.

        Raises
        ------
        BackendError
            When the gateway cannot be asked to stop the cluster (it may keep running).
        """
        client, gateway = self._client, self._gateway
        self._client = self._gateway = None
        try:
            if client is not None:
                client.close()  # first: a client whose scheduler vanishes keeps reconnecting
        finally:
            try:
                if gateway is not None and self.cluster_name is not None:
                    stop(self.settings, gateway, self.cluster_name, STOP_WAIT)
            except BackendError as exc:
                raise BackendError(
                    f"could not stop gateway cluster {self.cluster_name}: {exc}; then stop "
                    f"it with: dask-bench cleanup"
                ) from None
            finally:
                if gateway is not None:
                    gateway.close()

    @classmethod
    def cleanup(cls, tag: str, options: Mapping[str, Any] | None = None) -> list[str]:
        """Stop the running clusters of this user whose scheduler carries ``tag``.

        A cluster is recognised by the tag :meth:`start` stores in its scheduler's
        metadata; one whose start was interrupted before that is not found (list the
        user's clusters with ``dask_gateway.Gateway().list_clusters()``).
        """
        settings = GatewaySettings(options or {})
        gateway = settings.gateway()
        stopped = []
        try:
            reports = settings.call(gateway, gateway._clusters(status="running"))
            for report in reports:
                try:
                    ours = cluster_tag(settings, gateway, report.name, TAG_KEY) == tag
                except Exception:  # best effort: an unanswering cluster is not ours to stop
                    continue
                if ours:
                    stop(settings, gateway, report.name, STOP_WAIT)
                    stopped.append(f"gateway cluster {report.name}")
        finally:
            gateway.close()
        return stopped

    def scheduler_location(self) -> str:
        """``started by a Dask Gateway at https://...``."""
        return f"{self.scheduler_runs} at {self.settings.address}"

    def describe(self) -> dict[str, Any]:
        """Back-end, layout, gateway address, cluster name and options, the TLS in use."""
        info = super().describe()
        info["options"] = scrub(self.options)
        info["gateway"] = self.settings.address
        known = {
            "gateway_version": self._server_version,
            "cluster": self.cluster_name,
            "cluster_options": self.used_options,
            "scheduler": self._scheduler,  # tls://: the scheduler's own address
            "scheduler_route": self._route,  # gateway://proxy/<cluster>: what clients dial
        }
        info.update({k: v for k, v in known.items() if v is not None})
        if self._scheduler is not None:
            info["tls"] = "per-cluster certificates issued by the gateway"
        return info

    def _require(self) -> tuple[Gateway, str]:
        if self._gateway is None or self.cluster_name is None:
            raise RuntimeError("request() before start()")
        return self._gateway, self.cluster_name


def _memory_value(default: Any, memory: int) -> int | float | str | None:
    """``memory`` bytes in the form of the server's ``worker_memory`` option.

    Integers are bytes (the unit of the server's ``ClusterConfig.worker_memory``), floats
    GiB (dask-gateway's documented example converts GiB to bytes in its handler), strings
    the server's own form with a K, M, G or T suffix (binary units).
    """
    if type(default) is int:
        return memory
    if type(default) is float:
        return memory / 2**30
    if type(default) is str:
        for suffix, size in (("T", 2**40), ("G", 2**30), ("M", 2**20)):
            if memory % size == 0:
                return f"{memory // size}{suffix}"
        # repr: the shortest text that parses back to the same float, so exact bytes
        return f"{memory / 2**10!r}K" if memory % 2**10 else f"{memory // 2**10}K"
    return None


__all__ = ["GatewayBackend"]
