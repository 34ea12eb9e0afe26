"""The real Dask Gateway test bed (testbeds/gateway) for the tests of the ``gateway`` back-end.

The test bed is started once per session and stopped at the end only when this
session started it (a test bed someone runs by hand stays up). A missing
dask-gateway-server or a failed start fails the tests: they are never skipped.
"""

from __future__ import annotations

import base64
import json
import os
import subprocess
import urllib.request
from collections.abc import Iterator, Mapping
from pathlib import Path
from typing import Any

import psutil
import pytest

from tests.integration.helpers import BIN

TESTBED = Path(__file__).resolve().parents[3] / "testbeds" / "gateway"
#: The gateway user the tests' clusters belong to (the test bed accepts any name).
USER = "dask-bench-tests"


def run_script(name: str, env: Mapping[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    """Run testbeds/gateway/``name`` (start or stop) with extra environment ``env``."""
    return subprocess.run(
        [str(TESTBED / name)],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
        env={**os.environ, **(env or {})},
    )


def exports(started: subprocess.CompletedProcess[str]) -> dict[str, str]:
    """The ``export NAME=value`` lines a start printed."""
    pairs = (ln.removeprefix("export ").split("=", 1) for ln in started.stdout.splitlines())
    return {p[0]: p[1] for p in pairs if len(p) == 2}


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
    started = run_script("start")
    settings = exports(started)
    if started.returncode != 0 or "DASK_BENCH_GATEWAY_ADDRESS" not in settings:
        pytest.fail(
            f"testbeds/gateway/start failed (exit {started.returncode}):\n"
            f"{started.stdout}{started.stderr}",
            pytrace=False,
        )
    # "already running": someone else started it, so it stays up after the session.
    ours = "already running" not in started.stderr
    try:
        yield settings
    finally:
        try:
            _stop_clusters(settings)
        finally:
            if ours:
                stopped = run_script("stop")
                if stopped.returncode != 0:
                    print(f"testbeds/gateway/stop failed:\n{stopped.stdout}{stopped.stderr}")


def _stop_clusters(settings: Mapping[str, str]) -> None:
    address = settings["DASK_BENCH_GATEWAY_ADDRESS"]
    for name in active_clusters(address):
        gateway_api(address, "DELETE", f"clusters/{name}")


@pytest.fixture(autouse=True)
def _gateway(gateway_testbed: dict[str, str]) -> dict[str, str]:
    # Every test in this folder runs against the test bed.
    return gateway_testbed
