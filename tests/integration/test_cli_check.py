"""``dask-bench check`` and ``history`` on real runs of a tiny study with references."""

from __future__ import annotations

import pytest
import yaml

from .helpers import dask_bench, query, tiny_study

PNG_MAGIC = b"\x89PNG\r\n\x1a\n"
# map-sleep on one single-threaded worker: 2 chunks of one 0.05 s sleep each, about 0.1 s.
WIDE = {"tasks/map-sleep": {1: [0.1, -0.5, 4.0, "s"]}}
# A billion tasks per second: no machine meets this lower bound.
IMPOSSIBLE = {"tasks/map-tiny": {1: [1e9, -0.5, None, "tasks/s"]}}


def table_rows(text: str) -> list[list[str]]:
    """The body rows of the rich tables in ``text``, as lists of cell texts."""
    return [
        [c.strip() for c in line.split("│")[1:-1]] for line in text.splitlines() if line[:1] == "│"
    ]


@pytest.fixture(scope="module")
def runs(tmp_path_factory):
    folder = tmp_path_factory.mktemp("check")
    db = folder / "results.db"
    spec = tiny_study(
        db,
        name="nightly",
        deployment={"workers": [1], "memory_per_worker": "1GiB"},
        measurement={"min_repeats": 2, "max_repeats": 4, "target_ci": 0.5},
        references={**WIDE, **IMPOSSIBLE},
    )
    study = folder / "study.yaml"
    study.write_text(yaml.safe_dump(spec))
    for _ in range(2):
        proc = dask_bench("run", str(study), "--quiet", cwd=folder)
        assert proc.returncode == 0, proc.stderr
    passing = folder / "passing.yaml"
    passing.write_text(yaml.safe_dump({"references": WIDE}))
    return folder, db, passing


def test_check_fails_on_the_missed_reference(runs):
    _, db, _ = runs
    proc = dask_bench("check", "nightly", "--db", str(db))
    assert proc.returncode == 1, proc.stderr
    rows = {r[0]: r for r in table_rows(proc.stdout)}
    assert set(rows) == {"map-sleep", "map-tiny"}
    assert rows["map-sleep"][-1] == "pass"
    assert rows["map-tiny"][-1] == "FAIL low"
    assert rows["map-tiny"][2] == "throughput"
    assert "1 passed, 1 failed" in proc.stdout


def test_check_with_passing_references_exits_0(runs):
    _, db, passing = runs
    first = str(query(db, "select min(id) from runs")[0][0])
    proc = dask_bench("check", first, "--references", str(passing), "--db", str(db))
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert [r[0] for r in table_rows(proc.stdout)] == ["map-sleep"]
    assert f"from {passing}" in proc.stdout.replace("\n", "")
    assert "1 passed, 0 failed" in proc.stdout


def test_check_bad_input_exits_2(runs, tmp_path):
    _, db, _ = runs
    missing = dask_bench("check", "no-such-run", "--db", str(db))
    assert missing.returncode == 2
    assert missing.stderr.startswith("error: no run 'no-such-run'")
    bad = tmp_path / "bad.yaml"
    bad.write_text(yaml.safe_dump({"references": {"tasks/map-sleep": {1: [0.1, 0.2, None, "s"]}}}))
    wrong = dask_bench("check", "nightly", "--references", str(bad), "--db", str(db))
    assert wrong.returncode == 2
    assert "'references.tasks/map-sleep.1.lower'" in wrong.stderr
    assert len(wrong.stderr.strip().splitlines()) == 1


def test_history_shows_one_row_per_run(runs, tmp_path):
    _, db, _ = runs
    out = tmp_path / "history.png"
    proc = dask_bench("history", "map-sleep", "--db", str(db), "-o", str(out))
    assert proc.returncode == 0, proc.stderr
    rows = table_rows(proc.stdout)
    run_ids = [str(i) for (i,) in query(db, "select id from runs order by id")]
    assert [r[0] for r in rows] == run_ids and len(rows) == 2
    assert all(r[1] == "nightly" for r in rows)
    assert out.read_bytes().startswith(PNG_MAGIC)
    summary = dask_bench("history", "--db", str(db))
    assert summary.returncode == 0, summary.stderr
    assert sorted((r[0], r[2]) for r in table_rows(summary.stdout)) == [
        ("map-sleep", "2"),
        ("map-tiny", "2"),
    ]
