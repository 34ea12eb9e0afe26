"""The ``deployment.options`` of the ``kubernetes`` back-end, and Kubernetes quantities.

Everything the user gives is checked here, before anything starts (``dask-bench
plan`` builds the back-end too): quantities with Kubernetes' own grammar, so that
``4GB`` fails here with the fix rather than in the API server. The keys the study
owns (:data:`OWNED_OPTIONS`) are refused by the back-end, with the study key to use.
"""

from __future__ import annotations

import copy
import getpass
import re
import shlex
import uuid
from collections.abc import Mapping
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from dask_bench.deploy.kubernetes._names import DEFAULT_OPEN_FILES, is_dns_label, name_problem
from dask_bench.deploy.kubernetes._pod_options import (
    POD_OPTION_KEYS,
    PodOptions,
    parse_pod_options,
)
from dask_bench.errors import ConfigError

SERVICE_TYPES = ("ClusterIP", "NodePort", "LoadBalancer")
PULL_POLICIES = ("Always", "IfNotPresent", "Never")

# --- quantities ---

# The grammar of Kubernetes' resource.Quantity (exponents are whole numbers there).
_QUANTITY = re.compile(
    r"(?P<number>[+-]?(?:[0-9]+(?:\.[0-9]*)?|\.[0-9]+))"
    r"(?P<suffix>[KMGTPE]i|[numkMGTPE]|[eE][+-]?[0-9]+)?"
)
_BINARY = {f"{p}i": Decimal(1024) ** (i + 1) for i, p in enumerate("KMGTPE")}
_DECIMAL = {
    p: Decimal(10) ** e for p, e in zip("numkMGTPE", (-9, -6, -3, 3, 6, 9, 12, 15, 18), strict=True)
}
# What people write after using dask or Slurm: 4GB, 4GiB, 512mb.
_BYTE_UNITS = re.compile(r"\s*(?P<n>[0-9]*\.?[0-9]+)\s*(?P<p>[kKmMgGtTpPeE])(?P<i>i?)[bB]\s*")


def parse_quantity(value: object, where: str) -> Decimal:
    """The value of a Kubernetes quantity (``500m`` = 0.5, ``2Gi`` = 2147483648).

    Parameters
    ----------
    value
        A string, or a number as YAML reads it (``cpu: 2``).
    where
        Named in the error message, e.g. ``deployment.options.scheduler_resources``.

    Raises
    ------
    ConfigError
        For anything Kubernetes would refuse, and for negative quantities, with the
        fix (``'4GB'`` suggests ``'4Gi'`` or ``'4G'``).
    """
    text = quantity_text(value, where)
    match = _QUANTITY.fullmatch(text)
    if match is None:
        raise ConfigError(_not_a_quantity(text, where))
    number, suffix = Decimal(match["number"]), match["suffix"] or ""
    if number < 0:
        raise ConfigError(f"{where}: {text!r} is negative; a resource quantity is 0 or more")
    if suffix[:1] in ("e", "E"):
        return number.scaleb(int(suffix[1:]))
    return number * (_BINARY.get(suffix) or _DECIMAL.get(suffix) or 1)


def quantity_text(value: object, where: str) -> str:
    """A quantity as the string the CRD requires (``2`` -> ``'2'``); not yet checked."""
    if isinstance(value, bool) or not isinstance(value, (str, int, float)):
        raise ConfigError(
            f"{where}: {value!r} is not a Kubernetes quantity; write e.g. '2' or '500m' "
            "(cpu), '4Gi' (memory)"
        )
    return value if isinstance(value, str) else repr(value)


def check_quantity(value: object, where: str) -> str:
    """Validate a quantity and return it as a string for the manifest."""
    parse_quantity(value, where)
    return quantity_text(value, where)


def _not_a_quantity(text: str, where: str) -> str:
    trap = _BYTE_UNITS.fullmatch(text)
    if trap is not None:
        n, prefix = trap["n"], trap["p"].upper()
        if trap["i"]:
            return (
                f"{where}: {text!r} is not a Kubernetes quantity (no 'B' suffix); "
                f"write '{n}{prefix}i' ({n} {prefix}iB)"
            )
        decimal = "k" if prefix == "K" else prefix
        exponent = 3 * ("KMGTPE".index(prefix) + 1)
        return (
            f"{where}: {text!r} is not a Kubernetes quantity (there is no 'B' suffix, and "
            f"'{decimal}' means 10^{exponent} bytes, not {prefix}iB as in Slurm); write "
            f"'{n}{prefix}i' ({n} {prefix}iB) or '{n}{decimal}' ({n}e{exponent} bytes)"
        )
    squeezed = re.sub(r"\s+", "", text)
    if squeezed != text and _QUANTITY.fullmatch(squeezed):
        return f"{where}: {text!r} is not a Kubernetes quantity (no spaces); write {squeezed!r}"
    return (
        f"{where}: {text!r} is not a Kubernetes quantity; write a number with an optional "
        "suffix, e.g. '2' or '500m' (cpu), '512Mi' or '4Gi' (memory)"
    )


def check_resources(value: object, where: str) -> dict[str, dict[str, str]]:
    """Validate Kubernetes resource requirements: ``{requests: {...}, limits: {...}}``.

    Raises
    ------
    ConfigError
        For another shape, a bad quantity, or a request above its limit (which the
        API server refuses).
    """
    example = "e.g. {requests: {cpu: '1', memory: 2Gi}, limits: {memory: 2Gi}}"
    if not isinstance(value, Mapping) or not set(value) <= {"requests", "limits"}:
        raise ConfigError(f"{where} takes 'requests' and/or 'limits', {example}")
    out: dict[str, dict[str, str]] = {}
    for kind, amounts in value.items():
        if not isinstance(amounts, Mapping):
            raise ConfigError(f"{where}.{kind} must map resource names to quantities, {example}")
        out[kind] = {
            str(name): check_quantity(amount, f"{where}.{kind}.{name}")
            for name, amount in amounts.items()
        }
    for name, request in out.get("requests", {}).items():
        limit = out.get("limits", {}).get(name)
        if limit is not None and parse_quantity(request, where) > parse_quantity(limit, where):
            raise ConfigError(
                f"{where}: requests.{name} {request!r} is more than limits.{name} {limit!r}; "
                "Kubernetes refuses such a pod"
            )
    return out


# --- options ---

#: Options the study sets (the back-end's ``owned_options``); giving them would make the
#: recorded layout lie.
OWNED_OPTIONS = {
    "n_workers": "the study: use 'deployment.workers' instead",
    "resources": "the study: the worker pods follow 'deployment.threads_per_worker' and "
    "'deployment.memory_per_worker'; use 'deployment.options.scheduler_resources' for the "
    "scheduler",
    "worker_command": "the study: workers run 'dask worker' with the layout; add arguments "
    "with 'deployment.options.worker_args'",
    "custom_cluster_spec": "the study: the DaskCluster is generated from the study; see it "
    "with 'dask-bench manifest STUDY'",
    "create_mode": "the study: every run creates a new DaskCluster, so that no stale worker "
    "is measured",
}
#: KubeCluster keywords that do not change the manifest, with their check.
_CLUSTER_KEYS = {
    "resource_timeout": "a positive number of seconds",
    "port_forward_cluster_ip": "true or false",
    "shutdown_on_close": "true or false",
    "scheduler_forward_port": "a port number",
    "quiet": "true or false",
}
_MANIFEST_KEYS = (
    "image",
    "name",
    "namespace",
    "env",
    "scheduler_service_type",
    "idle_timeout",
    "jupyter",
    "image_pull_policy",
    "scheduler_resources",
    "scheduler_node_selector",
    "scheduler_tolerations",
    "scheduler_affinity",
    "worker_args",
    "open_files",
    *POD_OPTION_KEYS,
)
#: ``dask worker`` arguments that come from the layout or the operator.
_OWNED_ARGS = ("--nthreads", "--memory-limit", "--nworkers", "--nprocs", "--name")


@dataclass(frozen=True)
class KubernetesOptions:
    """The checked ``deployment.options`` of the ``kubernetes`` back-end."""

    image: str
    name: str | None = None
    namespace: str | None = None
    env: list[dict[str, Any]] | None = None
    scheduler_service_type: str = "ClusterIP"
    idle_timeout: int = 0
    jupyter: bool = False
    image_pull_policy: str | None = None
    scheduler_resources: dict[str, dict[str, str]] | None = None
    scheduler_node_selector: dict[str, str] | None = None
    scheduler_tolerations: list[dict[str, Any]] | None = None
    scheduler_affinity: dict[str, Any] | None = None
    worker_args: tuple[str, ...] = ()
    open_files: int | None = DEFAULT_OPEN_FILES
    #: Worker placement, pull secrets and security contexts of the pods.
    pods: PodOptions = field(default_factory=PodOptions)
    #: KubeCluster keywords passed through unchanged (resource_timeout, ...).
    cluster: dict[str, Any] = field(default_factory=dict)


def parse_options(options: Mapping[str, Any]) -> KubernetesOptions:
    """Check the back-end's ``deployment.options`` (without the owned ones, refused already).

    Raises
    ------
    ConfigError
        One line naming the key, what was wrong and what to write instead.
    """
    unknown = sorted(set(options) - set(_MANIFEST_KEYS) - set(_CLUSTER_KEYS))
    if unknown:
        known = ", ".join(sorted((*_MANIFEST_KEYS, *_CLUSTER_KEYS)))
        raise ConfigError(
            f"unknown 'deployment.options' key(s) for the kubernetes back-end: "
            f"{', '.join(unknown)}; known: {known}"
        )
    image = options.get("image")
    if not isinstance(image, str) or not image.strip():
        raise ConfigError(
            "the kubernetes back-end needs 'deployment.options.image', an image with "
            "dask-bench installed (workers import it): build one with 'dask-bench image' and "
            "set deployment.options.image"
        )
    out: dict[str, Any] = {"image": image.strip(), "cluster": _cluster_keys(options)}
    out["pods"] = parse_pod_options(options)
    if options.get("name") is not None:
        out["name"] = _name(options["name"])
    if options.get("namespace") is not None:
        ns = options["namespace"]
        if not isinstance(ns, str) or not is_dns_label(ns):
            raise ConfigError(f"'deployment.options.namespace': {ns!r} is not a namespace name")
        out["namespace"] = ns
    if options.get("env") is not None:
        out["env"] = _env(options["env"])
    for key, allowed in (
        ("scheduler_service_type", SERVICE_TYPES),
        ("image_pull_policy", PULL_POLICIES),
    ):
        if options.get(key) is not None:
            if options[key] not in allowed:
                raise ConfigError(
                    f"'deployment.options.{key}': {options[key]!r} is not one of "
                    f"{', '.join(allowed)}"
                )
            out[key] = options[key]
    if options.get("idle_timeout") is not None:
        out["idle_timeout"] = _count("idle_timeout", options["idle_timeout"], 0)
    if options.get("jupyter") is not None:
        out["jupyter"] = _flag("jupyter", options["jupyter"])
    if options.get("scheduler_resources") is not None:
        where = "deployment.options.scheduler_resources"
        out["scheduler_resources"] = check_resources(options["scheduler_resources"], where)
    if options.get("scheduler_node_selector") is not None:
        out["scheduler_node_selector"] = _str_map(
            "scheduler_node_selector", options["scheduler_node_selector"]
        )
    for key, kind in (("scheduler_tolerations", list), ("scheduler_affinity", dict)):
        if options.get(key) is not None:
            if not isinstance(options[key], kind):
                what = "a list of tolerations" if kind is list else "a Kubernetes affinity"
                raise ConfigError(f"'deployment.options.{key}' must be {what}")
            out[key] = copy.deepcopy(options[key])
    if options.get("worker_args") is not None:
        out["worker_args"] = _worker_args(options["worker_args"])
    if "open_files" in options:
        limit = options["open_files"]
        out["open_files"] = None if limit is None else _count("open_files", limit, 1)
    return KubernetesOptions(**out)


def _name(value: object) -> str:
    if not isinstance(value, str):
        raise ConfigError(f"'deployment.options.name': {value!r} is not a name")
    # {user} and {uuid} as in KubeCluster, which expands them in its own names.
    name = value.replace("{user}", getpass.getuser()).replace("{uuid}", str(uuid.uuid4())[:10])
    problem = name_problem(name)
    if problem:
        raise ConfigError(f"'deployment.options.name': {problem}")
    return name


def _env(value: object) -> list[dict[str, Any]]:
    where = "'deployment.options.env'"
    if isinstance(value, Mapping):
        env = []
        for key, item in value.items():
            if isinstance(item, bool) or not isinstance(item, (str, int, float)):
                raise ConfigError(f"{where}: {key} must be a string or a number, not {item!r}")
            env.append({"name": str(key), "value": str(item)})
        return env
    if isinstance(value, list) and all(isinstance(e, Mapping) and "name" in e for e in value):
        return [dict(e) for e in value]
    raise ConfigError(
        f"{where} must map names to values, or be a Kubernetes env list "
        "([{name: ..., value: ...}])"
    )


def _cluster_keys(options: Mapping[str, Any]) -> dict[str, Any]:
    out = {}
    for key, expected in _CLUSTER_KEYS.items():
        if options.get(key) is None:
            continue
        value = options[key]
        if expected.startswith("true"):
            value = _flag(key, value)
        elif key == "resource_timeout":
            if isinstance(value, bool) or not isinstance(value, (int, float)) or value <= 0:
                raise ConfigError(f"'deployment.options.{key}' must be {expected}, not {value!r}")
        else:
            value = _count(key, value, 1)
        out[key] = value
    return out


def _flag(key: str, value: object) -> bool:
    if not isinstance(value, bool):
        raise ConfigError(f"'deployment.options.{key}' must be true or false, not {value!r}")
    return value


def _count(key: str, value: object, least: int) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or value < least:
        raise ConfigError(
            f"'deployment.options.{key}' must be a whole number of at least {least}, not {value!r}"
        )
    return value


def _str_map(key: str, value: object) -> dict[str, str]:
    if not isinstance(value, Mapping) or not all(isinstance(v, str) for v in value.values()):
        raise ConfigError(
            f"'deployment.options.{key}' must map label names to strings, e.g. "
            "{kubernetes.io/arch: amd64}"
        )
    return {str(k): v for k, v in value.items()}


def _worker_args(value: object) -> tuple[str, ...]:
    if isinstance(value, str):
        args = shlex.split(value)
    elif isinstance(value, list) and all(isinstance(a, (str, int, float)) for a in value):
        args = [str(a) for a in value]
    else:
        raise ConfigError(
            "'deployment.options.worker_args' must be a list of 'dask worker' arguments, "
            "e.g. ['--no-nanny'], or one string"
        )
    for arg in args:
        flag = arg.split("=", 1)[0]
        if flag in _OWNED_ARGS:
            raise ConfigError(
                f"'deployment.options.worker_args' sets {flag}, which dask-bench sets from "
                "the layout (deployment.threads_per_worker, deployment.memory_per_worker) "
                "and the operator; remove it"
            )
    return tuple(args)
