"""A study's Dask config: parsing, merging, how back-ends pass it on, and the read-back check."""

from __future__ import annotations

import dask.config
import pytest

from dask_bench.deploy import make_backend
from dask_bench.deploy.jobqueue.sbatch import allocation_script
from dask_bench.errors import ConfigError, ConfigMismatch
from dask_bench.runner.checks import build_study
from dask_bench.runner.dask_config import (
    config_mismatches,
    config_values,
    merge_seen,
    mismatch_message,
    require_config,
)
from dask_bench.runner.preview import preview_study
from dask_bench.store.migrate import DOCUMENT_MIGRATIONS
from dask_bench.study.dask_config import (
    config_environment,
    environment_assignment,
    merge_config,
    parse_config,
)

BASE = {"deployment": {"workers": [1, 2], "memory_per_worker": "1GiB"}}


def study(**extra):
    return build_study({**BASE, **extra})


def test_nested_and_dotted_keys_are_kept_flat_and_spelt_as_dask_does():
    parsed = parse_config(
        {
            "dataframe": {"shuffle": {"method": "p2p"}},
            "distributed.scheduler.worker_saturation": 1.5,
            "array.rechunk.method": "tasks",
            "distributed.comm.timeouts": {"connect": "30s"},
            "myplugin.speed": [1, 2],  # a section Dask does not know: taken as written
        }
    )
    assert parsed == {
        "dataframe.shuffle.method": "p2p",
        "distributed.scheduler.worker-saturation": 1.5,
        "array.rechunk.method": "tasks",
        "distributed.comm.timeouts.connect": "30s",
        "myplugin.speed": [1, 2],
    }
    assert parse_config(None) == {} and parse_config({}) == {}


@pytest.mark.parametrize(
    ("value", "words"),
    [
        ("p2p", "must be a mapping of Dask config keys to values"),
        ([1], "not a list"),
        ({"dataframe.shufle.method": "p2p"}, "(Dask has 'dataframe.shuffle.method')"),
        ({"dataframes": {"shuffle": {"method": "p2p"}}}, "Dask has 'dataframe.shuffle.method'"),
        ({"dataframe.backend.x": 1}, "'dataframe.backend' is a value in Dask's configuration"),
        ({"a": {"b": {}}}, "'a.b' is an empty mapping"),
        ({"a": [[1]]}, "not a list inside a list"),
        ({"a": {"b": object()}}, "not object"),
        ({"a": float("nan")}, "not a number"),
        ({"a.b": 1, "a": {"b": 2}}, "'a.b' is given twice"),
        ({"a.b": 1, "a.b.c": 2}, "'a.b' is set as a value and also has the key 'a.b.c'"),
        ({"x..y": 1}, "is not a Dask config key"),
        ({"distributed.scheduler.worker_saturation": 1, "distributed": {"scheduler": {
            "worker-saturation": 2}}}, "given twice"),
    ],
)  # fmt: skip
def test_bad_config_is_one_sentence(value, words):
    with pytest.raises(ValueError, match=None) as info:
        parse_config(value)
    assert words in str(info.value) and "\n" not in str(info.value)


def test_bad_config_in_a_study_names_where_it_is():
    with pytest.raises(ConfigError, match=r"'variants\.fast\.config': must be a mapping"):
        study(variants={"fast": {"config": "p2p"}})
    with pytest.raises(ConfigError, match=r"^study: 'config': unknown Dask config key"):
        study(config={"dataframe.shufle.method": "p2p"})


def test_a_variant_config_updates_the_study_config_key_by_key():
    s = study(
        config={"dataframe.shuffle.method": "tasks", "distributed.comm.timeouts.connect": "9s"},
        variants={
            "p2p": {"config": {"dataframe": {"shuffle": {"method": "p2p"}}}},
            "tasks": {},
            "timeouts": {"config": {"distributed.comm.timeouts": {"tcp": "5s"}}},
        },
    )
    p2p, tasks, timeouts = s.variant_studies()
    assert p2p.config == {
        "dataframe.shuffle.method": "p2p",
        "distributed.comm.timeouts.connect": "9s",
    }
    assert tasks.config == s.config
    assert timeouts.config == {**s.config, "distributed.comm.timeouts.tcp": "5s"}
    # a key replaces the keys below and above it
    assert merge_config({"a.b.c": 1, "a.d": 2}, {"a.b": 3}) == {"a.d": 2, "a.b": 3}
    assert merge_config({"a.b": 1}, {"a.b.c": 3}) == {"a.b.c": 3}
    # stored with the run, flat
    assert p2p.model_dump(mode="json")["config"]["dataframe.shuffle.method"] == "p2p"


def test_a_command_line_override_sets_one_key():
    s = build_study(BASE, {"config.dataframe.shuffle.method": "p2p"})
    assert s.config == {"dataframe.shuffle.method": "p2p"}


def test_the_environment_encoding_is_the_one_dask_reads():
    config = {
        "dataframe.shuffle.method": "p2p",
        "distributed.scheduler.worker-saturation": float("inf"),
        "a.text": "true",
        "a.flag": True,
        "a.none": None,
        "a.list": [1, "x", 2.5],
        "a.quoted": "it's $HOME",
    }
    env = config_environment(config)
    assert env["DASK_DATAFRAME__SHUFFLE__METHOD"] == "'p2p'"
    assert env["DASK_DISTRIBUTED__SCHEDULER__WORKER_SATURATION"] == "1e999"
    read = dask.config.collect_env(env)
    for key, value in config.items():
        assert dask.config.get(key, config=read) == value, key
    assert environment_assignment("a.b", "p2p") == "DASK_A__B=\"'p2p'\""
    assert environment_assignment("a.b", "$x").startswith("DASK_A__B='")  # no expansion


def test_batch_job_scripts_export_the_config_after_the_prologue():
    s = study(
        deployment={**BASE["deployment"], "backend": "slurm",
                    "options": {"job_script_prologue": ["module load dask"]}},
        config={"dataframe.shuffle.method": "p2p"},
    )  # fmt: skip
    (script,) = make_backend(s).job_scripts(1)
    lines = script.splitlines()
    export = "export DASK_DATAFRAME__SHUFFLE__METHOD=\"'p2p'\""
    assert lines.index("module load dask") < lines.index(export)
    assert lines.index(export) < next(i for i, ln in enumerate(lines) if "dask_worker" in ln)
    # without config, the options go to dask-jobqueue as given
    plain = study(deployment={**BASE["deployment"], "backend": "slurm"})
    assert "export DASK_" not in make_backend(plain).job_scripts(1)[0]


def test_the_allocation_script_exports_the_config_before_the_scheduler_starts(tmp_path):
    s = study(config={"array.rechunk.method": "p2p"})
    text = allocation_script(tmp_path / "s.yaml", 2, make_backend(s).layout, dask_config=s.config)
    lines = text.splitlines()
    export = lines.index("export DASK_ARRAY__RECHUNK__METHOD=\"'p2p'\"")
    assert export < next(i for i, ln in enumerate(lines) if "dask_scheduler" in ln)


def test_kubernetes_containers_get_the_config_as_environment_variables():
    s = study(
        deployment={**BASE["deployment"], "backend": "kubernetes",
                    "options": {"image": "ghcr.io/dask/dask:latest", "env": {"A": "1"}}},
        config={"dataframe.shuffle.method": "p2p"},
    )  # fmt: skip
    manifest = make_backend(s).manifest(1)
    worker = manifest["spec"]["worker"]["spec"]["containers"][0]
    scheduler = manifest["spec"]["scheduler"]["spec"]["containers"][0]
    expected = [{"name": "A", "value": "1"},
                {"name": "DASK_DATAFRAME__SHUFFLE__METHOD", "value": "'p2p'"}]  # fmt: skip
    assert worker["env"] == expected and scheduler["env"] == expected


def test_plan_shows_the_config_and_how_it_is_set():
    local = preview_study(study(config={"dataframe.shuffle.method": "p2p"})).render()
    assert "dask config: dataframe.shuffle.method=p2p" in local
    assert "nannies" in local and "a mismatch stops the run" in local
    existing = study(
        deployment={**BASE["deployment"], "backend": "existing",
                    "options": {"address": "tcp://127.0.0.1:1"}},
        config={"dataframe.shuffle.method": "p2p"},
    )  # fmt: skip
    assert "the existing back-end cannot set it" in preview_study(existing).render()
    assert "dask config" not in preview_study(study()).render()


SEEN = {
    "client": {"dataframe.shuffle.method": "p2p", "array.rechunk.method": "tasks"},
    "scheduler": {"dataframe.shuffle.method": None, "array.rechunk.method": "tasks"},
    "workers": {
        "tcp://10.0.0.1:1": {"dataframe.shuffle.method": None, "array.rechunk.method": "tasks"},
        "tcp://10.0.0.2:1": {"dataframe.shuffle.method": "p2p"},
    },
}
REQUESTED = {"dataframe.shuffle.method": "p2p", "array.rechunk.method": "tasks"}


def test_mismatches_are_grouped_by_key_and_value_found():
    found = config_mismatches(REQUESTED, SEEN)
    assert found == [
        {
            "setting": "dataframe.shuffle.method",
            "expected": "p2p",
            "found": None,
            "where": ["scheduler", "worker tcp://10.0.0.1:1"],
        },
        {
            "setting": "array.rechunk.method",
            "expected": "tasks",
            "found": None,
            "unset": True,
            "where": ["worker tcp://10.0.0.2:1"],
        },
    ]
    assert config_mismatches(REQUESTED, {**SEEN, "scheduler": SEEN["client"], "workers": {}}) == []
    # a list read back as a tuple is the same value
    assert (
        config_mismatches({"a": [1, 2]}, {"client": {"a": (1, 2)}, "scheduler": {"a": [1, 2]}})
        == []
    )


def test_the_mismatch_message_is_one_line_naming_key_expected_found_where():
    found = config_mismatches(REQUESTED, SEEN)
    existing = study(
        deployment={**BASE["deployment"], "backend": "existing",
                    "options": {"address": "tcp://127.0.0.1:1"}},
    )  # fmt: skip
    text = mismatch_message(found, make_backend(existing), workers=2)
    assert text.startswith(
        "Dask config dataframe.shuffle.method is None on the scheduler and 1 of 2 workers "
        "(tcp://10.0.0.1:1), not 'p2p' as the study sets; the existing back-end does not "
        "start the cluster and cannot set it"
    )
    assert "DASK_DATAFRAME__SHUFFLE__METHOD=\"'p2p'\"" in text
    assert text.endswith("(1 more key differs; see the run's provenance)") and "\n" not in text
    local = mismatch_message(found[1:], make_backend(study()), workers=2)
    assert "is not set on the 1 of 2 workers" in local and "something overrides it" in local
    with pytest.raises(ConfigMismatch) as info:
        require_config(found, make_backend(study()), 2)
    assert info.value.exit_code == 1
    require_config([], make_backend(study()), 2)


def test_values_are_read_as_dask_reads_them_and_later_workers_are_added():
    with dask.config.set({"dataframe.shuffle.method": "p2p"}):
        assert config_values(["dataframe.shuffle.method", "no.such.key"]) == {
            "dataframe.shuffle.method": "p2p"
        }
    first = {"client": {}, "scheduler": {}, "workers": {"a": {"k": 1}}}
    later = {"client": {}, "scheduler": {}, "workers": {"b": {"k": 2}}}
    assert merge_seen(first, later)["workers"] == {"a": {"k": 1}, "b": {"k": 2}}


def test_a_run_stored_before_config_is_read_as_one_without():
    step = DOCUMENT_MIGRATIONS["runs.study"][1]
    assert step({"name": "x"}) == {"name": "x", "config": {}}
    assert step({"config": {"a": 1}}) == {"config": {"a": 1}}
    assert DOCUMENT_MIGRATIONS["runs.environment"][1]({"format": 1})["format"] == 2
