"""The real SGE test bed (testbeds/sge) for the tests of the ``sge`` back-end.

The test bed is started once per session and stopped at the end only when this
session started it (a test bed someone runs by hand stays up). A missing Grid Engine
or a failed start fails the tests: they are never skipped.
"""

from __future__ import annotations

import os
import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest

from .helpers import dask_bench_jobs, wait_gone

TESTBED = Path(__file__).resolve().parents[3] / "testbeds" / "sge"
#: What ``start`` exports: every SGE command needs them.
VARIABLES = ("SGE_ROOT", "SGE_CELL", "SGE_QMASTER_PORT", "SGE_EXECD_PORT")


def _script(name: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [str(TESTBED / name)], capture_output=True, text=True, timeout=120, check=False
    )


@pytest.fixture(scope="session")
def sge_testbed() -> Iterator[dict[str, str]]:
    """Start the test bed (idempotent); export its environment for the tests.

    At the end, delete the ``dask-bench-*`` jobs left in the queue, and stop the test
    bed when this session started it.
    """
    started = _script("start")
    exports = dict(
        line.removeprefix("export ").split("=", 1)
        for line in started.stdout.splitlines()
        if line.startswith("export ") and "=" in line
    )
    if started.returncode != 0 or set(VARIABLES) - set(exports):
        pytest.fail(
            f"testbeds/sge/start failed (exit {started.returncode}):\n"
            f"{started.stdout}{started.stderr}",
            pytrace=False,
        )
    # Only a fresh start says how long it took: an already running test bed stays up.
    ours = "started in" in started.stderr
    previous = {key: os.environ.get(key) for key in exports}
    os.environ.update(exports)
    try:
        yield exports
    finally:
        try:
            left = dask_bench_jobs()
            if left:
                subprocess.run(["qdel", *left], capture_output=True, timeout=30, check=False)
                wait_gone(left, within=15)
        finally:
            if ours:
                stopped = _script("stop")
                if stopped.returncode != 0:
                    print(f"testbeds/sge/stop failed:\n{stopped.stdout}{stopped.stderr}")
            for key, value in previous.items():
                if value is None:
                    os.environ.pop(key, None)
                else:
                    os.environ[key] = value


@pytest.fixture(autouse=True)
def _sge(sge_testbed: dict[str, str]) -> dict[str, str]:
    # Every test in this folder runs against the test bed.
    return sge_testbed
