"""The Slurm test bed for the benchmarks: used when running, else started and stopped again."""

from __future__ import annotations

import contextlib
import os
import subprocess
from collections.abc import Iterator
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


@contextlib.contextmanager
def slurm_testbed() -> Iterator[None]:
    """SLURM_CONF of the test bed; started here when needed, and then stopped here."""
    if os.environ.get("SLURM_CONF"):
        yield
        return
    done = subprocess.run(
        [str(ROOT / "testbeds" / "slurm" / "start")],
        capture_output=True,
        text=True,
        timeout=120,
        check=True,
    )
    line = next(x for x in done.stdout.splitlines() if x.startswith("export SLURM_CONF="))
    os.environ["SLURM_CONF"] = line.split("=", 1)[1]
    try:
        yield
    finally:
        if "already running" not in done.stderr:  # leave the machine as it was
            stop = ROOT / "testbeds" / "slurm" / "stop"
            subprocess.run([str(stop)], capture_output=True, timeout=120, check=False)
