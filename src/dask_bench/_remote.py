"""What the harness runs on the workers and on the scheduler, kept light to import.

``client.run`` and ``run_on_scheduler`` send a function by reference: the worker
imports the module that defines it. Defined under ``dask_bench.runner`` or
``dask_bench.deploy``, that would import most of dask-bench (pandas, pyarrow,
pydantic, the study model) into every worker: about 150 MiB and a second or two of
CPU per worker, more than a single-thread worker of a tiny workload needs for
itself, and multiplied by every worker of a large sweep. This module imports only
the standard library at its top; ``tests/unit/test_remote.py`` holds it to that.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any


async def heartbeat(dask_worker: Any) -> None:
    """Send every metric the worker measured so far to the scheduler, and wait for it."""
    await dask_worker.heartbeat()


def cluster_metrics(contexts: Sequence[str], dask_scheduler: Any = None) -> dict[Any, float]:
    """The scheduler's cluster-wide worker metrics of these contexts (``execute``, ...)."""
    return {
        k: v
        for k, v in dask_scheduler.cumulative_worker_metrics.items()
        if isinstance(k, tuple) and k and k[0] in contexts
    }


def read_spans(ids: Sequence[str], dask_scheduler: Any = None) -> list[dict[str, Any] | None]:
    """What the scheduler's spans extension knows of these spans (None: not found)."""
    spans = dask_scheduler.extensions["spans"].spans
    out: list[dict[str, Any] | None] = []
    for span_id in ids:
        s = spans.get(span_id)
        if s is None:
            out.append(None)
            continue
        out.append(
            {
                "metrics": dict(s.cumulative_worker_metrics),
                "active": s.active_cpu_seconds,
                # compute only: a group's duration also counts its transfers
                "duration": s.all_durations.get("compute", 0.0),
                "done": s.done,
                "tasks": sum(s.states.values()),
                "enqueued": s.enqueued,
                "start": s.start,
                "stop": s.stop,
            }
        )
    return out


def plain(value: Any) -> Any:
    """A config value as stored and compared: tuples as lists, anything unusual as its text."""
    if isinstance(value, list | tuple):
        return [plain(v) for v in value]
    if isinstance(value, dict):
        return {str(k): plain(v) for k, v in value.items()}
    if value is None or isinstance(value, str | int | float | bool):
        return value
    return str(value)


def config_values(keys: Sequence[str]) -> dict[str, Any]:
    """The keys that are set in this process's Dask config, with their values.

    Runs on the client, on the scheduler and on each worker; a key that is not set
    is left out.
    """
    import dask.config

    missing = object()
    found = {}
    for key in keys:
        value = dask.config.get(key, default=missing)
        if value is not missing:
            found[key] = plain(value)
    return found


def node_name(variables: Sequence[str]) -> str | None:
    """The node a worker runs on: the first of these variables set, else the host name."""
    import os
    import socket

    for name in variables:
        if os.environ.get(name):
            return os.environ[name]
    return socket.gethostname()


def http_sockets(dask_scheduler: Any = None) -> list[str]:
    """Where the scheduler's HTTP server listens, e.g. ``["http://127.0.0.1:40123"]``."""
    server = getattr(dask_scheduler, "http_server", None)
    sockets = getattr(server, "_sockets", {}) if server is not None else {}
    scheme = "https" if getattr(server, "ssl_options", None) is not None else "http"
    return sorted({"{}://{}:{}".format(scheme, *s.getsockname()[:2]) for s in sockets.values()})
