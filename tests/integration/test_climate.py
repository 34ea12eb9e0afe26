"""The climate suite on a real two-worker LocalCluster: every chunking, the same checked answers.

``test_workloads.py`` runs every climate workload too (default chunking, growth with
chunks, release, corrupted results); here each chunking is compared with the others,
the checks are shown to refuse plausible wrong answers, and a study runs the suite.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import dask.array as da
import numpy as np
import pytest
from distributed import Client, futures_of

from dask_bench.errors import WrongResult
from dask_bench.runner import run_study
from dask_bench.runner.checks import build_study
from dask_bench.workloads import Workload, WorkloadContext, get_workload, suite_workloads
from dask_bench.workloads._climate import CHUNKING, ClimateInput, field, layout, months

from .helpers import query, tiny_study

pytestmark = pytest.mark.integration

DAYS = 10  # chunk_size
GRID = 20.0  # degrees: 9 x 18 cells
WORKLOADS = suite_workloads("climate")


def context(client: Client, w: Workload, chunks: int, **options: Any) -> WorkloadContext:
    opts = w.resolve_options({"grid_degrees": GRID, **options})
    return WorkloadContext(client, 2, chunks, DAYS, opts, seed=7, timeout=60.0)


def checked_answer(client: Client, w: Workload, chunks: int, chunking: str) -> Any:
    trial = w.func(context(client, w, chunks, chunking=chunking))
    try:
        result = trial.run()
        trial.check(result)
        return result.compute() if isinstance(result, da.Array) else result
    finally:
        trial.release()


def test_workloads_are_listed_in_order() -> None:
    names = ["spatial-mean", "temporal-mean", "climatology", "anomaly", "resample"]
    assert [w.name for w in WORKLOADS] == names


@pytest.mark.parametrize("w", WORKLOADS, ids=[w.name for w in WORKLOADS])
def test_every_chunking_gives_the_same_checked_answer(client: Client, w: Workload) -> None:
    # 7 chunks of 10 days: January to mid-March, 7 latitude bands when spatial
    answers = {c: checked_answer(client, w, 7, c) for c in CHUNKING.choices}
    for chunking in ("spatial", "auto"):
        np.testing.assert_allclose(answers[chunking], answers["temporal"], rtol=1e-5)


@pytest.mark.parametrize(("chunking", "blocks"), [("temporal", 7), ("spatial", 7), ("auto", 1)])
def test_the_persisted_field_has_the_chunks_asked_for(
    client: Client, chunking: str, blocks: int
) -> None:
    w = get_workload("climate", "temporal-mean")
    inp = ClimateInput(context(client, w, 7, chunking=chunking))
    try:
        assert inp.array.npartitions == len(futures_of(inp.array)) == blocks
        ds = inp.dataset()
        assert dict(ds.sizes) == {"time": 70, "lat": 9, "lon": 18}
        assert str(ds.time.values[0])[:10] == "2000-01-01" and ds.tas.dtype == np.float32
        assert ds.tas.attrs["units"] == "K"
    finally:
        inp.release()


def _whole(chunks: int) -> tuple[Any, Any]:
    """The layout at ``chunks`` and its whole field, regenerated in numpy (float64)."""
    lay = layout(chunks, DAYS, GRID, "temporal")
    ranges = (np.arange(lay.ntime), np.arange(lay.nlat), np.arange(lay.nlon))
    return lay, field(7, lay, *ranges).astype(np.float64)


def _monthly(x: Any, labels: Any) -> Any:
    return np.stack([x[labels == m].mean(axis=0) for m in np.unique(labels)])


def _anomaly(x: Any, labels: Any, ddof: int = 0) -> Any:
    clim = _monthly(x, labels)
    index = np.searchsorted(np.unique(labels), labels)
    return (x - clim[index]).std(axis=0, ddof=ddof)


def _cell_off(x: Any, cell: tuple[int, int], by: float) -> Any:
    out = x.copy()
    out[..., cell[0], cell[1]] += by
    return out


#: workload -> (numpy's right answer, wrong answers that look right), from (layout, field)
ANSWERS: dict[str, tuple[Callable[..., Any], list[Callable[..., Any]]]] = {
    "spatial-mean": (
        lambda lay, x: (
            np.einsum("tij,i->t", x, np.cos(np.deg2rad(lay.lats())))
            / (np.cos(np.deg2rad(lay.lats())).sum() * lay.nlon)
        ),
        [lambda lay, x: x.mean(axis=(1, 2))],  # not weighted by cos(latitude)
    ),
    "temporal-mean": (
        lambda lay, x: x.mean(axis=0),
        [
            lambda lay, x: _cell_off(x.mean(axis=0), (4, 9), 0.1),  # one cell off by 0.1 K
            lambda lay, x: np.median(x, axis=0),
        ],
    ),
    "climatology": (
        lambda lay, x: _monthly(x, months(lay)[0]),
        [
            lambda lay, x: _monthly(x, months(lay)[0])[::-1],  # months in the wrong order
            lambda lay, x: np.repeat(x.mean(axis=0)[None], 2, axis=0),  # no seasonal cycle
        ],
    ),
    "anomaly": (
        lambda lay, x: _anomaly(x, months(lay)[0]),
        [
            lambda lay, x: _anomaly(x, months(lay)[0], ddof=1),  # n - 1
            lambda lay, x: x.std(axis=0),  # the climatology not removed
        ],
    ),
}


@pytest.mark.parametrize("name", sorted(ANSWERS))
def test_checks_accept_numpy_and_refuse_plausible_wrong_answers(client: Client, name: str) -> None:
    w = get_workload("climate", name)
    trial = w.func(context(client, w, 4, chunking="spatial"))  # 40 days: 2 months
    try:
        lay, x = _whole(4)
        right, wrongs = ANSWERS[name]
        trial.check(right(lay, x))
        for n, wrong in enumerate(wrongs):
            with pytest.raises(WrongResult):
                trial.check(wrong(lay, x))
                pytest.fail(f"wrong answer {n} accepted")
    finally:
        trial.release()


def test_resample_refuses_a_result_not_persisted_or_off(client: Client) -> None:
    w = get_workload("climate", "resample")
    trial = w.func(context(client, w, 4))
    try:
        result = trial.run()
        trial.check(result)
        lazy = da.from_array(result.compute(), chunks=result.chunks)
        with pytest.raises(WrongResult, match="persisted"):
            trial.check(lazy)
        off = client.persist(result * np.float32(1.001))  # 0.3 K on every month
        with pytest.raises(WrongResult, match="monthly means"):
            trial.check(off)
    finally:
        trial.release()


def test_a_study_runs_the_suite_and_stores_its_options(tmp_path: Path) -> None:
    db = tmp_path / "r.db"
    suites = {
        "climate": {
            "workloads": ["spatial-mean"],
            "chunk_size": DAYS,
            "per_unit": 2,
            "options": {"chunking": "spatial", "grid_degrees": GRID},
        }
    }
    data = tiny_study(db, suites=suites)
    data["deployment"] = {"workers": [1], "threads_per_worker": 2, "memory_per_worker": "1GiB"}
    result = run_study(build_study(data))
    assert (result.status, result.failed_points) == ("complete", 0), result.message
    rows = query(db, "select suite, workload, chunks, chunk_size, options, status from points")
    assert rows == [
        ("climate", "spatial-mean", 4, DAYS, '{"chunking": "spatial", "grid_degrees": 20.0}', "ok")
    ]
