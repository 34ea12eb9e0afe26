"""Notes on implausible results: super-linear, too good, noisy base, ideal, wide intervals."""

from __future__ import annotations

import math
from pathlib import Path
from typing import Any

import pandas as pd

from dask_bench.report.analysis.plausibility import (
    IDEAL,
    NOISY_BASE,
    OVERSUBSCRIBED,
    SUPERLINEAR,
    TOO_HIGH,
    WIDE,
    base_points,
    notes_for,
    plausibility_notes,
    stored_notes,
)
from dask_bench.store import point_summaries
from tests.unit.report_data import add_point, build_store

NAN = math.nan


def point(pid: int, units: int, eff: float, low: float, high: float, rel: float) -> dict[str, Any]:
    return {
        "point_id": pid, "run_id": 1, "suite": "arrays", "workload": "w", "units": units, "n": 7,
        "efficiency": eff, "efficiency_low": low, "efficiency_high": high, "ci_rel": rel,
    }  # fmt: skip


def test_each_kind_of_note() -> None:
    assert notes_for(point(2, 2, 1.3, 1.2, 1.4, 0.02)) == [SUPERLINEAR]
    assert notes_for(point(2, 2, 1.15, 0.95, 1.4, 0.02)) == [TOO_HIGH, IDEAL]
    assert notes_for(point(2, 2, 0.98, 0.9, 1.05, 0.02)) == [IDEAL]
    assert notes_for(point(2, 2, 0.7, 0.6, 0.8, 1.5)) == [WIDE]
    assert notes_for(point(2, 2, 0.7, 0.6, 0.8, 0.02)) == []
    # Unknown intervals are no evidence either way; the base point is 100 % by definition.
    assert notes_for(point(2, 2, 0.98, NAN, NAN, math.inf)) == []
    assert notes_for(point(1, 1, 1.0, 1.0, 1.0, 0.02), base=True) == []
    assert notes_for(point(1, 1, 1.0, 1.0, 1.0, 0.2), base=True, noisy_base=True) == [NOISY_BASE]
    assert "super-linear" in SUPERLINEAR and "cache effects" in SUPERLINEAR
    assert "too little work per unit" in SUPERLINEAR
    assert IDEAL.startswith("indistinguishable from ideal")


def test_notes_per_point_of_a_frame() -> None:
    frame = pd.DataFrame(
        [
            point(1, 1, 1.0, 1.0, 1.0, 0.30),  # a base point six times noisier than the rest
            point(2, 2, 1.25, 1.12, 1.4, 0.05),
            point(3, 4, 0.8, 0.7, 0.9, 0.04),
            {**point(4, 8, NAN, NAN, NAN, NAN), "n": 0},  # failed
        ]
    )
    assert base_points(frame) == {1}
    assert plausibility_notes(frame) == {1: [NOISY_BASE], 2: [SUPERLINEAR]}
    # A base point just as noisy as the others is not singled out.
    calm = frame.assign(ci_rel=[0.06, 0.05, 0.04, NAN])
    assert plausibility_notes(calm) == {2: [SUPERLINEAR]}
    assert plausibility_notes(pd.DataFrame()) == {}


def test_notes_of_stored_runs(tmp_path: Path) -> None:
    store, run = build_store(tmp_path)
    # weak scaling, twice as fast at 2 units: super-linear beyond its interval
    add_point(store, run, "arrays", "fast", 1, [1.0, 1.01, 0.99, 1.0, 1.02, 0.98, 1.0])
    add_point(store, run, "arrays", "fast", 2, [0.5, 0.51, 0.49, 0.5, 0.5, 0.52, 0.48])
    frame = point_summaries(store, run)
    ids = {(r.workload, r.units): int(r.point_id) for r in frame.itertuples()}
    notes = plausibility_notes(frame)
    assert notes[ids[("fast", 2)]] == [SUPERLINEAR]
    assert ("fast", 1) not in {k for k, v in ids.items() if v in notes}
    # map-sleep at 2 units: 88 % within [86 %, 90 %]: nothing to say
    assert ids[("map-sleep", 2)] not in notes


def test_stored_notes_are_read_from_the_point() -> None:
    row = {"notes": "calibrated: 3 warm-ups until steady", "metrics_note": "cluster-wide metrics"}
    assert stored_notes(row) == ["calibrated: 3 warm-ups until steady", "cluster-wide metrics"]
    assert stored_notes({"notes": None, "metrics_note": NAN}) == []


def test_an_imprecise_point_that_takes_every_core_is_explained() -> None:
    row = {**point(2, 2, 0.9, 0.8, 0.95, 0.08), "precise": False, "core_share": 1.0}
    assert notes_for(row) == [OVERSUBSCRIBED]
    assert notes_for({**row, "precise": True}) == []  # precise anyway: nothing to explain
    assert notes_for({**row, "core_share": 0.5}) == []  # cores to spare
    assert notes_for({**row, "core_share": NAN}) == []  # workers elsewhere (not local)
