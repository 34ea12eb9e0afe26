"""A secret planted in a study appears in no byte the tool writes: database, report, export, log."""

from __future__ import annotations

from pathlib import Path

import yaml

from .helpers import dask_bench, tiny_study

TOKEN = "tok-7f3a9c1e55"
PASSWORD = "pw-b81d02ee77"


def test_planted_secrets_are_nowhere(tmp_path: Path) -> None:
    db = tmp_path / "r.db"
    spec = tiny_study(db, report=True)
    spec["deployment"]["workers"] = [1]
    spec["suites"]["tasks"]["workloads"] = ["map-sleep"]
    # LocalCluster passes env to every worker's nanny: the workers really get them
    spec["deployment"]["options"] = {"env": {"MY_API_TOKEN": TOKEN, "DB_PASSWORD": PASSWORD}}
    study = tmp_path / "study.yaml"
    study.write_text(yaml.safe_dump(spec))
    run = dask_bench("run", str(study))
    assert run.returncode == 0, run.stderr
    export = dask_bench("export", "1", "--format", "json", "-o", str(tmp_path / "e.json"),
                        "--db", str(db))  # fmt: skip
    points = dask_bench("export", "1", "--level", "points", "--format", "csv",
                        "-o", str(tmp_path / "p.csv"), "--db", str(db))  # fmt: skip
    assert export.returncode == 0 and points.returncode == 0, export.stderr + points.stderr
    written = [p for p in tmp_path.rglob("*") if p.is_file() and p != study]
    assert any(p.suffix == ".html" for p in written) and any(p.suffix == ".db" for p in written)
    for path in written:
        data = path.read_bytes()
        assert TOKEN.encode() not in data and PASSWORD.encode() not in data, path
    for out in (run, export, points):
        assert TOKEN not in out.stdout + out.stderr and PASSWORD not in out.stdout + out.stderr
    # the names stay, so a reader sees that a secret was given
    assert b"MY_API_TOKEN" in db.read_bytes()
