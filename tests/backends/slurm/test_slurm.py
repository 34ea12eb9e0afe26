"""The ``slurm`` back-end against a real Slurm (testbeds/slurm: node[1-4], 2 CPUs each).

Tiny workloads only: the whole file takes about a minute on 2 cores, two on a busy machine
(the test bed's start and stop included).
"""

from __future__ import annotations

import json
import signal
import sqlite3
import subprocess
import sys
from collections import Counter
from pathlib import Path

import dask
import psutil
import pytest
import yaml

from dask_bench import Store, build_study, run_study
from dask_bench.errors import WorkersTimeout
from tests.integration.helpers import alive, dask_bench, descendants, query, run_tag, start_study

from .helpers import job_ids, queue, wait_gone, wait_until

pytestmark = pytest.mark.slurm


def slurm_study(folder: Path, db: Path, workers: list[int], **deployment) -> dict:
    """A study of one tiny workload on SLURMCluster; job logs go to ``folder``."""
    options = {
        "queue": "debug",
        "walltime": "00:10:00",
        "scheduler_options": {"host": "127.0.0.1"},
        "log_directory": str(folder / "jobs"),
    }
    return {
        "name": "slurm-test",
        "deployment": {
            "backend": "slurm",
            "workers": workers,
            "memory_per_worker": "512MiB",
            "startup_timeout": 60,
            "options": options,
            **deployment,
        },
        "suites": {"tasks": {"workloads": ["map-tiny"], "chunk_size": 5, "per_unit": 1}},
        "measurement": {
            "min_repeats": 2,
            "max_repeats": 2,
            "warmup": 0,
            "breakdown": False,
            "hardware_baseline": False,
        },
        "database": str(db),
        "report": False,
    }


def write_study(folder: Path, spec: dict) -> Path:
    path = folder / "study.yaml"
    path.write_text(yaml.safe_dump(spec))
    return path


def run_row(db: Path, run_id: int) -> tuple[str, str, str | None, dict]:
    """status, backend, message and environment of a run."""
    status, backend, message, env = query(
        db, "select status, backend, message, environment from runs where id = ?", run_id
    )[0]
    return status, backend, message, json.loads(env)


def job_processes(tag: str) -> list[psutil.Process]:
    """Live processes started by the jobs called ``tag`` (their environment names the job)."""
    found = []
    for proc in psutil.process_iter():
        try:
            if proc.environ().get("SLURM_JOB_NAME") == tag:
                found.append(proc)
        except psutil.Error:  # gone meanwhile, or a zombie
            continue
    return alive(found)


def test_weak_scaling_spreads_jobs_over_nodes(tmp_path):
    db = tmp_path / "results.db"
    spec = slurm_study(tmp_path, db, [1, 2, 4], cores_per_node=2, startup_timeout=30)
    # SpecCluster closes the job named like a lost worker this long after the worker left
    # (15 s by default): short, so that a job wrongly named like a cancelled one is
    # cancelled while the study still runs.
    with dask.config.set({"distributed.deploy.lost-worker-timeout": "1s"}):
        result = run_study(build_study(spec))
    assert (result.status, result.failed_points, result.points) == ("complete", 0, 3)
    tag = run_tag(db, result.run_id)

    events = query(
        db,
        "select requested, ok, time_to_first, time_to_all, queue_seconds, details "
        "from scale_events where run_id = ? order by id",
        result.run_id,
    )
    assert [(e[0], e[1]) for e in events] == [(1, 1), (2, 1), (4, 1)]
    for requested, _, first, everyone, waited, _ in events:
        assert first is not None and everyone is not None and waited is not None, requested
        assert 0 <= first <= everyone and waited >= 0
    details = {e[0]: json.loads(e[5]) for e in events}

    # 1 -> 2 workers: a new job of 2 workers replaces the job of 1, on one node.
    (one,) = details[1]["jobs"]
    assert (one["workers"], one["state"]) == (1, "RUNNING")
    (pair,) = details[2]["jobs"]
    assert (pair["workers"], pair["state"]) == (2, "RUNNING") and pair["job_id"]
    assert sorted(details[2]["nodes"].values()) == [pair["nodes"]] * 2
    # 2 -> 4 workers: a second job of 2 workers on another node; the first one stays.
    (second,) = details[4]["jobs"]
    assert (second["workers"], second["state"]) == (2, "RUNNING")
    assert second["job_id"] != pair["job_id"] and second["nodes"] != pair["nodes"]
    assert Counter(details[4]["nodes"].values()) == {pair["nodes"]: 2, second["nodes"]: 2}
    assert set(details[2]["nodes"]) < set(details[4]["nodes"])

    status, backend, _, env = run_row(db, result.run_id)
    assert (status, backend) == ("complete", "slurm")
    scripts = env["deployment"]["job_scripts"]
    assert sorted(scripts) == ["1", "2"]
    for text in scripts.values():
        assert f"#SBATCH -J {tag}\n" in text
    assert "--nworkers 2" in scripts["2"] and "--cpus-per-task=2" in scripts["2"]
    points = query(db, "select workers, status from points where run_id = ?", result.run_id)
    assert sorted(points) == [(1, "ok"), (2, "ok"), (4, "ok")]
    # Closing cancelled the jobs: at most their processes are still being ended.
    assert {row[2] for row in queue(tag)} <= {"COMPLETING"}
    assert wait_gone(job_ids(tag), within=10) == []


def test_cleanup_cancels_the_jobs_of_a_killed_study(tmp_path):
    db = tmp_path / "results.db"
    spec = slurm_study(tmp_path, db, [2])
    # One point that lasts far longer than the test: 200 repetitions of a 0.5 s task.
    spec["suites"] = {
        "tasks": {
            "workloads": ["map-sleep"],
            "chunk_size": 1,
            "per_unit": 1,
            "options": {"sleep_seconds": 0.5},
        }
    }
    spec["measurement"].update(min_repeats=200, max_repeats=200, point_budget=None)
    # A worker closes as soon as its scheduler's connection breaks, and its job then ends by
    # itself; a job that outlives the study (its node lost the network, its script goes on)
    # is what cleanup is for. This interpreter keeps the job alive after the worker ends.
    wrapper = tmp_path / "python-then-wait"
    wrapper.write_text(f'#!/bin/sh\n"{sys.executable}" "$@"\nsleep 300\n')
    wrapper.chmod(0o755)
    spec["deployment"]["options"]["python"] = str(wrapper)
    proc = start_study(tmp_path, spec)
    local: list[psutil.Process] = []
    try:
        stored = wait_until(lambda: _first_run(db) is not None, 30)
        assert stored, proc.communicate() if proc.poll() is not None else "the study stored no run"
        run_id = _first_run(db)
        tag = run_tag(db, run_id)

        def measuring() -> bool:
            # both jobs run, and their workers arrived: the study measures
            assert proc.poll() is None, proc.communicate()
            arrived = query(db, "select count(*) from scale_events where ok = 1")[0][0]
            return arrived == 1 and [row[2] for row in queue(tag)] == ["RUNNING"] * 2

        assert wait_until(measuring, 60), queue(tag)
        local = descendants(proc.pid)
        proc.send_signal(signal.SIGKILL)
        proc.communicate(timeout=30)
        assert proc.returncode == -signal.SIGKILL

        # Nothing cancelled the jobs: their workers are still there.
        jobs = sorted(job_ids(tag))
        assert len(jobs) == 2
        assert job_processes(tag), "the jobs run no process"
        assert run_row(db, run_id)[0] == "running"

        # Another database's run of the same id, left running by a dead study: its
        # cleanup cancels its own jobs (none), never this study's.
        other = tmp_path / "other.db"
        store = Store(str(other), create=True)
        stray = store.create_run(
            name="other", mode="weak", backend="slurm", layout={}, study={}, version="0",
            study_id="0123456789ab",
        )  # fmt: skip
        store.update_provenance(stray, process={"host": "elsewhere", "pid": 1})
        store.close()
        assert stray.id == run_id
        elsewhere = dask_bench("cleanup", str(run_id), "--db", str(other), timeout=60)
        assert elsewhere.returncode == 0, elsewhere.stderr
        assert f"run {run_id} (slurm): cancelled jobs: none left; marked failed" in elsewhere.stdout
        assert sorted(job_ids(tag)) == jobs

        done = dask_bench("cleanup", str(run_id), "--db", str(db), timeout=60)
        assert done.returncode == 0, done.stderr
        head = f"run {run_id} (slurm): cancelled jobs: "
        (line,) = [ln for ln in done.stdout.splitlines() if ln.startswith(head)]
        cancelled, _, note = line.removeprefix(head).partition("; ")
        assert sorted(cancelled.split(", ")) == jobs and note == "marked failed"
        assert wait_gone(jobs, within=15) == []
        status, _, message, _ = run_row(db, run_id)
        assert status == "failed" and "cleaned up" in (message or "")
        # Cancelling a job ends its processes, the waiting script included.
        assert wait_until(lambda: not job_processes(tag), 20), job_processes(tag)
        # The scheduler ran inside the killed process; nothing else it started survives.
        assert alive(local) == []
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.communicate()
        for leftover in alive(local):
            leftover.kill()


def _first_run(db: Path) -> int | None:
    try:
        rows = query(db, "select id from runs order by id")
    except sqlite3.OperationalError:  # no tables yet
        return None
    return int(rows[0][0]) if rows else None


def test_pending_jobs_time_out_with_their_state_and_reason(tmp_path):
    db = tmp_path / "results.db"
    spec = slurm_study(tmp_path, db, [1], startup_timeout=5)
    # Held back for an hour: Slurm reports the reason BeginTime.
    spec["deployment"]["options"]["job_extra_directives"] = ["--begin=now+3600"]
    with pytest.raises(WorkersTimeout) as failure:
        run_study(build_study(spec))
    message = str(failure.value)
    assert "expected 1 worker" in message and "0 arrived within 5 s" in message
    assert "PENDING (BeginTime)" in message
    ((run_id,),) = query(db, "select id from runs")
    status, _, stored, _ = run_row(db, run_id)
    assert status == "failed" and stored == message
    # Closing the cluster cancelled the pending job.
    assert wait_gone(job_ids(run_tag(db, run_id)), within=10) == []


def test_a_refused_submission_stops_the_study_at_once_with_sbatch_s_words(tmp_path):
    db = tmp_path / "results.db"
    spec = slurm_study(tmp_path, db, [1], startup_timeout=60)
    spec["deployment"]["options"]["job_extra_directives"] = ["--partition=nosuchpartition"]
    with pytest.raises(WorkersTimeout) as failure:
        run_study(build_study(spec))
    message = str(failure.value)
    # sbatch's own message, long before the 60 s startup timeout
    assert message.startswith("workers failed to start after") and "partition" in message
    elapsed = float(message.split("after ")[1].split(" s")[0])
    assert elapsed < 30, message
    ((run_id,),) = query(db, "select id from runs")
    assert run_row(db, run_id)[0] == "failed"


def test_plan_shows_job_scripts_without_submitting(tmp_path):
    db = tmp_path / "results.db"
    study = write_study(tmp_path, slurm_study(tmp_path, db, [1, 2, 4], cores_per_node=2))
    before = sorted(job_ids())
    done = dask_bench("plan", str(study), timeout=60)
    assert done.returncode == 0, done.stderr
    out = done.stdout
    assert "nothing is submitted" in out and "jobs: 2 + 2 workers" in out
    assert out.count("#SBATCH -J dask-bench-<run id>") == 2  # one script per job shape
    assert "--cpus-per-task=1" in out and "--cpus-per-task=2" in out
    assert "tcp://<scheduler-address>:8786" in out
    assert sorted(job_ids()) == before
    assert not db.exists()


def test_script_slurm_runs_the_study_in_one_allocation(tmp_path):
    db = tmp_path / "alloc.db"
    spec = slurm_study(tmp_path, tmp_path / "unused.db", [1, 2, 4], cores_per_node=2)
    options = spec["deployment"]["options"]
    # the site's prologue reads an unset variable, as module init scripts do: before set -u
    options["job_script_prologue"] = ['echo "prologue ${NOT_SET_ANYWHERE}"']
    del options["walltime"]  # estimated from the plan
    study = write_study(tmp_path, spec)
    script = tmp_path / "alloc.sh"
    written = dask_bench("script", "slurm", str(study), "-o", str(script), "--db", str(db))
    assert written.returncode == 0, written.stderr
    text = script.read_text()
    # 4 workers and the scheduler's and the study's tasks, 2 per node
    assert "#SBATCH --nodes=3" in text and "#SBATCH --ntasks=6" in text
    assert "#SBATCH --time=00:15:00" in text

    submitted = subprocess.run(
        ["sbatch", "--parsable", str(script)],
        capture_output=True,
        text=True,
        cwd=tmp_path,
        timeout=30,
        check=False,
    )
    assert submitted.returncode == 0, submitted.stderr
    job = submitted.stdout.strip().split(";")[0]
    # log_directory holds the job's output and the scheduler's and workers' logs
    logs = tmp_path / "jobs"
    output = logs / f"dask-bench-study-{job}.out"
    try:
        finished = wait_until(lambda: job not in job_ids(), 120, every=1)
        log = _job_logs(output, logs / f"dask-bench-{job}")
        assert finished, f"job {job} still in the queue after 120 s:\n{log}"
        assert db.exists(), log
        assert "prologue \n" in output.read_text(), log
        runs = query(db, "select id, status, backend from runs")
        assert [(s, b) for _, s, b in runs] == [("complete", "slurm-allocation")], log
        points = query(db, "select workers, status from points where run_id = ?", runs[0][0])
        assert sorted(points) == [(1, "ok"), (2, "ok"), (4, "ok")], log
        alloc = run_row(db, runs[0][0])[3]["deployment"]["allocation"]
        assert (alloc["batch_system"], alloc["job_id"]) == ("Slurm", job)
        assert alloc["nodes"].startswith("node") and alloc["queue_seconds"] >= 0
        # three job steps: Slurm gives no two of them (--exact) the same CPUs
        scheduler, client = alloc["scheduler"]["step"], alloc["client"]["step"]
        assert len(alloc["worker_steps"]) == 1 and alloc["worker_steps"][0].startswith(job)
        assert len({scheduler, client, alloc["worker_steps"][0]}) == 3
        shown = dask_bench("show", str(runs[0][0]), "--db", str(db))
        assert f"Slurm job {job} on node" in shown.stdout, shown.stdout + shown.stderr
        # the workers' step ended with the allocation: nothing of dask-bench is left
        assert [name for _, name, _, _ in queue() if name.startswith("dask-bench-")] == []
    finally:
        subprocess.run(["scancel", job], capture_output=True, timeout=30, check=False)


def _job_logs(output: Path, work: Path) -> str:
    """The allocation's output, and the scheduler's and workers' logs, to explain a failure."""
    parts = []
    for path in (output, work / "scheduler.log", work / "workers.log"):
        text = path.read_text(errors="replace") if path.exists() else "<missing>"
        parts.append(f"----- {path.name} -----\n{text[-4000:]}")
    return "\n".join(parts)


def test_tls_certificates_reach_the_jobs_through_the_shared_directory(tmp_path, monkeypatch):
    db = tmp_path / "results.db"
    spec = slurm_study(tmp_path, db, [1, 2])
    spec["security"] = {"tls": "auto"}
    # dask-jobqueue writes the temporary certificates to the working directory by default,
    # which the simulated nodes share with this process
    monkeypatch.chdir(tmp_path)
    result = run_study(build_study(spec))
    assert (result.status, result.failed_points) == ("complete", 0), result.message
    _, _, _, env = run_row(db, result.run_id)
    assert env["security"]["tls"] == "auto"
    assert env["security"]["scheduler_address"].startswith("tls://")
    assert env["security"]["worker_schemes"] == ["tls"]
    scripts = env["deployment"]["job_scripts"]
    for text in scripts.values():
        assert "--protocol tls" in text or "tls://" in text
        assert f"--tls-ca-file {tmp_path}/.dask-jobqueue.worker.ca_file." in text
    tag = run_tag(db, result.run_id)
    assert wait_gone(job_ids(tag), within=10) == []
