"""The seed's .env keys for Kubernetes (KUBE, KUBE_NAMESPACE, CONTAINER_IMAGE) and TLS."""

from __future__ import annotations

import pytest
from click.testing import CliRunner

from dask_bench.cli import cli
from dask_bench.cli.run import build_run_study
from dask_bench.deploy.kubernetes.backend import KubernetesBackend
from dask_bench.deploy.tls import make_security
from dask_bench.envfile import CERT_NAMES, NOT_KUBE, study_from_env
from dask_bench.errors import ConfigError
from dask_bench.runner.plan import plan_study
from dask_bench.study import TlsFiles

from .test_envfile import SEED, env, mapped, study_file

IMAGE = "registry.example.org/dask-bench:0.1.0"
KUBE_SEED = SEED.replace("KUBE=False", "KUBE=True").replace(
    "CONTAINER_IMAGE=ghcr.io/dask/dask:latest", f"CONTAINER_IMAGE={IMAGE}"
)
BATCH_ONLY = "a batch-job option; back-end 'kubernetes' takes none"


def test_kube_true_maps_the_kubernetes_keys(tmp_path):
    m = mapped(tmp_path, f"KUBE=true\nKUBE_NAMESPACE=bench\nCONTAINER_IMAGE={IMAGE}\n")
    assert m.overrides == {
        "deployment.backend": "kubernetes",
        "deployment.options.namespace": "bench",
        "deployment.options.image": IMAGE,
    }
    assert [k for k, _ in m.applied] == ["KUBE", "KUBE_NAMESPACE", "CONTAINER_IMAGE"]
    assert not m.ignored and not m.notes


def test_the_full_kube_seed_builds_a_kubernetes_study(tmp_path):
    study, m = build_run_study(None, {}, str(env(tmp_path, KUBE_SEED)))
    assert m is not None
    d = study.deployment
    # SCHEDULER_CORES=4 and SCHEDULER_MEM=8GB size the scheduler pod, as in the seed
    pod = {"cpu": "4", "memory": str(8 * 10**9)}
    assert d.backend == "kubernetes" and d.options == {
        "namespace": "dask",
        "image": IMAGE,
        "scheduler_resources": {"requests": pod, "limits": pod},
    }
    assert d.memory_per_worker == 2 * 2**30 and d.workers == [1, 16, 32, 48, 64]
    ignored = dict(m.ignored)
    for key in ("NET_INTERFACE", "ACCOUNT", "PARTITION", "TIME_LIMIT", "OUT_DIR", "ENV_TO_SOURCE"):
        assert ignored[key] == BATCH_ONLY
    # The back-end takes these options: its DaskCluster runs the image in the namespace.
    manifest = KubernetesBackend(plan_study(study).layout, d.options).manifest(2)
    assert manifest["metadata"]["namespace"] == "dask"
    assert manifest["spec"]["worker"]["spec"]["containers"][0]["image"] == IMAGE


def test_kube_without_image_leaves_the_error_to_the_backend(tmp_path):
    path = str(env(tmp_path, "KUBE=true\nKUBE_NAMESPACE=bench\nMEM_PER_NODE=8\nCORES_PER_NODE=2\n"))
    study, m = build_run_study(None, {}, path)
    assert m is not None
    assert study.deployment.backend == "kubernetes"
    assert study.deployment.options == {"namespace": "bench"}  # no image is invented
    note = m.notes["deployment.backend"]
    assert note.startswith("no CONTAINER_IMAGE") and "'dask-bench image --extra kubernetes'" in note
    with pytest.raises(ConfigError, match=r"needs 'deployment.options.image'.*'dask-bench image'"):
        KubernetesBackend(plan_study(study).layout, study.deployment.options)
    # A kubernetes study file can give the image; the .env adds the namespace.
    spec = {"deployment": {"backend": "kubernetes", "options": {"image": IMAGE}}}
    study, _ = build_run_study(study_file(tmp_path, spec), {}, path)
    assert study.deployment.options == {"image": IMAGE, "namespace": "bench"}


def test_cli_kube_without_image_stops_before_anything_starts(tmp_path):
    path = env(tmp_path, "KUBE=true\nMEM_PER_NODE=8\nCORES_PER_NODE=2\n")
    db = tmp_path / "r.db"
    args = ["run", "--env-file", str(path), "--db", str(db), "--quiet"]
    result = CliRunner().invoke(cli, args)
    assert result.exit_code == 2
    assert result.output.strip().splitlines()[-1:] == [
        "error: the kubernetes back-end needs 'deployment.options.image', an image with "
        "dask-bench installed (workers import it): build one with 'dask-bench image' and "
        "set deployment.options.image"
    ]
    assert not db.exists()


def test_kubernetes_keys_need_kube_true_and_the_kubernetes_backend(tmp_path):
    m = mapped(tmp_path, f"KUBE=false\nKUBE_NAMESPACE=bench\nCONTAINER_IMAGE={IMAGE}\n")
    assert m.ignored == [("KUBE_NAMESPACE", NOT_KUBE), ("CONTAINER_IMAGE", NOT_KUBE)]
    assert m.overrides == {"deployment.backend": "slurm"}
    # --backend beats KUBE=true; the Kubernetes options then mean nothing.
    text = f"KUBE=true\nKUBE_NAMESPACE=bench\nCONTAINER_IMAGE={IMAGE}\nACCOUNT=p\n"
    study, m = build_run_study(None, {"deployment.backend": "slurm"}, str(env(tmp_path, text)))
    assert m is not None
    assert study.deployment.backend == "slurm" and study.deployment.options == {"account": "p"}
    assert dict(m.ignored) == {
        "KUBE": "a command-line flag sets deployment.backend",
        "KUBE_NAMESPACE": "a Kubernetes option; back-end 'slurm' takes none",
        "CONTAINER_IMAGE": "a Kubernetes option; back-end 'slurm' takes none",
    }


# --- USE_SSL and CERT_DIR: TLS ---


@pytest.fixture(scope="module")
def pems():
    """CA certificate, certificate and key (PEM text) of a real temporary CA."""
    from distributed.security import Security

    sec = Security.temporary()
    return sec.tls_ca_file, sec.tls_client_cert, sec.tls_client_key


def write_pems(folder, pems, names):
    """Write the PEM texts under ``names`` (ca, cert, key; ``None`` leaves one out)."""
    folder.mkdir(parents=True, exist_ok=True)
    for name, text in zip(names, pems, strict=True):
        if name:
            (folder / name).write_text(text)
    return folder


def loads(study):
    """The study's certificates load into a real SSL context (files and key match)."""
    ctx = make_security(study.security).get_connection_args("client")["ssl_context"]
    assert ctx is not None


@pytest.mark.parametrize(
    "names",
    [("ca.pem", "cert.pem", "key.pem"), ("ca.crt", "tls.crt", "tls.key"),
     ("ca-cert.pem", "server.crt", "server.key"), ("cacert.pem", "cert.crt", "server-key.pem")],
)  # fmt: skip
def test_use_ssl_with_cert_dir_finds_the_pem_files(tmp_path, monkeypatch, pems, names):
    certs = write_pems(tmp_path / "seed" / "certs", pems, names)
    (tmp_path / "seed" / ".env").write_text("USE_SSL=true\nCERT_DIR=certs\n")
    monkeypatch.chdir(tmp_path)  # a relative CERT_DIR is next to the .env, not in the cwd
    study, m = build_run_study(None, {}, "seed/.env")
    ca, cert, key = (str(certs / n) for n in names)
    assert study.security.tls == TlsFiles(ca_file=ca, cert=cert, key=key)
    assert m is not None
    assert ("USE_SSL", "security.tls") in m.applied and ("CERT_DIR", "security.tls") in m.applied
    assert m.notes["security.tls"] == "PEM files found in CERT_DIR"
    loads(study)


def test_cert_dir_takes_the_first_name_and_a_key_inside_the_cert(tmp_path, monkeypatch, pems):
    ca, cert, key = pems
    certs = write_pems(tmp_path / "certs", (ca, ca, cert + key), ("ca.crt", "ca.pem", "tls.crt"))
    monkeypatch.setenv("HOME", str(tmp_path))
    path = str(env(tmp_path, "USE_SSL=yes\nCERT_DIR=~/certs\n"))
    assert study_from_env(path).overrides["security.tls"] == {
        "ca_file": str(certs / "ca.pem"),  # ca.pem comes before ca.crt
        "cert": str(certs / "tls.crt"),
        "key": None,  # no key file: it is in tls.crt
    }
    study, _ = build_run_study(None, {}, path)
    loads(study)


@pytest.mark.parametrize(
    ("names", "missing"),
    [
        (("ca.pem", "cert.pem", None), ("key",)),  # and the key is not inside cert.pem
        (("ca.pem", None, "key.pem"), ("cert",)),
    ],
)
def test_cert_dir_without_the_files_is_a_one_line_error(tmp_path, pems, names, missing):
    certs = write_pems(tmp_path / "certs", pems, names)
    path = env(tmp_path, "USE_SSL=true\nCERT_DIR=certs\n")
    with pytest.raises(ConfigError) as err:
        study_from_env(path)
    message = str(err.value)
    assert message.startswith(f"{path}: CERT_DIR='certs': in {certs}, no ") and "\n" not in message
    roles = {"ca_file": "CA certificate", "cert": "certificate", "key": "private key"}
    for role, what in roles.items():
        looked = f"no {what} ({', '.join(CERT_NAMES[role])})"
        assert (looked in message) == (role in missing)
    assert message.endswith(
        "put the PEM files there under one of these names, or remove USE_SSL and CERT_DIR "
        "from the .env and set security.tls in the study file"
    )


def test_a_self_signed_certificate_is_its_own_ca(tmp_path, pems):
    # the seed README's recipe: openssl req -x509 ... -keyout key.pem -out cert.pem
    _, cert, key = pems  # Security.temporary() signs its certificate itself
    certs = write_pems(tmp_path / "certs", (cert, key), ("cert.pem", "key.pem"))
    found = study_from_env(env(tmp_path, "USE_SSL=true\nCERT_DIR=certs\n")).overrides
    assert found["security.tls"] == {
        "ca_file": str(certs / "cert.pem"),
        "cert": str(certs / "cert.pem"),
        "key": str(certs / "key.pem"),
    }


def test_an_empty_cert_dir_gets_certificates_when_the_run_starts(tmp_path, monkeypatch):
    path = env(tmp_path, "USE_SSL=true\nCERT_DIR=./certs\n")
    monkeypatch.chdir(tmp_path)
    certs = tmp_path / "certs"
    # plan: nothing is written, the study asks for certificates
    study, m = build_run_study(None, {}, str(path))
    assert m is not None and m.certificates_to_make == str(certs)
    assert study.security.tls == "auto" and not certs.exists()
    assert "made there when the run starts, as the seed did" in m.notes["security.tls"]
    # run: they are made in CERT_DIR (the key readable by its owner only) and used
    study, _ = build_run_study(None, {}, str(path), make=True)
    assert study.security.tls == TlsFiles(
        ca_file=str(certs / "ca.pem"), cert=str(certs / "cert.pem"), key=str(certs / "key.pem")
    )
    assert (certs / "key.pem").stat().st_mode & 0o777 == 0o600
    loads(study)
    # a second run uses them
    again, _ = build_run_study(None, {}, str(path), make=True)
    assert again.security.tls == study.security.tls


def test_no_tls_beats_an_empty_cert_dir(tmp_path, monkeypatch):
    path = env(tmp_path, "USE_SSL=true\nCERT_DIR=./certs\n")
    monkeypatch.chdir(tmp_path)
    study, m = build_run_study(None, {"security.tls": False}, str(path), make=True)
    assert study.security.tls is False and not (tmp_path / "certs").exists()
    assert m is not None and ("USE_SSL", "a command-line flag sets security.tls") in m.ignored


def test_use_ssl_without_cert_dir_means_temporary_certificates(tmp_path):
    study, m = build_run_study(None, {}, str(env(tmp_path, "USE_SSL=1\n")))
    assert m is not None
    assert (study.deployment.backend, study.security.tls) == ("slurm", "auto")
    assert m.notes["security.tls"] == "no CERT_DIR: temporary certificates made for the run"


def test_use_ssl_false_turns_tls_off_below_the_flag(tmp_path):
    path = study_file(tmp_path, {"security": {"tls": "auto"}})
    text = str(env(tmp_path, "USE_SSL=false\nCERT_DIR=certs\n"))
    study, m = build_run_study(path, {}, text)
    assert study.security.tls is False  # the .env beats the study file
    assert m is not None
    assert ("CERT_DIR", "unused: TLS is off, USE_SSL is not true") in m.ignored
    study, m = build_run_study(path, {"security.tls": "auto"}, text)  # --tls
    assert study.security.tls == "auto"
    assert m is not None
    assert ("USE_SSL", "a command-line flag sets security.tls") in m.ignored


def test_use_ssl_with_kubernetes_gives_the_pods_the_certificates(tmp_path):
    text = f"KUBE=true\nCONTAINER_IMAGE={IMAGE}\nUSE_SSL=true\nMEM_PER_NODE=8\nCORES_PER_NODE=2\n"
    path = str(env(tmp_path, text))
    study, _ = build_run_study(None, {}, path)
    assert study.security.tls == "auto"
    study, _ = build_run_study(None, {"security.tls": False}, path)
    assert (study.deployment.backend, study.security.tls) == ("kubernetes", False)
    study, _ = build_run_study(None, {"deployment.backend": "slurm"}, path)
    assert (study.deployment.backend, study.security.tls) == ("slurm", "auto")
