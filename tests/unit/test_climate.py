"""The climate suite without a cluster: its layout, its data, its options, its dependency."""

from __future__ import annotations

import pickle
import sys

import numpy as np
import pytest
from click.testing import CliRunner

from dask_bench.cli import cli
from dask_bench.errors import ConfigError
from dask_bench.runner.checks import _option_problem, build_study
from dask_bench.runner.plan import plan_study
from dask_bench.study import suite_info
from dask_bench.workloads import Choice, WorkloadContext, get_workload
from dask_bench.workloads._climate import CHUNKING, field, field_block, layout, months

NEEDS_XARRAY = "suite 'climate' needs xarray; install it with: pip install 'dask-bench[climate]'"


def test_weak_scaling_grows_the_time_axis_with_the_units() -> None:
    study = build_study(
        {
            "deployment": {"workers": [1, 2, 4]},
            "suites": {"climate": {"per_unit": 3, "chunk_size": 30, "workloads": ["anomaly"]}},
        }
    )
    points = plan_study(study).points
    assert [p.units for p in points] == [1, 2, 4]
    for p in points:
        lay = layout(p.chunks, p.chunk_size, 1.0, "temporal")
        assert lay.ntime == 3 * 30 * p.units  # days
        assert (lay.nlat, lay.nlon) == (180, 360)  # the grid stays
        assert lay.chunks[0] == (30,) * (3 * p.units)
        assert lay.nbytes == lay.ntime * 180 * 360 * 4


@pytest.mark.parametrize(
    ("chunks", "chunking", "numblocks"),
    [
        (4, "temporal", (4, 1, 1)),
        (4, "spatial", (1, 4, 1)),  # latitude bands, each with the whole time axis
        (180, "spatial", (1, 180, 1)),
        (200, "spatial", (1, 10, 20)),  # more chunks than latitudes: bands x sectors
        (4, "auto", (1, 1, 1)),  # dask's own choice: 4 x 10 days fit one chunk
    ],
)
def test_chunking_cuts_the_same_field_into_chunks(
    chunks: int, chunking: str, numblocks: tuple[int, ...]
) -> None:
    lay = layout(chunks, 10, 1.0, chunking)
    assert (lay.ntime, lay.nlat, lay.nlon) == (10 * chunks, 180, 360)
    assert tuple(len(c) for c in lay.chunks) == numblocks
    assert [sum(c) for c in lay.chunks] == [lay.ntime, 180, 360]


def test_coordinates_are_a_regular_global_grid_of_days_from_2000() -> None:
    lay = layout(2, 31, 1.0, "temporal")
    assert (lay.lats()[0], lay.lats()[-1], lay.lons()[0], lay.lons()[-1]) == (-89.5, 89.5, 0, 359)
    assert str(lay.times()[0]) == "2000-01-01" and str(lay.times()[-1]) == "2000-03-02"
    month, since = months(lay)
    assert month[[0, 30, 31, 61]].tolist() == [1, 1, 2, 3]
    assert since[-1] == 2
    coarse = layout(1, 1, 2.5, "temporal")
    assert (coarse.nlat, coarse.nlon, coarse.lats()[0]) == (72, 144, -88.75)
    # rounded to a spacing that divides 180 degrees
    assert layout(1, 1, 7.0, "temporal").nlat == 26


@pytest.mark.parametrize("degrees", [0.0, -1.0, float("inf")])
def test_a_grid_spacing_that_is_not_positive_is_refused(degrees: float) -> None:
    with pytest.raises(ConfigError, match="grid_degrees must be a positive number"):
        layout(1, 1, degrees, "temporal")


def test_the_field_is_the_same_whatever_the_chunking() -> None:
    lay = layout(3, 20, 10.0, "temporal")
    t, i, j = np.arange(60), np.arange(18), np.arange(36)
    whole = field(7, lay, t, i, j)
    assert whole.dtype == np.float32 and whole.shape == (60, 18, 36)
    info = {None: {"array-location": [(20, 40), (5, 9), (30, 36)]}}
    np.testing.assert_array_equal(field_block(info, seed=7, lay=lay), whole[20:40, 5:9, 30:36])
    assert not np.array_equal(field(8, lay, t, i, j), whole)  # the seed matters


def test_the_field_looks_like_a_temperature() -> None:
    lay = layout(1, 365, 1.0, "temporal")
    data = field(7, lay, np.arange(365), np.arange(180), np.arange(0, 360, 10)).astype(float)
    assert data.min() > 200 and data.max() < 330  # kelvin
    zonal = data.mean(axis=(0, 2))
    assert zonal[90] > zonal[45] > zonal[0]  # warmer towards the equator
    north, south = data[:, 135, :].mean(axis=1), data[:, 45, :].mean(axis=1)  # 45.5 N and S
    assert north[:31].mean() + 20 < north[181:212].mean()  # cold January, warm July
    assert south[:31].mean() > south[181:212].mean() + 20  # seasons flipped in the south
    noise = data[1:, 90, :] - data[:-1, 90, :]  # day-to-day at the equator: the noise
    assert 1.8 < noise.std() / np.sqrt(2) < 2.2  # NOISE_K


def test_a_choice_option_accepts_its_values_only() -> None:
    assert CHUNKING == "temporal" and CHUNKING.choices == ("temporal", "spatial", "auto")
    assert _option_problem("spatial", CHUNKING) is None
    assert _option_problem("diagonal", CHUNKING) == "one of temporal, spatial, auto"
    assert _option_problem(1, CHUNKING) == "one of temporal, spatial, auto"
    again = pickle.loads(pickle.dumps(CHUNKING))
    assert again == "temporal" and isinstance(again, Choice) and again.choices == CHUNKING.choices


def test_a_wrong_chunking_in_a_study_is_one_line_naming_the_choices() -> None:
    with pytest.raises(ConfigError) as info:
        build_study({"suites": {"climate": {"options": {"chunking": "diagonal"}}}}, source="s.yaml")
    assert str(info.value) == (
        "s.yaml: 'suites.climate.options.chunking' must be one of temporal, spatial, auto "
        "(default 'temporal'), not 'diagonal'"
    )


def test_list_workloads_shows_the_choices() -> None:
    out = CliRunner(env={"COLUMNS": "400"}).invoke(cli, ["list", "workloads"]).output
    assert "chunking=temporal (temporal|spatial|auto), grid_degrees=1.0" in out


def test_without_xarray_the_suite_says_how_to_install_it(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(sys.modules, "xarray", None)  # import xarray now fails
    assert suite_info("climate").unavailable() == NEEDS_XARRAY
    with pytest.raises(ConfigError) as info:
        build_study({"suites": {"climate": {}}}, source="s.yaml")
    assert str(info.value) == f"s.yaml: {NEEDS_XARRAY}"
    # the default study runs the suites that can run; listing still works
    assert "climate" not in build_study({}).suites.selected()
    result = CliRunner(env={"COLUMNS": "400"}).invoke(cli, ["list", "workloads"])
    assert result.exit_code == 0 and "climate" in result.output and "anomaly" in result.output
    # the workload itself refuses before it touches the cluster
    w = get_workload("climate", "temporal-mean")
    ctx = WorkloadContext(None, 1, 1, 1, w.resolve_options({}))  # type: ignore[arg-type]
    with pytest.raises(ConfigError, match="pip install 'dask-bench\\[climate\\]'"):
        w.func(ctx)
