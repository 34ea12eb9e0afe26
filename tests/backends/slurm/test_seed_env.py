"""The seed's .env on the Slurm test bed, with only the values an admin fills in for a site.

The vendored copy (tests/data/seed.env) is used as shipped except for the placeholders a
site replaces (interface, partition, the virtual environment) and the sizes this 2-core
machine can hold; KUBE=True stays, and ``--backend slurm`` moves it to Slurm, as the
README says flags beat the ``.env``.
"""

from __future__ import annotations

import json
import re
import sys
from pathlib import Path

import pytest

from tests.integration.helpers import dask_bench, query, run_tag

from .helpers import job_ids, wait_gone

pytestmark = pytest.mark.slurm

SEED = Path(__file__).parents[2] / "data" / "seed.env"

#: Site values: the placeholders an admin replaces, and sizes for 2-CPU test-bed nodes.
SITE = {
    "NET_INTERFACE": "lo",
    "PARTITION": "debug",
    "ENV_TO_SOURCE": sys.prefix,  # the virtual environment dask-bench runs in
    "MAX_N_CORES": "2",
    "CORES_PER_NODE": "2",
    "MEM_PER_NODE": "2",  # GB on Slurm: 1 GB per worker
    "OBS_PER_ITER": "2",
    "TIME_LIMIT": "'00:10:00'",
    "TIMEOUT": "120",
}


def site_env(folder: Path) -> Path:
    text = SEED.read_text()
    for key, value in SITE.items():
        text, n = re.subn(rf"^{key}=.*$", f"{key}={value}", text, flags=re.M)
        assert n == 1, key
    path = folder / ".env"
    path.write_text(text)
    return path


def test_the_seed_env_runs_a_study_on_slurm_with_its_own_certificates(tmp_path):
    env = site_env(tmp_path)
    (tmp_path / "certs").mkdir()  # as shipped, CERT_DIR='./certs': made there at the start
    study = tmp_path / "study.yaml"
    study.write_text("suites: {tasks: {workloads: [map-tiny], chunk_size: 5, per_unit: 1}}\n")
    out = dask_bench(
        "run", str(study), "--env-file", str(env), "--backend", "slurm", "--no-report",
        "--no-hardware-baseline", cwd=tmp_path, timeout=420,
    )  # fmt: skip
    assert out.returncode == 0, out.stdout + out.stderr
    assert "300" not in out.stderr and "2 GB (the seed's unit on Slurm) / 2 cores" in out.stderr
    assert "ignored: KUBE (a command-line flag sets deployment.backend)" in out.stderr
    certs = sorted(p.name for p in (tmp_path / "certs").iterdir())
    assert certs == ["ca.pem", "cert.pem", "key.pem"]

    db = tmp_path / "results" / "meaningful_name_without_any_extension.db"
    (run_id, status, backend, environment), *_ = query(
        db, "select id, status, backend, environment from runs"
    )
    assert (status, backend) == ("complete", "slurm")
    provenance = json.loads(environment)
    assert provenance["security"]["scheduler_address"].startswith("tls://")
    scripts = "\n".join(provenance["deployment"]["job_scripts"].values())
    assert "#SBATCH -p debug" in scripts and "#SBATCH -A account_name_on_SLURM" in scripts
    assert f"source {sys.prefix}/bin/activate" in scripts
    assert f"--tls-cert {tmp_path / 'certs' / 'cert.pem'}" in scripts
    # MEM_PER_NODE=2 is 2 GB on Slurm: 1 GB (0.93 GiB) per worker; a job of two asks for
    # their 2 GB and 256 MiB for the process that holds their nannies
    assert "--memory-limit 0.93GiB" in scripts and "#SBATCH --mem=2164M" in scripts
    points = query(db, "select workers, status from points where run_id = ?", run_id)
    assert sorted(points) == [(1, "ok"), (2, "ok")]
    reps = query(
        db,
        "select count(*) from measurements m join points p on m.point_id = p.id "
        "where p.run_id = ? and not m.warmup",
        run_id,
    )
    assert reps == [(4,)]  # OBS_PER_ITER=2: exactly two timed repetitions per point
    assert any((tmp_path / "out").iterdir())  # OUT_DIR: the job logs
    assert wait_gone(job_ids(run_tag(db, run_id)), within=15) == []
