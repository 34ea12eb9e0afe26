"""Performance references: validation in the study file, and checking stored runs against them."""

from __future__ import annotations

import io
import re
import statistics
from pathlib import Path
from typing import Any

import pytest
import yaml
from rich.cells import cell_len
from rich.console import Console
from rich.table import Table

from dask_bench.errors import ConfigError
from dask_bench.report import CheckResult, check_run, check_table
from dask_bench.runner.checks import build_study, load_study
from dask_bench.store import Store
from dask_bench.store.schema import Run
from dask_bench.study import Study, parse_references
from dask_bench.study.references import Reference

NTASKS = 1000
NBYTES = 200_000_000
README = Path(__file__).parents[2] / "README.md"

# (suite, workload, units) -> timed seconds; None: the point failed
TIMINGS: dict[tuple[str, str, int], list[float] | None] = {
    ("tasks", "map-sleep", 1): [0.40, 0.41, 0.39],
    ("tasks", "map-sleep", 2): [0.50, 0.52, 0.48],
    ("tasks", "chain", 1): None,
    ("arrays", "std", 1): [1.0, 1.1, 0.9],
    ("arrays", "std", 2): [1.25, 1.3, 1.2],
}


def make_run(
    store: Store,
    references: dict[str, Any] | None = None,
    timings: dict[tuple[str, str, int], list[float] | None] | None = None,
) -> Run:
    study: dict[str, Any] = {"measurement": {"confidence": 0.95}}
    if references is not None:
        study["references"] = references
    run = store.create_run(
        name="nightly", mode="weak", backend="local", layout={}, study=study, version="0"
    )
    for (suite, workload, units), seconds in (TIMINGS if timings is None else timings).items():
        point = store.add_point(
            run, suite=suite, workload=workload, workload_version=1, workers=units,
            threads_per_worker=1, memory_per_worker=2**30, units=units, chunks=2 * units,
            chunk_size=1, options={}, nbytes=NBYTES * units, ntasks=NTASKS * units,
        )  # fmt: skip
        store.add_measurement(point, repetition=0, warmup=True, seconds=9.0, ok=True)
        if seconds is None:
            store.add_measurement(
                point, repetition=0, warmup=False, seconds=None, ok=False, error="worker died"
            )
            store.finish_point(point, "failed", error="worker died")
            continue
        for i, s in enumerate(seconds):
            store.add_measurement(point, repetition=i, warmup=False, seconds=s, ok=True)
        store.finish_point(point, "ok")
    store.finish_run(run, "complete")
    return run


def stored(references: dict[str, Any]) -> dict[str, Any]:
    """References as the runner stores them: validated, dumped to JSON."""
    study = build_study({"suites": {"tasks": {}}, "references": references})
    dumped = study.model_dump(mode="json")["references"]
    assert isinstance(dumped, dict)
    return dumped


@pytest.fixture
def store(tmp_path: Path) -> Store:
    return Store(str(tmp_path / "r.db"), create=True)


def median(key: tuple[str, str, int]) -> float:
    seconds = TIMINGS[key]
    assert seconds is not None
    return statistics.median(seconds)


def single(store: Store, ref: list[Any], key: str = "tasks/map-sleep", units: int = 1) -> Any:
    run = make_run(store, stored({key: {units: ref}}))
    (row,) = check_run(store, run).rows
    return row


# --- bounds ---

MS1 = median(("tasks", "map-sleep", 1))  # 0.40 s


@pytest.mark.parametrize(
    ("value", "lower", "upper", "passes", "reason"),
    [
        # measured exactly at a bound passes, just outside fails, on either side
        (MS1 / 0.95, -0.05, 0.05, True, ""),
        (MS1 / 0.949, -0.05, 0.05, False, "below the lower bound"),
        (MS1 / 1.05, -0.05, 0.05, True, ""),
        (MS1 / 1.051, -0.05, 0.05, False, "above the upper bound"),
        # an open side never fails
        (MS1 * 100, None, 0.05, True, ""),
        (MS1 / 100, -0.05, None, True, ""),
        (MS1 * 100, None, None, True, ""),
        (MS1 / 100, None, 0.05, False, "above the upper bound"),
    ],
)
def test_bounds_in_seconds(store, value, lower, upper, passes, reason):
    row = single(store, [value, lower, upper, "s"])
    assert row.passed is passes
    assert row.reason == reason
    assert row.measured == pytest.approx(MS1)
    assert row.deviation == pytest.approx((MS1 / value - 1) * 100)
    low, high = Reference(value=value, lower=lower, upper=upper, unit="s").bounds()
    assert (row.lower, row.upper) == (low, high)
    assert row.metric == "median time"


def test_bounds_are_absolute_values(store):
    row = single(store, [0.5, -0.2, 0.1, "s"])
    assert row.lower == pytest.approx(0.4) and row.upper == pytest.approx(0.55)
    assert row.passed  # 0.40 s sits exactly at the lower bound 0.5 * 0.8


@pytest.mark.parametrize(
    ("key", "units", "unit", "expected", "metric"),
    [
        ("tasks/map-sleep", 1, "ms", MS1 * 1e3, "median time"),
        ("tasks/map-sleep", 2, "tasks/s", 2 * NTASKS / median(("tasks", "map-sleep", 2)),
         "throughput"),
        ("arrays/std", 2, "MB/s", 2 * NBYTES / median(("arrays", "std", 2)) / 1e6, "throughput"),
        ("arrays/std", 2, "efficiency",
         median(("arrays", "std", 1)) / median(("arrays", "std", 2)), "efficiency"),
        ("tasks/map-sleep", 1, "efficiency", 1.0, "efficiency"),  # the base point
    ],
)  # fmt: skip
def test_each_unit_measures_its_metric(store, key, units, unit, expected, metric):
    row = single(store, [expected, -0.001, 0.001, unit], key, units)
    assert row.passed, row
    assert row.measured == pytest.approx(expected)
    assert row.metric == metric and row.unit == unit
    assert row.deviation == pytest.approx(0, abs=1e-9)
    # 1 % more than measured: above the upper bound of 0.1 %
    assert not single(store, [expected / 1.01, -0.001, 0.001, unit], key, units).passed


# --- not measured, sources, errors ---


def test_reference_without_successful_point_fails_as_not_measured(store):
    run = make_run(
        store,
        stored(
            {
                "tasks/map-sleep": {8: [0.4, None, None, "s"]},
                "tasks/chain": {1: [1, None, None, "s"]},
            }
        ),
    )
    result = check_run(store, run)
    absent, failed = result.rows
    assert (absent.workload, absent.units, absent.passed) == ("map-sleep", 8, False)
    assert absent.reason == "not measured" and absent.measured is None
    assert absent.deviation is None
    assert not failed.passed
    assert failed.reason == "not measured (point failed: worker died)"
    assert (result.passed, result.failed, result.ok) == (0, 2, False)
    assert result.summary() == "0 passed, 2 failed"


def test_explicit_references_override_the_stored_ones(store, tmp_path):
    run = make_run(store, stored({"tasks/map-sleep": {1: [MS1, -0.1, 0.1, "s"]}}))
    assert check_run(store, run).ok
    assert check_run(store, run).source == f"the study of run {run.id}"
    path = tmp_path / "new.yaml"
    path.write_text(
        yaml.safe_dump({"references": {"tasks/map-sleep": {1: [MS1 / 2, None, 0.1, "s"]}}})
    )
    result = check_run(store, run, load_study(path).references, source=str(path))
    assert not result.ok and result.source == str(path)
    assert result.rows[0].reference == pytest.approx(MS1 / 2)


def test_rows_follow_the_references_with_units_ascending(store):
    refs = {"arrays/std": {2: [1, None, None, "s"], 1: [1, None, None, "s"]},
            "tasks/map-sleep": {1: [1, None, None, "s"]}}  # fmt: skip
    result = check_run(store, make_run(store, stored(refs)))
    assert [(r.workload, r.units) for r in result.rows] == [
        ("std", 1),
        ("std", 2),
        ("map-sleep", 1),
    ]
    assert result.ok


def test_run_without_references_is_an_error(store):
    run = make_run(store)
    with pytest.raises(ConfigError) as info:
        check_run(store, run)
    assert str(info.value) == (
        f"run {run.id} has no references; add 'references:' to the study file "
        "or pass --references STUDY.yaml"
    )


def test_explicit_empty_references_are_an_error(store):
    run = make_run(store, stored({"tasks/map-sleep": {1: [MS1, -0.1, 0.1, "s"]}}))
    with pytest.raises(ConfigError, match=f"no references given to check run {run.id} against"):
        check_run(store, run, {})


def test_point_without_the_metric_fails_as_not_measured(store):
    run = make_run(store, stored({"arrays/std": {1: [100, None, None, "MB/s"]}}))
    point = store.add_point(
        run, suite="arrays", workload="std", workload_version=1, workers=1, threads_per_worker=1,
        memory_per_worker=1, units=1, chunks=1, chunk_size=1, nbytes=None,
    )  # fmt: skip
    store.add_measurement(point, repetition=0, warmup=False, seconds=1.0, ok=True)
    store.finish_point(point, "ok")
    (row,) = check_run(store, run).rows  # the later point of the two wins
    assert not row.passed and row.reason == "not measured (no throughput recorded)"


def test_invalid_stored_references_are_reported_with_the_run(store):
    run = make_run(store, {"tasks/map-sleep": {"1": {"value": -1, "lower": None, "upper": None,
                                                      "unit": "s"}}})  # fmt: skip
    with pytest.raises(ConfigError, match=rf"^run {run.id}: 'references.tasks/map-sleep.1.value'"):
        check_run(store, run)


def table_cells(result: CheckResult, tier: int = 3) -> dict[str, list[Any]]:
    """Header -> cells of one layout of the check table, over the tables of every suite."""
    tables = [part for part in check_table(result).build(tier) if isinstance(part, Table)]
    out: dict[str, list[Any]] = {}
    for table in tables:
        for column in table.columns:
            out.setdefault(str(column.header), []).extend(column.cells)
    return out


def test_table_colours_pass_and_fail(store):
    refs = {"tasks/map-sleep": {1: [MS1, -0.1, 0.1, "s"], 2: [0.01, None, 0.1, "s"]},
            "arrays/std": {2: [0.8, -0.1, None, "efficiency"]}}  # fmt: skip
    result = check_run(store, make_run(store, stored(refs)))
    cells = table_cells(result)
    verdicts = cells["result"]
    assert [v.plain for v in verdicts] == ["pass", "FAIL high", "pass"]
    assert str(verdicts[0].style) == "green" and "red" in str(verdicts[1].style)
    assert [c.plain for c in cells["bounds"]] == [
        f"{MS1 * 0.9:.4g} .. {MS1 * 1.1:.4g} s",
        "≤ 0.011 s",
        "≥ 72.0%",
    ]
    eff = median(("arrays", "std", 1)) / median(("arrays", "std", 2))
    assert cells["measured"][2].plain == f"{eff * 100:.1f}%"
    assert cells["dev."][1].plain == f"{(median(('tasks', 'map-sleep', 2)) / 0.01 - 1) * 100:+.1f}%"
    # One table per suite; the workload named on its first row only.
    assert [c.plain for c in cells["workload"]] == ["map-sleep", "", "std"]
    assert isinstance(result, CheckResult)


def test_at_80_columns_every_workload_and_result_is_whole(store):
    timings = {
        **TIMINGS,
        ("dataframes", "map-partitions", 64): [0.02, 0.021, 0.019],
        ("tasks", "tree-reduce", 128): [0.5, 0.6, 0.55],
    }
    refs = {
        "tasks/tree-reduce": {128: [1e6, -0.2, 0.2, "tasks/s"]},  # 232,727 tasks/s: low
        "tasks/chain": {1: [1.0, None, None, "s"]},  # failed: missing
        "tasks/map-sleep": {2: [0.2, -0.1, 0.1, "s"], 16: [1.0, -0.1, 0.1, "s"]},
        "dataframes/map-partitions": {64: [12_000, -0.2, 0.2, "MB/s"]},  # 640,000 MB/s: high
        "arrays/std": {2: [0.8, -0.5, 0.5, "efficiency"]},  # pass
    }
    result = check_run(store, make_run(store, stored(refs), timings))
    console = Console(width=80, file=io.StringIO(), color_system=None)
    console.print(check_table(result))
    text = console.file.getvalue()
    assert max(cell_len(line) for line in text.splitlines()) <= 80
    assert "…" not in text
    rows = [[c.strip() for c in ln.split("│")[1:-1]] for ln in text.splitlines() if ln[:1] == "│"]
    assert [(r[0], r[1], r[-1]) for r in rows] == [
        ("tree-reduce", "128", "FAIL low"), ("chain", "1", "FAIL missing"),
        ("map-sleep", "2", "FAIL high"), ("", "16", "FAIL missing"),
        ("map-partitions", "64", "FAIL high"), ("std", "2", "pass"),
    ]  # fmt: skip
    # Large throughputs in thousands (k) or millions (M), four significant figures.
    assert rows[0][2] == f"{128 * NTASKS / 0.55 / 1e3:.4g}k tasks/s"
    assert rows[0][3] == "800k .. 1.2M tasks/s"
    one_line = " ".join(text.split())
    assert "FAIL missing: tasks/chain at 1 unit: not measured (point failed: worker died)" in (
        one_line
    )
    assert "FAIL missing: tasks/map-sleep at 16 units: not measured" in one_line
    assert "FAIL low / high: below the lower / above the upper bound" in one_line


# --- validation of the study file ---


def refs_study(references: Any) -> dict[str, Any]:
    return {"suites": {"tasks": {}}, "references": references}


def test_reference_forms_and_round_trip():
    refs = {"tasks/map-sleep": {1: [0.4, -0.05, 0.05, "s"], "2": [0.4, None, 0.1, "ms"]},
            "arrays/std": {4: {"value": 0.8, "lower": -0.1, "upper": None, "unit": "efficiency"}},
            "dataframes/groupby-mean": {2: [150, -0.2, None, "MB/s"]}}  # fmt: skip
    study = build_study(refs_study(refs))
    assert study.references["tasks/map-sleep"][2] == Reference(
        value=0.4, lower=None, upper=0.1, unit="ms"
    )
    assert Study.model_validate(study.model_dump(mode="json")) == study
    assert parse_references(study.model_dump(mode="json")["references"], "x") == study.references
    assert build_study({"suites": {"tasks": {}}}).references == {}


@pytest.mark.parametrize(
    ("references", "message"),
    [
        ({"tasks/nope": {1: [1, None, None, "s"]}},
         "'references.tasks/nope': unknown workload 'nope' in suite 'tasks'; known: map-tiny"),
        ({"map-sleep": {1: [1, None, None, "s"]}},
         "'references': key 'map-sleep' must be <suite>/<workload>, e.g. tasks/map-sleep"),
        ({"gpu/map-sleep": {1: [1, None, None, "s"]}},
         "key 'gpu/map-sleep': unknown suite 'gpu'; expected one of tasks, arrays, dataframes"),
        ({"tasks/map-sleep": {1: [1, None, None, "MB/s"]}},
         "tasks/map-sleep at 1 units: unit 'MB/s' does not apply to suite tasks; "
         "use one of s, ms, tasks/s, efficiency"),
        ({"arrays/std": {1: [1, None, None, "tasks/s"]}}, "use one of s, ms, MB/s, efficiency"),
        ({"tasks/map-sleep": {1: [1, None, None, "hours"]}},
         "'references.tasks/map-sleep.1.unit': unknown unit; use one of s, ms, tasks/s, MB/s"),
        ({"tasks/map-sleep": {1: [1, 0.1, None, "s"]}},
         "'references.tasks/map-sleep.1.lower': the lower bound must be a fraction between -1 "
         "and 0"),
        ({"tasks/map-sleep": {1: [1, -10, None, "s"]}}, "lower bound must be a fraction"),
        ({"tasks/map-sleep": {1: [1, None, -0.1, "s"]}},
         "'references.tasks/map-sleep.1.upper': the upper bound must be a fraction >= 0"),
        ({"tasks/map-sleep": {1: [0, None, None, "s"]}},
         "'references.tasks/map-sleep.1.value': Input should be greater than 0"),
        ({"tasks/map-sleep": {1: ["fast", None, None, "s"]}},
         "'references.tasks/map-sleep.1.value': Input should be a valid number"),
        ({"tasks/map-sleep": {1: [80, None, None, "efficiency"]}},
         "efficiency is a fraction between 0 and 1: write 0.8 for 80 %"),
        ({"tasks/map-sleep": {1: [1, None, "s"]}},
         "'references.tasks/map-sleep.1': write [value, lower, upper, unit], e.g. "
         "[0.4, -0.1, 0.1, s]; got 3 item(s)"),
        ({"tasks/map-sleep": {1: 0.4}}, "'references.tasks/map-sleep.1': write [value, lower"),
        ({"tasks/map-sleep": {0: [1, None, None, "s"]}},
         "'references.tasks/map-sleep.0': processing units must be a positive integer"),
        ({"tasks/map-sleep": {"two": [1, None, None, "s"]}},
         "'references.tasks/map-sleep.two': keys are processing units, a positive integer"),
        ({"tasks/map-sleep": [0.4, -0.1, 0.1, "s"]},
         "'references.tasks/map-sleep': map processing units to a reference, e.g. {1: [0.4"),
        ({"tasks/map-sleep": {1: {"value": 1, "lower": None, "upper": None, "unit": "s",
                                  "colour": "red"}}},
         "unknown key 'references.tasks/map-sleep.1.colour'"),
        ([["tasks/map-sleep"]], "'references': Input should be a valid dictionary"),
    ],
)  # fmt: skip
def test_bad_references_give_one_line_errors(tmp_path, references, message):
    path = tmp_path / "study.yaml"
    path.write_text(yaml.safe_dump(refs_study(references)))
    with pytest.raises(ConfigError) as info:
        load_study(path)
    text = str(info.value)
    assert message in text
    assert text.startswith(f"{path}: ")
    assert "\n" not in text


def test_readme_example_study_validates():
    text = README.read_text(encoding="utf-8")
    head = text.index("## Study file reference")
    block = re.search(r"```yaml\n(.*?)```", text[head:], re.DOTALL)
    assert block is not None
    data = yaml.safe_load(block.group(1))
    assert "references" in data
    study = build_study(data)
    assert study.references
