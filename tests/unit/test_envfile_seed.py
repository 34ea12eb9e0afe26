"""The seed's .env read as its author meant it: units, folders, names and the scheduler pod."""

from __future__ import annotations

from pathlib import Path

import pytest

from dask_bench.cli.run import build_run_study
from dask_bench.deploy import make_backend
from dask_bench.envfile import study_from_env
from dask_bench.errors import ConfigError
from dask_bench.runner.checks import build_study
from dask_bench.runner.plan import plan_study

#: The original tool's .env as its users have it (a copy, unchanged).
SEED = Path(__file__).parents[1] / "data" / "seed.env"


def env(tmp_path: Path, text: str) -> Path:
    path = tmp_path / ".env"
    path.write_text(text)
    return path


@pytest.mark.parametrize(
    ("kube", "per_worker", "unit"),
    [("False", 300 * 10**9 // 24, "GB (the seed's unit on Slurm)"),
     ("True", 300 * 2**30 // 24, "GiB (the seed's unit on Kubernetes)")],
)  # fmt: skip
def test_a_bare_mem_per_node_is_gb_on_slurm_and_gi_on_kubernetes(tmp_path, kube, per_worker, unit):
    m = study_from_env(env(tmp_path, f"KUBE={kube}\nMEM_PER_NODE=300\nCORES_PER_NODE=24\n"))
    assert m.overrides["deployment.memory_per_worker"] == per_worker
    assert m.notes["deployment.memory_per_worker"].startswith(f"300 {unit} / 24 cores = ")
    # with a unit, the unit given
    m = study_from_env(env(tmp_path, "MEM_PER_NODE=48GiB\nCORES_PER_NODE=24\n"))
    assert m.overrides["deployment.memory_per_worker"] == 2 * 2**30


def test_the_seed_as_shipped_plans_25_sizes_of_gb_workers(tmp_path):
    text = SEED.read_text()
    (tmp_path / "certs").mkdir()  # the one thing the seed's README asks to create
    study, m = build_run_study(
        None, {}, str(env(tmp_path, text.replace("KUBE=True", "KUBE=False")))
    )
    assert m is not None and study.deployment.backend == "slurm"
    assert len(study.deployment.workers) == 25 and max(study.deployment.workers) == 48
    assert study.deployment.memory_per_worker == 12_500_000_000  # 300 GB / 24 cores
    assert study.security.tls == "auto"  # certificates made in ./certs when the run starts
    assert len(plan_study(study).points) == 675  # 25 sizes x 27 workloads of the default suites


def test_env_to_source_is_a_virtual_environment_folder(tmp_path):
    venv = tmp_path / "venv"
    (venv / "bin").mkdir(parents=True)
    m = study_from_env(env(tmp_path, f"ENV_TO_SOURCE={venv}/\n"))
    assert m.overrides["deployment.options.job_script_prologue"] == [f"source {venv}/bin/activate"]
    m = study_from_env(env(tmp_path, f"ENV_TO_SOURCE={venv}\n"))  # a folder, no slash
    assert m.overrides["deployment.options.job_script_prologue"] == [f"source {venv}/bin/activate"]
    m = study_from_env(env(tmp_path, "ENV_TO_SOURCE=~/setup.sh\n"))  # a file: as it is
    assert m.overrides["deployment.options.job_script_prologue"] == ["source ~/setup.sh"]


def test_kubecluster_name_and_the_scheduler_pod(tmp_path):
    text = (
        "KUBE=True\nCONTAINER_IMAGE=ghcr.io/dask/dask:latest\n"
        "KUBECLUSTER_NAME=benchmark-dask-cluster\nSCHEDULER_HOST=node7.example.org\n"
        "SCHEDULER_CORES=8\nSCHEDULER_MEM=32\nMEM_PER_NODE=8\nCORES_PER_NODE=2\n"
    )
    m = study_from_env(env(tmp_path, text))
    assert m.overrides["deployment.options.name"] == "benchmark-dask-cluster"
    assert m.overrides["deployment.options.scheduler_node_selector"] == {
        "kubernetes.io/hostname": "node7.example.org"
    }
    resources = {"cpu": "8", "memory": "32Gi"}
    assert m.overrides["deployment.options.scheduler_resources"] == {
        "requests": resources,
        "limits": resources,
    }
    assert not [k for k, _ in m.ignored if k.startswith(("SCHEDULER_", "KUBECLUSTER"))]
    study, _ = build_run_study(None, {}, str(tmp_path / ".env"))
    manifest = make_backend(study).job_scripts(2)[0]
    assert "name: benchmark-dask-cluster" in manifest and "32Gi" in manifest
    with pytest.raises(ConfigError, match="SCHEDULER_CORES='many' is not a positive number"):
        study_from_env(env(tmp_path, text + "SCHEDULER_CORES=many\n"))


def test_cores_per_node_on_local_is_listed_as_ignored(tmp_path):
    path = env(tmp_path, "CORES_PER_NODE=24\nMAX_N_CORES=2\n")
    study, m = build_run_study(None, {"deployment.backend": "local"}, str(path))
    assert study.deployment.cores_per_node is None
    assert m is not None
    assert ("CORES_PER_NODE", "cores of a batch node; back-end 'local' submits no jobs") in (
        m.ignored
    )


def test_an_interface_this_machine_lacks_is_one_line(tmp_path):
    study = build_study({"deployment": {"backend": "slurm", "options": {"interface": "bond9"}}})
    with pytest.raises(ConfigError) as err:
        make_backend(study).check()
    message = str(err.value)
    assert message.startswith("deployment.options.interface: 'bond9' is not a network interface")
    assert "lo" in message and "\n" not in message


def test_local_workers_with_too_little_memory_are_refused_not_restarted_forever():
    study = build_study({"deployment": {"workers": [1], "memory_per_worker": "100MiB"}})
    with pytest.raises(ConfigError, match=r"is below 256\.00 MiB"):
        make_backend(study).check()


def test_plan_and_script_check_a_env_file_without_running(tmp_path, monkeypatch):
    from click.testing import CliRunner

    from dask_bench.cli import cli

    path = env(tmp_path, SEED.read_text().replace("KUBE=True", "KUBE=False"))
    monkeypatch.chdir(tmp_path)
    before = sorted(p.name for p in tmp_path.iterdir())
    out = CliRunner().invoke(cli, ["plan", "--env-file", str(path)])
    assert out.exit_code == 0, out.output
    assert "675 points over 25 sizes" in out.output and "estimated duration: about" in out.output
    assert "300 GB (the seed's unit on Slurm) / 24 cores = 11.64 GiB" in out.output
    assert "11.64 GiB per worker" in out.output
    # the study the job runs reads the same .env
    study = tmp_path / "study.yaml"
    study.write_text("suites: {tasks: {workloads: [map-tiny]}}\n")
    out = CliRunner().invoke(cli, ["script", "slurm", str(study), "--env-file", str(path)])
    assert out.exit_code == 0, out.output
    assert f"--env-file {path}" in out.output and "#SBATCH --account=account_name_on_SLURM" in (
        out.output
    )
    # no certificates, no database: only OUT_DIR, the job's log folder, which script makes
    # because batch systems do not
    made = {"study.yaml", "out"}
    assert sorted(p.name for p in tmp_path.iterdir()) == sorted([*before, *made])


def test_manifest_of_the_seed_as_shipped_carries_its_certificates(tmp_path, monkeypatch):
    import yaml
    from click.testing import CliRunner

    from dask_bench.cli import cli

    path = env(tmp_path, SEED.read_text())  # KUBE=True, USE_SSL=True, CERT_DIR='./certs'
    (tmp_path / "certs").mkdir()
    monkeypatch.chdir(tmp_path)
    out = CliRunner().invoke(cli, ["manifest", "--env-file", str(path), "-o", "m.yaml"])
    assert out.exit_code == 0, out.output
    made = sorted(p.name for p in (tmp_path / "certs").iterdir())
    assert made == ["ca.pem", "cert.pem", "key.pem"]
    assert f"certificates made in {tmp_path / 'certs'}" in out.output
    documents = list(yaml.safe_load_all((tmp_path / "m.yaml").read_text()))
    secret, cluster = documents[0], documents[1]
    assert secret["kind"] == "Secret" and secret["metadata"]["namespace"] == "daskbench"
    assert cluster["kind"] == "DaskCluster"
    assert cluster["metadata"]["name"] == "benchmark-dask-cluster"
    # made once: a second manifest uses the same certificates, and says nothing of making
    first = (tmp_path / "certs" / "cert.pem").read_bytes()
    out = CliRunner().invoke(cli, ["manifest", "--env-file", str(path)])
    assert out.exit_code == 0 and "certificates made" not in out.output
    assert (tmp_path / "certs" / "cert.pem").read_bytes() == first


def test_manifest_of_a_env_file_not_on_kubernetes_makes_nothing(tmp_path, monkeypatch):
    from click.testing import CliRunner

    from dask_bench.cli import cli

    path = env(tmp_path, SEED.read_text().replace("KUBE=True", "KUBE=False"))
    (tmp_path / "certs").mkdir()
    monkeypatch.chdir(tmp_path)
    out = CliRunner().invoke(cli, ["manifest", "--env-file", str(path)])
    assert out.exit_code != 0
    assert not list((tmp_path / "certs").iterdir())


@pytest.mark.parametrize(
    ("kube", "backend", "per_worker"),
    [("True", "slurm", 300 * 10**9 // 24), ("False", "kubernetes", 300 * 2**30 // 24)],
)
def test_a_flag_choosing_the_other_kind_of_back_end_reads_its_unit(
    tmp_path, kube, backend, per_worker
):
    text = SEED.read_text().replace("KUBE=True", f"KUBE={kube}").replace("USE_SSL=True", "")
    study, m = build_run_study(None, {"deployment.backend": backend}, str(env(tmp_path, text)))
    assert study.deployment.backend == backend
    assert study.deployment.memory_per_worker == per_worker
    assert m is not None
    unit = "GB (the seed's unit on Slurm)" if backend == "slurm" else "GiB (the seed's unit on"
    assert unit in m.notes["deployment.memory_per_worker"]
