"""The A/A control of ``compare``: variants that are copies of each other, and their rate."""

from __future__ import annotations

import io
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from rich.console import Console

from dask_bench.report import compare_runs
from dask_bench.report.analysis.compare_text import control_line, control_warning
from dask_bench.report.analysis.control import Control, aa_pair, find_aa_pair
from dask_bench.report.console.compare import comparison_table
from dask_bench.report.html.compare import comparison_html
from dask_bench.store import Store
from dask_bench.store.schema import Run

GIB = 2**30
STUDY = {
    "name": "aa",
    "deployment": {"backend": "local", "workers": [1, 2], "options": {}},
    "config": {"dataframe.shuffle.method": "tasks"},
    "measurement": {"confidence": 0.95},
}


@pytest.fixture
def store(tmp_path: Path) -> Store:
    s = Store(str(tmp_path / "c.db"), create=True)
    yield s
    s.close()


def make_run(store: Store, variant: str | None, *, study_id: str = "s1", **changes: Any) -> Run:
    layout = changes.pop("layout", {"threads_per_worker": 1, "memory_per_worker": GIB})
    study = {**STUDY, **changes, "variant": variant}
    return store.create_run(
        name=f"aa/{variant}", mode="weak", backend="local", layout=layout, study=study,
        version="0.1.0", study_id=study_id, variant=variant,
    )  # fmt: skip


def measure(store: Store, run: Run, points: dict[tuple[str, int], np.ndarray]) -> None:
    for (workload, units), seconds in points.items():
        point = store.add_point(
            run, suite="tasks", workload=workload, workload_version=1, workers=units,
            threads_per_worker=1, memory_per_worker=GIB, units=units, chunks=2 * units,
            chunk_size=10, options={}, nbytes=None, ntasks=100,
        )  # fmt: skip
        for i, s in enumerate(seconds):
            store.add_measurement(point, repetition=i, warmup=False, seconds=float(s), ok=True)
        store.finish_point(point, "ok")
    store.finish_run(run, "complete")


def same(seed: int, n_points: int = 10, shift: dict[int, float] | None = None):
    """Points drawn around 1 s; ``shift`` makes point i's times that much slower."""
    rng = np.random.default_rng(seed)
    return {
        (f"w{i}", 1): (1 + (shift or {}).get(i, 0)) * (1 + 0.02 * rng.standard_normal(8))
        for i in range(n_points)
    }


def test_an_aa_pair_is_two_variants_of_one_study_identical_but_for_the_name(store: Store):
    first, copy = make_run(store, "first"), make_run(store, "copy")
    assert aa_pair(first, copy) and aa_pair(copy, first)
    assert not aa_pair(first, first)
    other_config = make_run(store, "p2p", config={"dataframe.shuffle.method": "p2p"})
    threads = {**STUDY["deployment"], "options": {"processes": False}}
    other_options = make_run(store, "procs", deployment=threads)
    other_security = make_run(store, "tls", security={"tls": "auto"})
    wide = {"threads_per_worker": 2, "memory_per_worker": GIB}
    other_layout = make_run(store, "wide", layout=wide)
    other_study = make_run(store, "copy2", study_id="s2")
    for run in (other_config, other_options, other_security, other_layout, other_study):
        assert not aa_pair(first, run), run.variant
    no_variant = make_run(store, None)
    assert not aa_pair(no_variant, make_run(store, None))


def test_a_pair_reports_how_many_points_it_called_different(store: Store):
    first, copy = make_run(store, "first"), make_run(store, "copy")
    measure(store, first, same(1))
    measure(store, copy, same(2))
    cmp = compare_runs(store, first, copy)
    control = cmp.control
    assert control is not None and control.own
    assert control.compared == 10
    assert control.called == int(cmp.rows["verdict"].isin(["faster", "slower"]).sum())
    assert control.alpha == pytest.approx(0.05)
    line = control_line(cmp)
    assert line is not None and line.startswith("A/A control: A and B are copies of one variant")
    assert f"{control.called} of 10 points called different" in line
    assert "expected ≤ 5 % (the test's α at 95% confidence)" in line
    if not control.exceeded:
        assert control_warning(cmp) is None


def test_a_pair_called_different_too_often_is_warned_about(store: Store):
    first, copy = make_run(store, "first"), make_run(store, "copy")
    measure(store, first, same(1))
    measure(store, copy, same(2, shift={0: 0.5, 1: 0.5, 2: -0.3}))  # a drifting machine
    cmp = compare_runs(store, first, copy)
    control = cmp.control
    assert control is not None and control.called >= 3 and control.exceeded
    assert control.rate == control.called / 10
    line, warning = control_line(cmp), control_warning(cmp)
    assert line is not None and f"{control.called} of 10 points called different (" in line
    assert warning is not None and warning.startswith("the false-positive rate is above α")
    assert f"P = {control.chance:.2g}" in warning
    # the terminal and the HTML page say both
    out = Console(file=io.StringIO(), width=250, color_system=None)
    out.print(comparison_table(cmp))
    text = " ".join(out.file.getvalue().split())  # type: ignore[attr-defined]
    assert " ".join(line.split()) in text and "warning: the false-positive rate" in text
    page = comparison_html(cmp)
    assert '<p class="control">' in page and "false-positive rate is above" in page


def test_chance_is_the_binomial_tail_at_alpha():
    control = Control(names=("a", "b"), called=2, compared=20, alpha=0.05)
    assert control.rate == 0.1 and control.exceeded
    assert control.chance == pytest.approx(1 - 0.95**20 - 20 * 0.05 * 0.95**19)
    nothing = Control(names=("a", "b"), called=0, compared=0, alpha=0.05)
    assert nothing.rate is None and not nothing.exceeded and nothing.chance is None


def test_other_variants_of_a_study_with_a_pair_quote_its_rate(store: Store):
    first, copy = make_run(store, "first"), make_run(store, "copy")
    p2p = make_run(store, "p2p", config={"dataframe.shuffle.method": "p2p"})
    measure(store, first, same(1))
    measure(store, copy, same(2, shift={0: 0.5}))
    measure(store, p2p, same(3, shift={i: -0.5 for i in range(10)}))
    assert find_aa_pair(store, first, p2p) == (first, copy)
    cmp = compare_runs(store, first, p2p)
    aa = compare_runs(store, first, copy)
    assert cmp.control is not None and not cmp.control.own
    assert (cmp.control.called, cmp.control.compared) == (aa.control.called, 10)  # type: ignore[union-attr]
    line = control_line(cmp)
    assert line is not None
    assert line.startswith("A/A control of this study (aa/copy against aa/first")
    # the pair itself is its own control, whichever way round
    assert compare_runs(store, copy, first).control.own  # type: ignore[union-attr]


def test_runs_of_other_studies_or_without_a_pair_have_no_control(store: Store):
    first, p2p = make_run(store, "first"), make_run(store, "p2p", config={"a": 1})
    elsewhere = make_run(store, "first", study_id="s2")
    for run, seed in ((first, 1), (p2p, 2), (elsewhere, 3)):
        measure(store, run, same(seed))
    assert compare_runs(store, first, p2p).control is None
    assert compare_runs(store, first, elsewhere).control is None
    assert control_line(compare_runs(store, first, p2p)) is None
