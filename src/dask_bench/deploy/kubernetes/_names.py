"""Names, labels and limits of Kubernetes objects, as the DaskCluster manifest needs them."""

from __future__ import annotations

import re

#: The operator names the scheduler service ``<name>-scheduler``, which must fit in 63.
MAX_NAME = 63 - len("-scheduler")
#: A DaskWorkerGroup's name is its pods' ``dask.org/workergroup-name`` label value.
MAX_GROUP_NAME = 63
#: Label carried by every DaskCluster of a run, which ``dask-bench cleanup`` selects on.
TAG_LABEL = "dask-bench/tag"
DEFAULT_OPEN_FILES = 50_000

_DNS_LABEL = re.compile(r"[a-z0-9]([-a-z0-9]*[a-z0-9])?")
_LABEL_NAME = re.compile(r"([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]")
_DNS_SUBDOMAIN = re.compile(r"[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*")


def is_dns_label(text: str) -> bool:
    """Whether ``text`` is a DNS-1123 label (a namespace name, for instance)."""
    return len(text) <= 63 and _DNS_LABEL.fullmatch(text) is not None


def cluster_name(tag: str, limit: int = MAX_NAME) -> str:
    """A valid DaskCluster name (DNS-1123, at most ``limit`` characters) made from a run's tag."""
    slug = re.sub(r"[^a-z0-9]+", "-", tag.lower()).strip("-")[:limit].rstrip("-")
    return slug or "dask-bench"


def name_problem(name: str, kind: str = "DaskCluster") -> str | None:
    """Why ``name`` cannot name a ``kind`` (DaskCluster or DaskWorkerGroup), or None."""
    limit = MAX_GROUP_NAME if kind == "DaskWorkerGroup" else MAX_NAME
    if len(name) > limit or not _DNS_LABEL.fullmatch(name):
        return (
            f"{name!r} is not a valid {kind} name: lower-case letters, digits and '-', "
            f"starting and ending with a letter or digit, at most {limit} characters"
        )
    return None


def label_problem(key: object, value: object) -> str | None:
    """Why ``key: value`` cannot be a Kubernetes label, or None."""
    prefix, _, name = str(key).rpartition("/")
    if (prefix and (len(prefix) > 253 or not _DNS_SUBDOMAIN.fullmatch(prefix))) or not (
        len(name) <= 63 and _LABEL_NAME.fullmatch(name)
    ):
        return f"metadata.labels: {key!r} is not a valid label key"
    if not isinstance(value, str) or not (
        value == "" or (len(value) <= 63 and _LABEL_NAME.fullmatch(value))
    ):
        return f"metadata.labels.{key}: {value!r} is not a valid label value"
    return None
