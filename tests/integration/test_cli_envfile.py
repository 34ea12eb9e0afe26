"""``dask-bench run --env-file``: the seed's .env file on the real command line."""

from __future__ import annotations

import yaml

from .helpers import dask_bench, query, tiny_study


def test_missing_env_file_is_one_error_line(tmp_path):
    proc = dask_bench("run", "--env-file", "missing.env", "--quiet", cwd=tmp_path)
    assert proc.returncode == 2
    assert "Traceback" not in proc.stderr
    lines = proc.stderr.strip().splitlines()
    assert lines == ["error: .env file missing.env does not exist; check the --env-file path"]
    assert list(tmp_path.iterdir()) == []


def test_quiet_run_with_env_file_still_warns_about_ignored_keys(tmp_path):
    study = tmp_path / "study.yaml"
    study.write_text(yaml.safe_dump(tiny_study(tmp_path / "study.db")))
    (tmp_path / ".env").write_text(
        "MAX_N_CORES=2\nSTEP_BY=1\nOBS_PER_ITER=2\nPOLL_INTERVAL=5\nACCOUNT=proj\n"
        "RES_DIR=seed-results\nRES_FILE_NAME=out.csv\n"
    )
    proc = dask_bench(
        "run", str(study), "--env-file", ".env", "--backend", "local", "--quiet", cwd=tmp_path
    )
    assert proc.returncode == 0, proc.stderr
    err = proc.stderr.splitlines()
    assert (
        "ignored: POLL_INTERVAL (workers are awaited by polling the scheduler every 10 ms)" in err
    )
    assert "ignored: ACCOUNT (a batch-job option; back-end 'local' takes none)" in err
    assert "ignored: KUBE (a command-line flag sets deployment.backend)" in err
    assert not any(line.startswith("from .env:") for line in err)  # --quiet: warnings only
    # The .env's database and repetitions won over the study file's.
    db = tmp_path / "seed-results" / "out.db"
    assert db.is_file() and not (tmp_path / "study.db").exists()
    assert query(db, "select count(*) from measurements where warmup = 0") == [(2 * 2 * 2,)]
