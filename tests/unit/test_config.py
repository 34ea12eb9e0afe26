import pytest

from dask_bench.errors import BackendError, ConfigError
from dask_bench.runner.checks import build_study, load_study
from dask_bench.study import Study, default_workers, suite_names


def write(tmp_path, text):
    p = tmp_path / "study.yaml"
    p.write_text(text)
    return p


@pytest.mark.parametrize(
    ("cores", "expected"),
    [(1, [1]), (2, [1, 2]), (6, [1, 2, 4, 6]), (16, [1, 2, 4, 8, 16])],
)
def test_default_workers(cores, expected):
    assert default_workers(cores) == expected


def test_default_study_runs_the_default_suites():
    study = load_study()
    assert study.mode == "weak"
    # the classic suites; climate runs when a study names it
    assert list(study.suites.selected()) == ["tasks", "arrays", "dataframes"]
    assert "climate" in suite_names()
    assert study.deployment.backend == "local"
    assert study.deployment.threads_per_worker == 1
    assert study.run_name == "local-weak"


def test_study_file_and_overrides(tmp_path):
    path = write(
        tmp_path,
        """
name: try1
mode: strong
deployment:
  workers: [4, 1, 2, 2]
suites:
  arrays: {chunk_size: 100, per_unit: 2, workloads: [std]}
  tasks: {options: {sleep_seconds: 0.01}}
measurement: {min_repeats: 4}
""",
    )
    study = load_study(path, {"deployment.threads_per_worker": 2, "measurement.max_repeats": 5})
    assert study.name == "try1" and study.mode == "strong"
    assert study.deployment.workers == [1, 2, 4]  # sorted, deduplicated
    assert study.deployment.threads_per_worker == 2
    assert study.suites.get("arrays") is not None and study.suites.get("arrays").workloads == [
        "std"
    ]
    assert study.suites.get("dataframes") is None
    assert study.measurement.min_repeats == 4 and study.measurement.max_repeats == 5


def test_suite_flag_restricts_configured_suites(tmp_path):
    path = write(tmp_path, "suites: {arrays: {}, tasks: {}}\n")
    assert list(load_study(path, {"suites": ["tasks"]}).suites.selected()) == ["tasks"]
    with pytest.raises(ConfigError, match="dataframes is not configured"):
        load_study(path, {"suites": ["dataframes"]})


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("mode: [unclosed\n", "not valid YAML at line"),
        ("- a\n- b\n", "must hold a mapping"),
        ("bogus: 1\n", "unknown key 'bogus'; known keys here: name, mode"),
        (
            "deployment: {workerz: [1]}\n",
            "unknown key 'deployment.workerz'; known keys here: backend",
        ),
        (
            "deployment: {workers: [0, 2]}\n",
            "'deployment.workers.0': Input should be greater than 0",
        ),
        ("suites: {arrays: {chunk_size: -5}}\n", "'suites.arrays.chunk_size'"),
        ("mode: sideways\n", "'mode'"),
        ("suites: {arrays: {workloads: [nope]}}\n", "unknown workload 'nope' in suite 'arrays'"),
        ("suites: {tasks: {options: {colour: 1}}}\n", "unknown option(s) colour"),
        ("deployment: {backend: cloud9}\n", "unknown back-end 'cloud9'"),
        ("measurement: {min_repeats: 5, max_repeats: 3}\n", "max_repeats (3) is smaller"),
        ("deployment: {memory_per_worker: lots}\n", "not a memory size"),
        ("suites: {}\n", "selects no suite"),
    ],
)
def test_bad_study_files_give_one_line_errors(tmp_path, text, message):
    with pytest.raises(ConfigError) as info:
        load_study(write(tmp_path, text))
    assert message in str(info.value)
    assert "\n" not in str(info.value)


def test_missing_study_file(tmp_path):
    with pytest.raises(ConfigError, match="does not exist"):
        load_study(tmp_path / "nope.yaml")


def test_config_error_is_not_a_backend_error():
    # exit codes differ: 2 for input, 1 for deployment failures
    assert ConfigError.exit_code == 2 and BackendError.exit_code == 1


def test_study_dumps_and_reloads_identically():
    study = build_study({"mode": "strong", "deployment": {"workers": [1, 3]}})
    again = Study.model_validate(study.model_dump(mode="json"))
    assert again == study
