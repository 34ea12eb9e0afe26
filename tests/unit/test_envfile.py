"""The seed tool's .env file: each key's mapping, ignored keys, bad values and precedence."""

from __future__ import annotations

import pytest
import yaml
from click.testing import CliRunner

from dask_bench.cli import cli
from dask_bench.cli.run import build_run_study
from dask_bench.envfile import NOT_KUBE, SCHEDULER, UNKNOWN, study_from_env
from dask_bench.errors import ConfigError

SEED = """\
KUBE=False
MAX_N_CORES=64
CORES_PER_NODE=24
STEP_BY=16
OBS_PER_ITER=5
MEM_PER_NODE=48GiB
NET_INTERFACE=ib0
ACCOUNT=proj42
PARTITION=normal
TIME_LIMIT=01:30:00
ENV_TO_SOURCE=~/venv/bin/activate
TIMEOUT=300
POLL_INTERVAL=1
PROBLEM_SIZE_ARRAY=5000
PROBLEM_SIZE_DATAFRAMES=100000
USE_SSL=False
CERT_DIR=certs
OUT_DIR=/scratch/logs
RES_DIR=results
RES_FILE_NAME=scaling.csv
VERBOSE=True
KUBE_NAMESPACE=dask
CONTAINER_IMAGE=ghcr.io/dask/dask:latest
SCHEDULER_CORES=4
SCHEDULER_MEM=8GB
"""


def env(tmp_path, text, name=".env"):
    path = tmp_path / name
    path.write_text(text)
    return path


def mapped(tmp_path, text):
    return study_from_env(env(tmp_path, text))


def test_every_key_of_the_seed(tmp_path):
    m = mapped(tmp_path, SEED)
    assert m.overrides == {
        "deployment.backend": "slurm",
        "deployment.workers": [1, 16, 32, 48, 64],
        "deployment.threads_per_worker": 1,
        "deployment.cores_per_node": 24,
        "deployment.memory_per_worker": 2 * 2**30,
        "measurement.min_repeats": 5,
        "measurement.max_repeats": 5,
        "deployment.options.interface": "ib0",
        "deployment.options.account": "proj42",
        "deployment.options.queue": "normal",
        "deployment.options.walltime": "01:30:00",
        "deployment.options.job_script_prologue": ["source ~/venv/bin/activate"],
        "deployment.options.log_directory": "/scratch/logs",
        "deployment.startup_timeout": 300.0,
        "suites.arrays.chunk_size": 5000,
        "suites.dataframes.chunk_size": 100000,
        "database": "results/scaling.db",
        "security.tls": False,
    }
    assert dict(m.ignored) == {
        "POLL_INTERVAL": "workers are awaited by polling the scheduler every 10 ms",
        "CERT_DIR": "unused: TLS is off, USE_SSL is not true",
        "VERBOSE": "progress is always shown; use --quiet to hide it",
        "KUBE_NAMESPACE": NOT_KUBE,
        "CONTAINER_IMAGE": NOT_KUBE,
        "SCHEDULER_CORES": SCHEDULER,
        "SCHEDULER_MEM": SCHEDULER,
    }
    # Every key of the file is either applied or ignored, never both, never lost.
    applied = {k for k, _ in m.applied}
    file_keys = {line.split("=")[0] for line in SEED.splitlines()}
    assert applied | set(dict(m.ignored)) == file_keys
    assert not applied & set(dict(m.ignored))
    assert ("RES_FILE_NAME", "database") in m.applied and ("STEP_BY", "deployment.workers") in (
        m.applied
    )


def test_the_full_seed_builds_a_valid_slurm_study(tmp_path):
    study, m = build_run_study(None, {}, str(env(tmp_path, SEED)))
    assert m is not None
    d = study.deployment
    assert (d.backend, d.workers, d.threads_per_worker) == ("slurm", [1, 16, 32, 48, 64], 1)
    assert d.cores_per_node == 24 and d.memory_per_worker == 2 * 2**30
    assert d.options["queue"] == "normal" and d.options["walltime"] == "01:30:00"
    assert study.measurement.min_repeats == study.measurement.max_repeats == 5
    assert list(study.suites.selected()) == ["tasks", "arrays", "dataframes", "climate"]
    assert study.suites.get("arrays") is not None and study.suites.get("arrays").chunk_size == 5000
    assert (
        study.suites.get("dataframes") is not None
        and study.suites.get("dataframes").chunk_size == 100000
    )
    assert study.database == "results/scaling.db"
    assert study.security.tls is False


@pytest.mark.parametrize(
    ("max_cores", "step", "workers"),
    [
        (64, 16, [1, 16, 32, 48, 64]),
        (10, 4, [1, 4, 8, 10]),  # MAX_N_CORES is always measured
        (5, 1, [1, 2, 3, 4, 5]),
        (3, 8, [1, 3]),
        (1, 1, [1]),
        (6, None, [1, 2, 4, 6]),  # no STEP_BY: powers of two, then MAX_N_CORES
        (48, None, [1, 2, 4, 8, 16, 32, 48]),
    ],
)
def test_max_cores_and_step_sweep_cores(tmp_path, max_cores, step, workers):
    text = f"MAX_N_CORES={max_cores}\n" + (f"STEP_BY={step}\n" if step else "")
    m = mapped(tmp_path, text)
    assert m.overrides["deployment.workers"] == workers
    assert m.overrides["deployment.threads_per_worker"] == 1  # units = cores
    if step is None:
        assert "powers of two" in m.notes["deployment.workers"]


def test_step_without_max_cores_is_ignored(tmp_path):
    m = mapped(tmp_path, "STEP_BY=4\n")
    assert "deployment.workers" not in m.overrides
    assert m.ignored == [("STEP_BY", "needs MAX_N_CORES; the study's worker counts are kept")]


@pytest.mark.parametrize("text", ["", "KUBE=false\n", "KUBE=0\n", "KUBE=No\n", "KUBE=\n"])
def test_kube_false_or_absent_means_slurm(tmp_path, text):
    m = mapped(tmp_path, text)
    assert m.overrides["deployment.backend"] == "slurm"
    assert ("KUBE", "deployment.backend") in m.applied and not m.ignored


def test_memory_per_node_is_split_over_its_cores(tmp_path):
    m = mapped(tmp_path, "CORES_PER_NODE=16\nMEM_PER_NODE=64GiB\n")
    assert m.overrides["deployment.memory_per_worker"] == 4 * 2**30
    assert m.notes["deployment.memory_per_worker"] == "64GiB / 16 cores = 4.00 GiB"
    m = mapped(tmp_path, "CORES_PER_NODE=3\nMEM_PER_NODE=10GB\n")
    assert m.overrides["deployment.memory_per_worker"] == 10**10 // 3  # whole bytes
    alone = mapped(tmp_path, "MEM_PER_NODE=64GB\n")
    assert "deployment.memory_per_worker" not in alone.overrides
    assert alone.ignored == [("MEM_PER_NODE", "needs CORES_PER_NODE to split it over the workers")]


def test_observations_are_exactly_the_repetitions(tmp_path):
    m = mapped(tmp_path, "OBS_PER_ITER=7\n")
    assert m.overrides["measurement.min_repeats"] == m.overrides["measurement.max_repeats"] == 7
    with pytest.raises(ConfigError) as err:
        mapped(tmp_path, "OBS_PER_ITER=1\n")
    assert "OBS_PER_ITER='1' is not at least 2" in str(err.value)


@pytest.mark.parametrize(
    ("text", "database", "note"),
    [
        ("RES_DIR=out\nRES_FILE_NAME=r.csv\n", "out/r.db", ".csv replaced by .db"),
        ("RES_DIR=out\nRES_FILE_NAME=r.CSV\n", "out/r.db", ".csv replaced by .db"),
        ("RES_DIR=out\nRES_FILE_NAME=r.sqlite\n", "out/r.sqlite", None),
        ("RES_DIR=out\nRES_FILE_NAME=results\n", "out/results.db", ".db added"),
        ("RES_DIR=/data/out\n", "/data/out/dask-bench.db", None),
        ("RES_FILE_NAME=r.csv\n", "r.db", ".csv replaced by .db"),
    ],
)
def test_results_go_to_a_database(tmp_path, text, database, note):
    m = mapped(tmp_path, text)
    assert m.overrides["database"] == database
    assert (note is None) == ("database" not in m.notes)
    if note:
        assert m.notes["database"].startswith(note)


def test_unknown_empty_and_scheduler_keys_are_ignored(tmp_path):
    m = mapped(tmp_path, "FOO=1\nACCOUNT=\nBARE\nSCHEDULER_WALLTIME=1:00:00\n")
    assert dict(m.ignored) == {
        "FOO": UNKNOWN,
        "ACCOUNT": "empty value",
        "BARE": "empty value",
        "SCHEDULER_WALLTIME": SCHEDULER,
    }
    assert "deployment.options.account" not in m.overrides


def test_quoted_values_comments_and_export_are_read(tmp_path):
    m = mapped(tmp_path, '# the seed\nexport PARTITION="gpu large"  # comment\nTIMEOUT=2.5\n')
    assert m.overrides["deployment.options.queue"] == "gpu large"
    assert m.overrides["deployment.startup_timeout"] == 2.5


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("MAX_N_CORES=abc\n", "MAX_N_CORES='abc' is not a positive whole number; write e.g."),
        ("MAX_N_CORES=-4\n", "MAX_N_CORES='-4' is not a positive whole number"),
        ("STEP_BY=0\nMAX_N_CORES=4\n", "STEP_BY='0' is not a positive whole number"),
        ("CORES_PER_NODE=2.5\n", "CORES_PER_NODE='2.5' is not a positive whole number"),
        ("OBS_PER_ITER=many\n", "OBS_PER_ITER='many' is not a positive whole number"),
        ("PROBLEM_SIZE_ARRAY=-1\n", "PROBLEM_SIZE_ARRAY='-1' is not a positive whole number"),
        ("KUBE=maybe\n", "KUBE='maybe' is not a boolean (true/false, 1/0, yes/no)"),
        ("USE_SSL=perhaps\n", "USE_SSL='perhaps' is not a boolean"),
        ("MEM_PER_NODE=lots\nCORES_PER_NODE=2\n", "MEM_PER_NODE='lots' is not a memory size"),
        ("MEM_PER_NODE=10B\nCORES_PER_NODE=24\n", "is not enough for 24 workers"),
        ("TIMEOUT=-1\n", "TIMEOUT='-1' is not a positive number of seconds"),
        ("TIMEOUT=nan\n", "TIMEOUT='nan' is not a positive number of seconds"),
    ],
)
def test_bad_values_are_one_line_errors(tmp_path, text, expected):
    path = env(tmp_path, text)
    with pytest.raises(ConfigError) as err:
        study_from_env(path)
    message = str(err.value)
    assert expected in message and message.startswith(f"{path}: ")
    assert "write e.g." in message and "\n" not in message


def test_missing_file_and_folder(tmp_path):
    with pytest.raises(ConfigError, match=r"missing\.env does not exist; check the --env-file"):
        study_from_env(tmp_path / "missing.env")
    with pytest.raises(ConfigError, match="is not a file"):
        study_from_env(tmp_path)
    bad = tmp_path / "latin1.env"
    bad.write_bytes(b"ACCOUNT=caf\xe9\n")
    with pytest.raises(ConfigError, match=r"cannot read \.env file"):
        study_from_env(bad)


def test_lines_quiet_keeps_only_the_ignored_keys(tmp_path):
    m = mapped(tmp_path, "MAX_N_CORES=4\nSTEP_BY=2\nVERBOSE=1\n")
    lines = m.lines()
    assert "from .env: MAX_N_CORES, STEP_BY -> deployment.workers = [1, 2, 4]" in lines
    assert lines[-1] == "ignored: VERBOSE (progress is always shown; use --quiet to hide it)"
    assert m.lines(quiet=True) == [lines[-1]]


# --- where the .env sits: flags > .env > study file ---


def study_file(tmp_path, spec):
    path = tmp_path / "study.yaml"
    path.write_text(yaml.safe_dump(spec))
    return str(path)


def test_flags_beat_env_which_beats_the_study_file(tmp_path):
    spec = {
        "name": "from-study",
        "deployment": {"workers": [1], "startup_timeout": 30},
        "measurement": {"min_repeats": 9, "max_repeats": 12},
        "database": "study.db",
    }
    text = "MAX_N_CORES=4\nSTEP_BY=2\nOBS_PER_ITER=3\nTIMEOUT=60\nRES_DIR=res\nACCOUNT=p\n"
    flags = {"deployment.workers": [1, 3], "deployment.backend": "local", "database": None}
    study, m = build_run_study(study_file(tmp_path, spec), flags, str(env(tmp_path, text)))
    assert m is not None
    assert study.deployment.workers == [1, 3]  # flag
    assert study.deployment.backend == "local"  # flag, not the .env's slurm
    assert study.measurement.min_repeats == study.measurement.max_repeats == 3  # .env
    assert study.deployment.startup_timeout == 60  # .env
    assert study.database == "res/dask-bench.db"  # .env (the flag was not given)
    assert study.name == "from-study"  # study file
    assert study.deployment.options == {}  # batch-job options do not reach LocalCluster
    ignored = dict(m.ignored)
    assert ignored["MAX_N_CORES"] == "a command-line flag sets deployment.workers"
    assert ignored["STEP_BY"] == "a command-line flag sets deployment.workers"
    assert ignored["KUBE"] == "a command-line flag sets deployment.backend"
    assert ignored["ACCOUNT"] == "a batch-job option; back-end 'local' takes none"
    assert ("OBS_PER_ITER", "measurement.min_repeats") in m.applied
    assert "deployment.workers" not in m.overrides


def test_without_env_file_the_study_is_unchanged(tmp_path):
    path = study_file(tmp_path, {"deployment": {"workers": [2]}})
    study, m = build_run_study(path, {"deployment.threads_per_worker": 2})
    assert m is None and study.deployment.workers == [2]
    assert study.deployment.threads_per_worker == 2


def test_study_file_options_for_another_backend_are_dropped(tmp_path):
    spec = {"deployment": {"backend": "local", "options": {"processes": False}}}
    study, m = build_run_study(study_file(tmp_path, spec), {}, str(env(tmp_path, "ACCOUNT=p\n")))
    assert study.deployment.backend == "slurm"
    assert study.deployment.options == {"account": "p"}
    assert m is not None
    assert ("deployment.options of the study file", "for back-end 'local'") in m.ignored
    # Same back-end: the study's options stay and the .env's join them.
    spec = {"deployment": {"backend": "slurm", "options": {"queue": "debug", "cores": 1}}}
    text = "PARTITION=normal\nTIME_LIMIT=10\n"
    study, _ = build_run_study(study_file(tmp_path, spec), {}, str(env(tmp_path, text)))
    assert study.deployment.options == {"queue": "normal", "cores": 1, "walltime": "10"}


def test_problem_sizes_keep_the_suite_selection(tmp_path):
    text = "PROBLEM_SIZE_ARRAY=300\nPROBLEM_SIZE_DATAFRAMES=5000\n"
    path = str(env(tmp_path, text))
    # No suites section: every suite runs, two of them resized.
    study, _ = build_run_study(None, {"deployment.backend": "local"}, path)
    assert list(study.suites.selected()) == ["tasks", "arrays", "dataframes", "climate"]
    assert study.suites.get("arrays") is not None and study.suites.get("arrays").chunk_size == 300
    # A study that runs only tasks and arrays does not grow a dataframes suite.
    spec = {"suites": {"tasks": {}, "arrays": {"per_unit": 2}}}
    study, m = build_run_study(study_file(tmp_path, spec), {"deployment.backend": "local"}, path)
    assert list(study.suites.selected()) == ["tasks", "arrays"]
    assert study.suites.get("arrays") is not None
    assert (study.suites.get("arrays").chunk_size, study.suites.get("arrays").per_unit) == (300, 2)
    assert m is not None
    assert ("PROBLEM_SIZE_DATAFRAMES", "the study does not run the dataframes suite") in (m.ignored)
    # --suite picks among all suites; the .env resizes only the chosen one.
    flags = {"deployment.backend": "local", "suites": ["dataframes"]}
    study, m = build_run_study(None, flags, path)
    assert list(study.suites.selected()) == ["dataframes"]
    assert (
        study.suites.get("dataframes") is not None
        and study.suites.get("dataframes").chunk_size == 5000
    )
    assert m is not None
    assert ("PROBLEM_SIZE_ARRAY", "--suite leaves out the arrays suite") in m.ignored


def test_env_value_rejected_by_the_study_names_both_files(tmp_path):
    spec = {"measurement": {"min_repeats": 2, "max_repeats": 3}}
    path = study_file(tmp_path, spec)
    with pytest.raises(ConfigError, match=r"study.yaml with .*\.env: .*max_repeats \(3\)"):
        build_run_study(path, {"measurement.max_repeats": 3}, str(env(tmp_path, "OBS_PER_ITER=5")))


def test_cli_bad_env_value_is_one_error_line_before_anything_starts(tmp_path):
    path = env(tmp_path, "MAX_N_CORES=abc\n")
    db = tmp_path / "r.db"
    result = CliRunner().invoke(cli, ["run", "--env-file", str(path), "--db", str(db)])
    assert result.exit_code == 2
    assert result.output.strip() == (
        f"error: {path}: MAX_N_CORES='abc' is not a positive whole number; "
        "write e.g. MAX_N_CORES=64"
    )
    assert not db.exists()


# --- KUBE: the kubernetes back-end ---
