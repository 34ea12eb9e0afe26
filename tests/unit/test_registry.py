"""Unit tests of the workload registry (no cluster needed)."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from dask_bench.errors import ConfigError
from dask_bench.workloads import registry
from dask_bench.workloads.registry import (
    Metric,
    Trial,
    WorkloadContext,
    all_workloads,
    get_workload,
    suite_workloads,
    unregister,
    workload,
)


def dummy(ctx: WorkloadContext) -> Trial[int]:
    return Trial(run=lambda: 1, check=lambda result: None, nbytes=0, ntasks=1)


@pytest.fixture
def temporary() -> Iterator[list[str]]:
    """Keys registered by a test; unregistered afterwards."""
    keys: list[str] = []
    yield keys
    for key in keys:
        unregister(key)


def register(keys: list[str], suite: Any, name: str, **kw: Any) -> None:
    workload(suite, name, f"test workload {name}", **kw)(dummy)
    keys.append(f"{suite}/{name}")


def test_register_and_look_up(temporary: list[str]) -> None:
    decorated = workload("tasks", "zz-test-one", "one line", version=3, options={"a": 1})(dummy)
    temporary.append("tasks/zz-test-one")
    assert decorated is dummy
    w = get_workload("tasks", "zz-test-one")
    assert (w.suite, w.name, w.description, w.version) == ("tasks", "zz-test-one", "one line", 3)
    assert w.func is dummy
    assert w.key == "tasks/zz-test-one"
    assert w.unit == "tasks/s"
    assert dict(w.options) == {"a": 1}
    assert w.metric is Metric.THROUGHPUT  # the default


def test_duplicate_registration_is_rejected(temporary: list[str]) -> None:
    register(temporary, "arrays", "zz-test-dup")
    with pytest.raises(ValueError, match="arrays/zz-test-dup"):
        register(temporary, "arrays", "zz-test-dup")
    # The same name in another suite is a different workload.
    register(temporary, "dataframes", "zz-test-dup")
    assert get_workload("dataframes", "zz-test-dup").suite == "dataframes"


def test_unknown_suite_is_rejected() -> None:
    before = dict(registry._REGISTRY)
    with pytest.raises(ValueError, match="unknown suite 'graphs'"):
        workload("graphs", "zz-test", "nope")  # type: ignore[arg-type]
    assert before == registry._REGISTRY


def test_get_workload_error_lists_known_names(temporary: list[str]) -> None:
    register(temporary, "dataframes", "zz-test-a")
    register(temporary, "dataframes", "zz-test-b")
    with pytest.raises(ConfigError) as info:
        get_workload("dataframes", "zz-missing")
    message = str(info.value)
    assert "'zz-missing'" in message and "'dataframes'" in message
    # Exactly the names of the suite asked about, in registration order.
    known = message.split("known: ")[1].split(" (see")[0].split(", ")
    assert known == [w.name for w in suite_workloads("dataframes")]
    assert known[-2:] == ["zz-test-a", "zz-test-b"]


def test_get_workload_error_for_an_empty_suite(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(registry, "_REGISTRY", {})
    with pytest.raises(ConfigError, match="known: none"):
        get_workload("tasks", "map-tiny")


def test_resolve_options(temporary: list[str]) -> None:
    register(temporary, "tasks", "zz-test-opts", options={"steps": 5, "sleep": 0.1})
    w = get_workload("tasks", "zz-test-opts")
    assert w.resolve_options({}) == {"steps": 5, "sleep": 0.1}
    assert w.resolve_options({"steps": 7}) == {"steps": 7, "sleep": 0.1}
    # Options the workload does not declare are ignored.
    assert w.resolve_options({"steps": 2, "other": 1}) == {"steps": 2, "sleep": 0.1}
    assert dict(w.options) == {"steps": 5, "sleep": 0.1}  # defaults untouched


def test_options_are_copied_at_registration(temporary: list[str]) -> None:
    options = {"steps": 5}
    register(temporary, "tasks", "zz-test-copy", options=options)
    options["steps"] = 9
    assert get_workload("tasks", "zz-test-copy").options == {"steps": 5}


def test_all_workloads_order(temporary: list[str], monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(registry, "_REGISTRY", {})
    register(temporary, "dataframes", "d1")
    register(temporary, "tasks", "t1")
    register(temporary, "arrays", "a1")
    register(temporary, "tasks", "t0")  # registration order, not alphabetical
    register(temporary, "dataframes", "d0")
    assert [w.key for w in all_workloads()] == [
        "tasks/t1",
        "tasks/t0",
        "arrays/a1",
        "dataframes/d1",
        "dataframes/d0",
    ]
    assert [w.name for w in suite_workloads("tasks")] == ["t1", "t0"]
    assert suite_workloads("arrays")[0].unit == "MB/s"


def test_unregister(temporary: list[str]) -> None:
    register(temporary, "arrays", "zz-test-gone")
    unregister("arrays/zz-test-gone")
    with pytest.raises(ConfigError):
        get_workload("arrays", "zz-test-gone")
    unregister("arrays/zz-test-gone")  # unknown keys are ignored
    register(temporary, "arrays", "zz-test-gone")  # the name is free again


def test_context_option() -> None:
    ctx = WorkloadContext(client=None, units=2, chunks=4, chunk_size=10, options={"steps": 3})  # type: ignore[arg-type]
    assert ctx.option("steps") == 3
    assert (ctx.seed, ctx.timeout) == (42, None)
    with pytest.raises(KeyError):
        ctx.option("missing")


def test_builtin_suites_are_registered() -> None:
    import dask_bench.workloads  # noqa: F401  (registers the built-in suites)

    expected = {
        "tasks": {"map-tiny", "map-sleep", "tree-reduce", "chain", "stencil", "dynamic"},
        "arrays": {
            "create",
            "map-blocks",
            "random-access",
            "std",
            "std-axis",
            "sin2-cos2",
            "transpose-add",
            "rechunk",
            "map-overlap",
        },
        "dataframes": {
            "create",
            "map-partitions",
            "random-access",
            "std",
            "std-series",
            "groupby-mean",
            "groupby-mean-2",
            "groupby-apply",
            "sort-values",
            "set-index",
            "merge",
            "rolling-mean",
        },
    }
    for suite, names in expected.items():
        assert {w.name for w in suite_workloads(suite)} == names  # type: ignore[arg-type]


def test_metric_is_set_by_the_decorator(temporary: list[str]) -> None:
    register(temporary, "arrays", "zz-test-latency", metric=Metric.LATENCY)
    register(temporary, "arrays", "zz-test-string", metric="latency")
    register(temporary, "arrays", "zz-test-default")
    assert get_workload("arrays", "zz-test-latency").metric is Metric.LATENCY
    assert get_workload("arrays", "zz-test-string").metric is Metric.LATENCY
    assert get_workload("arrays", "zz-test-default").metric is Metric.THROUGHPUT
    # A StrEnum: stored and shown as its plain value.
    assert Metric.LATENCY == "latency" and str(Metric.THROUGHPUT) == "throughput"
    assert [m.value for m in Metric] == ["throughput", "latency"]


def test_unknown_metric_is_rejected() -> None:
    before = dict(registry._REGISTRY)
    with pytest.raises(ValueError, match="unknown metric 'speed'; expected one of throughput"):
        workload("tasks", "zz-test", "nope", metric="speed")  # type: ignore[arg-type]
    assert before == registry._REGISTRY


def test_builtin_latency_workloads() -> None:
    import dask_bench.workloads as workloads

    assert workloads.Metric is Metric  # exported by the package
    latency = {w.key for w in all_workloads() if w.metric is Metric.LATENCY}
    assert latency == {"arrays/random-access", "dataframes/random-access"}
    assert all(isinstance(w.metric, Metric) for w in all_workloads())
