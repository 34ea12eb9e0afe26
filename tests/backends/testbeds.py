"""Starting and stopping the test beds in testbeds/ for the back-end tests.

A test bed is started once per session and stopped at the end only when this session
started it (a test bed someone runs by hand stays up). A failed start fails the tests:
they are never skipped.
"""

from __future__ import annotations

import contextlib
import os
import subprocess
from collections.abc import Callable, Iterable, Iterator, Mapping
from pathlib import Path

import pytest

TESTBEDS = Path(__file__).resolve().parents[2] / "testbeds"


def run_script(
    testbed: str, name: str, env: Mapping[str, str] | None = None
) -> subprocess.CompletedProcess[str]:
    """Run testbeds/``testbed``/``name`` (start or stop) with extra environment ``env``."""
    return subprocess.run(
        [str(TESTBEDS / testbed / name)],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
        env={**os.environ, **(env or {})},
    )


def exports(started: subprocess.CompletedProcess[str]) -> dict[str, str]:
    """The ``export NAME=value`` lines a start printed (the last one of a name wins)."""
    pairs = (
        ln.removeprefix("export ").split("=", 1)
        for ln in started.stdout.splitlines()
        if ln.startswith("export ")
    )
    return {p[0]: p[1] for p in pairs if len(p) == 2}


@contextlib.contextmanager
def running_testbed(
    testbed: str,
    required: Iterable[str],
    started_here: Callable[[str], bool],
    *,
    export: bool = True,
) -> Iterator[dict[str, str]]:
    """Start ``testbed`` (idempotent) and give its exported settings.

    Parameters
    ----------
    testbed
        The folder in testbeds/.
    required
        Settings its start must export; a start without them fails the tests.
    started_here
        Tells from the start's stderr whether this session started it (then it is
        stopped at the end).
    export
        Also set the settings in this process's environment (and so in the tests'
        subprocesses) until the end.
    """
    started = run_script(testbed, "start")
    settings = exports(started)
    if started.returncode != 0 or set(required) - set(settings):
        pytest.fail(
            f"testbeds/{testbed}/start failed (exit {started.returncode}):\n"
            f"{started.stdout}{started.stderr}",
            pytrace=False,
        )
    ours = started_here(started.stderr)
    previous = {key: os.environ.get(key) for key in settings} if export else {}
    if export:
        os.environ.update(settings)
    try:
        yield settings
    finally:
        try:
            if ours:
                stopped = run_script(testbed, "stop")
                if stopped.returncode != 0:
                    print(f"testbeds/{testbed}/stop failed:\n{stopped.stdout}{stopped.stderr}")
        finally:
            for key, value in previous.items():
                if value is None:
                    os.environ.pop(key, None)
                else:
                    os.environ[key] = value
