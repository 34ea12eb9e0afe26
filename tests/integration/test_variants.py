"""Deployment variants on real LocalClusters: TLS off and on, side by side, one study id."""

from __future__ import annotations

import json

import pytest
import yaml

from .helpers import dask_bench, query, tiny_study

pytestmark = pytest.mark.integration


def _study(db, **variants):
    study = tiny_study(db, variants=variants)
    study["suites"]["tasks"].update(workloads=["map-tiny", "tree-reduce"], options={})
    study["measurement"].update(min_repeats=2, max_repeats=4)
    return study


@pytest.fixture(scope="module")
def tcp_and_tls(tmp_path_factory):
    folder = tmp_path_factory.mktemp("variants")
    db = folder / "r.db"
    study = _study(db, tcp={}, tls={"security": {"tls": "auto"}})
    study["report"] = True
    path = folder / "study.yaml"
    path.write_text(yaml.safe_dump(study))
    proc = dask_bench("run", str(path), "--quiet", cwd=folder)
    assert proc.returncode == 0, proc.stderr
    return folder, db, proc


def test_variants_run_in_turn_as_runs_of_one_study(tcp_and_tls):
    _, db, _ = tcp_and_tls
    rows = query(db, "select name, variant, study_id, status from runs order by id")
    assert [(r[0], r[1], r[3]) for r in rows] == [
        ("tiny/tcp", "tcp", "complete"),
        ("tiny/tls", "tls", "complete"),
    ]
    assert rows[0][2] == rows[1][2] and len(rows[0][2]) == 12
    # identical workloads, sizes and layout in both
    points = query(
        db,
        "select r.variant, p.workload, p.workers, p.units, p.chunks, p.memory_per_worker "
        "from points p join runs r on r.id = p.run_id order by p.workload, p.workers, r.variant",
    )
    pairs = {(w, n, u, c, m) for _, w, n, u, c, m in points}
    assert len(points) == 2 * len(pairs) == 8


def test_tls_is_used_on_every_connection_and_recorded(tcp_and_tls):
    _, db, _ = tcp_and_tls
    stored = dict(query(db, "select variant, environment from runs"))
    tcp = json.loads(stored["tcp"])["security"]
    tls = json.loads(stored["tls"])["security"]
    assert tcp["tls"] == "off" and tcp["scheduler_address"].startswith("tcp://")
    assert tcp["worker_schemes"] == ["tcp"]
    assert tls["tls"] == "auto" and tls["scheduler_address"].startswith("tls://")
    assert tls["worker_schemes"] == ["tls"]
    # the dashboard: loopback only, and over https with the run's certificates under TLS
    assert [a.split(":")[0] for a in tcp["dashboard"]] == ["http"]
    assert [a.split(":")[0] for a in tls["dashboard"]] == ["https"]
    assert all("127.0.0.1" in a for a in tcp["dashboard"] + tls["dashboard"])
    studies = dict(query(db, "select variant, study from runs"))
    assert json.loads(studies["tls"])["security"] == {"tls": "auto"}
    assert json.loads(studies["tls"])["variants"] == {}


def test_run_compares_the_variants_and_reports_them_together(tcp_and_tls):
    folder, db, proc = tcp_and_tls
    assert "tiny/tls compared with tiny/tcp" in proc.stdout
    assert "tls:// (TLS, temporary certificates)" in proc.stdout
    report = next(folder.glob("r-report-*/index.html"))
    html = report.read_text()
    assert "tiny/tcp" in html and "tiny/tls" in html
    study_id = query(db, "select study_id from runs")[0][0]
    shown = dask_bench("show", "--study", study_id, "--db", str(db))
    assert shown.returncode == 0, shown.stderr
    assert "tiny/tls compared with tiny/tcp" in shown.stdout
    again = dask_bench("report", "--study", study_id, "--db", str(db), "-o", str(folder / "again"))
    assert again.returncode == 0, again.stderr
    assert "tiny/tls" in (folder / "again" / "index.html").read_text()
    listed = dask_bench("list", "runs", "--db", str(db))
    assert listed.stdout.count(study_id) == 2
    unknown = dask_bench("show", "--study", "nope", "--db", str(db))
    assert unknown.returncode != 0 and "no study 'nope'" in unknown.stderr
    assert "Traceback" not in unknown.stderr


def test_a_failing_variant_is_stored_and_the_next_one_still_runs(tmp_path):
    db = tmp_path / "r.db"
    study = _study(
        db,
        tcp={},
        broken={"deployment": {"backend": "existing",
                               "options": {"address": "tcp://127.0.0.1:9", "timeout": 2}}},
        tls={"security": {"tls": "auto"}},
    )  # fmt: skip
    path = tmp_path / "study.yaml"
    path.write_text(yaml.safe_dump(study))
    proc = dask_bench("run", str(path), "--quiet", "--variant", "broken", "--variant", "tls")
    assert proc.returncode == 1, proc.stderr
    rows = query(db, "select variant, status, message, study_id from runs order by id")
    assert [(v, s) for v, s, _, _ in rows] == [("broken", "failed"), ("tls", "complete")]
    assert "cannot connect to the Dask scheduler at tcp://127.0.0.1:9" in rows[0][2]
    assert rows[0][3] == rows[1][3]
    failed = [ln for ln in proc.stderr.splitlines() if "variant broken failed" in ln]
    assert len(failed) == 1 and "Traceback" not in proc.stderr
