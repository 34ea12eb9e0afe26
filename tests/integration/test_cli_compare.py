"""``dask-bench compare`` on runs measured for real on a LocalCluster."""

from __future__ import annotations

import re

import pytest
import yaml

from .helpers import dask_bench, query, tiny_study

VERDICTS = r"(faster|slower|no diff\.)"


@pytest.fixture(scope="module")
def runs(tmp_path_factory):
    """Three runs in one database: 1 and 2 alike, 3 with two threads per worker."""
    folder = tmp_path_factory.mktemp("compare")
    db = folder / "results.db"
    layouts = [("base", [1, 2], 1), ("again", [1], 1), ("threads", [1], 2)]
    for name, workers, threads in layouts:
        spec = tiny_study(db, name=name)
        spec["deployment"].update(workers=workers, threads_per_worker=threads)
        # 4 against 4 repetitions is the fewest that can reach a verdict at 95 %.
        spec["measurement"].update(min_repeats=4, max_repeats=4, target_ci=0.5)
        study = folder / f"{name}.yaml"
        study.write_text(yaml.safe_dump(spec))
        proc = dask_bench("run", str(study), "--quiet", cwd=folder)
        assert proc.returncode == 0, proc.stderr
    assert query(db, "select id, name from runs order by id") == [
        (1, "base"),
        (2, "again"),
        (3, "threads"),
    ]
    return folder, db


def rows(stdout: str) -> dict[tuple[str, int], str]:
    """(workload, units) -> verdict, from the body rows of the (wide, 10-column) tables."""
    out, workload = {}, ""
    for line in stdout.splitlines():
        cells = [c.strip() for c in line.split("│")[1:-1]]
        if len(cells) == 10:
            workload = cells[0] or workload  # named on its first row only
            out[(workload, int(cells[1]))] = cells[6]
    return out


def test_compare_like_runs_prints_verdicts_and_summary(runs):
    folder, db = runs
    proc = dask_bench("compare", "1", "again", "--db", str(db), cwd=folder)
    assert proc.returncode == 0, proc.stderr
    assert "B = again (run 2, local) relative to A = base (run 1, local)" in proc.stdout
    assert "NOT LIKE FOR LIKE" not in proc.stdout
    verdicts = rows(proc.stdout)
    # Only 1 unit was measured in both runs.
    assert set(verdicts) == {("map-tiny", 1), ("map-sleep", 1)}
    assert all(re.fullmatch(VERDICTS, v) for v in verdicts.values())
    summary = " ".join(proc.stdout.split())
    assert re.search(
        r"B is faster at \d, slower at \d, no significant difference at \d of 2", summary
    )
    assert "2 only in A, 0 only in B" in summary


def test_different_threads_per_worker_is_a_loud_confounder(runs):
    folder, db = runs
    proc = dask_bench("compare", "base", "threads", "--db", str(db), cwd=folder)
    assert proc.returncode == 0, proc.stderr
    head = proc.stdout[: proc.stdout.index("relative to")]
    assert "NOT LIKE FOR LIKE" in head
    assert "1 vs 2 threads per worker" in " ".join(head.split())
    # 2 threads x 1 worker meets 1 thread x 2 workers at 2 units.
    assert set(rows(proc.stdout)) == {("map-tiny", 2), ("map-sleep", 2)}


def test_html_page_is_written_atomically(runs, tmp_path):
    _, db = runs
    out = tmp_path / "cmp.html"
    proc = dask_bench("compare", "1", "3", "--db", str(db), "-o", str(out), cwd=tmp_path)
    assert proc.returncode == 0, proc.stderr
    page = out.read_text(encoding="utf-8")
    assert page.startswith("<!DOCTYPE html>") and '<section class="comparison">' in page
    assert '<div class="warning">' in page and "map-sleep" in page
    assert sorted(p.name for p in tmp_path.iterdir()) == ["cmp.html"]


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["1", "99"], "error: no run '99'"),
        (["1", "base"], "error: run 1 (base) was given as both A and B"),
        (["1", "2", "-o", "missing/cmp.html"], "error: folder missing does not exist"),
    ],
)
def test_bad_arguments_are_one_line_and_exit_2(runs, tmp_path, args, message):
    _, db = runs
    proc = dask_bench("compare", *args, "--db", str(db), cwd=tmp_path)
    assert proc.returncode == 2
    lines = proc.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith(message), proc.stderr
    assert proc.stdout == "" and list(tmp_path.iterdir()) == []


@pytest.fixture(scope="module")
def aa_study(tmp_path_factory):
    """One study: two identical variants (an A/A pair) and one with another Dask config."""
    folder = tmp_path_factory.mktemp("aa")
    db = folder / "results.db"
    spec = tiny_study(
        db,
        name="aa",
        variants={
            "first": {},
            "copy": {},
            "sat": {"config": {"distributed.scheduler.worker-saturation": 2.0}},
        },
    )
    spec["deployment"]["workers"] = [1]
    spec["measurement"].update(min_repeats=4, max_repeats=4, target_ci=0.5)
    study = folder / "aa.yaml"
    study.write_text(yaml.safe_dump(spec))
    proc = dask_bench("run", str(study), "--quiet", cwd=folder)
    assert proc.returncode == 0, proc.stderr
    return folder, db, proc


def test_a_copy_of_a_variant_is_reported_as_an_aa_control(aa_study, tmp_path):
    folder, db, ran = aa_study
    proc = dask_bench("compare", "aa/first", "aa/copy", "--db", str(db), "-o",
                      str(tmp_path / "aa.html"), cwd=folder)  # fmt: skip
    assert proc.returncode == 0, proc.stderr
    text = " ".join(proc.stdout.split())
    found = re.search(
        r"A/A control: A and B are copies of one variant .*: (\d) of 2 points called different "
        r"\((\d+) %\), expected ≤ 5 % \(the test's α at 95% confidence\)",
        text,
    )
    assert found, text
    called = int(found[1])
    assert int(found[2]) == 50 * called
    assert ("warning: the false-positive rate is above α" in text) == (called > 0)
    assert "A/A control" in (tmp_path / "aa.html").read_text(encoding="utf-8")
    # run printed the same when it compared the variants
    assert "A/A control: A and B are copies of one variant" in " ".join(ran.stdout.split())


def test_other_variants_quote_the_rate_of_the_aa_pair(aa_study):
    folder, db, _ = aa_study
    proc = dask_bench("compare", "aa/first", "aa/sat", "--db", str(db), cwd=folder)
    assert proc.returncode == 0, proc.stderr
    text = " ".join(proc.stdout.split())
    assert re.search(
        # safe_dump sorts the variants: copy ran first
        r"A/A control of this study \(aa/first against aa/copy, copies of one variant\): "
        r"\d of 2 points called different",
        text,
    ), text
