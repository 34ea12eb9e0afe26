"""Pod options of the ``kubernetes`` back-end: worker placement, pull secrets, security contexts.

``node_selector``, ``tolerations`` and ``affinity`` place the worker pods (a worker
group's own options win for its pods); ``image_pull_secrets`` and ``security_context``
go to every pod, scheduler included. Shapes are checked here in one line; the values
themselves are checked against the CRD's pod schema with the rest of the manifest.
"""

from __future__ import annotations

import copy
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from typing import Any

from dask_bench.errors import ConfigError

#: ``deployment.options`` keys of this module.
POD_OPTION_KEYS = (
    "node_selector",
    "tolerations",
    "affinity",
    "image_pull_secrets",
    "security_context",
)
#: What Pod Security "restricted" asks of every pod and container (Kubernetes 1.25+).
RESTRICTED = {
    "pod": {"runAsNonRoot": True, "seccompProfile": {"type": "RuntimeDefault"}},
    "container": {"allowPrivilegeEscalation": False, "capabilities": {"drop": ["ALL"]}},
}


@dataclass(frozen=True)
class PodOptions:
    """The checked pod options (None: unset)."""

    node_selector: dict[str, str] | None = None
    tolerations: list[dict[str, Any]] | None = None
    affinity: dict[str, Any] | None = None
    image_pull_secrets: list[dict[str, str]] | None = None
    pod_security: dict[str, Any] | None = None
    container_security: dict[str, Any] | None = None


def parse_pod_options(options: Mapping[str, Any]) -> PodOptions:
    """Check the pod options among ``deployment.options``.

    Raises
    ------
    ConfigError
        One line naming the key and the shape it takes.
    """
    out: dict[str, Any] = {}
    where = "'deployment.options.{}'"
    value = options.get("node_selector")
    if value is not None:
        if not isinstance(value, Mapping) or not all(isinstance(v, str) for v in value.values()):
            raise ConfigError(
                f"{where.format('node_selector')} must map label names to strings, e.g. "
                "{kubernetes.io/arch: amd64}"
            )
        out["node_selector"] = {str(k): v for k, v in value.items()}
    for key, kind, what in (("tolerations", list, "a list of tolerations"),
                            ("affinity", dict, "a Kubernetes affinity")):  # fmt: skip
        if options.get(key) is not None:
            if not isinstance(options[key], kind):
                raise ConfigError(f"{where.format(key)} must be {what}")
            out[key] = copy.deepcopy(options[key])
    if options.get("image_pull_secrets") is not None:
        out["image_pull_secrets"] = _pull_secrets(options["image_pull_secrets"])
    if options.get("security_context") is not None:
        out["pod_security"], out["container_security"] = _security(options["security_context"])
    return PodOptions(**out)


def _pull_secrets(value: object) -> list[dict[str, str]]:
    items = [value] if isinstance(value, str) else value
    if isinstance(items, list):
        names = [i if isinstance(i, str) else (i or {}).get("name") for i in items]
        if all(isinstance(n, str) and n for n in names) and all(
            isinstance(i, str) or set(i) == {"name"} for i in items
        ):
            return [{"name": str(n)} for n in names]
    raise ConfigError(
        "'deployment.options.image_pull_secrets' must name Secrets in the namespace: "
        "a name, a list of names, or [{name: ...}]"
    )


def _security(value: object) -> tuple[dict[str, Any] | None, dict[str, Any] | None]:
    """``restricted``, or ``{pod: PodSecurityContext, container: SecurityContext}``."""
    if value == "restricted":
        return copy.deepcopy(RESTRICTED["pod"]), copy.deepcopy(RESTRICTED["container"])
    if (
        isinstance(value, Mapping)
        and value
        and set(value) <= {"pod", "container"}
        and all(isinstance(v, Mapping) for v in value.values())
    ):
        pod, container = value.get("pod"), value.get("container")
        return (
            None if pod is None else copy.deepcopy(dict(pod)),
            None if container is None else copy.deepcopy(dict(container)),
        )
    raise ConfigError(
        "'deployment.options.security_context' must be 'restricted' (what Pod Security "
        "'restricted' asks) or {pod: {runAsNonRoot: true, ...}, container: "
        "{allowPrivilegeEscalation: false, ...}}"
    )


def _pod_specs(doc: Mapping[str, Any]) -> Iterator[tuple[str, dict[str, Any]]]:
    """(role, pod spec) of a DaskCluster or DaskWorkerGroup document."""
    spec = doc["spec"]
    if "scheduler" in spec:
        yield "scheduler", spec["scheduler"]["spec"]
    yield "worker", spec["worker"]["spec"]


def apply_pod_options(doc: dict[str, Any], pods: PodOptions) -> dict[str, Any]:
    """Put the pod options into every pod of ``doc`` (in place; returned for chaining).

    Worker placement fills only what a worker group left unset: the group's own wins.
    """
    for role, spec in _pod_specs(doc):
        if role == "worker":
            for field, value in (("nodeSelector", pods.node_selector),
                                 ("tolerations", pods.tolerations),
                                 ("affinity", pods.affinity)):  # fmt: skip
                if spec.get(field) is None and value is not None:
                    spec[field] = copy.deepcopy(value)
        if pods.image_pull_secrets is not None:
            spec["imagePullSecrets"] = copy.deepcopy(pods.image_pull_secrets)
        if pods.pod_security is not None:
            spec["securityContext"] = copy.deepcopy(pods.pod_security)
        if pods.container_security is not None:
            for container in spec["containers"]:
                container["securityContext"] = copy.deepcopy(pods.container_security)
    return doc
