"""Provenance of a run: the machine, and package versions on client, scheduler and workers.

Only named facts are recorded; environment variables are never stored wholesale.
"""

from __future__ import annotations

import os
import platform
from collections.abc import Mapping
from pathlib import Path
from typing import TYPE_CHECKING, Any

import psutil

from dask_bench._version import __version__

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
    One entry per package: ``{"package", "client", "scheduler", "workers": {addr: version}}``
    with only the differing workers listed.
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
                }
            )
    return out


def environment(
    deployment: Mapping[str, Any], versions: Mapping[str, Any] | None = None
) -> dict[str, Any]:
    """The provenance stored with a run."""
    env: dict[str, Any] = {
        "host": host_info(),
        "deployment": dict(deployment),
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
