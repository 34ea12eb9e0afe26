"""TLS, pod security, placement and the Namespace on kubernetes: as the seed ran it.

No API server runs here: the documents are checked against the CRDs shipped in
dask-kubernetes (DaskCluster, DaskWorkerGroup) and the fields Kubernetes requires
(Secret, Namespace); the run-time Secret is not created against a cluster.
"""

from __future__ import annotations

import base64
import json
import stat

import pytest
import yaml
from click.testing import CliRunner

from dask_bench import build_study
from dask_bench.cli import cli
from dask_bench.deploy.kubernetes._manifest import manifest_errors
from dask_bench.deploy.kubernetes._namespace import ENFORCE_LABEL, namespace_errors
from dask_bench.deploy.kubernetes._tls import MOUNT, secret_errors
from dask_bench.deploy.kubernetes.backend import KubernetesBackend
from dask_bench.deploy.kubernetes.documents import study_manifest
from dask_bench.deploy.layout import WorkerLayout
from dask_bench.deploy.tls import make_security
from dask_bench.errors import ConfigError
from dask_bench.report.analysis._likeforlike import confounders
from dask_bench.runner.provenance import environment
from dask_bench.secrets import scrub, scrub_text
from dask_bench.store import Store
from dask_bench.study import SecuritySettings

from .report_data import add_run

IMAGE = "registry.example.org/dask-bench:0.1"
GiB = 2**30
KUBE = {
    "name": "k8s-tls",
    "deployment": {
        "backend": "kubernetes",
        "workers": [1, 2],
        "memory_per_worker": "2GiB",
        "options": {"image": IMAGE, "namespace": "bench"},
    },
    "suites": {"tasks": {"workloads": ["map-tiny"]}},
}


def tls_backend(**options):
    security = make_security(SecuritySettings(tls="auto"))
    b = KubernetesBackend(WorkerLayout(1, GiB), {"image": IMAGE, **options}, security=security)
    b.tag = "dask-bench-7"
    return b, security


def pods(doc):
    spec = doc["spec"]
    yield from (spec[r]["spec"] for r in ("scheduler", "worker") if r in spec)


def test_tls_manifest_and_secret_validate_and_mounts_match_the_args():
    b, security = tls_backend(namespace="bench")
    doc = b.manifest(2)
    assert manifest_errors(doc) == []
    secret = b.secret_document()
    assert secret_errors(secret) == [] and secret["type"] == "kubernetes.io/tls"
    assert secret["metadata"]["labels"]["dask-bench/tag"] == "dask-bench-7"
    assert base64.b64decode(secret["data"]["tls.key"]).decode() == security.tls_scheduler_key
    for pod in pods(doc):
        (volume,) = pod["volumes"]
        assert volume["secret"]["secretName"] == secret["metadata"]["name"] == "dask-bench-7-tls"
        (container,) = pod["containers"]
        (mount,) = container["volumeMounts"]
        assert mount == {"name": volume["name"], "mountPath": MOUNT, "readOnly": True}
        args = container["args"]
        for flag, key in (("--tls-ca-file", "ca.crt"), ("--tls-cert", "tls.crt"),
                          ("--tls-key", "tls.key")):  # fmt: skip
            path = args[args.index(flag) + 1]
            assert path == f"{mount['mountPath']}/{key}" and key in secret["data"]
        env = {e["name"]: e["value"] for e in container["env"]}
        assert env["DASK_DISTRIBUTED__COMM__REQUIRE_ENCRYPTION"] == "True"
    scheduler, worker = (containers[0] for containers in
                         (p["containers"] for p in pods(doc)))  # fmt: skip
    assert scheduler["args"][scheduler["args"].index("--protocol") + 1] == "tls"
    worker_env = {e["name"]: e["value"] for e in worker["env"]}
    assert worker_env["DASK_SCHEDULER_ADDRESS"] == "tls://dask-bench-7-scheduler:8786"


def test_secret_errors_catch_what_kubernetes_refuses():
    b, _ = tls_backend()
    good = b.secret_document()
    bad = {**good, "type": "kubernetes.io/basic-auth", "data": {"tls.crt": "%%"}}
    errors = secret_errors(bad)
    assert any(e.startswith("type:") for e in errors) and "data.tls.crt: not base64" in errors
    assert "data.tls.key: missing" in errors


def test_the_stored_provenance_holds_no_private_key(tmp_path):
    b, security = tls_backend(namespace="bench")
    key = security.tls_scheduler_key
    info = b.describe()
    assert info["tls_secret"] == "dask-bench-7-tls"
    store = Store(str(tmp_path / "r.db"), create=True)
    run = add_run(store, environment=environment(info))
    stored = json.dumps(store.run(run.id).environment)
    lines = key.strip().splitlines()[1:-1]
    assert "PRIVATE KEY" not in stored and not any(line in stored for line in lines)
    assert base64.b64encode(key.encode()).decode() not in stored
    # a key that reaches text anyway is masked (remembered when the Secret was made)
    assert lines[0] not in scrub_text(f"error: {key}")
    assert scrub({"data": {"tls.key": "abc"}}) == {"data": {"tls.key": "***"}}


def test_manifest_command_writes_the_secret_first_to_a_private_file(tmp_path):
    study = tmp_path / "s.yaml"
    study.write_text(yaml.safe_dump({**KUBE, "security": {"tls": "auto"}}))
    out = tmp_path / "cluster.yaml"
    result = CliRunner().invoke(cli, ["manifest", str(study), "-o", str(out)])
    assert result.exit_code == 0, result.output
    text = out.read_text()
    assert "holds the TLS private key" in text.splitlines()[1]
    kinds = [d["kind"] for d in yaml.safe_load_all(text)]
    assert kinds == ["Secret", "DaskCluster"]
    assert stat.S_IMODE(out.stat().st_mode) == 0o600


RESTRICTED_OPTIONS = {
    "security_context": "restricted",
    "image_pull_secrets": ["regcred"],
    "node_selector": {"pool": "dask"},
    "tolerations": [{"key": "dedicated", "operator": "Equal", "value": "dask"}],
    "affinity": {"nodeAffinity": {"requiredDuringSchedulingIgnoredDuringExecution": {
        "nodeSelectorTerms": [{"matchExpressions": [
            {"key": "pool", "operator": "In", "values": ["dask"]}]}]}}},
}  # fmt: skip


def test_restricted_namespace_options_reach_every_pod_and_validate():
    b, _ = tls_backend(**RESTRICTED_OPTIONS)
    doc = b.manifest(1)
    assert manifest_errors(doc) == []
    for pod in pods(doc):
        assert pod["securityContext"] == {
            "runAsNonRoot": True,
            "seccompProfile": {"type": "RuntimeDefault"},
        }
        assert pod["imagePullSecrets"] == [{"name": "regcred"}]
        (container,) = pod["containers"]
        assert container["securityContext"] == {
            "allowPrivilegeEscalation": False,
            "capabilities": {"drop": ["ALL"]},
        }
    scheduler, worker = pods(doc)
    assert worker["nodeSelector"] == {"pool": "dask"} and scheduler["nodeSelector"] is None
    assert worker["tolerations"] and worker["affinity"]["nodeAffinity"]


def test_worker_groups_get_the_pod_options_and_keep_their_own_placement():
    spec = {
        **KUBE["deployment"],
        "options": {"image": IMAGE, **RESTRICTED_OPTIONS},
        "groups": {"small": {}, "big": {"workers": 1, "resources": {"BIG": 1},
                                        "options": {"node_selector": {"pool": "big"}}}},
    }  # fmt: skip
    docs = list(yaml.safe_load_all(study_manifest(build_study({**KUBE, "deployment": spec}))))
    cluster, group = docs
    assert manifest_errors(cluster) == [] and manifest_errors(group, kind="DaskWorkerGroup") == []
    assert cluster["spec"]["worker"]["spec"]["nodeSelector"] == {"pool": "dask"}
    assert group["spec"]["worker"]["spec"]["nodeSelector"] == {"pool": "big"}
    assert group["spec"]["worker"]["spec"]["securityContext"]["runAsNonRoot"] is True


@pytest.mark.parametrize(
    ("options", "message"),
    [
        ({"security_context": "strict"}, "must be 'restricted'"),
        ({"security_context": {"pods": {}}}, "must be 'restricted'"),
        ({"image_pull_secrets": [{"secret": "x"}]}, "must name Secrets"),
        ({"node_selector": {"a": 1}}, "must map label names to strings"),
        ({"tolerations": {"key": "x"}}, "must be a list of tolerations"),
        ({"security_context": {"pod": {"runAsNonRoot": "yes"}}}, "runAsNonRoot"),
    ],
)
def test_bad_pod_options_are_refused_in_one_line(options, message):
    with pytest.raises(ConfigError, match=message) as err:
        KubernetesBackend(WorkerLayout(1, GiB), {"image": IMAGE, **options})
    assert "\n" not in str(err.value)


def test_namespace_document(tmp_path):
    study = tmp_path / "s.yaml"
    options = {"image": IMAGE, "namespace": "bench", "security_context": "restricted"}
    study.write_text(yaml.safe_dump({**KUBE, "deployment": {**KUBE["deployment"],
                                                            "options": options}}))  # fmt: skip
    result = CliRunner().invoke(cli, ["manifest", str(study), "--namespace-document"])
    assert result.exit_code == 0, result.output
    namespace, cluster = yaml.safe_load_all(result.output)
    assert namespace_errors(namespace) == [] and namespace["metadata"]["name"] == "bench"
    assert namespace["metadata"]["labels"][ENFORCE_LABEL] == "restricted"
    assert cluster["kind"] == "DaskCluster"
    assert namespace_errors({"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": "B_"}})
    plain = {**KUBE["deployment"], "options": {"image": IMAGE}}
    study.write_text(yaml.safe_dump({**KUBE, "deployment": plain}))
    result = CliRunner().invoke(cli, ["manifest", str(study), "--namespace-document"])
    assert result.exit_code != 0 and "needs 'deployment.options.namespace'" in result.output


def placed(scheduler_runs, inside):
    return {
        "placement": {
            "scheduler": scheduler_runs,
            "scheduler_runs": scheduler_runs,
            "client": "login1",
            "client_inside": inside,
            "same_host": scheduler_runs == "in dask-bench's process" or None,
        }
    }


def test_the_like_for_like_guard_warns_on_another_placement(tmp_path):
    store = Store(str(tmp_path / "r.db"), create=True)
    login = add_run(store, name="a", environment=placed("in dask-bench's process", "none"))
    inside = add_run(store, name="b", environment=placed("in dask-bench's process", "a Slurm job"))
    pod = add_run(store, name="c", environment=placed("a pod", "none"))
    same = add_run(store, name="d", environment=placed("in dask-bench's process", "none"))
    a, b, c, d = (store.run(r.id) for r in (login, inside, pod, same))
    assert confounders(a, d, []) == []
    (line,) = confounders(a, b, [])
    assert line.startswith("different placement: the client ran inside: A none, B a Slurm job")
    lines = confounders(a, c, [])
    assert any("the scheduler ran: A in dask-bench's process, B a pod" in x for x in lines)
    assert any("one host: A true, B not known" in x for x in lines)


def test_every_run_records_where_scheduler_and_client_ran(monkeypatch):
    monkeypatch.setenv("SLURM_JOB_ID", "123")
    b, _ = tls_backend(namespace="bench")
    where = environment(b.describe())["placement"]
    assert where["scheduler"] == "a pod in namespace bench" and where["scheduler_runs"] == "a pod"
    assert where["client_inside"] == "a Slurm job" and where["same_host"] is None
