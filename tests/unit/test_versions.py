"""Version mismatch detection and its table, from plain version dicts."""

from __future__ import annotations

import re
from typing import Any

import pytest

from dask_bench.errors import DaskBenchError, VersionMismatch
from dask_bench.runner.provenance import (
    PACKAGES,
    describe_workers,
    merge_versions,
    mismatch_table,
    mismatch_warning,
    require_matching_versions,
    version_mismatches,
)

A, B, C = "tcp://127.0.0.1:41235", "tcp://127.0.0.1:41236", "tcp://127.0.0.1:41237"

NODE = {
    "python": "3.11.2.final.0",
    "dask": "2024.8.0",
    "distributed": "2024.8.0",
    "numpy": "1.26.4",
    "pandas": "2.2.2",
    "pyarrow": None,  # not installed anywhere: nothing to compare
    "cloudpickle": "3.0.0",
    "msgpack": "1.0.8",
    "toolz": "0.12.1",
    "tornado": "6.4.1",
    "dask_bench": "0.1.0",
}


def cluster(
    scheduler: dict[str, Any] | None = None, workers: dict[str, dict[str, Any]] | None = None
) -> dict[str, Any]:
    """Versions as ``cluster_versions`` returns them: workers A, B and C, each like the
    client except for what ``workers`` overrides."""
    over = {A: {}, B: {}, C: {}} | (workers or {})
    return {
        "client": dict(NODE),
        "scheduler": {**NODE, **(scheduler or {})},
        "workers": {addr: {**NODE, **o} for addr, o in over.items()},
    }


def rows(table: str) -> dict[str, list[str]]:
    """Table lines by package, split into columns (columns are 2+ spaces apart)."""
    lines = table.splitlines()
    assert re.split(r"\s{2,}", lines[0].strip()) == ["package", "client", "scheduler", "workers"]
    return {(c := re.split(r"\s{2,}", ln.strip()))[0]: c[1:] for ln in lines[1:]}


def test_matching_versions_pass():
    assert version_mismatches(cluster()) == []
    require_matching_versions([], allow=False)  # does not raise


def test_one_worker_differs_is_named_and_the_others_counted():
    (m,) = version_mismatches(cluster(workers={A: {"dask": "2024.1.0"}}))
    assert m == {
        "package": "dask",
        "client": "2024.8.0",
        "scheduler": "2024.8.0",
        "workers": {A: "2024.1.0"},
        "other_workers": 2,
    }
    assert rows(mismatch_table([m])) == {
        "dask": ["2024.8.0", "2024.8.0", f"2024.1.0 ({A}), 2024.8.0 (2 others)"]
    }


def test_scheduler_differs():
    (m,) = version_mismatches(cluster(scheduler={"distributed": "2024.7.1"}))
    assert m["workers"] == {} and m["other_workers"] == 3
    assert rows(mismatch_table([m])) == {"distributed": ["2024.8.0", "2024.7.1", "2024.8.0"]}


def test_python_differs():
    (m,) = version_mismatches(cluster(workers={B: {"python": "3.12.4.final.0"}}))
    assert m["package"] == "python"
    assert rows(mismatch_table([m]))["python"] == [
        "3.11.2.final.0",
        "3.11.2.final.0",
        f"3.12.4.final.0 ({B}), 3.11.2.final.0 (2 others)",
    ]


def test_package_missing_on_a_worker():
    (m,) = version_mismatches(cluster(workers={C: {"numpy": None}}))
    assert m["workers"] == {C: None}
    assert rows(mismatch_table([m]))["numpy"][2] == f"missing ({C}), 1.26.4 (2 others)"


def test_package_present_on_a_worker_only():
    (m,) = version_mismatches(cluster(workers={A: {"pyarrow": "17.0.0"}}))
    assert rows(mismatch_table([m]))["pyarrow"] == [
        "missing",
        "missing",
        f"17.0.0 ({A}), missing (2 others)",
    ]


@pytest.mark.parametrize("package", PACKAGES)
def test_every_compared_package_is_detected(package):
    (m,) = version_mismatches(cluster(workers={B: {package: "0.0.1"}}))
    assert m["package"] == package and m["workers"] == {B: "0.0.1"}


def test_python_and_the_key_packages_are_compared():
    wanted = {"python", "dask", "distributed", "numpy", "pandas", "pyarrow", "cloudpickle"}
    assert wanted | {"msgpack", "toolz", "tornado"} <= set(PACKAGES)


def test_workers_grouped_by_version():
    versions = cluster(
        workers={A: {"dask": "2024.1.0"}, B: {"dask": "2024.1.0"}, C: {"dask": "2023.12.0"}}
    )
    (m,) = version_mismatches(versions)
    assert m["other_workers"] == 0
    assert describe_workers(m) == f"2023.12.0 ({C}), 2024.1.0 ({A}, {B})"
    (m,) = version_mismatches(
        cluster(workers={A: {"dask": "1"}, B: {"dask": "1"}, C: {"dask": "1"}})
    )
    assert describe_workers(m) == "1 (all 3)"


def test_many_differing_workers_are_not_all_named():
    versions = cluster()
    versions["workers"] = {f"tcp://10.0.0.{i}:8786": {**NODE, "toolz": "0.11.0"} for i in range(5)}
    versions["workers"]["tcp://10.0.0.9:8786"] = dict(NODE)
    (m,) = version_mismatches(versions)
    cell = describe_workers(m)
    assert cell.startswith("0.11.0 (tcp://10.0.0.0:8786, tcp://10.0.0.1:8786, tcp://10.0.0.2:8786")
    assert cell.endswith(" and 2 more), 0.12.1 (1 other)")


def test_a_worker_arriving_at_a_later_size_is_checked():
    first = cluster()
    later = {**cluster(), "workers": {"tcp://127.0.0.1:50000": {**NODE, "tornado": "6.3.0"}}}
    (m,) = version_mismatches(merge_versions(first, later))
    assert m["workers"] == {"tcp://127.0.0.1:50000": "6.3.0"} and m["other_workers"] == 3


def test_mismatch_stops_with_sentence_then_table():
    mismatches = version_mismatches(
        cluster(scheduler={"python": "3.11.9.final.0"}, workers={A: {"dask": "2024.1.0"}})
    )
    with pytest.raises(VersionMismatch) as info:
        require_matching_versions(mismatches, allow=False)
    assert isinstance(info.value, DaskBenchError) and info.value.exit_code == 1
    first, *table = str(info.value).splitlines()
    assert first.startswith("versions differ between client, scheduler and workers;")
    assert "--allow-version-mismatch" in first
    assert all(line.startswith("  ") for line in table)
    got = rows("\n".join(table))
    assert list(got) == ["python", "dask"]  # in the order of PACKAGES
    assert got["python"][1] == "3.11.9.final.0" and A in got["dask"][2]


def test_allowed_mismatch_does_not_stop_and_warns_in_one_line():
    mismatches = version_mismatches(cluster(workers={A: {"dask": "2024.1.0"}}))
    require_matching_versions(mismatches, allow=True)
    (line,) = mismatch_warning(mismatches[0]).splitlines()
    workers = f"2024.1.0 ({A}), 2024.8.0 (2 others)"
    assert line == f"dask differs: client 2024.8.0, scheduler 2024.8.0, workers {workers}"


def test_markup_like_text_is_printed_as_is():
    versions = cluster(workers={A: {"dask": "[bold]2024.1.0[/bold]"}})
    assert "[bold]2024.1.0[/bold]" in mismatch_table(version_mismatches(versions))


def test_stored_mismatches_without_a_count_still_format():
    # runs stored before "other_workers" existed
    old = {"package": "dask", "client": "1", "scheduler": "1", "workers": {A: "2"}}
    assert describe_workers(old) == f"2 ({A})"
