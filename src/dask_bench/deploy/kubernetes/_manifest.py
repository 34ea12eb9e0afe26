"""DaskCluster manifests of the ``kubernetes`` back-end, as pure functions.

The generated ``DaskCluster`` (one worker of the study's layout per pod), DaskCluster
names, and validation against the CRD schema that ships inside dask-kubernetes.
Nothing here talks to a cluster; ``dask-bench plan`` and ``dask-bench manifest`` use
it offline.
"""

from __future__ import annotations

import functools
import importlib.util
from collections.abc import Mapping
from pathlib import Path
from typing import TYPE_CHECKING, Any

import yaml

from dask_bench.deploy.kubernetes._names import (
    label_problem,
    name_problem,
)
from dask_bench.errors import BackendError, ConfigError
from dask_bench.study.dask_config import config_environment

if TYPE_CHECKING:
    from dask_bench.deploy.kubernetes._options import KubernetesOptions

API_VERSION = "kubernetes.dask.org/v1"
KIND = "DaskCluster"
GROUP_KIND = "DaskWorkerGroup"
_CRDS = "operator/deployment/helm/dask-kubernetes-operator/crds/"
#: Where dask-kubernetes keeps the CRD of each kind dask-bench writes, inside its package.
CRD_FILES = {KIND: _CRDS + "daskcluster.yaml", GROUP_KIND: _CRDS + "daskworkergroup.yaml"}

# --- the manifest ---


def memory_quantity(nbytes: int) -> str:
    """Bytes as an exact quantity: ``4Gi``, else ``1536Mi``, else ``1G`` (10^9), ..., else bytes.

    Exact, so that the pod's memory is the worker's ``--memory-limit``.
    """
    units = (("Gi", 2**30), ("Mi", 2**20), ("G", 10**9), ("M", 10**6), ("Ki", 2**10), ("k", 1000))
    for unit, size in units:
        if nbytes % size == 0:
            return f"{nbytes // size}{unit}"
    return str(nbytes)


def open_files_command(limit: int | None) -> list[str] | None:
    """The container command raising the soft open-files limit to ``limit`` (or the hard one).

    A ``ulimit`` on the machine that starts the study never reaches the pods, so the
    container does it before it ``exec``s its arguments. A higher limit is kept; the
    script has no ``$(``, which Kubernetes would take for a variable.
    """
    if limit is None:
        return None
    script = (
        f'soft=`ulimit -Sn`; [ "$soft" = unlimited ] || [ "$soft" -ge {limit} ] || '
        f'ulimit -Sn {limit} 2>/dev/null || ulimit -Sn "`ulimit -Hn`"; exec "$@"'
    )
    return ["sh", "-c", script, "sh"]


def daskcluster_manifest(
    options: KubernetesOptions,
    threads: int,
    memory: int,
    *,
    replicas: int,
    name: str,
    namespace: str | None = None,
    labels: Mapping[str, str] | None = None,
    dask_config: Mapping[str, Any] | None = None,
) -> dict[str, Any]:
    """A DaskCluster whose worker pods each run one worker of the layout.

    Parameters
    ----------
    options
        The back-end's checked options.
    threads, memory
        The layout: threads and memory limit (bytes) of one worker; a pod asks for
        ``threads`` cpus and exactly ``memory`` (requests = limits).
    replicas
        Worker pods of the default worker group.
    name, namespace, labels
        The DaskCluster's metadata; ``namespace`` defaults to ``options.namespace``.
    dask_config
        The study's Dask config, given to scheduler and workers as ``DASK_*``
        environment variables after those of ``options.env``.

    Returns
    -------
    dict
        Unset optional fields are ``None``, as in dask-kubernetes' own spec; see
        :func:`prune_nulls` and :func:`validate_manifest`.
    """
    scheduler_args = ["dask", "scheduler", "--host", "0.0.0.0"]
    if options.jupyter:
        scheduler_args.append("--jupyter")
    env = container_env(options, dask_config)
    worker = worker_container(options, threads, memory, env)
    scheduler = _container(
        "scheduler",
        options,
        open_files_command(options.open_files),
        scheduler_args,
        [("tcp-comm", 8786), ("http-dashboard", 8787)],
        env,
    )
    scheduler["resources"] = options.scheduler_resources
    health = {"httpGet": {"port": "http-dashboard", "path": "/health"}}
    scheduler["readinessProbe"] = {**health, "initialDelaySeconds": 0, "periodSeconds": 1}
    scheduler["livenessProbe"] = {**health, "initialDelaySeconds": 15, "periodSeconds": 20}
    return {
        "apiVersion": API_VERSION,
        "kind": KIND,
        "metadata": {
            "name": name,
            "namespace": namespace or options.namespace,
            "labels": dict(labels) if labels else None,
        },
        "spec": {
            "idleTimeout": options.idle_timeout,
            "worker": {"replicas": replicas, "spec": {"containers": [worker]}},
            "scheduler": {
                "spec": {
                    "containers": [scheduler],
                    "nodeSelector": options.scheduler_node_selector,
                    "tolerations": options.scheduler_tolerations,
                    "affinity": options.scheduler_affinity,
                },
                "service": {
                    "type": options.scheduler_service_type,
                    "selector": {
                        "dask.org/cluster-name": name,
                        "dask.org/component": "scheduler",
                    },
                    "ports": [
                        {"name": p, "protocol": "TCP", "port": n, "targetPort": p}
                        for p, n in (("tcp-comm", 8786), ("http-dashboard", 8787))
                    ],
                },
            },
        },
    }


def container_env(
    options: KubernetesOptions, dask_config: Mapping[str, Any] | None
) -> list[dict[str, Any]]:
    """``options.env``, then the study's Dask config as ``DASK_*`` variables."""
    env = [dict(e) for e in options.env or []]
    env += [{"name": k, "value": v} for k, v in config_environment(dask_config or {}).items()]
    return env


def worker_container(
    options: KubernetesOptions,
    threads: int,
    memory: int,
    env: list[dict[str, Any]],
    extra_args: tuple[str, ...] = (),
) -> dict[str, Any]:
    """The container of a worker pod: one ``dask worker`` of ``threads`` and ``memory`` bytes.

    The pod asks for exactly that (requests = limits); ``extra_args`` follow
    ``options.worker_args`` (a group's ``--resources``). The worker keeps the name the
    operator gives its pod: scaling down deletes the pods of the names the scheduler retires.
    """
    per_pod = {"cpu": str(threads), "memory": memory_quantity(memory)}
    args = [
        *("dask", "worker", "--name", "$(DASK_WORKER_NAME)", "--nworkers", "1"),
        *("--nthreads", str(threads), "--memory-limit", str(memory)),
        *("--dashboard", "--dashboard-address", "8788"),
        *options.worker_args,
        *extra_args,
    ]
    command = open_files_command(options.open_files)
    worker = _container("worker", options, command, args, [("http-dashboard", 8788)], env)
    worker["resources"] = {"requests": per_pod, "limits": dict(per_pod)}
    return worker


def _container(
    role: str,
    options: KubernetesOptions,
    command: list[str] | None,
    args: list[str],
    ports: list[tuple[str, int]],
    env: list[dict[str, Any]],
) -> dict[str, Any]:
    return {
        "name": role,
        "image": options.image,
        "imagePullPolicy": options.image_pull_policy,
        "command": command,
        "args": args,
        "env": [dict(e) for e in env] or None,
        "ports": [{"name": p, "containerPort": n, "protocol": "TCP"} for p, n in ports],
    }


def manifest_yaml(manifest: Mapping[str, Any]) -> str:
    """The manifest as YAML for ``kubectl apply -f``, without its ``None`` fields."""
    text: str = yaml.safe_dump(prune_nulls(manifest), sort_keys=False, default_flow_style=False)
    return text


# --- the CRD schema ---


def crd_file(kind: str = KIND) -> Path:
    """The CRD of ``kind`` (DaskCluster, DaskWorkerGroup) shipped inside dask-kubernetes."""
    spec = importlib.util.find_spec("dask_kubernetes")  # finds it without importing it
    if spec is None or not spec.submodule_search_locations:
        raise BackendError(
            "checking DaskCluster manifests needs dask-kubernetes; install it with: "
            "pip install 'dask-bench[kubernetes]'"
        )
    path = Path(next(iter(spec.submodule_search_locations))) / CRD_FILES[kind]
    if not path.is_file():
        raise BackendError(f"dask-kubernetes has no {kind} CRD at {path}; reinstall it")
    return path


@functools.lru_cache(maxsize=4)
def crd_schema(path: str | None = None, kind: str = KIND) -> dict[str, Any]:
    """The ``openAPIV3Schema`` of the ``kind`` CRD (read once; do not modify it)."""
    loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)  # 280 kB: the C loader is 10x faster
    crd = yaml.load(Path(path or crd_file(kind)).read_text(encoding="utf-8"), Loader=loader)
    version = API_VERSION.rsplit("/", 1)[1]
    for served in crd["spec"]["versions"]:
        if served["name"] == version:
            schema: dict[str, Any] = served["schema"]["openAPIV3Schema"]
            return schema
    raise BackendError(f"the {kind} CRD of dask-kubernetes has no version {version}")


def prune_nulls(value: Any, schema: Mapping[str, Any] | None = None) -> Any:
    """Drop ``None`` fields, as the API server does for fields not marked ``nullable``.

    ``None`` items of lists are kept (the API server refuses them, and so does
    :func:`validate_manifest`).
    """
    schema = schema or {}
    if isinstance(value, Mapping):
        props, extra = schema.get("properties") or {}, schema.get("additionalProperties")
        out = {}
        for key, item in value.items():
            sub = props.get(key, extra if isinstance(extra, Mapping) else None) or {}
            if item is None and not sub.get("nullable", False):
                continue
            out[key] = prune_nulls(item, sub)
        return out
    if isinstance(value, list):
        items = schema.get("items")
        return [prune_nulls(item, items if isinstance(items, Mapping) else None) for item in value]
    return value


def manifest_errors(
    manifest: Mapping[str, Any], schema: Mapping[str, Any] | None = None, kind: str = KIND
) -> list[str]:
    """Everything the API server would refuse or silently drop in a ``kind`` object.

    The manifest (a DaskCluster or a DaskWorkerGroup) is pruned of nulls first, then
    checked against the CRD schema of ``kind`` with jsonschema, plus the metadata the
    API server checks itself (name, labels), fields the schema does not know (which
    the API server would drop without a word), and negative worker replicas (which
    the CRD lets through and the operator cannot honour).
    """
    import jsonschema  # only the commands that check manifests need it

    schema = schema if schema is not None else crd_schema(kind=kind)
    doc = prune_nulls(manifest, schema)
    errors = []
    for key, wanted in (("apiVersion", API_VERSION), ("kind", kind)):
        if doc.get(key) != wanted:
            errors.append(f"{key}: {doc.get(key)!r} is not {wanted!r}")
    meta = doc.get("metadata")
    if not isinstance(meta, Mapping) or not isinstance(meta.get("name"), str):
        errors.append("metadata.name: missing")
    else:
        problem = name_problem(meta["name"], kind)
        errors.extend([f"metadata.name: {problem}"] if problem else [])
        labels = meta.get("labels") or {}
        errors.extend(p for k, v in labels.items() if (p := label_problem(k, v)))
    validator = jsonschema.Draft4Validator(schema, format_checker=_format_checker())
    for err in sorted(validator.iter_errors(doc), key=lambda e: [str(p) for p in e.path]):
        message = err.message if len(err.message) <= 160 else err.message[:157] + "..."
        errors.append(f"{_dotted(err.absolute_path) or '(top)'}: {message}")
    errors.extend(_unknown_fields(doc, schema, [], top=True))
    replicas = _get(doc, "spec", "worker", "replicas")
    if isinstance(replicas, int) and replicas < 0:
        errors.append(f"spec.worker.replicas: {replicas} is negative")
    return errors


def validate_manifest(
    manifest: Mapping[str, Any], where: str | None = None, kind: str = KIND
) -> dict[str, Any]:
    """Return the pruned manifest, or raise when :func:`manifest_errors` finds anything.

    Parameters
    ----------
    manifest
        A DaskCluster or DaskWorkerGroup, as generated (``None`` where unset).
    where
        What the error names; default ``the <kind>``.
    kind
        The CRD to check it against: ``DaskCluster`` or ``DaskWorkerGroup``.

    Raises
    ------
    ConfigError
        With the first error and how many more there are.
    """
    errors = manifest_errors(manifest, kind=kind)
    if errors:
        more = f" (and {len(errors) - 1} more)" if len(errors) > 1 else ""
        raise ConfigError(
            f"{where or 'the ' + kind} does not fit the {kind} CRD of dask-kubernetes: "
            f"{errors[0]}{more}"
        )
    pruned: dict[str, Any] = prune_nulls(manifest, crd_schema(kind=kind))
    return pruned


def _get(doc: Any, *keys: str) -> Any:
    for key in keys:
        doc = doc.get(key) if isinstance(doc, Mapping) else None
    return doc


@functools.lru_cache(maxsize=1)
def _format_checker() -> Any:
    import jsonschema

    checker = jsonschema.FormatChecker(formats=())
    for fmt, bits in (("int32", 31), ("int64", 63)):
        checker.checks(fmt)(lambda v, b=bits: not isinstance(v, int) or -(2**b) <= v < 2**b)
    return checker


def _unknown_fields(
    value: Any, schema: Mapping[str, Any], path: list[Any], top: bool = False
) -> list[str]:
    if schema.get("x-kubernetes-preserve-unknown-fields"):
        return []
    found = []
    if isinstance(value, Mapping) and "properties" in schema:
        props, extra = schema["properties"], schema.get("additionalProperties")
        for key, item in value.items():
            if key in props:
                found += _unknown_fields(item, props[key], [*path, key])
            elif isinstance(extra, Mapping):
                found += _unknown_fields(item, extra, [*path, key])
            elif not (extra is True or (top and key in ("apiVersion", "kind", "metadata"))):
                found.append(
                    f"{_dotted([*path, key])}: unknown field (the API server would drop it)"
                )
    elif isinstance(value, list) and isinstance(schema.get("items"), Mapping):
        for i, item in enumerate(value):
            found += _unknown_fields(item, schema["items"], [*path, i])
    return found


def _dotted(path: Any) -> str:
    text = ""
    for part in path:
        text += f"[{part}]" if isinstance(part, int) else (f".{part}" if text else str(part))
    return text
