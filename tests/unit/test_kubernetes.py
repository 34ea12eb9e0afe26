"""The DaskClusters of the kubernetes back-end, without a Kubernetes cluster (none runs here).

Every generated DaskCluster is checked against the CRD schema shipped inside the
installed dask-kubernetes (nulls pruned first, as the API server does), and every
option and quantity the user gives is checked. Run-time behaviour (start without an
API server, pod states, commands) is in test_kubernetes_runtime.py.
"""

from __future__ import annotations

from decimal import Decimal

import jsonschema
import pytest
import yaml
from dask_kubernetes.operator import make_cluster_spec

from dask_bench import build_study
from dask_bench.deploy import get_backend
from dask_bench.deploy.kubernetes._manifest import (
    crd_file,
    crd_schema,
    manifest_errors,
    memory_quantity,
    prune_nulls,
    validate_manifest,
)
from dask_bench.deploy.kubernetes._names import MAX_NAME, cluster_name
from dask_bench.deploy.kubernetes._options import check_quantity, check_resources, parse_quantity
from dask_bench.deploy.kubernetes.backend import KubernetesBackend
from dask_bench.deploy.layout import WorkerLayout
from dask_bench.errors import ConfigError

IMAGE = "registry.example.org/dask-bench:0.1"
GiB = 2**30


def backend(threads=1, memory=GiB, tag="dask-bench-7", **options):
    b = KubernetesBackend(WorkerLayout(threads, memory), {"image": IMAGE, **options})
    b.tag = tag
    return b


def containers(manifest, role):
    return manifest["spec"][role]["spec"]["containers"]


# --- the schema and pruning ---


def test_the_crd_is_the_one_shipped_in_dask_kubernetes():
    path = crd_file()
    assert path.name == "daskcluster.yaml" and "dask_kubernetes" in path.parts
    schema = crd_schema()
    assert schema["required"] == ["spec"]
    assert schema["properties"]["spec"]["required"] == ["scheduler", "worker"]


def test_prune_nulls_drops_null_fields_at_every_depth_and_keeps_list_items():
    doc = {"a": None, "b": {"c": None, "d": [{"e": None, "f": 1}, None]}, "g": 0, "h": ""}
    assert prune_nulls(doc) == {"b": {"d": [{"f": 1}, None]}, "g": 0, "h": ""}
    assert doc["a"] is None  # the input is left alone


def test_prune_nulls_keeps_nulls_the_schema_allows():
    schema = {"properties": {"keep": {"nullable": True}, "drop": {"type": "string"}}}
    assert prune_nulls({"keep": None, "drop": None}, schema) == {"keep": None}


def test_generated_manifests_need_the_pruning_the_api_server_does():
    manifest = backend().manifest(2)
    assert manifest["metadata"]["namespace"] is None  # unset fields are null, as upstream's
    validator = jsonschema.Draft4Validator(crd_schema())
    assert not validator.is_valid(manifest)
    assert validator.is_valid(prune_nulls(manifest))


def test_upstream_make_cluster_spec_passes_the_same_checks():
    # The checks are no stricter than the operator's own generator.
    assert manifest_errors(make_cluster_spec(name="upstream", n_workers=2)) == []


LAYOUTS = [(1, GiB), (2, 3 * GiB), (4, int(1.5 * GiB)), (1, 1_000_000_000), (8, 123_456_789)]
OPTIONS = [
    {},
    {"namespace": "bench", "scheduler_service_type": "NodePort"},
    {"scheduler_service_type": "LoadBalancer", "open_files": None},
    {"open_files": 1024, "image_pull_policy": "IfNotPresent", "idle_timeout": 600},
    {
        "env": {"OMP_NUM_THREADS": 1, "DASK_DISTRIBUTED__COMM__TIMEOUTS__CONNECT": "60s"},
        "worker_args": ["--no-nanny", "--local-directory", "/tmp"],
        "jupyter": True,
    },
    {
        "scheduler_resources": {
            "requests": {"cpu": "500m", "memory": "2Gi"},
            "limits": {"cpu": 2, "memory": "4Gi"},
        },
        "scheduler_node_selector": {"node.kubernetes.io/instance-type": "m5.xlarge"},
        "scheduler_tolerations": [
            {"key": "dedicated", "operator": "Equal", "value": "dask", "effect": "NoSchedule"},
            {"key": "spot", "operator": "Exists", "tolerationSeconds": 300},
        ],
    },
    {
        "name": "bench-{user}",
        "env": [{"name": "POD_IP", "valueFrom": {"fieldRef": {"fieldPath": "status.podIP"}}}],
        "scheduler_affinity": {
            "nodeAffinity": {
                "requiredDuringSchedulingIgnoredDuringExecution": {
                    "nodeSelectorTerms": [
                        {"matchExpressions": [{"key": "pool", "operator": "In", "values": ["a"]}]}
                    ]
                }
            }
        },
        "worker_args": "--lifetime 1h --lifetime-stagger 5m",
    },
]


@pytest.mark.parametrize("layout", LAYOUTS, ids=lambda layout: f"{layout[0]}x{layout[1]}")
@pytest.mark.parametrize("options", OPTIONS, ids=range(len(OPTIONS)))
def test_every_generated_manifest_fits_the_crd(layout, options):
    b = backend(*layout, **options)
    for replicas in (0, 1, 5):
        manifest = b.manifest(replicas)
        assert manifest_errors(manifest) == []
        assert validate_manifest(manifest) == prune_nulls(manifest)
        (text,) = b.job_scripts(replicas)
        assert yaml.safe_load(text) == prune_nulls(manifest)
        assert manifest_errors(yaml.safe_load(text)) == []


def broken(change):
    manifest = prune_nulls(backend().manifest(2))
    change(manifest)
    return manifest_errors(manifest)


@pytest.mark.parametrize(
    ("change", "expected"),
    [
        (
            lambda m: m["spec"]["worker"].update(replicas="2"),
            "spec.worker.replicas: '2' is not of type 'integer'",
        ),
        (
            lambda m: containers(m, "worker")[0].pop("name"),
            "spec.worker.spec.containers[0]: 'name' is a required property",
        ),
        (
            lambda m: m["spec"]["scheduler"].pop("service"),
            "spec.scheduler: 'service' is a required property",
        ),
        (lambda m: m.pop("spec"), "(top): 'spec' is a required property"),
        (
            # the CRD wants quantities as strings
            lambda m: containers(m, "worker")[0]["resources"]["limits"].update(cpu=2),
            "spec.worker.spec.containers[0].resources.limits.cpu: 2 is not of type 'string'",
        ),
        (
            lambda m: m["spec"]["scheduler"]["spec"].update(nodeSelectr={"a": "b"}),
            "spec.scheduler.spec.nodeSelectr: unknown field (the API server would drop it)",
        ),
        (
            lambda m: m["spec"]["scheduler"]["service"]["ports"][0].update(port=70000 * 70000),
            "spec.scheduler.service.ports[0].port: 4900000000 is not a 'int32'",
        ),
        (lambda m: m["metadata"].update(name="Bench_1"), "metadata.name: 'Bench_1' is not a valid"),
        (
            lambda m: m["metadata"]["labels"].update(run="a b"),
            "metadata.labels.run: 'a b' is not a valid label value",
        ),
        (lambda m: m.update(kind="DaskJob"), "kind: 'DaskJob' is not 'DaskCluster'"),
    ],
)
def test_broken_manifests_are_rejected(change, expected):
    errors = broken(change)
    assert any(e.startswith(expected) for e in errors), errors


def test_validate_manifest_raises_one_line_with_the_first_error():
    manifest = backend().manifest(1)
    manifest["spec"]["worker"]["replicas"] = "one"
    with pytest.raises(ConfigError) as err:
        validate_manifest(manifest)
    assert "\n" not in str(err.value)
    assert "spec.worker.replicas: 'one' is not of type 'integer'" in str(err.value)


# --- the layout in the pods ---


@pytest.mark.parametrize(
    ("threads", "memory", "quantity"),
    [
        (1, GiB, "1Gi"),
        (2, 3 * GiB, "3Gi"),
        (4, int(1.5 * GiB), "1536Mi"),
        (1, 10**9, "1G"),
        (1, 10**9 + 1, "1000000001"),
    ],
)
def test_each_pod_runs_one_worker_of_the_layout(threads, memory, quantity):
    manifest = backend(threads, memory).manifest(3)
    assert manifest["spec"]["worker"]["replicas"] == 3
    (worker,) = containers(manifest, "worker")
    args = worker["args"]
    assert args[:2] == ["dask", "worker"]
    assert args[args.index("--nworkers") + 1] == "1"
    assert args[args.index("--nthreads") + 1] == str(threads)
    assert args[args.index("--memory-limit") + 1] == str(memory)
    assert args[args.index("--name") + 1] == "$(DASK_WORKER_NAME)"  # set by the operator
    per_pod = {"cpu": str(threads), "memory": quantity}
    assert worker["resources"] == {"requests": per_pod, "limits": per_pod}
    assert parse_quantity(quantity, "memory") == memory  # exact: the pod holds the worker
    assert containers(manifest, "scheduler")[0]["args"][:2] == ["dask", "scheduler"]


def test_memory_quantity_is_exact():
    sizes = (4 * GiB, 1536 * 2**20, 4 * 10**9, 3 * 1024, 1000, 1001)
    assert [memory_quantity(n) for n in sizes] == ["4Gi", "1536Mi", "4G", "3Ki", "1k", "1001"]
    assert all(parse_quantity(memory_quantity(n), "m") == n for n in sizes)


def test_worker_args_come_after_the_layout_and_env_reaches_both_pods():
    manifest = backend(worker_args=["--no-nanny"], env={"A": 1}).manifest(1)
    assert containers(manifest, "worker")[0]["args"][-1] == "--no-nanny"
    for role in ("worker", "scheduler"):
        assert containers(manifest, role)[0]["env"] == [{"name": "A", "value": "1"}]


def test_scheduler_placement_goes_to_the_scheduler_pod_only():
    toleration = {"key": "dask", "operator": "Exists", "effect": "NoSchedule"}
    manifest = backend(
        scheduler_node_selector={"pool": "services"}, scheduler_tolerations=[toleration]
    ).manifest(1)
    pod = manifest["spec"]["scheduler"]["spec"]
    assert pod["nodeSelector"] == {"pool": "services"} and pod["tolerations"] == [toleration]
    assert "nodeSelector" not in manifest["spec"]["worker"]["spec"]


@pytest.mark.parametrize("service", ["ClusterIP", "NodePort", "LoadBalancer"])
def test_service_types(service):
    manifest = backend(scheduler_service_type=service).manifest(1)
    assert manifest["spec"]["scheduler"]["service"]["type"] == service


def test_names_come_from_the_run_tag():
    assert backend(tag="dask-bench-17").manifest(1)["metadata"]["name"] == "dask-bench-17"
    assert cluster_name("dask-bench-<run id>") == "dask-bench-run-id"
    assert cluster_name("Dask_Bench--My Run!") == "dask-bench-my-run"
    long = cluster_name("dask-bench-" + "x" * 80)
    assert len(long) == MAX_NAME and manifest_errors(backend(tag="x" * 80).manifest(1)) == []
    assert cluster_name("") == cluster_name("!!!") == "dask-bench"
    labels = backend(tag="dask-bench-17").manifest(1)["metadata"]["labels"]
    assert labels["dask-bench/tag"] == "dask-bench-17"


# --- options and quantities ---


@pytest.mark.parametrize(
    ("text", "value"),
    [
        ("500m", Decimal("0.5")),
        ("2Gi", Decimal(2 * GiB)),
        ("1.5", Decimal("1.5")),
        ("4G", Decimal(4 * 10**9)),
        ("1e3", Decimal(1000)),
        (".5Ki", Decimal(512)),
        ("0", Decimal(0)),
        (2, Decimal(2)),
        (0.25, Decimal("0.25")),
    ],
)
def test_valid_quantities(text, value):
    assert parse_quantity(text, "q") == value
    assert check_quantity(text, "q") == str(text)


@pytest.mark.parametrize(
    ("text", "hint"),
    [
        ("4GB", "write '4Gi' (4 GiB) or '4G' (4e9 bytes)"),
        ("512mb", "write '512Mi' (512 MiB) or '512M' (512e6 bytes)"),
        ("4GiB", "write '4Gi' (4 GiB)"),
        ("2 Gi", "(no spaces); write '2Gi'"),
        ("-1Gi", "is negative"),
        ("1.2.3", "e.g. '2' or '500m' (cpu)"),
        ("Gi", "is not a Kubernetes quantity"),
        ("", "is not a Kubernetes quantity"),
        (True, "is not a Kubernetes quantity"),
    ],
)
def test_invalid_quantities_are_refused_with_the_fix(text, hint):
    with pytest.raises(ConfigError) as err:
        check_quantity(text, "deployment.options.scheduler_resources.limits.memory")
    message = str(err.value)
    assert "\n" not in message and hint in message
    assert message.startswith("deployment.options.scheduler_resources.limits.memory: ")


def test_the_gb_trap_is_caught_when_the_backend_is_built():
    with pytest.raises(ConfigError, match="'4GB' is not a Kubernetes quantity"):
        backend(scheduler_resources={"limits": {"memory": "4GB"}})


def test_resources_shape_and_requests_above_limits():
    ok = check_resources({"requests": {"cpu": 1}, "limits": {"cpu": "1500m"}}, "r")
    assert ok == {"requests": {"cpu": "1"}, "limits": {"cpu": "1500m"}}
    with pytest.raises(ConfigError, match="takes 'requests' and/or 'limits'"):
        check_resources({"cpu": 1}, "r")
    with pytest.raises(ConfigError, match=r"requests\.memory '2Gi' is more than limits\.memory"):
        check_resources({"requests": {"memory": "2Gi"}, "limits": {"memory": "2G"}}, "r")


@pytest.mark.parametrize(
    ("key", "names"),
    [
        ("n_workers", "deployment.workers"),
        ("resources", "deployment.memory_per_worker"),
        ("worker_command", "deployment.options.worker_args"),
        ("custom_cluster_spec", "dask-bench manifest"),
        ("create_mode", "new DaskCluster"),
    ],
)
def test_keys_the_study_owns_are_refused(key, names):
    with pytest.raises(ConfigError) as err:
        backend(**{key: 1})
    assert f"'deployment.options.{key}' is set by the study" in str(err.value)
    assert names in str(err.value) and "\n" not in str(err.value)


def test_a_missing_image_says_how_to_get_one():
    for options in ({}, {"image": ""}, {"image": None}):
        with pytest.raises(ConfigError) as err:
            KubernetesBackend(WorkerLayout(1, GiB), options)
        assert "dask-bench image" in str(err.value)
        assert "deployment.options.image" in str(err.value)


@pytest.mark.parametrize(
    ("options", "message"),
    [
        (
            {"imagee": "x"},
            "unknown 'deployment.options' key(s) for the kubernetes back-end: imagee",
        ),
        ({"worker_args": ["--nthreads", "4"]}, "sets --nthreads, which dask-bench sets"),
        ({"worker_args": "--memory-limit=2GB"}, "sets --memory-limit"),
        ({"scheduler_service_type": "ExternalName"}, "is not one of ClusterIP, NodePort"),
        ({"namespace": "Bench"}, "'Bench' is not a namespace name"),
        ({"name": "my_cluster"}, "'my_cluster' is not a valid DaskCluster name"),
        ({"open_files": 0}, "'deployment.options.open_files' must be a whole number"),
        ({"env": ["A=1"]}, "'deployment.options.env' must map names to values"),
        ({"shutdown_on_close": "yes"}, "must be true or false"),
        ({"scheduler_tolerations": {"key": "a"}}, "must be a list of tolerations"),
        (
            # right type, wrong content: caught by the CRD schema when the back-end is built
            {"scheduler_tolerations": [{"key": "a", "tolerationSeconds": "soon"}]},
            "tolerationSeconds: 'soon' is not of type 'integer'",
        ),
    ],
)
def test_bad_options_fail_when_the_backend_is_built(options, message):
    with pytest.raises(ConfigError) as err:
        backend(**options)
    assert message in str(err.value) and "\n" not in str(err.value)


def test_kubecluster_keywords_keep_their_upstream_names():
    b = backend(resource_timeout=120, port_forward_cluster_ip=True, shutdown_on_close=False)
    assert b.settings.cluster == {
        "resource_timeout": 120,
        "port_forward_cluster_ip": True,
        "shutdown_on_close": False,
    }


# --- registry, TLS, provenance ---


def test_registry_tls_and_auto_memory():
    assert get_backend("kubernetes") is KubernetesBackend and KubernetesBackend.supports_tls
    deployment = {"backend": "kubernetes", "workers": [1], "options": {"image": IMAGE}}
    with pytest.raises(ConfigError, match=r"memory_per_worker: auto divides the memory of"):
        build_study({"deployment": deployment, "security": {"tls": "auto"}})
    build_study({"deployment": {**deployment, "memory_per_worker": "1GiB"}})


def test_describe_records_the_manifest_namespace_and_image():
    info = backend(namespace="bench").describe()
    assert info["backend"] == "kubernetes" and info["image"] == IMAGE
    assert info["namespace"] == "bench" and info["cluster_name"] == "dask-bench-7"
    assert manifest_errors(info["manifest"]) == []
    yaml.safe_dump(info)  # plain data, storable
