"""Fine performance metrics sorted into the breakdown's categories."""

from __future__ import annotations

from collections.abc import Hashable, Mapping

from dask_bench.store.schema import BREAKDOWN_CATEGORIES

Metrics = dict[tuple[Hashable, ...], float]

#: Activities of the fine performance metrics, by category (the rest is overhead).
_ACTIVITY = {
    "thread-cpu": "compute-cpu",
    "thread-noncpu": "compute-other",
    "network": "transfer",
    "send": "transfer",
    "serialize": "serialization",
    "deserialize": "serialization",
    "compress": "serialization",
    "decompress": "serialization",
    "disk-read": "spill",
    "disk-write": "spill",
}


def categorize(span_metrics: Mapping[tuple[Hashable, ...], float]) -> dict[str, float]:
    """Thread-seconds per category from a span's ``cumulative_worker_metrics``.

    Keys are ``("execute", prefix, activity, unit)`` (and ``("p2p", where, activity,
    unit)`` for shuffles). Only seconds count; upstream's own "idle or other spans"
    entry is left out, as idle time is what remains of the available thread time.
    A P2P shuffle's sends, receives and disk buffers are ``shuffle``: it writes to disk
    at any size, so that ``spill`` is only data the workers' memory could not hold.
    """
    out = dict.fromkeys(BREAKDOWN_CATEGORIES, 0.0)
    for key, value in span_metrics.items():
        if len(key) < 4 or key[-1] != "seconds" or key[-2] == "idle or other spans":
            continue
        context, where, activity = key[0], key[1], str(key[-2])
        if context == "p2p" and (where == "foreground" or activity == "idle"):
            # foreground: inside tasks, already in the execute seconds; idle: of the
            # shuffle's background pools, not of the worker threads
            continue
        category = _ACTIVITY.get(activity, "overhead")
        if context == "p2p" and category in ("transfer", "spill"):
            category = "shuffle"  # buffers of a shuffle: also within one worker, on disk
        out[category] += float(value)
    return out


#: Cluster-wide contexts that no span holds: transfers, and the memory monitor's spilling.
OUTSIDE_TASKS = ("gather-dep", "get-data", "memory-monitor")


def transfers(before: Mapping[tuple[Hashable, ...], float], after: Metrics) -> dict[str, float]:
    """Seconds of work outside tasks between two readings of the cluster-wide metrics.

    Transfers: the receiving side (``gather-dep``) counts the network time once; the
    sending side (``get-data``) adds only its serialization and spill reads. Spilling:
    the memory monitor writes data to disk when a worker's process memory passes
    ``distributed.worker.memory.spill`` (also while data is persisted), outside any task
    and so outside every span; its disk writes and their bookkeeping are ``spill``,
    its serialization ``serialization``.
    """
    out = dict.fromkeys(("transfer", "serialization", "spill"), 0.0)
    for key, value in after.items():
        if len(key) < 3 or key[-1] != "seconds" or key[0] not in OUTSIDE_TASKS:
            continue
        delta = float(value) - float(before.get(key, 0.0))
        default = "spill" if key[0] == "memory-monitor" else "transfer"
        category = _ACTIVITY.get(str(key[-2]), default)
        if key[0] == "get-data" and category == "transfer":
            continue
        if category in out:
            out[category] += delta
        else:
            out["transfer"] += delta  # e.g. "other": bookkeeping of the fetch
    return out
