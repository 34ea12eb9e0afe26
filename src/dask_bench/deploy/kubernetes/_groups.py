"""Worker groups (``deployment.groups``) on the ``kubernetes`` back-end, as pure functions.

The swept group is the DaskCluster's default worker group (``spec.worker``); every
fixed group is one more ``DaskWorkerGroup`` of the same cluster, named
``<cluster>-<group>`` as ``KubeCluster.scale(n, worker_group=...)`` expects. Each
group's pods run one worker of the group's shape (cpu and memory requests = limits,
``--nthreads``, ``--memory-limit``) offering the group's Dask resources
(``--resources``).

Workers keep the names the operator gives their pods (``<cluster>-<group>-worker-...``):
the operator scales down by deleting the pods of the workers the scheduler retires,
by name. So the scheduler knows a worker's group by its resources and threads
(:func:`~dask_bench.deploy.layout.group_of`), and :func:`check_groups` refuses
groups that could not be told apart that way.
"""

from __future__ import annotations

import copy
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import yaml

from dask_bench.deploy.kubernetes._manifest import (
    API_VERSION,
    GROUP_KIND,
    container_env,
    prune_nulls,
    validate_manifest,
    worker_container,
)
from dask_bench.deploy.kubernetes._names import MAX_GROUP_NAME, MAX_NAME, name_problem
from dask_bench.deploy.kubernetes._options import (
    KubernetesOptions,
    check_quantity,
    parse_options,
)
from dask_bench.deploy.layout import GroupLayout, WorkerLayout, resources_argument
from dask_bench.errors import ConfigError

#: ``deployment.options`` keys of the worker container that a group may set for its pods.
WORKER_KEYS = ("image", "image_pull_policy", "env", "worker_args", "open_files")
#: Keys only a group sets: where its pods may run, and what else each pod asks for.
POD_KEYS = ("node_selector", "tolerations", "affinity", "extra_resources")
#: Every key of ``deployment.groups.<name>.options`` the kubernetes back-end honours.
GROUP_OPTIONS = (*WORKER_KEYS, *POD_KEYS)
#: The operator's own worker group, made from the DaskCluster's ``spec.worker``.
DEFAULT_GROUP = "default"


@dataclass(frozen=True)
class GroupPods:
    """The checked options of one group's worker pods.

    Attributes
    ----------
    options
        ``deployment.options`` with the group's :data:`WORKER_KEYS` over them.
    node_selector, tolerations, affinity
        The pods' placement (``spec.nodeSelector`` ...); None: anywhere.
    extra_resources
        Kubernetes resources each pod also asks for (requests = limits), e.g.
        ``{"nvidia.com/gpu": "1"}``.
    """

    options: KubernetesOptions
    node_selector: dict[str, str] | None = None
    tolerations: list[dict[str, Any]] | None = None
    affinity: dict[str, Any] | None = None
    extra_resources: dict[str, str] = field(default_factory=dict)


def group_slug(name: str) -> str:
    """A group's name as Kubernetes names allow it: ``Big_Mem`` -> ``big-mem``."""
    return re.sub(r"[^a-z0-9]+", "-", name.lower()).strip("-")


def parse_group(options: Mapping[str, Any], group: GroupLayout) -> GroupPods:
    """Check a group's ``options`` for its worker pods, over ``deployment.options``.

    Parameters
    ----------
    options
        The back-end's ``deployment.options``.
    group
        The group; its ``options`` may hold :data:`GROUP_OPTIONS` only.

    Raises
    ------
    ConfigError
        One line naming the group, the wrong key and the keys it may set.
    """
    where = f"deployment.groups.{group.name}.options"
    unknown = sorted(set(group.options) - set(GROUP_OPTIONS))
    if unknown:
        raise ConfigError(
            f"'{where}': {', '.join(unknown)} cannot be set per group on the kubernetes "
            f"back-end; a group's worker pods take: {', '.join(GROUP_OPTIONS)}"
        )
    own = {k: v for k, v in group.options.items() if k in WORKER_KEYS}
    try:
        merged = parse_options({**options, **own})
    except ConfigError as exc:
        # the message names deployment.options: say which group's value it was
        raise ConfigError(f"'{where}' over deployment.options: {exc}") from None
    out: dict[str, Any] = {"options": merged}
    given = group.options
    if given.get("node_selector") is not None:
        value = given["node_selector"]
        if not isinstance(value, Mapping) or not all(isinstance(v, str) for v in value.values()):
            raise ConfigError(
                f"'{where}.node_selector' must map label names to strings, e.g. "
                "{nvidia.com/gpu.present: 'true'}"
            )
        out["node_selector"] = {str(k): v for k, v in value.items()}
    for key, kind, what in (
        ("tolerations", list, "a list of tolerations"),
        ("affinity", dict, "a Kubernetes affinity"),
    ):
        if given.get(key) is not None:
            if not isinstance(given[key], kind):
                raise ConfigError(f"'{where}.{key}' must be {what}")
            out[key] = copy.deepcopy(given[key])
    if given.get("extra_resources") is not None:
        out["extra_resources"] = _extra_resources(given["extra_resources"], f"{where}")
    return GroupPods(**out)


def _extra_resources(value: object, where: str) -> dict[str, str]:
    if not isinstance(value, Mapping):
        raise ConfigError(
            f"'{where}.extra_resources' must map resource names to quantities, e.g. "
            "{nvidia.com/gpu: 1}"
        )
    owned = sorted({"cpu", "memory"} & {str(k) for k in value})
    if owned:
        raise ConfigError(
            f"'{where}.extra_resources' sets {', '.join(owned)}, which the group's "
            "threads_per_worker and memory_per_worker set; remove it"
        )
    where = f"{where}.extra_resources"
    return {str(k): check_quantity(v, f"{where}.{k}") for k, v in value.items()}


def name_limit(layout: WorkerLayout) -> int:
    """The longest DaskCluster name whose DaskWorkerGroups' names all fit."""
    slugs = [len(group_slug(g.name)) for g in layout.groups if g.workers is not None]
    return min([MAX_NAME, *(MAX_GROUP_NAME - 1 - n for n in slugs)])


def check_groups(layout: WorkerLayout, cluster: str) -> None:
    """Refuse groups the operator or the scheduler could not tell apart.

    Parameters
    ----------
    layout
        The study's layout (nothing to check without groups).
    cluster
        The DaskCluster's name.

    Raises
    ------
    ConfigError
        One line naming the groups and what to change.
    """
    seen: dict[str, str] = {}
    for g in layout.groups:
        slug = group_slug(g.name)
        if g.workers is not None and slug == DEFAULT_GROUP:
            raise ConfigError(
                f"deployment.groups.{g.name}: the operator names its own worker group "
                f"'{DEFAULT_GROUP}' (the swept group's); rename this group"
            )
        if slug in seen:
            raise ConfigError(
                f"deployment.groups: {seen[slug]} and {g.name} both make Kubernetes name "
                f"'{slug}'; rename one"
            )
        seen[slug] = g.name
        problem = g.workers is not None and name_problem(f"{cluster}-{slug}", GROUP_KIND)
        if problem:
            raise ConfigError(
                f"deployment.groups.{g.name}: {problem}; shorten the group's name or "
                "deployment.options.name"
            )
        if cluster.startswith(f"{g.name}-"):
            # every worker is named <cluster>-...: group_of would take them all for g
            raise ConfigError(
                f"deployment.groups.{g.name}: the workers' names start with the "
                f"DaskCluster's name {cluster!r}, which reads as this group's; rename it"
            )
    shapes: dict[tuple[Any, ...], str] = {}
    for g in layout.groups:
        shape = (tuple(sorted(g.resources.items())), g.threads_per_worker)
        if shape in shapes:
            raise ConfigError(
                f"deployment.groups: {shapes[shape]} and {g.name} offer the same resources "
                "and threads, and on kubernetes a worker's group is known by them (workers "
                f"keep their pods' names); give one a resource, e.g. resources: {{{g.name}: 1}}"
            )
        shapes[shape] = g.name


def worker_spec(
    pods: GroupPods,
    group: GroupLayout,
    replicas: int,
    dask_config: Mapping[str, Any] | None = None,
) -> dict[str, Any]:
    """A worker group's ``spec.worker``: ``replicas`` pods of one worker of ``group`` each."""
    env = container_env(pods.options, dask_config)
    offers = tuple(resources_argument(group.resources))
    container = worker_container(
        pods.options, group.threads_per_worker, group.memory_per_worker, env, offers
    )
    for kind in ("requests", "limits"):
        container["resources"][kind].update(pods.extra_resources)
    return {
        "replicas": replicas,
        "spec": {
            "containers": [container],
            "nodeSelector": pods.node_selector,
            "tolerations": pods.tolerations,
            "affinity": pods.affinity,
        },
    }


def workergroup_manifest(
    cluster: Mapping[str, Any], group: str, worker: Mapping[str, Any]
) -> dict[str, Any]:
    """A DaskWorkerGroup ``<cluster>-<group>`` of the DaskCluster ``cluster``.

    Labelled like the operator's own default group (the cluster's labels, so that
    ``dask-bench cleanup`` finds it, and ``dask.org/cluster-name``).
    """
    meta = cluster["metadata"]
    name = meta["name"]
    labels = {
        **(meta.get("labels") or {}),
        "dask.org/cluster-name": name,
        "dask.org/component": "workergroup",
    }
    return {
        "apiVersion": API_VERSION,
        "kind": GROUP_KIND,
        "metadata": {
            "name": f"{name}-{group_slug(group)}",
            "namespace": meta.get("namespace"),
            "labels": labels,
        },
        "spec": {"cluster": name, "worker": copy.deepcopy(dict(worker))},
    }


def group_documents(
    cluster: Mapping[str, Any],
    layout: WorkerLayout,
    pods: Mapping[str, GroupPods],
    counts: Mapping[str, int],
    dask_config: Mapping[str, Any] | None = None,
) -> list[dict[str, Any]]:
    """The DaskCluster (its default group: the swept one), then a DaskWorkerGroup per fixed group.

    Parameters
    ----------
    cluster
        The DaskCluster as generated from ``deployment.options`` (left unchanged).
    layout, pods
        The groups, and each one's :func:`parse_group`.
    counts
        Workers of each group (``layout.counts``, or zeros before any is asked for).
    """
    head = copy.deepcopy(dict(cluster))
    docs = [head]
    for g in layout.groups:
        spec = worker_spec(pods[g.name], g, counts[g.name], dask_config)
        if g.workers is None:
            head["spec"]["worker"] = spec
        else:
            docs.append(workergroup_manifest(head, g.name, spec))
    return docs


def group_counts(layout: WorkerLayout, workers: int) -> dict[str, int]:
    """Workers of each group at ``workers`` in all (``layout.counts``), checked.

    Raises
    ------
    ConfigError
        When ``workers`` is fewer than the fixed groups hold.
    """
    if workers < layout.fixed_workers:
        raise ConfigError(
            f"{workers} workers in all is fewer than the {layout.fixed_workers} of the fixed "
            "groups; a size counts the workers of every group"
        )
    return layout.counts(workers)


def scale_targets(layout: WorkerLayout, workers: int) -> list[tuple[str, int]]:
    """``(worker_group, replicas)`` for ``KubeCluster.scale`` at ``workers`` in all.

    Fixed groups first: they are scaled to the same count at every size, which the
    operator takes as no change.

    Raises
    ------
    ConfigError
        When ``workers`` is fewer than the fixed groups hold.
    """
    if not layout.groups:
        return [(DEFAULT_GROUP, workers)]
    counts = group_counts(layout, workers)
    fixed = [(group_slug(g.name), counts[g.name]) for g in layout.groups if g.workers is not None]
    swept = [(DEFAULT_GROUP, counts[g.name]) for g in layout.groups if g.workers is None]
    return fixed + swept


def validate_documents(docs: Sequence[Mapping[str, Any]]) -> list[dict[str, Any]]:
    """Each document checked against the CRD of its kind, pruned of nulls.

    Raises
    ------
    ConfigError
        The first document that does not fit, named with its kind and name.
    """
    return [
        validate_manifest(d, f"{d['kind']} {d['metadata']['name']!r}", kind=d["kind"]) for d in docs
    ]


def documents_yaml(docs: Sequence[Mapping[str, Any]]) -> str:
    """The documents as one multi-document YAML (``---`` between them) for ``kubectl apply -f``."""
    text: str = yaml.safe_dump_all(
        [prune_nulls(d) for d in docs], sort_keys=False, default_flow_style=False
    )
    return text
