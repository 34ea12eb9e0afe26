"""Provenance of a run: the machine, and package versions on client, scheduler and workers.

Only named facts are recorded; environment variables are never stored wholesale.
"""

from __future__ import annotations

import io
import os
import platform
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

import psutil
from rich.console import Console
from rich.table import Table
from rich.text import Text

from dask_bench._remote import http_sockets
from dask_bench._version import __version__
from dask_bench.deploy.scaling import connected_workers
from dask_bench.errors import BackendError, VersionMismatch

if TYPE_CHECKING:
    from distributed import Client

#: Packages whose versions are compared across client, scheduler and workers.
PACKAGES = (
    "python",
    "dask",
    "distributed",
    "numpy",
    "pandas",
    "pyarrow",
    "cloudpickle",
    "msgpack",
    "toolz",
    "tornado",
    "dask_bench",
)


def cpu_model() -> str:
    """The CPU's model name, as the OS reports it."""
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.lower().startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or platform.machine()


def host_info() -> dict[str, Any]:
    """Facts about the machine the client runs on."""
    return {
        "hostname": platform.node(),
        "cpu_model": cpu_model(),
        "cores": os.cpu_count(),
        "physical_cores": psutil.cpu_count(logical=False),
        "memory_bytes": psutil.virtual_memory().total,
        "os": platform.platform(),
        "python": platform.python_version(),
    }


def _packages(node: Mapping[str, Any]) -> dict[str, str | None]:
    pkgs = node.get("packages", {})
    return {name: (None if pkgs.get(name) is None else str(pkgs.get(name))) for name in PACKAGES}


def cluster_versions(client: Client) -> dict[str, Any]:
    """Versions of :data:`PACKAGES` on the client, the scheduler and every worker."""
    raw: Any = client.get_versions(packages=["pyarrow", "dask_bench"])
    return {
        "client": _packages(raw["client"]),
        "scheduler": _packages(raw["scheduler"]),
        "workers": {addr: _packages(info) for addr, info in raw["workers"].items()},
    }


def version_mismatches(versions: Mapping[str, Any]) -> list[dict[str, Any]]:
    """Packages whose version differs anywhere from the client's.

    Returns
    -------
    One entry per package: ``{"package", "client", "scheduler", "workers": {addr: version},
    "other_workers": n}`` with only the differing workers listed and ``n`` workers that
    agree with the client. A package missing in one place and present in another differs;
    one missing everywhere does not.
    """
    client = versions.get("client", {})
    scheduler = versions.get("scheduler", {})
    workers = versions.get("workers", {})
    out = []
    for pkg in PACKAGES:
        want = client.get(pkg)
        bad_workers = {a: v.get(pkg) for a, v in workers.items() if v.get(pkg) != want}
        if scheduler.get(pkg) != want or bad_workers:
            out.append(
                {
                    "package": pkg,
                    "client": want,
                    "scheduler": scheduler.get(pkg),
                    "workers": bad_workers,
                    "other_workers": len(workers) - len(bad_workers),
                }
            )
    return out


#: Differing workers named per version in a mismatch; the rest are counted.
_NAMED_WORKERS = 3


def _shown(version: Any) -> str:
    return "missing" if version is None else str(version)


def describe_workers(mismatch: Mapping[str, Any]) -> str:
    """The workers' versions of one mismatched package, grouped by version.

    Workers that differ from the client are named (a few per version), those that agree
    with it are counted, e.g. ``2024.1.0 (tcp://127.0.0.1:41235), 2024.8.0 (1 other)``.
    """
    differing: dict[str, list[str]] = {}
    for addr, version in mismatch.get("workers", {}).items():
        differing.setdefault(_shown(version), []).append(str(addr))
    agreeing = int(mismatch.get("other_workers", 0))
    client = _shown(mismatch.get("client"))
    if not differing:
        return client if agreeing else "none"
    total = agreeing + sum(map(len, differing.values()))
    parts = []
    for version, addrs in sorted(differing.items()):
        if len(addrs) == total > 1:
            parts.append(f"{version} (all {total})")
            continue
        named = ", ".join(sorted(addrs)[:_NAMED_WORKERS])
        more = len(addrs) - _NAMED_WORKERS
        parts.append(f"{version} ({named}{f' and {more} more' if more > 0 else ''})")
    if agreeing:
        parts.append(f"{client} ({agreeing} other{'s' if agreeing > 1 else ''})")
    return ", ".join(parts)


def mismatch_table(mismatches: Sequence[Mapping[str, Any]]) -> str:
    """Plain-text table of what differs: one line per package, client, scheduler, workers."""
    table = Table(box=None, pad_edge=False, show_edge=False, header_style="none")
    for column in ("package", "client", "scheduler", "workers"):
        table.add_column(column, no_wrap=True)
    for m in mismatches:
        cells = (m.get("package"), m.get("client"), m.get("scheduler"))
        # Text, not str: a version or address must never be read as rich markup
        table.add_row(*(Text(_shown(c)) for c in cells), Text(describe_workers(m)))
    buffer = io.StringIO()
    # wide enough that no line wraps: the message is read in a terminal or a log, not a box
    Console(file=buffer, width=10_000, color_system=None, highlight=False).print(table)
    return "\n".join(line.rstrip() for line in buffer.getvalue().splitlines())


def mismatch_warning(mismatch: Mapping[str, Any]) -> str:
    """One line on one mismatched package, for runs that measure anyway."""
    return (
        f"{mismatch.get('package')} differs: client {_shown(mismatch.get('client'))}, "
        f"scheduler {_shown(mismatch.get('scheduler'))}, workers {describe_workers(mismatch)}"
    )


def require_matching_versions(mismatches: Sequence[Mapping[str, Any]], allow: bool) -> None:
    """Stop the study when versions differ, unless ``allow``.

    Raises
    ------
    VersionMismatch
        With a table of what differs, when ``mismatches`` is not empty and ``allow`` is false.
    """
    if mismatches and not allow:
        rows = "\n".join(f"  {line}" for line in mismatch_table(mismatches).splitlines())
        raise VersionMismatch(
            "versions differ between client, scheduler and workers; make the environments "
            "match, or pass --allow-version-mismatch to measure anyway:\n" + rows
        )


#: Variables that say the client runs inside a batch job or a pod, and which.
_INSIDE = (
    ("SLURM_JOB_ID", "a Slurm job"),
    ("PBS_JOBID", "a PBS job"),
    ("LSB_JOBID", "an LSF job"),
    ("SGE_TASK_ID", "an SGE job"),
    ("KUBERNETES_SERVICE_HOST", "a Kubernetes pod"),
)


def placement(deployment: Mapping[str, Any]) -> dict[str, Any]:
    """Where the scheduler and the client ran, and whether on one host.

    The back-end says where its scheduler runs (``scheduler_runs``, ``scheduler_location``
    in its :meth:`~dask_bench.deploy.Backend.describe`); the client is this process. A
    client on a login node and one inside the allocation differ in network paths to
    the scheduler, so ``compare`` warns when two runs differ here.
    """
    inside = next((what for var, what in _INSIDE if os.environ.get(var)), None)
    runs = str(deployment.get("scheduler_runs") or "unknown")
    same = True if runs == "in dask-bench's process" else None  # elsewhere: not known here
    return {
        "scheduler": str(deployment.get("scheduler_location") or runs),
        "scheduler_runs": runs,
        "client": platform.node(),
        "client_inside": inside or "no batch job or pod",
        "same_host": same,
    }


def environment(
    deployment: Mapping[str, Any], versions: Mapping[str, Any] | None = None
) -> dict[str, Any]:
    """The provenance stored with a run."""
    env: dict[str, Any] = {
        "host": host_info(),
        "deployment": dict(deployment),
        "placement": placement(deployment),
        "dask_bench": __version__,
    }
    if versions is not None:
        env["versions"] = dict(versions)
        env["version_mismatches"] = version_mismatches(versions)
    return env


def merge_versions(old: Mapping[str, Any] | None, new: Mapping[str, Any]) -> dict[str, Any]:
    """Merge versions seen at a later scale step (new workers) into earlier ones."""
    if not old:
        return dict(new)
    workers = dict(old.get("workers", {}))
    workers.update(new.get("workers", {}))
    return {**old, "workers": workers}


def transport(client: Client) -> dict[str, Any]:
    """How the client reaches the scheduler, and the schemes the workers listen on."""
    address = str(client.scheduler_info(n_workers=0).get("address", ""))
    schemes = sorted({str(w).partition("://")[0] for w in connected_workers(client)})
    return {"scheduler_address": address, "worker_schemes": schemes}


def enforced_layout(client: Client) -> dict[str, list[int]]:
    """Threads and memory limits the connected workers report (distinct values, sorted)."""
    workers = connected_workers(client).values()
    return {
        "threads_per_worker": sorted({int(w.get("nthreads") or 0) for w in workers}),
        "memory_per_worker": sorted({int(w.get("memory_limit") or 0) for w in workers}),
    }


def http_listeners(client: Client) -> list[str]:
    """Where the scheduler's HTTP server (the dashboard) listens, e.g. ``["http://127.0.0.1:40123"]``.

    Empty when it cannot be told (an older scheduler, or one that refuses to run code).
    """
    try:
        found = client.run_on_scheduler(http_sockets)
    except Exception:
        return []
    return [str(a) for a in found] if isinstance(found, list) else []


def require_tls(seen: Mapping[str, Any]) -> None:
    """Stop the study when TLS was asked for but some connection is not ``tls://``.

    Raises
    ------
    BackendError
        Naming the address that is not encrypted.
    """
    address = str(seen.get("scheduler_address", ""))
    plain = [s for s in seen.get("worker_schemes", []) if s != "tls"]
    if not address.startswith("tls://") or plain:
        where = (
            f"scheduler at {address}"
            if not address.startswith("tls://")
            else (f"workers on {', '.join(plain)}://")
        )
        raise BackendError(
            f"security.tls is on but the {where} is not encrypted; check that the back-end "
            "options do not set another protocol"
        )
