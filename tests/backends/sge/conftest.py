"""The real SGE test bed (testbeds/sge) for the tests of the ``sge`` back-end.

The test bed is started once per session and stopped at the end only when this
session started it (a test bed someone runs by hand stays up). A missing Grid Engine
or a failed start fails the tests: they are never skipped.
"""

from __future__ import annotations

import subprocess
from collections.abc import Iterator

import pytest

from ..testbeds import running_testbed
from .helpers import dask_bench_jobs, wait_gone

#: What ``start`` exports: every SGE command needs them.
VARIABLES = ("SGE_ROOT", "SGE_CELL", "SGE_QMASTER_PORT", "SGE_EXECD_PORT")


@pytest.fixture(scope="session")
def sge_testbed() -> Iterator[dict[str, str]]:
    """Start the test bed (idempotent); export its environment for the tests.

    At the end, delete the ``dask-bench-*`` jobs left in the queue, and stop the test
    bed when this session started it.
    """
    # Only a fresh start says how long it took: an already running test bed stays up.
    with running_testbed("sge", VARIABLES, lambda stderr: "started in" in stderr) as settings:
        try:
            yield settings
        finally:
            left = dask_bench_jobs()
            if left:
                subprocess.run(["qdel", *left], capture_output=True, timeout=30, check=False)
                wait_gone(left, within=15)


@pytest.fixture(autouse=True)
def _sge(sge_testbed: dict[str, str]) -> dict[str, str]:
    # Every test in this folder runs against the test bed.
    return sge_testbed
