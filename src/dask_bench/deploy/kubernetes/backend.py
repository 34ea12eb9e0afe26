"""The ``kubernetes`` back-end: the dask-kubernetes operator's KubeCluster, with a generated spec.

dask-bench writes the ``DaskCluster`` itself (:mod:`dask_bench.deploy.kubernetes._manifest`)
so that every worker pod runs one worker of the study's layout, and hands it to
``KubeCluster`` as ``custom_cluster_spec``; a size is the default worker group's
replica count (``KubeCluster.scale``). Options are checked when the back-end is
built (:mod:`dask_bench.deploy.kubernetes._options`), so bad input fails before anything
starts. The Kubernetes API is reached through kr8s, always with a time limit.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections import Counter
from collections.abc import Awaitable, Callable, Iterable, Mapping
from typing import TYPE_CHECKING, Any, ClassVar, TypeVar, cast

from dask_bench.deploy.base import Backend, Launcher, job_tag
from dask_bench.deploy.build import make_backend
from dask_bench.deploy.kubernetes._manifest import (
    daskcluster_manifest,
    manifest_yaml,
    prune_nulls,
    validate_manifest,
)
from dask_bench.deploy.kubernetes._names import TAG_LABEL, cluster_name
from dask_bench.deploy.kubernetes._options import OWNED_OPTIONS, parse_options
from dask_bench.deploy.registry import get_backend, register_backend
from dask_bench.errors import BackendError, ConfigError

if TYPE_CHECKING:
    from distributed import Client

    from dask_bench.study import Study

_T = TypeVar("_T")
#: Seconds for one question to the Kubernetes API (reachability, pod states, cleanup).
API_TIMEOUT = 15.0
#: Seconds to wait for the DaskCluster to be gone when closing.
CLOSE_TIMEOUT = 120
_PHASES = ("Running", "Pending", "Terminating", "Succeeded", "Failed", "Unknown")


@register_backend(
    "kubernetes",
    "dask-kubernetes operator: a generated DaskCluster, scaled by worker-group replicas",
    extra="kubernetes",
    requires=("dask_kubernetes",),
)
class KubernetesBackend(Backend):
    """A DaskCluster of the study's layout through the dask-kubernetes operator."""

    launcher = Launcher.OPERATOR
    owned_options = OWNED_OPTIONS
    supports_tls = False
    tls_note = (
        "its certificates would have to reach the scheduler and worker pods as Kubernetes "
        "secrets, which this version does not create"
    )
    #: What :meth:`job_scripts` gives, for ``dask-bench plan``: one manifest, not batch jobs.
    script_label: ClassVar[str] = "DaskCluster manifest"
    dask_config_via = "DASK_* environment variables of the scheduler and worker containers"

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.settings = parse_options(self.options)
        self._namespace = self.settings.namespace  # resolved by start() when not given
        self._cluster: Any = None  # a dask_kubernetes.operator.KubeCluster
        self._client: Client | None = None
        # options that make an invalid DaskCluster (a toleration of the wrong shape, ...)
        validate_manifest(self.manifest(0), "the DaskCluster of 'deployment.options'")

    @property
    def cluster_name(self) -> str:
        """The DaskCluster's name: ``options.name``, else made from the run's tag."""
        return self.settings.name or cluster_name(self.tag)

    def manifest(self, replicas: int) -> dict[str, Any]:
        """The DaskCluster with ``replicas`` worker pods (``None`` where unset)."""
        return daskcluster_manifest(
            self.settings,
            self.layout.threads_per_worker,
            self.layout.memory_per_worker,
            replicas=replicas,
            name=self.cluster_name,
            namespace=self._namespace,
            labels={
                TAG_LABEL: cluster_name(self.tag),
                "app.kubernetes.io/managed-by": "dask-bench",
            },
            dask_config=self.dask_config,
        )

    def job_scripts(self, workers: int) -> list[str]:
        """The DaskCluster manifest (YAML) with ``workers`` worker replicas."""
        return [manifest_yaml(self.manifest(workers))]

    def start(self) -> Client:
        """Create the DaskCluster with no worker pod, wait for its scheduler, connect."""
        from dask_kubernetes.operator import KubeCluster
        from dask_kubernetes.operator.kubecluster.kubecluster import CreateMode
        from distributed import Client

        self._namespace = reach_api(self.settings.namespace)
        spec = validate_manifest(self.manifest(0))
        options = {"quiet": True, "shutdown_on_close": True, **self.settings.cluster}
        try:
            self._cluster = KubeCluster(
                custom_cluster_spec=spec,
                namespace=self._namespace,
                n_workers=0,
                create_mode=CreateMode.CREATE_ONLY,
                **options,
            )
        except Exception as exc:  # anything from kr8s, httpx, the operator's waits
            raise BackendError(
                f"KubeCluster could not start DaskCluster {self.cluster_name!r} in namespace "
                f"{self._namespace!r}: {_first_line(exc)}; check that the dask-kubernetes "
                "operator runs and 'kubectl describe daskcluster' for its events"
            ) from None
        self._client = Client(self._cluster)
        return self._client

    def request(self, workers: int) -> None:
        """Set the default worker group's replicas to ``workers``."""
        if self._cluster is None:
            raise RuntimeError("request() before start()")
        try:
            self._cluster.scale(workers)
        except Exception as exc:
            raise BackendError(
                f"could not scale DaskCluster {self.cluster_name!r} to {workers} workers: "
                f"{_first_line(exc)}"
            ) from None

    def close(self) -> None:
        """Close the client, then the KubeCluster (which deletes the DaskCluster)."""
        client, cluster = self._client, self._cluster
        self._client = self._cluster = None
        try:
            if client is not None:
                client.close()
        finally:
            if cluster is not None:
                try:
                    cluster.close(timeout=CLOSE_TIMEOUT)
                except Exception as exc:
                    raise BackendError(
                        f"could not delete DaskCluster {self.cluster_name!r}: "
                        f"{_first_line(exc)}; delete it with: kubectl delete daskcluster "
                        f"{self.cluster_name} -n {self._namespace}"
                    ) from None

    def job_states(self) -> str | None:
        """``scheduler pod: 1 Running; worker pods: 2 Running, 1 Pending (Unschedulable: ...)``."""
        selector = {"dask.org/cluster-name": self.cluster_name}
        try:
            pods = self._pods(selector)
        except Exception as exc:
            return f"pods could not be listed ({_first_line(exc)})"
        return pod_states(pods)

    def step_details(self) -> tuple[float | None, dict[str, Any] | None]:
        """Where each worker pod runs (pod name -> node), if the API answers."""
        selector = {"dask.org/cluster-name": self.cluster_name, "dask.org/component": "worker"}
        try:
            pods = self._pods(selector)
        except Exception:  # details only: the step itself succeeded
            return None, None
        return None, {"pods": pod_nodes(pods)}

    def _pods(self, selector: Mapping[str, str]) -> list[dict[str, Any]]:
        async def listing(api: Any) -> list[dict[str, Any]]:
            found = api.get(
                "pods", namespace=self._namespace, label_selector=dict(selector), raw=True
            )
            return [pod async for pod in found]

        return _with_api(listing, self._namespace)

    @classmethod
    def cleanup(cls, tag: str, options: Mapping[str, Any] | None = None) -> list[str]:
        """Delete the DaskClusters labelled with ``tag`` (best effort, one by one)."""
        namespace = (options or {}).get("namespace")
        namespace = namespace if isinstance(namespace, str) else None
        selector = f"{TAG_LABEL}={cluster_name(tag)}"

        async def delete(api: Any) -> list[str]:
            deleted = []
            kind = "daskclusters.kubernetes.dask.org"
            async for cluster in api.get(kind, namespace=namespace, label_selector=selector):
                with contextlib.suppress(Exception):  # one that resists must not stop the rest
                    await cluster.delete()
                    deleted.append(f"daskcluster/{cluster.name}")
            return deleted

        try:
            return _with_api(delete, namespace)
        except Exception as exc:
            raise BackendError(
                f"could not list the DaskClusters of {tag}: {_first_line(exc)}; delete them "
                f"with: kubectl delete daskcluster -l {selector}"
            ) from None

    def describe(self) -> dict[str, Any]:
        """Back-end, options, layout, and the DaskCluster: name, namespace, image, manifest."""
        import dask_kubernetes

        info = super().describe()
        info.update(
            cluster_name=self.cluster_name,
            namespace=self._namespace,
            image=self.settings.image,
            dask_kubernetes=getattr(dask_kubernetes, "__version__", None),
            manifest=prune_nulls(self.manifest(0)),
        )
        return info


def reach_api(namespace: str | None) -> str:
    """Check that a Kubernetes API server answers; return the namespace to use.

    Without ``namespace``: dask's ``kubernetes.namespace``, else the current context's.

    Raises
    ------
    BackendError
        Within :data:`API_TIMEOUT` seconds when no API server answers (no kubeconfig,
        a server that refuses or does not answer).
    """
    import dask.config

    wanted = namespace or dask.config.get("kubernetes.namespace", None)

    async def probe(api: Any) -> str:
        return str(wanted or api.namespace)

    try:
        return _with_api(probe, wanted)
    except Exception as exc:
        raise BackendError(
            f"cannot reach a Kubernetes API server: {_first_line(exc)}; check KUBECONFIG / "
            "the current context (kubectl cluster-info)"
        ) from None


def _with_api(work: Callable[[Any], Awaitable[_T]], namespace: str | None) -> _T:
    """Run ``work(api)`` on a fresh event loop, all of it within :data:`API_TIMEOUT`."""
    import kr8s.asyncio

    async def main() -> _T:
        # creating the Api already asks the server for its version
        api = await kr8s.asyncio.api(namespace=namespace)
        api.timeout = API_TIMEOUT
        return await work(api)

    async def bounded() -> _T:
        try:
            return await asyncio.wait_for(main(), API_TIMEOUT)
        except asyncio.TimeoutError:
            raise TimeoutError(f"no answer within {API_TIMEOUT:g} s") from None

    return asyncio.run(bounded())


def pod_states(pods: Iterable[Mapping[str, Any]]) -> str:
    """One line on pods of a DaskCluster: how many in each phase, and why they wait.

    Parameters
    ----------
    pods
        Pods as the Kubernetes API returns them (``metadata``, ``status``).

    Returns
    -------
    str
        E.g. ``scheduler pod: 1 Running; worker pods: 2 Running, 1 Pending
        (Unschedulable: 0/3 nodes are available: 3 Insufficient memory.)``.
    """
    groups: dict[str, Counter[tuple[str, str]]] = {}
    for pod in pods:
        labels = (pod.get("metadata") or {}).get("labels") or {}
        component = str(labels.get("dask.org/component", "other"))
        groups.setdefault(component, Counter())[_pod_state(pod)] += 1
    if not groups:
        return "no pods yet"
    order = {"scheduler": 0, "worker": 1}
    parts = []
    for component in sorted(groups, key=lambda c: (order.get(c, 2), c)):
        states = groups[component]
        total = sum(states.values())
        shown = sorted(states.items(), key=lambda s: (_rank(s[0][0]), -s[1], s[0][1]))
        text = ", ".join(f"{n} {phase}" + (f" ({why})" if why else "") for (phase, why), n in shown)
        parts.append(f"{component} pod{'s' if total != 1 else ''}: {text}")
    return "; ".join(parts)


def pod_nodes(pods: Iterable[Mapping[str, Any]]) -> dict[str, str | None]:
    """Pod name -> the node it was placed on (None while not scheduled)."""
    return {
        str((p.get("metadata") or {}).get("name")): (p.get("spec") or {}).get("nodeName")
        for p in pods
    }


def _pod_state(pod: Mapping[str, Any]) -> tuple[str, str]:
    """(phase, why) of one pod; why: the scheduler's or a waiting container's reason."""
    status = pod.get("status") or {}
    if (pod.get("metadata") or {}).get("deletionTimestamp"):
        return "Terminating", ""
    phase = str(status.get("phase") or "Unknown")
    for condition in status.get("conditions") or []:
        if condition.get("type") == "PodScheduled" and condition.get("status") == "False":
            return phase, _reason(condition)
    for container in status.get("containerStatuses") or []:
        state = container.get("state") or {}
        for key in ("waiting", "terminated"):
            if key in state and state[key].get("reason") not in (None, "Completed"):
                return phase, _reason(state[key])
    return phase, ""


def _reason(detail: Mapping[str, Any]) -> str:
    reason, message = detail.get("reason") or "", " ".join(str(detail.get("message") or "").split())
    if len(message) > 160:
        message = message[:157] + "..."
    return f"{reason}: {message}" if reason and message else reason or message


def _rank(phase: str) -> int:
    return _PHASES.index(phase) if phase in _PHASES else len(_PHASES)


def _first_line(exc: BaseException) -> str:
    lines = str(exc).strip().splitlines()
    return lines[0] if lines else type(exc).__name__


def runs_on_kubernetes(study: Study) -> bool:
    """Whether the study's back-end is the kubernetes one (or derives from it)."""
    return issubclass(get_backend(study.deployment.backend), KubernetesBackend)


def study_manifest(study: Study, workers: int | None = None) -> str:
    """The DaskCluster (YAML, checked against the CRD) of a study on the kubernetes back-end.

    Parameters
    ----------
    study
        A study whose ``deployment.backend`` is ``kubernetes``.
    workers
        Worker replicas; default: the study's largest worker count.

    Raises
    ------
    ConfigError
        For another back-end, or options that do not make a valid DaskCluster.
    """
    dep = study.deployment
    if not runs_on_kubernetes(study):
        raise ConfigError(
            f"the study uses back-end {dep.backend!r}; a manifest needs deployment.backend: "
            "kubernetes (or --backend kubernetes)"
        )
    # outside a run: the study's run name stands for the run id
    backend = cast(KubernetesBackend, make_backend(study, tag=job_tag(study.run_name)))
    manifest = backend.manifest(max(dep.workers) if workers is None else workers)
    validate_manifest(manifest)
    head = f"# DaskCluster of study {study.run_name!r} (dask-bench manifest); kubectl apply -f it\n"
    return head + manifest_yaml(manifest)
