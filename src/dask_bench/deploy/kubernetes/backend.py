"""The ``kubernetes`` back-end: the dask-kubernetes operator's KubeCluster, with a generated spec.

dask-bench writes the ``DaskCluster`` itself (:mod:`dask_bench.deploy.kubernetes._manifest`)
so that every worker pod runs one worker of the study's layout, and hands it to
``KubeCluster`` as ``custom_cluster_spec``; a size is the default worker group's
replica count (``KubeCluster.scale``). With ``deployment.groups`` the swept group is the
default worker group and every fixed group a DaskWorkerGroup of the same cluster
(:mod:`dask_bench.deploy.kubernetes._groups`). Options are checked when the back-end is
built (:mod:`dask_bench.deploy.kubernetes._options`), so bad input fails before anything
starts. The Kubernetes API is reached through kr8s, always with a time limit.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Awaitable, Callable, Mapping
from typing import TYPE_CHECKING, Any, ClassVar, TypeVar

from dask_bench.deploy.base import Backend, Launcher
from dask_bench.deploy.kubernetes._groups import (
    check_groups,
    documents_yaml,
    group_counts,
    group_documents,
    name_limit,
    parse_group,
    scale_targets,
    validate_documents,
)
from dask_bench.deploy.kubernetes._manifest import (
    daskcluster_manifest,
    prune_nulls,
    validate_manifest,
)
from dask_bench.deploy.kubernetes._names import TAG_LABEL, cluster_name
from dask_bench.deploy.kubernetes._namespace import namespace_document
from dask_bench.deploy.kubernetes._options import OWNED_OPTIONS, parse_options
from dask_bench.deploy.kubernetes._pod_options import RESTRICTED, apply_pod_options
from dask_bench.deploy.kubernetes._pods import pod_nodes, pod_states
from dask_bench.deploy.kubernetes._tls import (
    create_secret,
    delete_secret,
    mount_tls,
    pem_files,
    secret_name,
    tls_secret,
    validate_secret,
)
from dask_bench.deploy.kubernetes._tls_cluster import tls_kubecluster
from dask_bench.deploy.registry import register_backend
from dask_bench.errors import BackendError

if TYPE_CHECKING:
    from distributed import Client


_T = TypeVar("_T")
#: Seconds for one question to the Kubernetes API (reachability, pod states, cleanup).
API_TIMEOUT = 15.0
#: Seconds to wait for the DaskCluster to be gone when closing.
CLOSE_TIMEOUT = 120


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
    #: The certificates reach the pods as a Secret (:mod:`._tls`).
    supports_tls = True
    scheduler_runs = "a pod"
    auto_memory_note = (
        "auto divides the memory of the machine that runs dask-bench, which says nothing "
        "about the Kubernetes nodes"
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
        self._group_pods = {g.name: parse_group(self.options, g) for g in self.layout.groups}
        # PEM text of the pods' Secret, read once (the key is remembered as a secret)
        self._tls_files = None if self.security is None else pem_files(self.security)
        self._secret: str | None = None  # the Secret's name once created
        # options that make an invalid DaskCluster (a toleration of the wrong shape, ...)
        validate_manifest(self.manifest(0), "the DaskCluster of 'deployment.options'")
        if self.layout.groups:
            check_groups(self.layout, self.cluster_name)
            validate_documents(self.manifests(self.layout.fixed_workers))

    @property
    def cluster_name(self) -> str:
        """The DaskCluster's name: ``options.name``, else made from the run's tag."""
        return self.settings.name or cluster_name(self.tag, name_limit(self.layout))

    @property
    def labels(self) -> dict[str, str]:
        """The labels of everything the run creates (``cleanup`` selects on the tag)."""
        return {TAG_LABEL: cluster_name(self.tag), "app.kubernetes.io/managed-by": "dask-bench"}

    def manifest(self, replicas: int) -> dict[str, Any]:
        """The DaskCluster with ``replicas`` worker pods (``None`` where unset)."""
        return self._finish(self._generated(replicas))

    def _finish(self, doc: dict[str, Any]) -> dict[str, Any]:
        """Pod options, and with TLS the Secret's mount and the ``--tls-*`` arguments."""
        apply_pod_options(doc, self.settings.pods)
        if self.security is not None:
            address = f"tls://{self.cluster_name}-scheduler:8786"  # the service, same namespace
            mount_tls(doc, secret_name(self.cluster_name), address)
        return doc

    def _generated(self, replicas: int) -> dict[str, Any]:
        return daskcluster_manifest(
            self.settings,
            self.layout.threads_per_worker,
            self.layout.memory_per_worker,
            replicas=replicas,
            name=self.cluster_name,
            namespace=self._namespace,
            labels=self.labels,
            dask_config=self.dask_config,
        )

    def secret_document(self) -> dict[str, Any] | None:
        """The Secret of the pods' certificates, private key included; None without TLS."""
        if self._tls_files is None:
            return None
        name = secret_name(self.cluster_name)
        return validate_secret(tls_secret(name, self._namespace, self.labels, self._tls_files))

    def namespace_document(self) -> dict[str, Any]:
        """The Namespace of ``deployment.options.namespace``, labelled "restricted" if so made."""
        pods = self.settings.pods
        restricted = (pods.pod_security, pods.container_security) == (
            RESTRICTED["pod"],
            RESTRICTED["container"],
        )
        return namespace_document(self.settings.namespace, restricted=restricted)

    def manifests(
        self, workers: int, counts: Mapping[str, int] | None = None
    ) -> list[dict[str, Any]]:
        """The DaskCluster, then a DaskWorkerGroup per fixed group, for ``workers`` in all.

        ``counts``: each group's workers instead (zeros when starting).
        """
        if not self.layout.groups:
            return [self.manifest(workers)]
        counts = group_counts(self.layout, workers) if counts is None else counts
        docs = group_documents(
            self._generated(0), self.layout, self._group_pods, counts, self.dask_config
        )
        return [self._finish(d) for d in docs]

    def job_scripts(self, workers: int) -> list[str]:
        """The manifests (one multi-document YAML) with ``workers`` workers in all."""
        return [documents_yaml(self.manifests(workers))]

    def start(self) -> Client:
        """Create the DaskCluster with no worker pod, wait for its scheduler, connect."""
        from dask_kubernetes.operator import KubeCluster
        from dask_kubernetes.operator.kubecluster.kubecluster import CreateMode
        from distributed import Client

        self._namespace = reach_api(self.settings.namespace)
        if self.layout.groups:
            check_groups(self.layout, self.cluster_name)  # the run's tag names it now
        zeros = {g.name: 0 for g in self.layout.groups}
        spec, *groups = validate_documents(self.manifests(0, zeros))
        options = {"quiet": True, "shutdown_on_close": True, **self.settings.cluster}
        options.update(custom_cluster_spec=spec, namespace=self._namespace, n_workers=0)
        secret = self.secret_document()
        if secret is not None:  # before the pods that mount it
            self._run_api("create the TLS Secret", create_secret, secret)
            self._secret = secret["metadata"]["name"]
        try:
            if self.security is not None:
                self._cluster = tls_kubecluster(
                    self.security, create_mode=CreateMode.CREATE_ONLY, **options
                )
            else:
                self._cluster = KubeCluster(create_mode=CreateMode.CREATE_ONLY, **options)
        except Exception as exc:  # anything from kr8s, httpx, the operator's waits
            raise BackendError(
                f"KubeCluster could not start DaskCluster {self.cluster_name!r} in namespace "
                f"{self._namespace!r}: {_first_line(exc)}; check that the dask-kubernetes "
                "operator runs and 'kubectl describe daskcluster' for its events"
            ) from None
        self._client = Client(self._cluster, security=self.security)
        if groups:
            self._create_groups(groups)
        return self._client

    def _create_groups(self, docs: list[dict[str, Any]]) -> None:
        """Create the fixed groups' DaskWorkerGroups (no pod yet): the operator adopts them."""
        from dask_kubernetes.operator._objects import DaskWorkerGroup  # KubeCluster's own

        async def create(api: Any) -> None:
            for doc in docs:
                await DaskWorkerGroup(doc, namespace=self._namespace, api=api).create()

        try:
            _with_api(create, self._namespace)
        except Exception as exc:
            raise BackendError(
                f"could not create the DaskWorkerGroups of DaskCluster {self.cluster_name!r}: "
                f"{_first_line(exc)}; see 'kubectl get daskworkergroups -n {self._namespace}'"
            ) from None

    def request(self, workers: int) -> None:
        """Set each worker group's replicas: the fixed groups' counts, the swept one the rest."""
        if self._cluster is None:
            raise RuntimeError("request() before start()")
        for group, replicas in scale_targets(self.layout, workers):
            try:
                self._cluster.scale(replicas, worker_group=group)
            except Exception as exc:
                raise BackendError(
                    f"could not scale worker group {group!r} of DaskCluster "
                    f"{self.cluster_name!r} to {replicas} workers: {_first_line(exc)}"
                ) from None

    def _run_api(self, what: str, work: Callable[..., Awaitable[Any]], *args: Any) -> None:
        try:
            _with_api(lambda api: work(api, *args, namespace=self._namespace), self._namespace)
        except Exception as exc:
            raise BackendError(
                f"could not {what} of DaskCluster {self.cluster_name!r} in namespace "
                f"{self._namespace!r}: {_first_line(exc)}"
            ) from None

    def close(self) -> None:
        """Close the client, then the KubeCluster (which deletes the DaskCluster), the Secret."""
        client, cluster, secret = self._client, self._cluster, self._secret
        self._client = self._cluster = self._secret = None
        try:
            if client is not None:
                client.close()
        finally:
            if secret is not None:  # `cleanup` finds it by its label if this fails
                with contextlib.suppress(BackendError):
                    self._run_api("delete the TLS Secret", delete_secret, secret)
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
        """Delete the DaskClusters labelled with ``tag``, their DaskWorkerGroups, TLS Secrets.

        The operator makes a DaskCluster own the groups it adopts, so that Kubernetes
        deletes them with it; one it never adopted (no operator running) is deleted
        here. Best effort, one by one.
        """
        namespace = (options or {}).get("namespace")
        namespace = namespace if isinstance(namespace, str) else None
        selector = f"{TAG_LABEL}={cluster_name(tag)}"

        async def delete(api: Any) -> list[str]:
            deleted = []
            dask = ".kubernetes.dask.org"
            for kind in (f"daskclusters{dask}", f"daskworkergroups{dask}", "secrets"):
                found = api.get(kind, namespace=namespace, label_selector=selector)
                async for item in found:
                    with contextlib.suppress(Exception):  # one that resists must not stop the rest
                        await item.delete()
                        deleted.append(f"{kind.split('.')[0][:-1]}/{item.name}")
            return deleted

        try:
            return _with_api(delete, namespace)
        except Exception as exc:
            raise BackendError(
                f"could not list the DaskClusters of {tag}: {_first_line(exc)}; delete them "
                f"with: kubectl delete daskcluster -l {selector}"
            ) from None

    def scheduler_location(self) -> str:
        """``a pod in namespace NAME``."""
        return f"a pod in namespace {self._namespace or '(the context default)'}"

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
        if self._tls_files is not None:  # its name only: the Secret holds the private key
            info["tls_secret"] = secret_name(self.cluster_name)
        if self.layout.groups:
            docs = self.manifests(self.layout.fixed_workers)
            info.update(
                manifest=prune_nulls(docs[0]), worker_groups=list(map(prune_nulls, docs[1:]))
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


def _first_line(exc: BaseException) -> str:
    lines = str(exc).strip().splitlines()
    return lines[0] if lines else type(exc).__name__
