"""What used to hang ends at once, or within its own timeout, with one clear last line."""

from __future__ import annotations

import socket
import subprocess
import sys
import time
from pathlib import Path

import yaml

from .helpers import dask_bench, query


def _study(tmp_path: Path, **deployment: object) -> Path:
    spec = {
        "database": str(tmp_path / "r.db"),
        "report": False,
        "deployment": {"workers": [1], **deployment},
        "suites": {"tasks": {"workloads": ["map-tiny"]}},
        "measurement": {"hardware_baseline": False},
    }
    path = tmp_path / "study.yaml"
    path.write_text(yaml.safe_dump(spec))
    return path


def test_workers_that_die_at_start_stop_the_study_with_their_error(tmp_path: Path) -> None:
    # every worker process raises TypeError on this keyword; the study would wait 60 s
    study = _study(tmp_path, startup_timeout=60, options={"bogus_option": 1})
    done = dask_bench("run", str(study), "--quiet", timeout=50)
    assert done.returncode == 1
    last = done.stderr.strip().splitlines()[-1]
    assert last.startswith("error: workers failed to start") and "bogus_option" in last, last
    assert query(tmp_path / "r.db", "select status from runs") == [("failed",)]


def test_existing_backend_on_a_port_where_no_dask_scheduler_answers(tmp_path: Path) -> None:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    server = subprocess.Popen(
        [sys.executable, "-m", "http.server", str(port), "--bind", "127.0.0.1"],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        deadline = time.monotonic() + 20
        while time.monotonic() < deadline:
            try:
                socket.create_connection(("127.0.0.1", port), timeout=1).close()
                break
            except OSError:
                time.sleep(0.1)
        options = {"address": f"tcp://127.0.0.1:{port}", "timeout": 5}
        study = _study(tmp_path, backend="existing", options=options)
        done = dask_bench("run", str(study), "--quiet", timeout=5 + 2 + 30)
    finally:
        server.kill()
        server.wait()
    assert done.returncode != 0
    lines = done.stderr.strip().splitlines()
    assert len(lines) == 1 and "did not answer as a Dask scheduler" in lines[0], done.stderr


def test_ctrl_c_works_when_the_parent_ignored_it(tmp_path: Path) -> None:
    import signal

    from .helpers import BIN, descendants, stored_repetitions, wait_gone

    study = _study(tmp_path)
    spec = yaml.safe_load(study.read_text())
    spec["suites"]["tasks"] = {"workloads": ["map-sleep"], "options": {"sleep_seconds": 0.3}}
    spec["measurement"].update(min_repeats=30, max_repeats=30)
    study.write_text(yaml.safe_dump(spec))
    # as `nohup ... &` from a script does: the study starts with SIGINT ignored
    proc = subprocess.Popen(
        [str(BIN / "dask-bench"), "run", str(study), "--quiet"],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_IGN),
    )
    db = tmp_path / "r.db"
    seen: set = set()
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline and not (db.exists() and stored_repetitions(db) >= 2):
        seen |= set(descendants(proc.pid))
        time.sleep(0.2)
    proc.send_signal(signal.SIGINT)
    _, err = proc.communicate(timeout=60)
    assert proc.returncode == 130, err
    assert query(db, "select status from runs") == [("interrupted",)]
    assert wait_gone(seen) == []
