"""plan, script slurm, cleanup, open-files limit, subsets and schema 3, without a batch system."""

from __future__ import annotations

import os
import resource
import sqlite3
import subprocess
import sys

import pytest

from dask_bench import Store, build_study
from dask_bench.deploy import get_backend
from dask_bench.deploy.jobqueue.sbatch import allocation_script
from dask_bench.deploy.layout import WorkerLayout
from dask_bench.deploy.scaling import subset
from dask_bench.errors import ConfigError
from dask_bench.runner.cleanup import cleanup_run, runs_to_clean
from dask_bench.runner.limits import raise_open_files
from dask_bench.runner.preview import preview_study
from dask_bench.store import SCHEMA_VERSION

SLURM = {
    "deployment": {
        "backend": "slurm",
        "workers": [1, 2, 3, 4],
        "memory_per_worker": "1GiB",
        "cores_per_node": 2,
        "options": {"queue": "debug", "account": "proj7", "walltime": "00:10:00"},
    },
    "suites": {"tasks": {"workloads": ["map-tiny", "chain"], "chunk_size": 5, "per_unit": 2}},
}


def test_plan_shows_each_new_job_shape_once_and_the_node_layout():
    preview = preview_study(build_study(SLURM))
    jobs = {s.workers: [n for _, n in s.jobs] for s in preview.steps}  # (group, workers)
    assert jobs == {1: [1], 2: [2], 3: [2, 1], 4: [2, 2]}
    shown = [len(s.scripts) for s in preview.steps]
    assert shown == [1, 1, 0, 0]  # 1-worker and 2-worker jobs, each shown where first used
    text = preview.render()
    assert text.count("#SBATCH -J dask-bench-<run id>") == 2
    assert "--cpus-per-task=2" in text and "--nworkers 2" in text
    assert "#SBATCH -A proj7" in text and "#SBATCH -p debug" in text
    assert "8 points over 4 sizes" in text


def test_plan_of_a_local_study_has_no_job_scripts():
    preview = preview_study(build_study({"deployment": {"workers": [1, 2]}}))
    assert all(s.jobs == [] and s.scripts == [] for s in preview.steps)
    assert "-- job script --" not in preview.render()


def test_allocation_script_is_valid_bash_with_the_layout(tmp_path):
    study = tmp_path / "study.yaml"
    study.write_text("{}")
    text = allocation_script(
        study, 4, WorkerLayout(2, 2**30), SLURM["deployment"]["options"], 4, ["--db", "r.db"]
    )
    path = tmp_path / "job.sh"
    path.write_text(text)
    subprocess.run(["bash", "-n", str(path)], check=True)  # parses
    assert "#SBATCH --ntasks=6" in text and "#SBATCH --cpus-per-task=2" in text
    assert "#SBATCH --mem-per-cpu=640M" in text  # the nanny's headroom
    assert "#SBATCH --nodes=3" in text  # 4 + 2 two-thread tasks on 4-core nodes
    assert "#SBATCH --account=proj7" in text and "#SBATCH --partition=debug" in text
    assert "--nthreads 2 --memory-limit 1073741824" in text
    assert f"run {study.resolve()} --scheduler-file" in text and "--db r.db" in text


@pytest.mark.parametrize(
    ("backend", "command"),
    [
        ("slurm", "scancel"),
        ("sge", "qdel"),
        ("pbs", "qdel"),
        ("lsf", "bkill"),
        ("htcondor", "condor_rm"),
    ],
)
def test_each_batch_system_cancels_with_its_command_and_ignores_its_status(
    monkeypatch, backend, command
):
    batch = get_backend(backend).batch
    calls = []
    monkeypatch.setattr(batch, "run", lambda args, check=True: calls.append((args, check)) or "")
    batch.cancel(["12", "13"])
    assert calls == [([command, "12", "13"], False)]


def test_open_files_limit_is_raised_to_what_is_allowed():
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    try:
        resource.setrlimit(resource.RLIMIT_NOFILE, (256, hard))
        got = raise_open_files(4096)
        assert got["before"] == 256
        expected = 4096 if hard == resource.RLIM_INFINITY else min(4096, hard)
        assert resource.getrlimit(resource.RLIMIT_NOFILE)[0] == expected == got["after"]
    finally:
        resource.setrlimit(resource.RLIMIT_NOFILE, (soft, hard))


def test_subset_is_stable_and_sorted_naturally():
    pool = {f"tcp://h:{i}": {"name": str(n)} for i, n in enumerate([10, 2, 3, 1])}
    assert subset(pool, 2) == ("tcp://h:3", "tcp://h:1")  # names 1, 2
    assert subset(pool, 3)[:2] == subset(pool, 2)  # every size extends the previous


def _running_run(store: Store, pid: int):
    run = store.create_run(name="r", mode="weak", backend="local", layout={}, study={}, version="0")
    store.update_provenance(run, process={"host": os.uname().nodename, "pid": pid})
    return run


def test_cleanup_marks_a_dead_run_failed(tmp_path):
    store = Store(str(tmp_path / "c.db"), create=True)
    done = subprocess.run([sys.executable, "-c", "import os; print(os.getpid())"],
                          capture_output=True, text=True, check=True)  # fmt: skip
    run = _running_run(store, int(done.stdout))
    assert runs_to_clean(store, None) == [run]
    cleaned = cleanup_run(store, run)
    assert cleaned.marked_failed and cleaned.cancelled == []
    assert store.run(run.id).status == "failed"
    with pytest.raises(ConfigError, match="no run is recorded as running"):
        runs_to_clean(store, None)
    store.close()


def test_cleanup_refuses_a_study_that_still_runs(tmp_path):
    store = Store(str(tmp_path / "c.db"), create=True)
    proc = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(60)", "dask_bench"])
    try:
        run = _running_run(store, proc.pid)
        with pytest.raises(ConfigError, match=f"still running \\(process {proc.pid}\\)"):
            cleanup_run(store, run)
        assert cleanup_run(store, run, force=True).marked_failed
    finally:
        proc.kill()
        proc.wait()
        store.close()


def test_schema_2_database_gains_the_scale_event_columns(tmp_path):
    db = tmp_path / "v2.db"
    Store(str(db), create=True).close()
    con = sqlite3.connect(db)
    con.execute("alter table scale_events drop column details")
    con.execute("alter table scale_events drop column queue_seconds")
    con.execute("drop index ix_runs_study_id")  # schema 4
    con.execute("alter table runs drop column study_id")
    con.execute("alter table runs drop column variant")
    con.execute("alter table measurements drop column disturbed")  # schema 5
    con.execute("alter table measurements drop column disturbance")
    con.execute("alter table points drop column notes")
    con.execute("alter table points drop column scheduler")  # schema 8
    con.execute("alter table points drop column placement")
    con.execute("drop table scenario_repetitions")  # schema 7
    con.execute("drop table scenarios")
    con.execute("update meta set value='2' where key='schema_version'")
    con.commit()
    con.close()
    store = Store(str(db))
    run = store.create_run(name="r", mode="weak", backend="slurm", layout={}, study={},
                           version="0")  # fmt: skip
    store.add_scale_event(run, requested=2, previous=0, time_to_first=1.0, time_to_all=2.0,
                          ok=True, queue_seconds=0.5, details={"jobs": []})  # fmt: skip
    store.close()
    con = sqlite3.connect(db)
    assert con.execute("select value from meta where key = 'schema_version'").fetchone() == (
        str(SCHEMA_VERSION),
    )
    assert con.execute("select queue_seconds, details from scale_events").fetchone() == (
        0.5,
        '{"jobs": []}',
    )


def test_a_run_s_tag_keeps_two_databases_runs_of_one_id_apart():
    from dask_bench.deploy import job_tag

    assert job_tag(1, "3f9a1c2b7d4e") == "dask-bench-1-3f9a1c"
    assert job_tag(1, "0123456789ab") != job_tag(1, "3f9a1c2b7d4e")
    assert job_tag(1) == "dask-bench-1"  # a run stored without a study id
    assert job_tag() == "dask-bench-<run id>"  # what plan shows before the run exists
