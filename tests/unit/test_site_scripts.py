"""The one-allocation scripts (``script slurm``, ``script pbs``) as a site's admin would read them.

Nothing is submitted here: the Slurm script runs against the test bed in
tests/backends/slurm; PBS cannot run on this machine, so its scripts are read.
"""

from __future__ import annotations

import subprocess
from pathlib import Path
from typing import Any

import pytest
import yaml
from click.testing import CliRunner

from dask_bench.cli import cli
from dask_bench.deploy import get_backend
from dask_bench.deploy.jobqueue._alloc import NANNY_HEADROOM, ScriptSettings, walltime_text
from dask_bench.deploy.jobqueue.allocation import SlurmAllocationBackend
from dask_bench.deploy.jobqueue.core import JobQueueBackend
from dask_bench.deploy.jobqueue.qsub import node_workers, pbs_script
from dask_bench.deploy.jobqueue.sbatch import allocation_script
from dask_bench.deploy.layout import WorkerLayout
from dask_bench.errors import ConfigError
from dask_bench.report._format import format_allocation
from dask_bench.runner.estimate import Estimate, walltime_seconds

GIB = 2**30
LAYOUT = WorkerLayout(threads_per_worker=1, memory_per_worker=2 * GIB)
PROLOGUE = ["module load python3/3.11.0", "source /g/data/vp91/venv/bin/activate"]
#: NCI Gadi's PBSCluster setup, as a site gives it.
GADI: dict[str, Any] = {
    "job_extra_directives": ["-q normal", "-P vp91", "-l ncpus=48", "-l mem=192GB"],
    "job_directives_skip": ["select"],
    "interface": "ib0",
    "local_directory": "$TMPDIR",
    "job_script_prologue": PROLOGUE,
    "shebang": "#!/usr/bin/env bash",
    "python": "/g/data/vp91/venv/bin/python",
}


def _lines(text: str) -> list[str]:
    return text.splitlines()


def _bash_parses(tmp_path: Path, text: str) -> None:
    path = tmp_path / "job.sh"
    path.write_text(text)
    subprocess.run(["bash", "-n", str(path)], check=True)


@pytest.mark.parametrize("make", [allocation_script, pbs_script])
def test_the_prologue_runs_before_strict_mode_and_the_open_files_limit(tmp_path, make):
    text = make(tmp_path / "s.yaml", 4, LAYOUT, {"job_script_prologue": PROLOGUE})
    _bash_parses(tmp_path, text)
    lines = _lines(text)
    strict = lines.index("set -euo pipefail")
    assert max(lines.index(p) for p in PROLOGUE) < strict
    ulimit = next(i for i, ln in enumerate(lines) if ln.startswith("ulimit -n"))
    scheduler = next(i for i, ln in enumerate(lines) if "dask_scheduler" in ln)
    assert strict < ulimit < scheduler  # the scheduler inherits the raised limit


def test_slurm_scheduler_and_study_are_steps_of_their_own(tmp_path):
    text = allocation_script(tmp_path / "s.yaml", 4, WorkerLayout(2, GIB))
    assert "#SBATCH --ntasks=6" in text and "#SBATCH --cpus-per-task=2" in text
    # the nanny's headroom: the task gets more than the worker's limit
    assert f"#SBATCH --mem-per-cpu={(GIB + NANNY_HEADROOM) // 2 // 2**20}M" in text
    assert "--memory-limit 1073741824" in text
    one = "srun --nodes=1 --ntasks=1 --cpus-per-task=2 --exact "
    (scheduler,) = [ln for ln in _lines(text) if "dask_scheduler" in ln]
    (study,) = [ln for ln in _lines(text) if "-m dask_bench run" in ln]
    (workers,) = [ln for ln in _lines(text) if "dask_worker" in ln]
    assert scheduler.startswith(one) and study.startswith(one)
    assert workers.startswith("srun --ntasks=4 --cpus-per-task=2 --exact ")
    assert "--backend slurm-allocation" in study


def test_slurm_exclusive_binding_walltime_and_log_directory(tmp_path):
    options = {"log_directory": "/scratch/logs", "queue": "debug"}
    settings = ScriptSettings(exclusive=True, cpu_bind="cores", walltime_seconds=26 * 3600)
    text = allocation_script(tmp_path / "s.yaml", 2, LAYOUT, options, settings=settings)
    _bash_parses(tmp_path, text)
    assert "#SBATCH --exclusive" in text and "#SBATCH --time=1-02:00:00" in text
    assert "#SBATCH --output=/scratch/logs/dask-bench-study-%j.out" in text
    assert 'work=/scratch/logs/"dask-bench-${SLURM_JOB_ID:-local}"' in text
    assert sum("srun " in ln and "--cpu-bind=cores" in ln for ln in _lines(text)) == 3
    # the options' walltime wins over the estimate
    text = allocation_script(
        tmp_path / "s.yaml", 2, LAYOUT, {"walltime": "00:20:00"}, settings=settings
    )
    assert "#SBATCH --time=00:20:00" in text and "1-02:00:00" not in text


def test_the_walltime_is_the_estimate_with_a_margin():
    assert walltime_seconds(Estimate(10, 100, False)) == 900  # 150 s + 10 min -> 15 min
    assert walltime_seconds(Estimate(10, 3600, False)) == 6000  # 1.5 h + 10 min -> 1 h 40
    assert walltime_text(6000, days=False) == "01:40:00"
    assert walltime_text(90000, days=False) == "25:00:00"


def test_pbs_script_for_the_gadi_setup_passes_everything_through(tmp_path):
    text = pbs_script(tmp_path / "s.yaml", 4, LAYOUT, GADI, cores_per_node=48)
    _bash_parses(tmp_path, text)
    lines = _lines(text)
    assert lines[0] == "#!/usr/bin/env bash"
    directives = [ln for ln in lines if ln.startswith("#PBS")]
    assert not any("select" in ln for ln in directives)  # job_directives_skip
    for extra in GADI["job_extra_directives"]:
        assert f"#PBS {extra}" in directives
    assert "#PBS -N dask-bench-study" in directives
    python = GADI["python"]
    (scheduler,) = [ln for ln in lines if "dask_scheduler" in ln]
    assert scheduler.startswith(f"{python} -m ") and "--interface ib0" in scheduler
    (worker,) = [ln for ln in lines if "dask_worker" in ln]
    assert worker.startswith(f"exec {python} -m ") and '--local-directory "$TMPDIR"' in worker
    assert "--interface ib0" in worker and '--nworkers "$2"' in worker
    # the workers' launcher repeats the prologue before its strict mode (pbsdsh passes no env)
    launcher = lines[lines.index("cat > \"$work/workers.sh\" <<'DASK_BENCH_WORKERS'") + 1 :]
    assert launcher[0] == "#!/usr/bin/env bash"
    assert launcher.index(PROLOGUE[1]) < launcher.index("set -euo pipefail")
    assert "counts=(4)" in text and 'pbsdsh -n "${hosts[$k]}"' in text
    assert f"{python} -m dask_bench run" in text and "--backend pbs-allocation" in text


def test_pbs_select_keeps_the_first_node_s_cpus_for_scheduler_and_study(tmp_path):
    assert node_workers(4, 1, 2) == ([0, 2, 2], 2)  # scheduler and study fill node 1
    assert node_workers(6, 1, 4) == ([2, 4], 2)
    assert node_workers(2, 4, 4) == ([0, 1, 1], 1)  # a node holds one worker
    assert node_workers(3, 1, None) == ([3], 2)
    text = pbs_script(tmp_path / "s.yaml", 6, LAYOUT, {"queue": "workq"}, cores_per_node=4,
                      settings=ScriptSettings(exclusive=True, walltime_seconds=600))  # fmt: skip
    mem = 4 * (2 * GIB + NANNY_HEADROOM) // 2**20
    assert f"#PBS -l select=2:ncpus=4:mem={mem}mb" in text
    assert "#PBS -l place=scatter:excl" in text and "#PBS -l walltime=00:10:00" in text
    assert "#PBS -q workq" in text
    with pytest.raises(ConfigError, match="Slurm's"):
        pbs_script("s.yaml", 2, LAYOUT, settings=ScriptSettings(cpu_bind="cores"))


def test_pbscluster_job_script_for_the_gadi_setup():
    cls = get_backend("pbs")
    assert issubclass(cls, JobQueueBackend)
    backend = cls(WorkerLayout(1, 4 * GIB), GADI, cores_per_node=48)
    (script,) = backend.job_scripts(4)
    lines = _lines(script)
    assert lines[0] == "#!/usr/bin/env bash"
    assert not any("select" in ln for ln in lines if ln.startswith("#PBS"))
    for extra in GADI["job_extra_directives"]:
        assert f"#PBS {extra}" in lines
    (worker,) = [ln for ln in lines if "distributed.cli.dask_worker" in ln]
    assert worker.startswith(f"{GADI['python']} -m distributed.cli.dask_worker")
    assert "--interface ib0" in worker and "--local-directory $TMPDIR" in worker
    assert "--nworkers 4" in worker
    # the prologue comes before the worker, and nothing sets -u before it
    assert max(lines.index(p) for p in PROLOGUE) < lines.index(worker)
    assert not any(ln.startswith("set -") for ln in lines[: lines.index(PROLOGUE[0])])


def _study(tmp_path: Path, backend: str, options: dict[str, Any]) -> Path:
    spec = {
        "deployment": {
            "backend": backend,
            "workers": [1, 2, 4],
            "memory_per_worker": "1GiB",
            "cores_per_node": 48,
            "options": options,
        },
        "suites": {"tasks": {"workloads": ["map-tiny"]}},
    }
    path = tmp_path / "study.yaml"
    path.write_text(yaml.safe_dump(spec))
    return path


def test_script_pbs_command_writes_the_gadi_script(tmp_path):
    logs = tmp_path / "logs"
    study = _study(tmp_path, "pbs", {**GADI, "log_directory": str(logs)})
    out = tmp_path / "job.pbs"
    done = CliRunner().invoke(cli, ["script", "pbs", str(study), "-o", str(out), "--exclusive"])
    assert done.exit_code == 0, done.output
    text = out.read_text()
    assert "#PBS -l walltime=00:15:00" in text  # estimated: the study sets none
    assert f"#PBS -o {logs}/" in text and logs.is_dir()  # PBS does not create it
    assert "#PBS -l place=excl" in text


def test_plan_says_the_exact_mpirun_ranks(tmp_path):
    pytest.importorskip("mpi4py")
    study = _study(tmp_path, "local", {})
    done = CliRunner().invoke(cli, ["plan", str(study), "--backend", "mpi"])
    assert done.exit_code == 0, done.output
    assert "mpirun -n 6 dask-bench run STUDY --backend mpi (4 worker ranks" in done.output
    assert "srun -n 6" in done.output


def test_the_allocation_back_end_refuses_to_run_outside_a_job(monkeypatch, tmp_path):
    monkeypatch.delenv("SLURM_JOB_ID", raising=False)
    backend = SlurmAllocationBackend(LAYOUT, {"scheduler_file": str(tmp_path / "s.json")})
    with pytest.raises(ConfigError, match="SLURM_JOB_ID is not set; submit the script"):
        backend.setup()


def test_show_names_the_allocation():
    deployment = {
        "allocation": {
            "batch_system": "Slurm",
            "job_id": "141",
            "nodes": "node[1-3]",
            "queue_seconds": 2.0,
            "scheduler": {"node": "node1", "step": "141.0"},
            "client": {"node": "node3", "step": "141.2"},
            "worker_steps": ["141.1"],
        }
    }
    text = format_allocation(deployment)
    assert text is not None and text.startswith("Slurm job 141 on node[1-3], queued 2")
    assert "scheduler on node1 step 141.0; study on node3 step 141.2" in text
    assert format_allocation({"backend": "existing"}) is None
