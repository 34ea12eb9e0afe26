"""Worker groups on the kubernetes back-end, without a Kubernetes cluster (none runs here).

The DaskCluster and every DaskWorkerGroup are checked against the CRDs shipped inside
the installed dask-kubernetes; worker pods are built with the operator's own
``build_worker_deployment_spec`` and their arguments parsed by ``dask worker``'s own
command line, so that the group the scheduler would see is the one dask-bench meant.
"""

from __future__ import annotations

import copy

import pytest
import yaml
from click.testing import CliRunner
from dask_kubernetes.operator.controller.controller import build_worker_deployment_spec
from distributed.cli.dask_worker import main as dask_worker

from dask_bench import build_study
from dask_bench.cli import cli
from dask_bench.deploy.build import make_backend
from dask_bench.deploy.kubernetes._groups import GROUP_OPTIONS, scale_targets
from dask_bench.deploy.kubernetes._manifest import (
    GROUP_KIND,
    KIND,
    crd_file,
    crd_schema,
    manifest_errors,
    validate_manifest,
)
from dask_bench.deploy.kubernetes._names import MAX_GROUP_NAME
from dask_bench.deploy.kubernetes.backend import KubernetesBackend
from dask_bench.deploy.kubernetes.documents import study_manifest
from dask_bench.deploy.layout import group_of
from dask_bench.errors import ConfigError
from dask_bench.runner.preview import preview_study

IMAGE = "registry.example.org/dask-bench:0.1"
GiB = 2**30


def spec(groups=None, options=None, config=None):
    return {
        "name": "k8s-groups",
        "deployment": {
            "backend": "kubernetes",
            "workers": [1, 2, 4],
            "threads_per_worker": 2,
            "memory_per_worker": "2GiB",
            "options": {"image": IMAGE, "namespace": "bench", **(options or {})},
            "groups": TWO_GROUPS if groups is None else groups,
        },
        "config": config or {},
        "suites": {"tasks": {"workloads": ["map-tiny"], "per_unit": 2}},
    }


def study(groups=None, options=None, config=None):
    return build_study(spec(groups, options, config))


TWO_GROUPS = {
    "small": {"workers": "sweep"},
    "big_mem": {
        "workers": 2,
        "threads_per_worker": 4,
        "memory_per_worker": "16GiB",
        "resources": {"BIGMEM": 1},
        "options": {
            "node_selector": {"pool": "highmem"},
            "tolerations": [{"key": "highmem", "operator": "Exists", "effect": "NoSchedule"}],
            "extra_resources": {"nvidia.com/gpu": 1},
        },
    },
}


def documents(s=None, workers=None):
    return list(yaml.safe_load_all(study_manifest(s or study(), workers)))


def worker(doc):
    return doc["spec"]["worker"]["spec"]["containers"][0]


def error(**groups):
    with pytest.raises(ConfigError) as caught:
        make_backend(study({**TWO_GROUPS, **groups}))
    message = str(caught.value)
    assert "\n" not in message
    return message


# --- the manifests, against both CRDs ---


def test_both_crds_are_the_ones_shipped_in_dask_kubernetes():
    assert crd_file(KIND).name == "daskcluster.yaml"
    path = crd_file(GROUP_KIND)
    assert path.name == "daskworkergroup.yaml" and "dask_kubernetes" in path.parts
    assert crd_schema(kind=GROUP_KIND)["properties"]["spec"]["required"] == ["cluster", "worker"]


def test_a_two_group_manifest_is_a_daskcluster_then_a_daskworkergroup_each_valid():
    text = study_manifest(study())
    assert text.count("\n---\n") == 1  # kubectl apply -f reads both documents
    cluster, group = documents()
    assert (cluster["kind"], group["kind"]) == (KIND, GROUP_KIND)
    assert manifest_errors(cluster, kind=KIND) == []
    assert manifest_errors(group, kind=GROUP_KIND) == []
    # the largest size: 4 swept workers and the 2 fixed ones
    assert cluster["spec"]["worker"]["replicas"] == 4
    assert group["spec"]["worker"]["replicas"] == 2
    name = cluster["metadata"]["name"]
    assert group["metadata"]["name"] == f"{name}-big-mem" and group["spec"]["cluster"] == name
    assert group["metadata"]["namespace"] == "bench"
    labels = group["metadata"]["labels"]
    assert labels["dask-bench/tag"] == cluster["metadata"]["labels"]["dask-bench/tag"]
    assert labels["dask.org/cluster-name"] == name


def test_each_group_has_its_own_shape_resources_and_placement():
    cluster, group = documents()
    small, big = worker(cluster), worker(group)
    assert small["resources"]["limits"] == {"cpu": "2", "memory": "2Gi"}
    assert "--resources" not in small["args"]
    per_pod = {"cpu": "4", "memory": "16Gi", "nvidia.com/gpu": "1"}
    assert big["resources"] == {"requests": per_pod, "limits": per_pod}
    args = big["args"]
    assert args[args.index("--nthreads") + 1] == "4"
    assert args[args.index("--memory-limit") + 1] == str(16 * GiB)
    assert args[args.index("--resources") + 1] == "BIGMEM=1"
    pod = group["spec"]["worker"]["spec"]
    assert pod["nodeSelector"] == {"pool": "highmem"} and pod["tolerations"][0]["key"] == "highmem"
    assert "nodeSelector" not in cluster["spec"]["worker"]["spec"]


def test_the_swept_groups_options_shape_the_default_group_not_the_scheduler():
    groups = copy.deepcopy(TWO_GROUPS)
    groups["small"]["options"] = {"image": "other:1", "env": {"A": "1"}}
    groups["small"]["resources"] = {"SMALL": 1}
    cluster, group = documents(study(groups, config={"distributed.comm.timeouts.connect": "30s"}))
    assert worker(cluster)["image"] == "other:1" and worker(group)["image"] == IMAGE
    assert cluster["spec"]["scheduler"]["spec"]["containers"][0]["image"] == IMAGE
    env = {e["name"]: e["value"] for e in worker(cluster)["env"]}
    key = "DASK_DISTRIBUTED__COMM__TIMEOUTS__CONNECT"
    assert env["A"] == "1" and key in env
    assert [e["name"] for e in worker(group)["env"]] == [key]  # the study's config only
    assert worker(cluster)["args"][-2:] == ["--resources", "SMALL=1"]


def test_the_workers_the_operator_starts_are_found_in_their_group():
    s = study()
    layout = make_backend(s).layout
    for doc in documents(s):
        wg = (
            f"{doc['metadata']['name']}-default" if doc["kind"] == KIND else doc["metadata"]["name"]
        )
        deployment = build_worker_deployment_spec(
            worker_group_name=wg,
            namespace="bench",
            cluster_name="c",
            uuid="0123456789",
            pod_spec=doc["spec"]["worker"]["spec"],
            annotations={},
            labels={},
        )
        container = deployment["spec"]["template"]["spec"]["containers"][0]
        env = {e["name"]: e["value"] for e in container["env"]}
        # what the kubelet does with $(VAR), then what `dask worker` makes of the arguments
        args = [
            a.replace("$(DASK_WORKER_NAME)", env["DASK_WORKER_NAME"]) for a in container["args"]
        ]
        assert args[:2] == ["dask", "worker"]
        given = dask_worker.make_context("dask worker", args[2:]).params
        # the operator deletes the pod of each worker it retires by that worker's name
        assert given["name"] == deployment["metadata"]["name"]
        pairs = (given["resources"] or "").replace(",", " ").split()
        info = {
            "name": given["name"],
            "nthreads": given["nthreads"],
            "resources": {k: float(v) for k, v in (p.split("=") for p in pairs)},
        }
        assert group_of(layout, info) == ("small" if doc["kind"] == KIND else "big_mem")


def test_a_size_is_every_group_and_the_default_group_gets_the_rest():
    layout = make_backend(study()).layout
    assert scale_targets(layout, 6) == [("big-mem", 2), ("default", 4)]
    assert scale_targets(layout, 2) == [("big-mem", 2), ("default", 0)]
    with pytest.raises(ConfigError, match="fewer than the 2 of the fixed groups"):
        scale_targets(layout, 1)
    cluster, group = documents(workers=3)
    assert (cluster["spec"]["worker"]["replicas"], group["spec"]["worker"]["replicas"]) == (1, 2)


def test_request_scales_each_worker_group_by_its_kubecluster_name():
    backend = make_backend(study())

    calls: list[tuple[int, str]] = []

    class Scaled:  # stands in for the KubeCluster: records what request asks of it
        def scale(self, n: int, worker_group: str = "default") -> None:
            calls.append((n, worker_group))

    backend._cluster = Scaled()
    backend.request(5)
    assert calls == [(2, "big-mem"), (3, "default")]
    # KubeCluster.scale(n, worker_group=g) patches DaskWorkerGroup <cluster>-<g>
    names = [d["metadata"]["name"] for d in backend.manifests(5)[1:]]
    assert names == [f"{backend.cluster_name}-big-mem"]


# --- the validation is real ---


def test_mistakes_in_a_daskworkergroup_are_caught():
    _, group = make_backend(study()).manifests(6)
    assert manifest_errors(group, kind=GROUP_KIND) == []
    wrong = copy.deepcopy(group)
    wrong["spec"]["worker"]["replicas"] = -1  # the CRD has no minimum: dask-bench's own check
    assert manifest_errors(wrong, kind=GROUP_KIND) == ["spec.worker.replicas: -1 is negative"]
    with pytest.raises(ConfigError, match=r"does not fit the DaskWorkerGroup CRD.*negative"):
        validate_manifest(wrong, kind=GROUP_KIND)
    wrong["spec"]["worker"]["replicas"] = "2"
    assert any("'2' is not of type 'integer'" in e for e in manifest_errors(wrong, kind=GROUP_KIND))
    wrong = copy.deepcopy(group)
    del wrong["spec"]["cluster"]
    assert manifest_errors(wrong, kind=GROUP_KIND) == ["spec: 'cluster' is a required property"]
    wrong = copy.deepcopy(group)
    wrong["spec"]["worker"]["spec"]["nodeSelectors"] = {"pool": "highmem"}
    assert manifest_errors(wrong, kind=GROUP_KIND) == [
        "spec.worker.spec.nodeSelectors: unknown field (the API server would drop it)"
    ]
    # a DaskWorkerGroup is not a DaskCluster, and the other way round
    assert "kind: 'DaskWorkerGroup' is not 'DaskCluster'" in manifest_errors(group)


# --- what a group may set ---


def test_a_group_option_the_pods_cannot_take_is_refused_in_one_line():
    message = error(big_mem={**TWO_GROUPS["big_mem"], "options": {"queue": "bigmem"}})
    assert "'deployment.groups.big_mem.options': queue cannot be set per group" in message
    assert message.endswith(f"a group's worker pods take: {', '.join(GROUP_OPTIONS)}")
    message = error(small={"workers": "sweep", "options": {"scheduler_resources": {}}})
    assert "scheduler_resources cannot be set per group" in message


@pytest.mark.parametrize(
    ("options", "expected"),
    [
        ({"resources": {"limits": {"cpu": 1}}}, "'deployment.groups.big_mem.options.resources'"),
        ({"extra_resources": {"cpu": 2}}, "sets cpu, which the group's threads_per_worker"),
        ({"extra_resources": {"nvidia.com/gpu": "1GB"}}, "is not a Kubernetes quantity"),
        ({"node_selector": {"pool": 1}}, "node_selector' must map label names to strings"),
        ({"tolerations": {"key": "x"}}, "tolerations' must be a list of tolerations"),
        ({"image": ""}, "'deployment.groups.big_mem.options' over deployment.options: the"),
        ({"worker_args": ["--nthreads", "8"]}, "worker_args' sets --nthreads"),
        (
            {"tolerations": [{"effect": 3}]},
            "DaskWorkerGroup 'dask-bench-run-id-big-mem' does not fit",
        ),
    ],
)
def test_bad_group_option_values_are_refused_in_one_line(options, expected):
    assert expected in error(big_mem={**TWO_GROUPS["big_mem"], "options": options})


def test_groups_the_scheduler_or_the_operator_could_not_tell_apart_are_refused():
    same = {"workers": 2, "threads_per_worker": 2}
    assert "small and other offer the same resources and threads" in error(other=same)
    assert "names its own worker group 'default'" in error(default={**same, "resources": {"X": 1}})
    assert "both make Kubernetes name 'big-mem'" in error(Big_Mem={**same, "resources": {"Y": 1}})
    # workers are named <cluster>-...: a group "dask" would claim dask-bench-... workers
    assert "reads as this group's" in error(dask={**same, "resources": {"Z": 1}})


def test_long_names_are_shortened_to_fit_the_daskworkergroup_names():
    long = "g" * 32
    groups = {"small": {"workers": "sweep"}, long: {"workers": 1, "resources": {"G": 1}}}
    backend = make_backend(study(groups), tag="dask-bench-" + "x" * 80)
    cluster, group = backend.manifests(3)
    assert len(group["metadata"]["name"]) <= MAX_GROUP_NAME
    assert manifest_errors(cluster) == [] and manifest_errors(group, kind=GROUP_KIND) == []
    with pytest.raises(ConfigError, match=r"shorten the group's name or deployment\.options\.name"):
        make_backend(study(groups, options={"name": "n" * 40}))


# --- plan, manifest, describe ---


def test_plan_shows_the_daskworkergroups_after_the_daskcluster():
    text = preview_study(study()).render()
    block = text.split("-- DaskCluster manifest --\n", 1)[1].split("\n\n", 1)[0]
    docs = list(yaml.safe_load_all("\n".join(line[3:] for line in block.splitlines())))
    assert [d["kind"] for d in docs] == [KIND, GROUP_KIND]
    assert [d["spec"]["worker"]["replicas"] for d in docs] == [1, 2]  # the first size: 3


def test_manifest_command_writes_every_document(tmp_path):
    path = tmp_path / "study.yaml"
    path.write_text(yaml.safe_dump(spec()))
    done = CliRunner().invoke(cli, ["manifest", str(path), "--workers", "5"])
    assert done.exit_code == 0, done.output
    docs = list(yaml.safe_load_all(done.output))
    assert [manifest_errors(d, kind=d["kind"]) for d in docs] == [[], []]
    assert [d["spec"]["worker"]["replicas"] for d in docs] == [3, 2]
    done = CliRunner().invoke(cli, ["manifest", str(path), "--workers", "1"])
    assert done.exit_code != 0 and "fewer than the 2 of the fixed groups" in done.output


def test_describe_keeps_every_document():
    info = make_backend(study()).describe()
    assert manifest_errors(info["manifest"]) == []
    [group] = info["worker_groups"]
    assert manifest_errors(group, kind=GROUP_KIND) == []


def test_without_groups_nothing_changes():
    backend = make_backend(study(groups={}))
    assert isinstance(backend, KubernetesBackend)
    [text] = backend.job_scripts(4)
    assert "---" not in text and yaml.safe_load(text)["spec"]["worker"]["replicas"] == 4
    assert scale_targets(backend.layout, 4) == [("default", 4)]
