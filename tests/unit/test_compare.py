"""Comparing two runs, checked on stores filled with samples of known distributions."""

from __future__ import annotations

import html
import io
import itertools
import math
import re
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from rich.cells import cell_len
from rich.console import Console
from rich.panel import Panel
from rich.table import Table

from dask_bench.errors import ConfigError
from dask_bench.report import (
    Comparison,
    compare_runs,
    comparison_html,
    comparison_page,
    comparison_summary,
    comparison_table,
)
from dask_bench.report.analysis.twosample import (
    SAME,
    UNDECIDABLE,
    cliffs_delta,
    effect_label,
    ratio_interval,
    verdict_of,
)
from dask_bench.store import Store
from dask_bench.store.schema import Run

GIB = 2**30


@pytest.fixture
def store(tmp_path: Path) -> Store:
    s = Store(str(tmp_path / "c.db"), create=True)
    yield s
    s.close()


def make_run(
    store: Store,
    name: str,
    *,
    mode: str = "weak",
    threads: int = 1,
    memory: int = GIB,
    environment: dict[str, Any] | None = None,
) -> Run:
    run = store.create_run(
        name=name,
        mode=mode,
        backend="local",
        layout={"threads_per_worker": threads, "memory_per_worker": memory},
        study={"measurement": {"confidence": 0.95}},
        version="0.1.0",
    )
    if environment is not None:
        store.update_provenance(run, **environment)
    return run


def add(
    store: Store,
    run: Run,
    workload: str,
    units: int,
    seconds: Any,
    *,
    suite: str = "tasks",
    version: int = 1,
    chunks: int | None = None,
    chunk_size: int = 10,
    options: dict[str, Any] | None = None,
    failed: bool = False,
) -> None:
    point = store.add_point(
        run, suite=suite, workload=workload, workload_version=version, workers=units,
        threads_per_worker=run.layout["threads_per_worker"],
        memory_per_worker=run.layout["memory_per_worker"], units=units,
        chunks=2 * units if chunks is None else chunks, chunk_size=chunk_size,
        options=options or {}, nbytes=None, ntasks=100,
    )  # fmt: skip
    # A slow warm-up that must never enter a comparison.
    store.add_measurement(point, repetition=0, warmup=True, seconds=50.0, ok=True)
    for i, s in enumerate(seconds):
        store.add_measurement(point, repetition=i, warmup=False, seconds=float(s), ok=True)
    if failed:
        store.add_measurement(
            point, repetition=len(seconds), warmup=False, seconds=None, ok=False, error="lost"
        )
    store.finish_point(point, "failed" if failed else "ok", error="lost" if failed else None)
    store.finish_run(run, "complete")


def noisy(center: float, n: int, seed: int, spread: float = 0.02) -> np.ndarray:
    return center * (1 + spread * np.random.default_rng(seed).standard_normal(n))


def row(cmp: Comparison, workload: str, units: int = 1) -> dict[str, Any]:
    rows = cmp.rows
    (found,) = rows[(rows["workload"] == workload) & (rows["units"] == units)].to_dict("records")
    return found


def render(renderable: Any, width: int = 250) -> str:
    console = Console(file=io.StringIO(), width=width, color_system=None)
    console.print(renderable)
    return console.file.getvalue()  # type: ignore[attr-defined]


def tables_of(renderable: Any, tier: int = 5) -> list[Table]:
    """The tables of one layout of a terminal comparison (5: the richest)."""
    return [part for part in renderable.build(tier) if isinstance(part, Table)]


def column(tables: list[Table], header: str) -> list[Any]:
    """The cells of one column, over the tables of every suite."""
    return [cell for t in tables for c in t.columns if c.header == header for cell in c.cells]


def table_lines(text: str) -> tuple[list[list[str]], list[list[str]]]:
    """The header rows and body rows of the rendered tables, as lists of cell texts."""

    def split(line: str) -> list[str]:
        return [c.strip() for c in re.split("[│┃]", line)[1:-1]]

    heads = [split(ln) for ln in text.splitlines() if ln.startswith("┃")]
    return heads, [split(ln) for ln in text.splitlines() if ln.startswith("│")]


# --- verdicts ---


def test_b_at_half_the_time_is_faster_and_a_is_slower(store: Store) -> None:
    a, b = make_run(store, "slow"), make_run(store, "fast")
    add(store, a, "map", 1, noisy(1.0, 12, seed=1))
    add(store, b, "map", 1, noisy(0.5, 12, seed=2))

    r = row(compare_runs(store, a, b), "map")
    assert r["verdict"] == "faster"
    assert r["ci_high"] < 1 and r["ci_low"] <= r["ratio"] <= r["ci_high"]
    assert r["ratio"] == pytest.approx(0.5, abs=0.03)
    assert r["ci_low"] < 0.5 < r["ci_high"]
    # Every time of B is below every time of A.
    assert r["delta"] == -1.0 and r["effect"] == "large" and r["p_value"] < 0.001
    assert (r["n_a"], r["n_b"]) == (12, 12)

    back = row(compare_runs(store, b, a), "map")
    assert back["verdict"] == "slower" and back["ci_low"] > 1
    assert back["ratio"] == pytest.approx(1 / r["ratio"])
    assert back["delta"] == 1.0


def test_same_distribution_is_no_significant_difference(store: Store) -> None:
    a, b = make_run(store, "a"), make_run(store, "b")
    add(store, a, "drawn", 1, noisy(1.0, 10, seed=3, spread=0.1))
    add(store, b, "drawn", 1, noisy(1.0, 10, seed=4, spread=0.1))
    add(store, a, "equal", 1, [1.0, 1.1, 1.2, 1.3])
    add(store, b, "equal", 1, [1.2, 1.0, 1.3, 1.1])

    cmp = compare_runs(store, a, b)
    drawn, equal = row(cmp, "drawn"), row(cmp, "equal")
    assert drawn["verdict"] == "no significant difference"
    assert drawn["ci_low"] < 1 < drawn["ci_high"]
    assert equal["verdict"] == "no significant difference"
    assert equal["ratio"] == 1.0 and equal["delta"] == 0.0 and equal["effect"] == "negligible"
    assert equal["p_value"] == pytest.approx(1.0)


def test_three_samples_a_side_give_no_verdict_even_when_the_interval_excludes_one(
    store: Store,
) -> None:
    a, b = make_run(store, "a"), make_run(store, "b")
    add(store, a, "three", 1, [1.0, 1.1, 1.2])
    add(store, b, "three", 1, [0.5, 0.55, 0.6])
    add(store, a, "five", 1, [1.0, 1.1, 1.2, 1.3, 1.4])
    add(store, b, "five", 1, [0.5, 0.55, 0.6, 0.65, 0.7])
    cmp = compare_runs(store, a, b)
    three, five = row(cmp, "three"), row(cmp, "five")
    # Completely separated, but 3 against 3 cannot reach p < 0.05 (exact p = 2/20):
    # that is no evidence of "no difference", only of too few repetitions.
    assert three["ci_high"] < 1 and three["p_value"] == pytest.approx(0.1)
    assert three["verdict"] == UNDECIDABLE and three["effect"] == "large"
    assert five["ci_high"] < 1 and five["p_value"] < 0.05 and five["verdict"] == "faster"


@pytest.mark.parametrize(
    ("low", "high", "p", "verdict"),
    [(0.5, 0.9, 0.01, "faster"), (1.1, 1.5, 0.01, "slower"), (0.9, 1.1, 0.01, SAME),
     (0.5, 0.9, 0.05, SAME), (1.1, 1.5, 0.2, SAME), (1.0, 1.0, 0.01, SAME)],
)  # fmt: skip
def test_verdict_needs_the_interval_and_the_rank_test(
    low: float, high: float, p: float, verdict: str
) -> None:
    assert verdict_of(low, high, p, 0.95, 5, 5) == verdict


@pytest.mark.parametrize(
    ("n_a", "n_b", "confidence", "decidable"),
    [(3, 3, 0.95, False), (3, 4, 0.95, False), (4, 4, 0.95, True), (3, 5, 0.95, True),
     (3, 3, 0.80, True), (4, 4, 0.99, False), (5, 5, 0.99, True)],
)  # fmt: skip
def test_too_few_repetitions_to_reach_the_level_is_said_so(
    n_a: int, n_b: int, confidence: float, decidable: bool
) -> None:
    # The smallest exact two-sided p-value is 2 / C(n_a + n_b, n_a).
    verdict = verdict_of(0.5, 0.9, 0.0, confidence, n_a, n_b)
    assert (verdict == "faster") is decidable
    assert (verdict == UNDECIDABLE) is not decidable


def test_warmups_and_raw_samples_are_what_is_compared(store: Store) -> None:
    a, b = make_run(store, "a"), make_run(store, "b")
    add(store, a, "map", 1, [2.0, 3.0, 4.0])
    add(store, b, "map", 1, [1.0, 1.5, 8.0])
    r = row(compare_runs(store, a, b), "map")
    # Medians 3.0 and 1.5: the 50 s warm-ups are not samples.
    assert (r["median_a"], r["median_b"], r["ratio"]) == (3.0, 1.5, 0.5)


def test_failed_points_and_too_few_samples(store: Store) -> None:
    a, b = make_run(store, "a"), make_run(store, "b")
    add(store, a, "lost-a", 1, [1.0, 1.1], failed=True)
    add(store, b, "lost-a", 1, [1.0, 1.1, 1.2])
    add(store, a, "lost-both", 1, [], failed=True)
    add(store, b, "lost-both", 1, [], failed=True)
    add(store, a, "single", 1, [1.0, 1.1, 1.2])
    add(store, b, "single", 1, [0.5])
    add(store, a, "ok", 1, [1.0, 1.1, 1.2, 1.3])
    add(store, b, "ok", 1, [1.0, 1.1, 1.2, 1.3])

    cmp = compare_runs(store, a, b)
    assert row(cmp, "lost-a")["verdict"] == "failed in A"
    assert row(cmp, "lost-both")["verdict"] == "failed in both"
    single = row(cmp, "single")
    assert single["verdict"] == "too few samples" and single["n_b"] == 1
    for name in ("lost-a", "lost-both", "single"):
        r = row(cmp, name)
        assert all(math.isnan(r[k]) for k in ("ratio", "ci_low", "ci_high", "delta", "p_value"))
    assert comparison_summary(cmp) == (
        "B is faster at 0, slower at 0, no significant difference at 1 of 1 points "
        "(geometric mean ratio B/A 1.00); 3 not compared (failed or too few samples)"
    )
    verdicts = [c.plain for c in column(tables_of(comparison_table(cmp)), "verdict")]
    assert verdicts == ["failed A", "failed both", "too few", "no diff."]
    text = render(comparison_table(cmp))
    assert "failed A: the point failed in A" in text
    assert "too few: fewer than 2 timed samples on a side" in text
    assert "failed B:" not in text  # the legend names the verdicts shown only
    assert "nan" not in text.lower()


def test_summary_counts_verdicts_and_geometric_mean(store: Store) -> None:
    a, b = make_run(store, "a"), make_run(store, "b")
    scales = {"w1": 0.5, "w2": 0.6, "w3": 0.8, "w4": 1.5, "w5": 1.0}
    for i, (name, scale) in enumerate(scales.items()):
        add(store, a, name, 1, noisy(1.0, 8, seed=10 + i, spread=0.01))
        add(store, b, name, 1, noisy(scale, 8, seed=20 + i, spread=0.01))
    add(store, a, "only-a", 4, [1.0, 1.0])
    add(store, b, "only-b", 8, [1.0, 1.0])

    cmp = compare_runs(store, a, b)
    assert [row(cmp, w)["verdict"] for w in scales] == ["faster"] * 3 + [
        "slower",
        "no significant difference",
    ]
    ratios = [row(cmp, w)["ratio"] for w in scales]
    gmean = math.exp(sum(math.log(r) for r in ratios) / len(ratios))
    assert comparison_summary(cmp) == (
        "B is faster at 3, slower at 1, no significant difference at 1 of 5 points "
        f"(geometric mean ratio B/A {gmean:.2f}); 1 only in A, 1 only in B"
    )
    assert cmp.only_in_a == [("tasks", "only-a", 4)] and cmp.only_in_b == [("tasks", "only-b", 8)]


def test_points_match_on_suite_workload_and_units(store: Store) -> None:
    a, b = make_run(store, "a"), make_run(store, "b")
    for units in (1, 2):
        add(store, a, "map", units, [1.0, 1.1])
        add(store, b, "map", units, [1.0, 1.1])
    add(store, a, "map", 1, [1.0, 1.1], suite="arrays")
    add(store, b, "map", 4, [1.0, 1.1], suite="arrays")
    cmp = compare_runs(store, a, b)
    keys = list(zip(cmp.rows["suite"], cmp.rows["workload"], cmp.rows["units"], strict=True))
    assert keys == [("tasks", "map", 1), ("tasks", "map", 2)]
    assert cmp.only_in_a == [("arrays", "map", 1)] and cmp.only_in_b == [("arrays", "map", 4)]


def test_a_point_interval_does_not_depend_on_other_points(tmp_path: Path) -> None:
    def interval(extra: bool) -> tuple[float, float]:
        s = Store(str(tmp_path / f"{extra}.db"), create=True)
        a, b = make_run(s, "a"), make_run(s, "b")
        if extra:
            add(s, a, "before", 1, [1.0, 2.0, 3.0])
            add(s, b, "before", 1, [1.0, 2.0, 3.0])
        add(s, a, "map", 1, noisy(1.0, 6, seed=5, spread=0.2))
        add(s, b, "map", 1, noisy(1.0, 6, seed=6, spread=0.2))
        r = row(compare_runs(s, a, b, seed=7), "map")
        s.close()
        return r["ci_low"], r["ci_high"]

    assert interval(extra=False) == interval(extra=True)


# --- the like-for-like guard ---

CONFOUNDED: dict[str, tuple[dict[str, Any], dict[str, Any], str]] = {
    # kind: (differences of run B, of B's point, text expected in the one confounder)
    "threads": ({"threads": 2}, {}, "1 vs 2 threads per worker"),
    "memory": ({"memory": 2 * GIB}, {}, "1.0 GiB vs 2.0 GiB memory per worker"),
    "mode": ({"mode": "strong"}, {}, "A is weak, B is strong scaling"),
    "chunks": (
        {},
        {"chunks": 8},
        "problem size: tasks/map at units 1 (at 1: A 2 chunks of 10, B 8 chunks",
    ),
    "chunk size": ({}, {"chunk_size": 20}, "(at 1: A 2 chunks of 10, B 2 chunks of 20)"),
    "version": ({}, {"version": 2}, "tasks/map is version 1 in A, 2 in B"),
    "options": ({}, {"options": {"sleep": 0.1}}, "options: tasks/map (sleep A unset, B 0.1)"),
}


@pytest.mark.parametrize("kind", list(CONFOUNDED))
def test_each_confounder_is_found(store: Store, kind: str) -> None:
    run_diff, point_diff, expected = CONFOUNDED[kind]
    a, b = make_run(store, "a"), make_run(store, "b", **run_diff)
    add(store, a, "map", 1, [1.0, 1.1])
    add(store, b, "map", 1, [1.0, 1.1], **point_diff)
    cmp = compare_runs(store, a, b)
    (line,) = cmp.confounders
    assert expected in line
    assert cmp.notes == []
    text = render(comparison_table(cmp))
    assert "NOT LIKE FOR LIKE" in text and expected in text.replace("\n", "")
    assert '<div class="warning">' in comparison_html(cmp)


@pytest.mark.parametrize("where", ["deployment", "options"])
def test_processes_versus_threads_is_a_confounder(store: Store, where: str) -> None:
    def env(processes: bool) -> dict[str, Any]:
        if where == "deployment":
            return {"deployment": {"backend": "local", "processes": processes}}
        return {"deployment": {"backend": "local", "options": {"processes": processes}}}

    a, b = make_run(store, "a", environment=env(True)), make_run(store, "b", environment=env(False))
    unknown = make_run(store, "unknown")
    for run in (a, b, unknown):
        add(store, run, "map", 1, [1.0, 1.1])
    assert compare_runs(store, a, b).confounders == [
        "different worker layout: workers are separate processes in A, threads of one process in B"
    ]
    # Not recorded on one side: nothing to compare, so no claim either way.
    assert compare_runs(store, a, unknown).confounders == []


def test_like_for_like_runs_have_no_confounders_and_no_warning(store: Store) -> None:
    env = {"deployment": {"processes": True}, "versions": {"client": {"dask": "2024.8.0"}}}
    a, b = make_run(store, "a", environment=env), make_run(store, "b", environment=env)
    add(store, a, "map", 1, [1.0, 1.1], options={"sleep": 0.1})
    add(store, b, "map", 1, [1.0, 1.1], options={"sleep": 0.1})
    cmp = compare_runs(store, a, b)
    assert cmp.confounders == [] and cmp.notes == []
    assert not any(isinstance(part, Panel) for part in comparison_table(cmp).build(0))
    assert "NOT LIKE FOR LIKE" not in render(comparison_table(cmp))
    assert "warning" not in comparison_html(cmp)


def test_package_versions_and_partial_runs_are_notes(store: Store) -> None:
    def env(dask: str, distributed: str) -> dict[str, Any]:
        return {"versions": {"client": {"dask": dask, "distributed": distributed}}}

    a = make_run(store, "a", environment=env("2024.8.0", "2024.8.0"))
    b = make_run(store, "b", environment=env("2025.1.0", "2024.8.0"))
    add(store, a, "map", 1, [1.0, 1.1])
    add(store, b, "map", 1, [1.0, 1.1])
    store.finish_run(b, "interrupted")
    cmp = compare_runs(store, a, b)
    assert cmp.confounders == []
    assert cmp.notes == [
        "different dask versions: 2024.8.0 in A, 2025.1.0 in B",
        f"B (run {b.id}) is interrupted: its results may be partial",
    ]
    assert "note: different dask versions" in render(comparison_table(cmp))


# --- errors ---


def test_runs_with_no_common_point_are_refused(store: Store) -> None:
    a, b = make_run(store, "slurm-weak"), make_run(store, "k8s-weak")
    add(store, a, "map", 1, [1.0, 1.1])
    add(store, b, "map", 2, [1.0, 1.1])
    add(store, b, "other", 1, [1.0, 1.1])
    with pytest.raises(ConfigError) as err:
        compare_runs(store, a, b)
    assert str(err.value) == (
        f"runs {a.id} (slurm-weak) and {b.id} (k8s-weak) share no workload at the same size; "
        "compare runs of the same suites and worker counts (see 'dask-bench show RUN')"
    )


def test_a_run_compared_with_itself_is_refused(store: Store) -> None:
    a = make_run(store, "a")
    add(store, a, "map", 1, [1.0, 1.1])
    with pytest.raises(ConfigError, match="given as both A and B") as err:
        compare_runs(store, a, a)
    assert "\n" not in str(err.value)


@pytest.mark.parametrize("confidence", [0.0, 1.0, 95.0])
def test_confidence_outside_zero_one_is_refused(store: Store, confidence: float) -> None:
    a, b = make_run(store, "a"), make_run(store, "b")
    with pytest.raises(ConfigError, match="not between 0 and 1"):
        compare_runs(store, a, b, confidence=confidence)


# --- rendering ---


def test_names_are_escaped_in_html_and_not_markup_in_the_terminal(store: Store) -> None:
    xss, markup = "<script>alert('x')</script>", "[bold red]boom[/]"
    a = make_run(store, f"{markup}{xss}")
    b = make_run(store, "b", threads=2)
    for run, scale in ((a, 1.0), (b, 0.5)):
        add(store, run, xss, 1, noisy(scale, 6, seed=int(scale * 10)))
        add(store, run, markup, 1, noisy(1.0 / scale, 6, seed=int(scale * 20)))
    cmp = compare_runs(store, a, b)

    section = comparison_html(cmp)
    assert section.startswith('<section class="comparison">') and section.endswith("</section>")
    assert "<script>" not in section and html.escape(xss, quote=True) in section
    # Verdict cells carry their class: B is faster at xss, slower at markup.
    assert '<td class="ok" title="bootstrap: percentile">faster</td>' in section
    assert '<td class="bad" title="bootstrap: percentile">slower</td>' in section
    assert section.index('class="warning"') < section.index("<table")
    page = comparison_page(cmp)
    assert page.startswith("<!DOCTYPE html>") and section in page and "<script>" not in page

    text = render(comparison_table(cmp))
    assert markup in text and xss in text


def test_terminal_verdicts_are_coloured(store: Store) -> None:
    a, b = make_run(store, "a"), make_run(store, "b")
    for name, scale in (("fast", 0.5), ("slow", 2.0), ("same", 1.0)):
        add(store, a, name, 1, [1.0, 1.1, 1.2, 1.3, 1.4])
        add(store, b, name, 1, [scale * x for x in (1.0, 1.1, 1.2, 1.3, 1.4)])
    add(store, a, "few", 1, [1.0, 1.1])
    add(store, b, "few", 1, [1.0])
    shown = comparison_table(compare_runs(store, a, b))
    verdicts = column(tables_of(shown), "verdict")
    styles = {cell.plain: str(cell.style) for cell in verdicts}
    assert styles == {"faster": "green", "slower": "red", "no diff.": "dim", "too few": "yellow"}
    assert "B = b (run 2, local) relative to A = a (run 1, local)" in render(shown)


def test_at_80_columns_every_identifying_cell_and_verdict_is_whole(store: Store) -> None:
    a, b = make_run(store, "a"), make_run(store, "b")
    # The longest built-in names, in every suite, with every kind of verdict.
    points = [
        ("tasks", "tree-reduce", 1, 0.5), ("tasks", "tree-reduce", 128, 2.0),
        ("arrays", "transpose-add", 16, 1.0), ("dataframes", "map-partitions", 64, 0.9),
        ("dataframes", "groupby-mean-2", 2, None),
    ]  # fmt: skip
    for suite, name, units, scale in points:
        if scale is None:  # failed in both
            add(store, a, name, units, [], suite=suite, failed=True)
            add(store, b, name, units, [], suite=suite, failed=True)
            continue
        add(store, a, name, units, noisy(1.0, 6, seed=units, spread=0.05), suite=suite)
        add(store, b, name, units, noisy(scale, 6, seed=units + 1, spread=0.05), suite=suite)
    add(store, a, "rolling-mean", 2, [1.0, 1.1, 1.2], suite="dataframes")
    add(store, b, "rolling-mean", 2, [0.5, 0.55, 0.6], suite="dataframes")  # undecided
    cmp = compare_runs(store, a, b)

    console = Console(width=80, file=io.StringIO(), color_system=None)
    console.print(comparison_table(cmp))
    text = console.file.getvalue()  # type: ignore[attr-defined]
    assert max(cell_len(line) for line in text.splitlines()) <= 80
    assert "…" not in text
    heads, rows = table_lines(text)
    assert heads[0] == ["workload", "units", "B/A [95% CI]", "verdict", "δ", "p"]
    assert [(r[0], r[1], r[3]) for r in rows] == [
        ("tree-reduce", "1", "faster"), ("", "128", "slower"), ("transpose-add", "16", "no diff."),
        ("map-partitions", "64", "faster"), ("groupby-mean-2", "2", "failed both"),
        ("rolling-mean", "2", "undecided"),
    ]  # fmt: skip
    # Ratio and interval with three significant figures each.
    figure = r"(0\.\d{3}|[1-9]\.\d{2}|[1-9]\d\.\d|[1-9]\d\d)"
    for r in rows:
        assert r[2] == "—" or re.fullmatch(rf"{figure} \[{figure}, {figure}\]", r[2]), r[2]
    for legend in (
        "no diff.: no significant difference",
        "failed both: the point failed in A",
        "undecided: too few repetitions",
        "δ: Cliff's delta",
        "p: Mann-Whitney",
    ):
        assert legend in " ".join(text.split()), legend  # fmt: skip

    # A wide terminal gets every column.
    heads, _ = table_lines(render(comparison_table(cmp), width=200))
    assert heads[0] == ["workload", "units", "n", "median A", "median B", "B/A [95% CI]",
                        "verdict", "δ", "effect", "p"]  # fmt: skip


# --- the statistics of two samples ---


def test_cliffs_delta_matches_a_count_of_pairs() -> None:
    rng = np.random.default_rng(9)
    a, b = rng.integers(0, 6, 7).astype(float), rng.integers(1, 7, 9).astype(float)
    pairs = list(itertools.product(a, b))
    expected = (sum(y > x for x, y in pairs) - sum(y < x for x, y in pairs)) / len(pairs)
    delta, p = cliffs_delta(a, b)
    assert delta == pytest.approx(expected)
    assert 0 < p <= 1


@pytest.mark.parametrize(
    ("delta", "label"),
    [(0.0, "negligible"), (-0.146, "negligible"), (0.147, "small"), (-0.3, "small"),
     (0.33, "medium"), (0.47, "medium"), (-0.474, "large"), (1.0, "large"), (math.nan, "")],
)  # fmt: skip
def test_effect_labels(delta: float, label: str) -> None:
    assert effect_label(delta) == label


def test_bca_falls_back_to_percentile_when_it_cannot_be_computed() -> None:
    kw: dict[str, Any] = {"confidence": 0.95, "n_resamples": 1000, "seed": 0, "method": "BCa"}
    low, high, used = ratio_interval(np.array([1.0, 1.0, 1.0]), np.array([0.5, 0.5, 0.5]), **kw)
    assert used == "percentile" and (low, high) == (0.5, 0.5)
    a, b = noisy(1.0, 40, seed=1, spread=0.1), noisy(0.8, 40, seed=2, spread=0.1)
    low, high, used = ratio_interval(a, b, **kw)
    assert used == "BCa" and low < 0.8 < high < 1
