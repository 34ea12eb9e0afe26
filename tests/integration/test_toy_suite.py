"""Adding a suite is one workloads module and one registration: proved with a toy suite.

The toy suite lives in a module written to a temporary folder: the module and this
test are the only two files involved. The suite is then known to the study model,
planning, the runner, the store and the terminal summary, with no other change.
"""

from __future__ import annotations

import importlib
import sys
import textwrap
from collections.abc import Iterator
from pathlib import Path

import pytest

from dask_bench.errors import ConfigError
from dask_bench.runner import run_study
from dask_bench.runner.checks import build_study
from dask_bench.store import Store, point_summaries
from dask_bench.study import default_suite_names, suite_names, unregister_suite
from dask_bench.workloads import suite_workloads, unregister

from .helpers import query

TOY_MODULE = '''
"""A toy suite: sums of chunk_size ones per chunk."""

from dask_bench.study import SuiteInfo, register_suite
from dask_bench.workloads import Trial, WorkloadContext, workload
from dask_bench.workloads._common import expect

SUITE = register_suite(
    SuiteInfo(
        name="toy",
        title="Sums of ones.",
        unit="tasks/s",
        chunk="Ones per chunk.",
        chunk_size=5,
        per_unit=2,
    )
)


def ones(n: int) -> int:
    return sum(1 for _ in range(n))


@workload("toy", "ones", "One task per chunk, each summing chunk_size ones")
def sum_ones(ctx: WorkloadContext) -> Trial[int]:
    def run() -> int:
        futures = ctx.client.map(ones, [ctx.chunk_size] * ctx.chunks, pure=False)
        ctx.wait(futures)
        return sum(ctx.client.gather(futures))

    def check(total: int) -> None:
        expected = ctx.chunks * ctx.chunk_size
        expect(total == expected, f"{expected} ones", total)

    return Trial(run, check, nbytes=0, ntasks=ctx.chunks)
'''


@pytest.fixture
def toy_suite(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[str]:
    folder = tmp_path / "plugins"
    folder.mkdir()
    (folder / "toy_suite.py").write_text(textwrap.dedent(TOY_MODULE))
    monkeypatch.syspath_prepend(str(folder))
    importlib.import_module("toy_suite")
    yield "toy"
    unregister("toy/ones")
    unregister_suite("toy")
    sys.modules.pop("toy_suite", None)


def study(db: Path, suites: dict[str, object]) -> dict[str, object]:
    return {
        "name": "toy",
        "deployment": {"workers": [1, 2], "memory_per_worker": "1GiB"},
        "suites": suites,
        "measurement": {
            "min_repeats": 3,
            "max_repeats": 5,
            "target_ci": 0.5,
            "hardware_baseline": False,
        },
        "database": str(db),
        "report": False,
    }


def test_an_unregistered_suite_is_refused(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="unknown suite 'toy'; expected one of tasks"):
        build_study(study(tmp_path / "r.db", {"toy": {}}))


def test_a_registered_toy_suite_runs_end_to_end(toy_suite: str, tmp_path: Path) -> None:
    assert suite_names()[-1] == "toy"
    assert [w.name for w in suite_workloads("toy")] == ["ones"]
    db = tmp_path / "r.db"
    # sizes left out: the suite's own defaults (chunk_size 5, 2 chunks per unit)
    built = build_study(study(db, {"toy": {}}))
    toy = built.suites.get("toy")
    assert toy is not None and (toy.chunk_size, toy.per_unit) == (5, 2)
    result = run_study(built)
    assert (result.status, result.failed_points) == ("complete", 0), result.message
    rows = sorted(
        query(db, "select suite, workload, workers, chunks, chunk_size, status from points")
    )
    assert [(r[0], r[1], r[2], r[4], r[5]) for r in rows] == [
        ("toy", "ones", 1, 5, "ok"),
        ("toy", "ones", 2, 5, "ok"),
    ]
    # calibrated from the suite's 2 chunks per unit; weak scaling doubles them at 2 workers
    one, two = rows[0][3], rows[1][3]
    assert one % 2 == 0 and two == 2 * one
    store = Store(str(db))
    summary = point_summaries(store, store.run(result.run_id))
    assert set(summary["throughput_unit"]) == {"tasks/s"}
    assert summary["median"].notna().all()
    store.close()


def test_the_default_study_runs_every_default_suite(toy_suite: str, tmp_path: Path) -> None:
    data = study(tmp_path / "r.db", {})
    del data["suites"]
    selected = list(build_study(data).suites.selected())
    # every default suite (a toy registered as such too); climate runs only when named
    assert selected == [*default_suite_names()] and selected[-1] == "toy"
    assert "climate" in suite_names() and "climate" not in selected
