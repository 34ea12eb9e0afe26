"""A study's Dask config on real clusters: set on every side and read back, or stopped."""

from __future__ import annotations

import json

import pytest
import yaml

from .helpers import dask_bench, query, tiny_study

pytestmark = pytest.mark.integration

SHUFFLE = {"dataframes": {"workloads": ["set-index"], "chunk_size": 2000, "per_unit": 2}}


def _environment(db, variant):
    (env,) = query(db, "select environment from runs where variant = ?", variant)[0]
    return json.loads(env)


@pytest.fixture(scope="module")
def p2p_and_tasks(tmp_path_factory):
    folder = tmp_path_factory.mktemp("config")
    db = folder / "r.db"
    study = tiny_study(
        db,
        suites=SHUFFLE,
        config={"distributed.scheduler.worker_saturation": 2.0},
        variants={
            "p2p": {"config": {"dataframe": {"shuffle": {"method": "p2p"}}}},
            "tasks": {"config": {"dataframe.shuffle.method": "tasks"}},
        },
    )
    study["deployment"]["workers"] = [2]
    study["measurement"].update(min_repeats=2, max_repeats=3, breakdown=False)
    path = folder / "study.yaml"
    path.write_text(yaml.safe_dump(study))
    proc = dask_bench("run", str(path), "--quiet", cwd=folder)
    assert proc.returncode == 0, proc.stderr
    return folder, db, path


def test_every_worker_reported_its_variant_config_and_it_is_recorded(p2p_and_tasks):
    _, db, _ = p2p_and_tasks
    for method in ("p2p", "tasks"):
        seen = _environment(db, method)["dask_config"]
        expected = {
            "distributed.scheduler.worker-saturation": 2.0,
            "dataframe.shuffle.method": method,
        }
        assert seen["requested"] == expected
        assert seen["client"] == expected and seen["scheduler"] == expected
        assert len(seen["workers"]) == 2
        assert all(values == expected for values in seen["workers"].values())
        assert seen["mismatches"] == []
        (study,) = query(db, "select study from runs where variant = ?", method)[0]
        assert json.loads(study)["config"] == expected
    # the client built a different graph for each method: the config took effect there too
    ntasks = dict(
        query(db, "select r.variant, p.ntasks from points p join runs r on r.id = p.run_id")
    )
    assert ntasks["p2p"] != ntasks["tasks"]


def test_plan_and_show_name_the_config(p2p_and_tasks):
    folder, db, path = p2p_and_tasks
    planned = dask_bench("plan", str(path), cwd=folder)
    assert planned.returncode == 0, planned.stderr
    assert "dask config: distributed.scheduler.worker-saturation=2.0, " in planned.stdout
    assert "dataframe.shuffle.method=p2p" in planned.stdout
    assert "dataframe.shuffle.method=tasks" in planned.stdout
    shown = dask_bench("show", "--db", str(db))
    assert shown.returncode == 0, shown.stderr
    assert "dataframe.shuffle.method=tasks" in shown.stdout
    assert "read back on client, scheduler and 2 workers" in shown.stdout


def test_a_cluster_started_without_the_config_stops_that_variant_only(client, tmp_path):
    """The ``existing`` back-end cannot set the config of the running cluster (the fixture's)."""
    db = tmp_path / "r.db"
    address = client.scheduler.address
    existing = {"backend": "existing", "options": {"address": address}}
    study = tiny_study(
        db,
        variants={
            "p2p": {"deployment": existing, "config": {"dataframe.shuffle.method": "p2p"}},
            "plain": {"deployment": existing},
        },
    )
    study["deployment"]["workers"] = [1]
    study["suites"]["tasks"].update(workloads=["map-tiny"], options={})
    study["measurement"].update(min_repeats=2, max_repeats=3)
    path = tmp_path / "study.yaml"
    path.write_text(yaml.safe_dump(study))
    proc = dask_bench("run", str(path), "--quiet")
    assert proc.returncode == 1, proc.stderr
    rows = query(db, "select variant, status, message from runs order by id")
    assert [(v, s) for v, s, _ in rows] == [("p2p", "failed"), ("plain", "complete")]
    message = rows[0][2]
    assert message.startswith(
        "Dask config dataframe.shuffle.method is None on the scheduler and 2 of 2 workers ("
    )
    assert "not 'p2p' as the study sets; the existing back-end does not start" in message
    assert "\n" not in message
    failed = [ln for ln in proc.stderr.splitlines() if "variant p2p failed" in ln]
    assert len(failed) == 1 and "Traceback" not in proc.stderr
    seen = _environment(db, "p2p")["dask_config"]
    (mismatch,) = seen["mismatches"]
    assert mismatch["setting"] == "dataframe.shuffle.method" and mismatch["found"] is None
    assert mismatch["where"][0] == "scheduler" and len(mismatch["where"]) == 3
    assert "dask_config" not in _environment(db, "plain")
    # nothing was measured on a cluster with the wrong config
    assert query(db, "select count(*) from points p join runs r on r.id = p.run_id "
                     "where r.variant = 'p2p'") == [(0,)]  # fmt: skip
