"""The kubernetes back-end at run time, without a Kubernetes cluster (none can run here).

The open-files command under real shells, the pod-state summary on realistic pod
objects, start() against no API server, a refusing one and a silent one, and the
``plan`` and ``manifest`` commands.
"""

from __future__ import annotations

import copy
import resource
import shutil
import socket
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from dask_bench import build_study
from dask_bench.deploy.kubernetes import backend as k8s
from dask_bench.deploy.kubernetes._manifest import manifest_errors, open_files_command
from dask_bench.deploy.kubernetes.backend import KubernetesBackend, pod_nodes, pod_states
from dask_bench.deploy.kubernetes.documents import study_manifest
from dask_bench.deploy.layout import WorkerLayout
from dask_bench.errors import BackendError
from dask_bench.runner.preview import preview_study

IMAGE = "registry.example.org/dask-bench:0.1"


def backend(**options):
    b = KubernetesBackend(WorkerLayout(1, 2**30), {"image": IMAGE, **options})
    b.tag = "dask-bench-7"
    return b


def containers(manifest, role):
    return manifest["spec"][role]["spec"]["containers"]


# --- the open-files limit inside the containers ---


def run_under(limit, soft, hard, shell="sh"):
    command = open_files_command(limit)
    command[0] = shell
    probe = "import resource; print(*resource.getrlimit(resource.RLIMIT_NOFILE))"
    done = subprocess.run(
        [*command, sys.executable, "-c", probe],
        preexec_fn=lambda: resource.setrlimit(resource.RLIMIT_NOFILE, (soft, hard)),
        capture_output=True,
        text=True,
        check=True,
        timeout=60,
    )
    return tuple(map(int, done.stdout.split()))


@pytest.mark.parametrize("shell", ["sh", "bash"])
def test_open_files_are_raised_inside_the_container_command(shell):
    if shutil.which(shell) is None:
        pytest.fail(f"{shell} is missing")
    hard = min(4096, resource.getrlimit(resource.RLIMIT_NOFILE)[1])
    assert run_under(1000, 256, hard, shell) == (1000, hard)  # raised
    assert run_under(50_000, 256, hard, shell) == (hard, hard)  # above the hard limit: to it
    assert run_under(300, 500, hard, shell) == (500, hard)  # a higher limit is kept


def test_open_files_command_wraps_the_containers_and_survives_kubernetes_expansion():
    command = open_files_command(50_000)
    assert command[:2] == ["sh", "-c"] and command[-1] == "sh"  # "$@" = the container's args
    # Kubernetes expands $(NAME) and $$ in command and args: the script has neither.
    assert "$(" not in command[2] and "$$" not in command[2]
    manifest = backend().manifest(1)
    for role in ("worker", "scheduler"):
        assert containers(manifest, role)[0]["command"] == command
    assert containers(backend(open_files=None).manifest(1), "worker")[0]["command"] is None


# --- pod states ---


def pod(name, component, phase, *, conditions=(), waiting=None, node=None, deleting=False):
    status = {"phase": phase, "conditions": list(conditions)}
    if waiting:
        reason, message = waiting
        status["containerStatuses"] = [
            {
                "name": component,
                "ready": False,
                "restartCount": 4,
                "state": {"waiting": {"reason": reason, "message": message}},
            }
        ]
    metadata = {
        "name": name,
        "namespace": "bench",
        "labels": {"dask.org/cluster-name": "dask-bench-7", "dask.org/component": component},
    }
    if deleting:
        metadata["deletionTimestamp"] = "2026-03-01T10:00:00Z"
    return {"metadata": metadata, "spec": {"nodeName": node}, "status": status}


UNSCHEDULABLE = {
    "type": "PodScheduled",
    "status": "False",
    "reason": "Unschedulable",
    "message": "0/3 nodes are available: 3 Insufficient memory. preemption: 0/3 nodes are "
    "available: 3 No preemption victims found for incoming pod.",
}


def test_pod_states_count_phases_and_say_why_pods_wait():
    pods = [
        pod("s", "scheduler", "Running", node="n1"),
        pod("w1", "worker", "Running", node="n1"),
        pod("w2", "worker", "Running", node="n2"),
        pod("w3", "worker", "Pending", conditions=[UNSCHEDULABLE]),
    ]
    assert pod_states(pods) == (
        "scheduler pod: 1 Running; worker pods: 2 Running, 1 Pending (Unschedulable: 0/3 "
        "nodes are available: 3 Insufficient memory. preemption: 0/3 nodes are available: "
        "3 No preemption victims found for incoming pod.)"
    )
    assert pod_nodes(pods) == {"s": "n1", "w1": "n1", "w2": "n2", "w3": None}


def test_pod_states_show_image_and_crash_problems():
    pods = [
        pod("w1", "worker", "Pending", waiting=("ImagePullBackOff", 'Back-off pulling "x"')),
        pod("w2", "worker", "Pending", waiting=("ImagePullBackOff", 'Back-off pulling "x"')),
        pod("w3", "worker", "Running", waiting=("CrashLoopBackOff", "back-off 40s\nrestarting")),
        pod("w4", "worker", "Running", deleting=True),
        pod("w5", "worker", "Pending", waiting=("ContainerCreating", None)),
    ]
    assert pod_states(pods) == (
        "worker pods: 1 Running (CrashLoopBackOff: back-off 40s restarting), "
        '2 Pending (ImagePullBackOff: Back-off pulling "x"), 1 Pending (ContainerCreating), '
        "1 Terminating"
    )
    assert pod_states([]) == "no pods yet"


# --- no Kubernetes API here: start() must fail quickly with one line ---


@pytest.fixture
def no_cluster(tmp_path, monkeypatch):
    """No kubeconfig, no in-cluster service account variables."""
    monkeypatch.setenv("HOME", str(tmp_path))
    monkeypatch.setenv("KUBECONFIG", str(tmp_path / "missing-kubeconfig"))
    monkeypatch.delenv("KUBERNETES_SERVICE_HOST", raising=False)
    monkeypatch.delenv("KUBERNETES_SERVICE_PORT", raising=False)
    return tmp_path


def kubeconfig(folder, port):
    path = folder / "kubeconfig"
    path.write_text(
        yaml.safe_dump(
            {
                "apiVersion": "v1",
                "kind": "Config",
                "clusters": [{"name": "c", "cluster": {"server": f"https://127.0.0.1:{port}"}}],
                "users": [{"name": "u", "user": {"token": "t"}}],
                "contexts": [{"name": "x", "context": {"cluster": "c", "user": "u"}}],
                "current-context": "x",
            }
        )
    )
    return path


def start_fails(b):
    with pytest.raises(BackendError) as err:
        b.start()
    b.close()  # safe after a failed start, and twice
    b.close()
    message = str(err.value)
    assert "\n" not in message
    assert message.startswith("cannot reach a Kubernetes API server: ")
    assert message.endswith("check KUBECONFIG / the current context (kubectl cluster-info)")
    return message


@pytest.mark.timeout(60)
def test_start_without_any_kubeconfig(no_cluster):
    assert "Unable to find valid credentials" in start_fails(backend())


@pytest.mark.timeout(60)
def test_start_against_a_refusing_api_server(no_cluster, monkeypatch):
    with socket.socket() as s:  # a port nobody listens on
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    monkeypatch.setenv("KUBECONFIG", str(kubeconfig(no_cluster, port)))
    assert "connection" in start_fails(backend()).lower()


@pytest.mark.timeout(60)
def test_start_against_a_silent_api_server_gives_up_in_time(no_cluster, monkeypatch):
    monkeypatch.setattr(k8s, "API_TIMEOUT", 1.0)  # the limit under test, made short
    with socket.socket() as silent:  # accepts connections (backlog), never answers
        silent.bind(("127.0.0.1", 0))
        silent.listen(8)
        monkeypatch.setenv("KUBECONFIG", str(kubeconfig(no_cluster, silent.getsockname()[1])))
        assert "no answer within 1 s" in start_fails(backend())


@pytest.mark.timeout(60)
def test_pod_states_and_cleanup_without_an_api(no_cluster):
    states = backend().job_states()
    assert states.startswith("pods could not be listed (") and "credentials" in states
    with pytest.raises(BackendError, match="kubectl delete daskcluster -l dask-bench/tag="):
        KubernetesBackend.cleanup("dask-bench-7", {"namespace": "bench"})


# --- plan and the manifest command ---


STUDY = {
    "name": "k8s-weak",
    "deployment": {
        "backend": "kubernetes",
        "workers": [1, 2, 4],
        "threads_per_worker": 2,
        "memory_per_worker": "1.5GiB",
        "options": {"image": IMAGE, "namespace": "bench"},
    },
    "suites": {"tasks": {"workloads": ["map-tiny"], "per_unit": 2}},
}


def test_plan_prints_the_manifest_once():
    text = preview_study(build_study(STUDY)).render()
    assert text.count("-- DaskCluster manifest --") == 1 and "job script" not in text
    assert "jobs:" not in text and "each size sets its worker replicas" in text
    block = text.split("-- DaskCluster manifest --\n", 1)[1].split("\n\n", 1)[0]
    shown = yaml.safe_load("\n".join(line[3:] for line in block.splitlines()))
    assert manifest_errors(shown) == []
    assert shown["spec"]["worker"]["replicas"] == 1  # the first size
    assert shown["metadata"]["name"] == "dask-bench-run-id"


def test_manifest_command_writes_a_valid_file(tmp_path):
    from click.testing import CliRunner

    from dask_bench.cli import cli

    study = tmp_path / "study.yaml"
    study.write_text(yaml.safe_dump(STUDY))
    out = tmp_path / "cluster.yaml"
    done = CliRunner().invoke(cli, ["manifest", str(study), "-o", str(out)])
    assert done.exit_code == 0, done.output
    written = yaml.safe_load(out.read_text())
    assert manifest_errors(written) == []
    assert written["spec"]["worker"]["replicas"] == 4  # the largest size
    assert written["metadata"] == {
        "name": "dask-bench-k8s-weak",
        "namespace": "bench",
        "labels": {
            "dask-bench/tag": "dask-bench-k8s-weak",
            "app.kubernetes.io/managed-by": "dask-bench",
        },
    }
    assert {p.name for p in tmp_path.iterdir()} == {"study.yaml", "cluster.yaml"}  # no temp file

    done = CliRunner().invoke(cli, ["manifest", str(study), "--workers", "2"])
    assert done.exit_code == 0 and yaml.safe_load(done.output)["spec"]["worker"]["replicas"] == 2


def test_manifest_command_refuses_other_backends_and_bad_options(tmp_path):
    from click.testing import CliRunner

    from dask_bench.cli import cli

    local = copy.deepcopy(STUDY)
    local["deployment"].update(backend="local", options={})
    study = tmp_path / "local.yaml"
    study.write_text(yaml.safe_dump(local))
    done = CliRunner().invoke(cli, ["manifest", str(study)])
    assert done.exit_code == 2
    assert done.output.strip().splitlines() == [
        "error: the study uses back-end 'local'; a manifest needs deployment.backend: "
        "kubernetes (or --backend kubernetes)"
    ]
    bad = copy.deepcopy(STUDY)
    bad["deployment"]["options"]["scheduler_resources"] = {"requests": {"memory": "4GB"}}
    study.write_text(yaml.safe_dump(bad))
    out = tmp_path / "never.yaml"
    done = CliRunner().invoke(cli, ["manifest", str(study), "-o", str(out)])
    assert done.exit_code == 2 and "'4GB' is not a Kubernetes quantity" in done.output
    assert not out.exists()


def test_the_readme_example_makes_a_valid_manifest():
    readme = (Path(__file__).parents[2] / "README.md").read_text()
    section = readme.split("### Kubernetes (dask-kubernetes operator)", 1)[1]
    example = section.split("```yaml\n", 1)[1].split("```", 1)[0]
    study = build_study({**yaml.safe_load(example), "suites": STUDY["suites"]})
    text = study_manifest(study)
    manifest = yaml.safe_load(text)
    assert manifest_errors(manifest) == [] and manifest["spec"]["worker"]["replicas"] == 8
    assert containers(manifest, "worker")[0]["resources"]["limits"] == {"cpu": "2", "memory": "4Gi"}
