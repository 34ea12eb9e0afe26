"""The ``local`` back-end: :class:`distributed.LocalCluster` on this machine."""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from typing import TYPE_CHECKING, Any

from dask_bench.deploy.base import Launcher, study_sets
from dask_bench.deploy.registry import register_backend
from dask_bench.deploy.spec_cluster import SpecClusterBackend
from dask_bench.deploy.tls import dashboard_tls
from dask_bench.errors import BackendError, ConfigError

if TYPE_CHECKING:
    from distributed import Client

#: Most local worker processes per core: beyond it a study measures only contention,
#: and the machine runs out of memory and processes before the workers start.
LOCAL_WORKERS_PER_CORE = 4
#: Least memory of a local worker: its process alone holds about 100-150 MiB, and at 80 %
#: of its limit a worker pauses, at 95 % its nanny restarts it (forever, at start).
LOCAL_MIN_MEMORY = 256 * 2**20


@register_backend(
    "local",
    "distributed.LocalCluster on this machine (worker processes, or threads with processes: false)",
)
class LocalBackend(SpecClusterBackend):
    """LocalCluster with the study's worker layout; ``options`` go to LocalCluster unchanged."""

    launcher = Launcher.LOCAL_PROCESS
    supports_tls = True
    # the runner sets it in this process, which runs the scheduler, and each nanny hands
    # this process's config to its worker process
    dask_config_via = "dask-bench's process, which runs the scheduler, and the workers' nannies"
    events = frozenset({"worker-loss", "scale-up", "adaptive", "lifetime"})
    owned_options = study_sets(
        {
            "n_workers": "deployment.workers",
            "threads_per_worker": "deployment.threads_per_worker",
            "memory_limit": "deployment.memory_per_worker",
            "security": "security.tls",
            "nthreads": "deployment.threads_per_worker",
            "resources": "deployment.groups.<name>.resources",
        }
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        #: Spec names of workers a scenario removed for good (no replacement).
        self._lost: list[Any] = []
        #: The worker keywords the cluster started with (before fresh_workers changed them).
        self._spec_options: dict[str, Any] | None = None
        #: Workers made so far in each group (the next one's number).
        self._names: dict[str, int] = {}

    def check(self) -> None:
        """Refuse a layout this machine cannot hold, before anything starts."""
        import os

        import psutil
        from dask.utils import format_bytes

        super().check()  # the network interface
        cores = os.cpu_count() or 1
        largest = self.largest or 1
        if largest > LOCAL_WORKERS_PER_CORE * cores:
            raise ConfigError(
                f"deployment.workers: {largest} local workers cannot run on this "
                f"{cores}-core machine (at most {LOCAL_WORKERS_PER_CORE} per core: "
                f"{LOCAL_WORKERS_PER_CORE * cores}); lower the largest worker count"
            )
        total = psutil.virtual_memory().total
        smallest = min(
            [self.layout.memory_per_worker, *(g.memory_per_worker for g in self.layout.groups)]
        )
        if smallest < LOCAL_MIN_MEMORY:
            raise ConfigError(
                f"deployment.memory_per_worker: {format_bytes(smallest)} is below "
                f"{format_bytes(LOCAL_MIN_MEMORY)}: a local worker's own code takes most of it, "
                "so it would pause (80 %) or be restarted (95 %) before any work; give each "
                "worker more, e.g. '1GiB', or 'auto'"
            )
        if self.layout.memory > total:
            raise ConfigError(
                f"deployment.memory_per_worker: {format_bytes(self.layout.memory)} "
                f"is more than this machine's {format_bytes(total)}; use 'auto' or a "
                "smaller size"
            )

    def start(self) -> Client:
        """Start a LocalCluster with no workers and connect a client to it."""
        from distributed import Client, LocalCluster

        # loopback: the dashboard has no authentication (with TLS it is served over https)
        kwargs: dict[str, Any] = {"dashboard_address": "127.0.0.1:0", "processes": True}
        kwargs.update(self.options)
        if self.security is not None:
            kwargs["security"] = self.security  # LocalCluster then listens on tls://
        self.watch_errors()
        try:
            with dashboard_tls(self.security):
                self._cluster = LocalCluster(
                    n_workers=0,
                    threads_per_worker=self.layout.threads_per_worker,
                    memory_limit=self.layout.memory_per_worker,
                    **kwargs,
                )
        except TypeError as exc:
            raise ConfigError(
                f"'deployment.options' is not accepted by LocalCluster: {exc}; "
                "use LocalCluster keyword arguments"
            ) from None
        except OSError as exc:
            raise BackendError(f"LocalCluster could not start: {exc}") from None
        self._client = Client(self._cluster, set_as_default=True)
        # The workers share the terminal's process group: a Ctrl-C reaches them too, and
        # they would die mid-task with screens of tracebacks. Only this process handles
        # it, and closes them in order.
        from dask_bench.deploy._plugins import IgnoreInterrupt

        self._client.register_plugin(IgnoreInterrupt(), name="dask-bench-ignore-sigint")
        return self._client

    def startup_problem(self) -> str | None:
        """The error of a worker process that failed to start (every one would)."""
        problem = self.failed_start("the worker process exited at start")
        if problem is None:
            return None
        return problem + (
            "; check deployment.options (LocalCluster and worker keywords), and that a "
            "script starting a study does so under 'if __name__ == \"__main__\":'"
        )

    def request(self, workers: int) -> None:
        """Scale the LocalCluster to ``workers`` workers (of every group)."""
        if self._cluster is None:
            raise RuntimeError("request() before start()")
        if not self.layout.groups:
            self._cluster.scale(workers)
            return
        # One cluster, one worker spec per worker: each group's shape and resources,
        # named <group>-<n> so that the scheduler (and the placement check) knows it.
        cluster = self._cluster
        base = cluster.new_spec
        for name, count in self.layout.counts(workers).items():
            group = self.layout.group(name)
            have = sorted(
                (k for k in cluster.worker_spec if str(k).startswith(f"{name}-")),
                key=lambda k: int(str(k).rsplit("-", 1)[1]),
            )
            for key in have[count:]:
                del cluster.worker_spec[key]
            for _ in range(len(have), count):
                options = {
                    **base["options"],
                    "nthreads": group.threads_per_worker,
                    "memory_limit": group.memory_per_worker,
                    "resources": dict(group.resources),
                    **group.options,
                }
                cluster.worker_spec[f"{name}-{self._made(name)}"] = {**base, "options": options}
        # as SpecCluster.scale does: the workers start in the background, scale_to waits
        if cluster.loop is None:
            raise RuntimeError("the LocalCluster has no event loop")
        cluster.loop.add_callback(cluster._correct_state)

    def _made(self, group: str) -> int:
        # a name SpecCluster has closed is never started again: never reuse one
        n = self._names.get(group, 0)
        self._names[group] = n + 1
        return n

    @classmethod
    def event_problem(cls, kind: str, options: Mapping[str, Any]) -> str | None:
        """Workers can be lost only when they are processes of their own."""
        if kind == "worker-loss" and options.get("processes", True) is False:
            return (
                "a worker-loss event needs worker processes, and deployment.options sets "
                "processes: false; remove that option"
            )
        return super().event_problem(kind, options)

    def lose_workers(self, client: Client, addresses: Iterable[str], *, replace: bool) -> str:
        """SIGKILL each worker's process; without ``replace`` its nanny does not restart it."""
        import os
        import signal

        if self._cluster is None:
            raise RuntimeError("lose_workers() before start()")
        wanted = set(addresses)
        killed = []
        for name, nanny in list(self._cluster.workers.items()):
            if getattr(nanny, "worker_address", None) not in wanted or not nanny.pid:
                continue
            if not replace:
                # the nanny then closes when its worker dies, as a lost node would
                nanny.close_gracefully(reason="dask-bench worker-loss scenario")
                self._lost.append(name)
            os.kill(nanny.pid, signal.SIGKILL)
            killed.append(str(nanny.pid))
        if len(killed) != len(wanted):
            raise BackendError(f"found {len(killed)} of the {len(wanted)} workers to remove")
        how = "restarted by their nannies" if replace else "not restarted"
        return f"SIGKILL of worker process(es) {', '.join(killed)}, {how}"

    def restore(self, workers: int) -> None:
        """Forget the specs of workers lost for good, then ask for ``workers`` again."""
        if self._cluster is None:
            raise RuntimeError("restore() before start()")
        if self._lost:
            for name in self._lost:
                self._cluster.worker_spec.pop(name, None)
            self._lost.clear()
            # Forget the closed nannies before asking for more: SpecCluster.scale would
            # reuse their names, and a name it knows is never started again.
            self._cluster.sync(self._cluster._correct_state)
        self._cluster.scale(workers)

    def fresh_workers(self, groups: Sequence[tuple[int, Mapping[str, Any]]]) -> None:
        """Close every worker, then start each group's count with its extra worker keywords."""
        import time

        if self._cluster is None or self._client is None:
            raise RuntimeError("fresh_workers() before start()")
        cluster = self._cluster
        if self._spec_options is None:
            self._spec_options = dict(cluster.new_spec["options"])
        cluster.scale(0)
        deadline = time.monotonic() + 60
        while self._client.scheduler_info(n_workers=-1)["workers"] or cluster.workers:
            if time.monotonic() > deadline:
                raise BackendError("the workers did not close within 60 s")
            time.sleep(0.05)
        total = 0
        for count, worker_options in groups:
            # SpecCluster gives every worker it adds the spec new_spec holds at the time
            cluster.new_spec = {
                **cluster.new_spec,
                "options": {**self._spec_options, **worker_options},
            }
            total += count
            cluster.scale(total)
        cluster.new_spec = {**cluster.new_spec, "options": dict(self._spec_options)}

    def describe(self) -> dict[str, Any]:
        """Back-end, layout, options and whether workers are processes."""
        info = super().describe()
        info["processes"] = bool(self.options.get("processes", True))
        return info
