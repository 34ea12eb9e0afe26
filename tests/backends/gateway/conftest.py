"""The real Dask Gateway test bed (testbeds/gateway) for the tests of the ``gateway`` back-end.

The test bed is started once per session and stopped at the end only when this
session started it (a test bed someone runs by hand stays up). A missing
dask-gateway-server or a failed start fails the tests: they are never skipped.
"""

from __future__ import annotations

import base64
import json
import subprocess
import urllib.request
from collections.abc import Iterator, Mapping
from pathlib import Path
from typing import Any

import psutil
import pytest

from tests.backends import testbeds
from tests.integration.helpers import BIN

#: The gateway user the tests' clusters belong to (the test bed accepts any name).
USER = "dask-bench-tests"


def run_script(name: str, env: Mapping[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    """Run testbeds/gateway/``name`` (start or stop) with extra environment ``env``."""
    return testbeds.run_script("gateway", name, env)


def gateway_api(address: str, method: str, path: str) -> Any:
    """Call the gateway's REST API as :data:`USER` (independent of the code under test)."""
    token = base64.b64encode(f"{USER}:".encode()).decode()
    request = urllib.request.Request(
        f"{address}/api/v1/{path}", method=method, headers={"Authorization": f"Basic {token}"}
    )
    with urllib.request.urlopen(request, timeout=30) as response:
        body = response.read()
    return json.loads(body) if body else None


def active_clusters(address: str) -> list[str]:
    """Names of the pending and running clusters of :data:`USER`."""
    return list(gateway_api(address, "GET", "clusters/"))


def cluster_processes(run_dir: Path, name: str = "") -> list[psutil.Process]:
    """Live scheduler and worker processes of cluster ``name`` (all clusters: ``""``).

    The test bed's server starts them in the cluster's folder, run/clusters/<name>.
    """
    folder = str(run_dir / "clusters" / name)
    found = []
    for proc in psutil.process_iter():
        try:
            if proc.cwd().startswith(folder) and proc.status() != psutil.STATUS_ZOMBIE:
                found.append(proc)
        except psutil.Error:
            pass
    return found


@pytest.fixture(scope="session")
def gateway_testbed() -> Iterator[dict[str, str]]:
    """Start the test bed (idempotent); its ``DASK_BENCH_GATEWAY_*`` settings.

    At the end, stop the clusters of :data:`USER` that failed tests left, and stop the
    test bed when this session started it.
    """
    if not (BIN / "dask-gateway-server").exists():
        pytest.fail(
            f"{BIN / 'dask-gateway-server'} not found; install the test extra: "
            f"{BIN / 'pip'} install -e '.[test]'",
            pytrace=False,
        )
    # "already running": someone else started it, so it stays up after the session.
    with testbeds.running_testbed(
        "gateway",
        ["DASK_BENCH_GATEWAY_ADDRESS"],
        lambda stderr: "already running" not in stderr,
        export=False,
    ) as settings:
        try:
            yield settings
        finally:
            _stop_clusters(settings)


def _stop_clusters(settings: Mapping[str, str]) -> None:
    address = settings["DASK_BENCH_GATEWAY_ADDRESS"]
    for name in active_clusters(address):
        gateway_api(address, "DELETE", f"clusters/{name}")


@pytest.fixture(autouse=True)
def _gateway(gateway_testbed: dict[str, str]) -> dict[str, str]:
    # Every test in this folder runs against the test bed.
    return gateway_testbed
