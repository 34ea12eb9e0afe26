"""The real Slurm test bed (testbeds/slurm) for the tests of the ``slurm`` back-end.

The test bed is started once per session and stopped at the end only when this
session started it (a test bed someone runs by hand stays up). A missing Slurm or
a failed start fails the tests: they are never skipped.
"""

from __future__ import annotations

import shutil
import subprocess
from collections.abc import Iterator

import pytest

from ..testbeds import running_testbed
from .helpers import dask_bench_jobs, wait_gone

#: Commands the test bed, the back-end and the tests call.
COMMANDS = ("slurmctld", "slurmd", "sinfo", "squeue", "sbatch", "scancel", "srun")


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
    # "already running": someone else started it, so it stays up after the session.
    with running_testbed(
        "slurm", ["SLURM_CONF"], lambda stderr: "already running" not in stderr
    ) as settings:
        try:
            yield settings["SLURM_CONF"]
        finally:
            left = dask_bench_jobs()
            if left:
                subprocess.run(["scancel", *left], capture_output=True, timeout=30, check=False)
                wait_gone(left, within=30)


@pytest.fixture(autouse=True)
def _slurm(slurm_testbed: str) -> str:
    # Every test in this folder runs against the test bed.
    return slurm_testbed
