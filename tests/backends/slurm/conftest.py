"""The real Slurm test bed (testbeds/slurm) for the tests of the ``slurm`` back-end.

The test bed is started once per session and stopped at the end only when this
session started it (a test bed someone runs by hand stays up). A missing Slurm or
a failed start fails the tests: they are never skipped.
"""

from __future__ import annotations

import os
import shutil
import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest

from .helpers import dask_bench_jobs, wait_gone

TESTBED = Path(__file__).resolve().parents[3] / "testbeds" / "slurm"
#: Commands the test bed, the back-end and the tests call.
COMMANDS = ("slurmctld", "slurmd", "sinfo", "squeue", "sbatch", "scancel", "srun")


def _script(name: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [str(TESTBED / name)], capture_output=True, text=True, timeout=120, check=False
    )


@pytest.fixture(scope="session")
def slurm_testbed() -> Iterator[str]:
    """Start the test bed (idempotent); set ``SLURM_CONF`` for the tests and their subprocesses.

    At the end, cancel the ``dask-bench-*`` jobs left in the queue, and stop the test
    bed when this session started it.
    """
    missing = [c for c in COMMANDS if shutil.which(c) is None]
    if missing:
        pytest.fail(
            f"Slurm commands not found: {', '.join(missing)}; install Slurm with: "
            "bash scripts/setup-system",
            pytrace=False,
        )
    started = _script("start")
    exports = [ln for ln in started.stdout.splitlines() if ln.startswith("export SLURM_CONF=")]
    if started.returncode != 0 or not exports:
        pytest.fail(
            f"testbeds/slurm/start failed (exit {started.returncode}):\n"
            f"{started.stdout}{started.stderr}",
            pytrace=False,
        )
    # "already running": someone else started it, so it stays up after the session.
    ours = "already running" not in started.stderr
    previous = os.environ.get("SLURM_CONF")
    os.environ["SLURM_CONF"] = exports[-1].removeprefix("export SLURM_CONF=")
    try:
        yield os.environ["SLURM_CONF"]
    finally:
        try:
            left = dask_bench_jobs()
            if left:
                subprocess.run(["scancel", *left], capture_output=True, timeout=30, check=False)
                wait_gone(left, within=30)
        finally:
            if ours:
                stopped = _script("stop")
                if stopped.returncode != 0:
                    print(f"testbeds/slurm/stop failed:\n{stopped.stdout}{stopped.stderr}")
            if previous is None:
                os.environ.pop("SLURM_CONF", None)
            else:
                os.environ["SLURM_CONF"] = previous


@pytest.fixture(autouse=True)
def _slurm(slurm_testbed: str) -> str:
    # Every test in this folder runs against the test bed.
    return slurm_testbed
