"""The Namespace document ``dask-bench manifest --namespace-document`` puts first."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from dask_bench.deploy.kubernetes._names import is_dns_label, label_problem
from dask_bench.errors import ConfigError

#: Pod Security admission: the namespace refuses pods that are not "restricted".
ENFORCE_LABEL = "pod-security.kubernetes.io/enforce"


def namespace_document(name: str | None, *, restricted: bool = False) -> dict[str, Any]:
    """A Namespace ``name``; with ``restricted``, labelled to enforce Pod Security "restricted".

    Raises
    ------
    ConfigError
        Without a name (``deployment.options.namespace``), or one Kubernetes refuses.
    """
    if not name:
        raise ConfigError(
            "a Namespace document needs 'deployment.options.namespace'; set it, or leave out "
            "--namespace-document"
        )
    labels = {"app.kubernetes.io/managed-by": "dask-bench"}
    if restricted:  # the pods are made to pass it (security_context: restricted)
        labels[ENFORCE_LABEL] = "restricted"
    doc = {"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": name, "labels": labels}}
    errors = namespace_errors(doc)
    if errors:
        raise ConfigError(f"the Namespace document is not valid: {errors[0]}")
    return doc


def namespace_errors(doc: Mapping[str, Any]) -> list[str]:
    """What the API server would refuse in a Namespace: version, kind, name, labels."""
    errors = [
        f"{key}: {doc.get(key)!r} is not {want!r}"
        for key, want in (("apiVersion", "v1"), ("kind", "Namespace"))
        if doc.get(key) != want
    ]
    meta = doc.get("metadata") or {}
    name = meta.get("name")
    if not isinstance(name, str) or not is_dns_label(name):
        errors.append(f"metadata.name: {name!r} is not a namespace name (a DNS-1123 label)")
    errors += [p for k, v in (meta.get("labels") or {}).items() if (p := label_problem(k, v))]
    return errors
