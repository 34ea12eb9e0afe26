"""What ``dask-bench manifest`` writes: a kubernetes study's documents, for ``kubectl apply``.

The DaskCluster and its DaskWorkerGroups, each checked against its CRD; with TLS the
Secret of the certificates (which holds the private key: it goes only where the user
sent the output), and on request the Namespace first.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, cast

from dask_bench.deploy.base import job_tag
from dask_bench.deploy.build import make_backend
from dask_bench.deploy.kubernetes._groups import documents_yaml, validate_documents
from dask_bench.deploy.kubernetes.backend import KubernetesBackend
from dask_bench.deploy.registry import get_backend
from dask_bench.errors import ConfigError

if TYPE_CHECKING:
    from dask_bench.study import Study

#: Heads the output when it holds the private key.
KEY_WARNING = (
    "# WARNING: the Secret below holds the TLS private key (tls.key); keep this file as "
    "private as the key\n"
)


def runs_on_kubernetes(study: Study) -> bool:
    """Whether the study's back-end is the kubernetes one (or derives from it)."""
    return issubclass(get_backend(study.deployment.backend), KubernetesBackend)


def study_manifest(study: Study, workers: int | None = None, *, namespace: bool = False) -> str:
    """The documents of a study as one YAML, each checked.

    Parameters
    ----------
    study
        A study whose ``deployment.backend`` is ``kubernetes``.
    workers
        Workers in all (of every group); default: the study's largest size.
    namespace
        Put the Namespace of ``deployment.options.namespace`` first.

    Raises
    ------
    ConfigError
        For another back-end, or options that do not make valid documents.
    """
    dep = study.deployment
    if not runs_on_kubernetes(study):
        raise ConfigError(
            f"the study uses back-end {dep.backend!r}; a manifest needs deployment.backend: "
            "kubernetes (or --backend kubernetes)"
        )
    # outside a run: the study's run name stands for the run id
    backend = cast(KubernetesBackend, make_backend(study, tag=job_tag(study.run_name)))
    size = backend.layout.total(max(dep.workers)) if workers is None else workers
    docs = backend.manifests(size)
    validate_documents(docs)
    what = "DaskCluster and DaskWorkerGroups" if len(docs) > 1 else "DaskCluster"
    head = f"# {what} of study {study.run_name!r} (dask-bench manifest); kubectl apply -f it\n"
    secret = backend.secret_document()  # checked when made
    if secret is not None:
        docs.insert(0, secret)
        head += KEY_WARNING
    if namespace:
        docs.insert(0, backend.namespace_document())
    return head + documents_yaml(docs)
