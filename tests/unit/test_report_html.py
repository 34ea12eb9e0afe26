"""The report folder: a self-contained page, figure files, data files, atomic writes."""

from __future__ import annotations

import base64
import re
from datetime import datetime
from pathlib import Path
from typing import Any

import pandas as pd
import pytest

from dask_bench.errors import ConfigError
from dask_bench.report import build_report, default_report_dir
from dask_bench.report.html._markup import esc
from dask_bench.store import Store
from dask_bench.store.schema import Run
from tests.unit.report_data import PNG_MAGIC, add_point, add_run, build_store, full_environment

SVG_START = b"<?xml"


def images(html: str) -> list[tuple[str, bytes]]:
    """(alt, SVG bytes) of every embedded figure."""
    out = []
    for tag in re.findall(r"<img\b[^>]*>", html):
        alt = re.search(r'alt="([^"]*)"', tag)
        data = re.search(r'src="data:image/svg\+xml;base64,([A-Za-z0-9+/=]+)"', tag)
        assert alt and data, tag
        out.append((alt.group(1), base64.b64decode(data.group(1), validate=True)))
    return out


def row_of(html: str, workload: str, units: int) -> str:
    """The table row of a point (its cells' HTML)."""
    pattern = rf"<tr[^>]*><td>{re.escape(workload)}</td><td class=\"num\">{units} \(.*?</tr>"
    found = re.search(pattern, html)
    assert found, (workload, units)
    return found.group(0)


def test_report_folder_is_self_contained(tmp_path: Path) -> None:
    store, run = build_store(tmp_path, environment=full_environment())
    index = build_report(store, [run], tmp_path / "rep")
    assert index == tmp_path / "rep" / "index.html"
    html = index.read_text(encoding="utf-8")
    assert html.startswith("<!DOCTYPE html>")
    assert not re.search(r"""(src|href)\s*=\s*["']?\s*(https?:)?//""", html, re.IGNORECASE)
    assert "<link" not in html and "<script" not in html
    shown = images(html)
    # four figures per suite (efficiency, throughput, wall time, heatmap), and startup
    assert len(shown) == 2 * 4 + 1
    for alt, svg in shown:  # vector figures: sharp at any zoom
        assert alt and svg.startswith(SVG_START) and b"<svg" in svg and len(svg) > 5_000
    for expected in ("ci-run", "bench-host", "Test CPU", "2024.8.0", "1 thread, 2.0 GiB"):
        assert expected in html
    assert "88%" in html and "1.250 s" in html and "[1.200, 1.300] s" in html
    assert 'class="warning"' not in html  # complete run, no mismatch


def test_every_figure_is_also_a_file(tmp_path: Path) -> None:
    store, run = build_store(tmp_path)
    index = build_report(store, [run], tmp_path / "rep", pdf=True, png=True)
    figures = index.parent / "figures"
    html = index.read_text(encoding="utf-8")
    stems = {p.stem for p in figures.iterdir()}
    assert "arrays-heatmap" in stems and "startup" in stems
    for stem in stems:
        assert (figures / f"{stem}.png").read_bytes().startswith(PNG_MAGIC)
        assert (figures / f"{stem}.svg").read_bytes().startswith(SVG_START)
        assert (figures / f"{stem}.pdf").read_bytes().startswith(b"%PDF")
        assert f'href="figures/{stem}.svg"' in html and f'href="figures/{stem}.png"' in html
    # The embedded SVG is the SVG file.
    embedded = dict(images(html))
    assert (
        embedded["arrays: parallel efficiency"] == (figures / "arrays-efficiency.svg").read_bytes()
    )
    # By default only the SVG files (what the page shows); PNG and PDF on request.
    default = build_report(store, [run], tmp_path / "rep2").parent / "figures"
    assert {p.suffix for p in default.iterdir()} == {".svg"}


def test_data_files_hold_points_and_repetitions(tmp_path: Path) -> None:
    store, run = build_store(tmp_path)
    index = build_report(store, [run], tmp_path / "rep")
    html = index.read_text(encoding="utf-8")
    assert 'href="data/points.csv"' in html and 'href="data/measurements.csv"' in html
    points = pd.read_csv(index.parent / "data" / "points.csv")
    assert len(points) == len(run.points)
    for column in ("ci_low", "ci_high", "stopped_by", "ended", "n_disturbed", "checks", "metric"):
        assert column in points.columns
    reps = pd.read_csv(index.parent / "data" / "measurements.csv")
    assert len(reps) == sum(len(p.measurements) for p in run.points)
    assert reps["warmup"].sum() == len(run.points)


def test_summary_names_the_knee(tmp_path: Path) -> None:
    store, run = build_store(tmp_path)
    html = build_report(store, [run], tmp_path / "rep").read_text(encoding="utf-8")
    summary = re.search(r'<section id="suite-arrays">.*?<div class="summary">(.*?)</div>', html)
    assert summary is not None
    text = summary.group(1)
    # arrays at 2 units: sum 84 %, matmul 40 %, transpose 68 % -> median 68 %: the knee.
    assert "Below 80 % from (units): matmul at 2, transpose at 2" in text
    assert "Below 50 % from (units): matmul at 2" in text
    assert "Knee: the median workload falls below 80 % at 2 units" in text
    assert "1 of 3 keep ≥ 80 % up to 2 units: sum" in text
    # how far to trust it: sum at 2 units has a single repetition
    assert "1 of 6 points missed the precision target (max repeats 1)." in text


def test_report_escapes_errors(tmp_path: Path) -> None:
    store, run = build_store(tmp_path)
    html = build_report(store, [run], tmp_path / "rep").read_text(encoding="utf-8")
    assert "<script" not in html
    assert "&lt;script&gt;alert(&#x27;x&#x27;)&lt;/script&gt; worker lost" in html


def test_report_warns_about_mismatch_and_partial_run(tmp_path: Path) -> None:
    store, run = build_store(tmp_path, environment=full_environment(mismatch=True))
    store.finish_run(run, "interrupted")
    html = build_report(store, [run], tmp_path / "rep").read_text(encoding="utf-8")
    warnings = re.findall(r'<div class="warning">(.*?)</div>', html)
    assert any("version mismatch for dask" in w and "2024.1.0" in w for w in warnings)
    assert any("interrupted" in w for w in warnings)
    assert '<tr class="mismatch"><td>dask</td>' in html


def test_report_of_run_without_points(tmp_path: Path) -> None:
    store = Store(str(tmp_path / "r.db"), create=True)
    run = store.create_run(name="empty", mode="weak", backend="local", layout={}, study={},
                           version="0.1.0")  # fmt: skip
    html = build_report(store, [run], tmp_path / "rep").read_text(encoding="utf-8")
    assert "No measured points" in html and "No scale steps were recorded" in html
    assert "running" in html and 'class="warning"' in html


def test_several_runs_share_colours_and_flag_differences(tmp_path: Path) -> None:
    store, first = build_store(tmp_path, environment=full_environment())
    second = add_run(store, name="faster", scale=0.5, threads=2, environment=full_environment())
    html = build_report(store, [first, second], tmp_path / "rep").read_text(encoding="utf-8")
    alts = [alt for alt, _ in images(html)]
    assert "arrays: parallel efficiency by run" in alts and "tasks: wall time by run" in alts
    assert "arrays: efficiency heatmap by run" in alts and "arrays: throughput by run" in alts
    # The layout differs between the runs: its provenance row is highlighted.
    assert re.search(r'<tr class="mismatch"><th>layout</th>', html)
    assert re.search(r"<tr><th>back-end</th>", html)  # same back-end: not highlighted
    # Both runs' summaries and table rows are there.
    assert f"run {first.id} (ci-run)" in html and f"run {second.id} (faster)" in html
    # The second run is compared with the first, and the differing layout is flagged there.
    comparison = html[html.index('<section id="comparison">') :]
    assert "not like for like" in comparison.lower()
    assert "1 vs 2 threads per worker" in comparison


def test_overlay_gives_each_run_one_colour_everywhere(tmp_path: Path) -> None:
    from dask_bench.report import overlay_figure, run_colors
    from dask_bench.report.figures._canvas import panels_of
    from dask_bench.store import run_summaries

    store, first = build_store(tmp_path)
    second = add_run(store, name="b", scale=0.5)
    colors = run_colors([first, second])
    points = run_summaries(store, [first, second])
    for metric in ("efficiency", "throughput", "walltime"):
        fig = overlay_figure("arrays", metric, points[points["suite"] == "arrays"],
                             [first, second], colors)  # fmt: skip
        panels = panels_of(fig)
        assert list(panels) == ["sum", "matmul", "transpose"]
        for panel in panels.values():
            used = {(s.key, tuple(s.color)) for s in panel.series if s.kind == "line"}
            assert used == {
                (first.id, tuple(colors[first.id])),
                (second.id, tuple(colors[second.id])),
            }


def test_points_show_interval_ending_and_notes(tmp_path: Path) -> None:
    store, run = build_store(tmp_path)
    fast = [add_point(store, run, "arrays", "fast", u, s) for u, s in (
        (1, [1.0, 1.01, 0.99, 1.0, 1.02, 0.98, 1.0]), (2, [0.5, 0.51, 0.49, 0.5, 0.5, 0.52, 0.48])
    )]  # fmt: skip
    store.finish_point(
        fast[1],
        "ok",
        stopped_by="time_budget",
        notes=["calibrated: 2 warm-ups until steady"],
        metrics_note="metrics from the whole cluster (tasks outside the span)",
    )
    store.add_measurement(fast[1], repetition=7, warmup=False, seconds=3.0, ok=True,
                          disturbance="worker tcp://10.0.0.2:4000 left")  # fmt: skip
    html = build_report(store, [run], tmp_path / "rep").read_text(encoding="utf-8")
    row = row_of(html, "fast", 2)
    assert "200%" in row and 'class="num high"' in row and 'class="num ok"' not in row
    assert "time budget, 1 disturbed" in row
    assert "super-linear: efficiency above 100 % beyond its CI" in row
    assert "calibrated: 2 warm-ups until steady" in row
    assert "metrics from the whole cluster (tasks outside the span)" in row
    assert "1 repetitions left out as disturbed (worker tcp://10.0.0.2:4000 left)" in row
    assert ">base<" in row_of(html, "fast", 1) and "base: the smallest size" in html
    # Imprecise points are marked: a starred n in a marked row, and a legend says why.
    imprecise = row_of(html, "tree-reduce", 1)
    assert imprecise.startswith('<tr class="imprecise">') and ">7*<" in imprecise
    assert "budget" in imprecise and "[500.0, 600.0] ms" in imprecise
    assert row_of(html, "map-sleep", 1).startswith("<tr><td>")
    assert "* and a shaded row: imprecise" in html
    assert "distribution-free confidence interval of the median" in html


def test_report_replaces_previous_report_atomically(tmp_path: Path) -> None:
    store, run = build_store(tmp_path)
    out = tmp_path / "rep"
    build_report(store, [run], out)
    (out / "figures" / "stale.png").write_bytes(b"old")
    build_report(store, [run], out)
    assert not (out / "figures" / "stale.png").exists()
    assert sorted(p.name for p in out.iterdir()) == ["data", "figures", "index.html"]
    assert not [p for p in tmp_path.iterdir() if p.name.startswith(".rep.")]


def test_failed_render_keeps_old_report(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    store, run = build_store(tmp_path)
    out = tmp_path / "rep"
    build_report(store, [run], out)
    before = (out / "index.html").read_text()

    def boom(*_: Any, **__: Any) -> bytes:
        raise RuntimeError("disk full")

    monkeypatch.setattr("dask_bench.report.figures.output.figure_bytes", boom)
    with pytest.raises(RuntimeError):
        build_report(store, [run], out)
    assert (out / "index.html").read_text() == before
    assert not [p for p in tmp_path.iterdir() if p.name.startswith(".rep.")]


def test_refuses_a_folder_that_is_not_a_report(tmp_path: Path) -> None:
    store, run = build_store(tmp_path)
    busy = tmp_path / "busy"
    busy.mkdir()
    (busy / "thesis.tex").write_text("precious")
    with pytest.raises(ConfigError, match="not empty and holds no dask-bench report"):
        build_report(store, [run], busy)
    with pytest.raises(ConfigError, match="is a file"):
        build_report(store, [run], busy / "thesis.tex")
    with pytest.raises(ConfigError, match="no run to report"):
        build_report(store, [], tmp_path / "x")
    assert sorted(p.name for p in busy.iterdir()) == ["thesis.tex"]


def test_default_report_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    runs = [Run(id=7, name="x", started_at=datetime(2024, 1, 1))]
    two = [*runs, Run(id=9, name="y", started_at=datetime(2024, 1, 1))]
    db = tmp_path / "sub" / "results.db"
    assert default_report_dir(db, runs) == tmp_path / "sub" / "results-report-7"
    assert default_report_dir(f"sqlite:///{db}", two) == tmp_path / "sub" / "results-report-7-9"
    monkeypatch.chdir(tmp_path)
    assert default_report_dir("results.db", runs) == tmp_path / "results-report-7"
    url = "postgresql://user@host/benchdb"
    assert default_report_dir(url, runs) == tmp_path / "benchdb-report-7"
    assert default_report_dir("sqlite://", runs) == tmp_path / "dask-bench-report-7"


def test_a_long_runner_note_folds_under_its_first_clause(tmp_path: Path) -> None:
    store, run = build_store(tmp_path)
    note = (
        "a repetition lasts 36 ms, under min_repetition_seconds 0.2 s: timings are dominated by "
        "overhead; raise suites.tasks.per_unit or chunk_size"
    )
    point = next(p for p in run.points if p.workload == "map-sleep" and p.units == 2)
    store.finish_point(point, "ok", stopped_by="precision", notes=[note])
    html = build_report(store, [run], tmp_path / "rep").read_text(encoding="utf-8")
    assert (
        "<details><summary>a repetition lasts 36 ms, under min_repetition_seconds 0.2 s"
        f"</summary>{esc(note)}</details>" in row_of(html, "map-sleep", 2)
    )


def test_a_note_of_many_points_is_written_once(tmp_path: Path) -> None:
    store, run = build_store(tmp_path)
    note = "a repetition lasts 36 ms, under min_repetition_seconds 0.2 s: raise chunk_size"
    for point in run.points:
        if point.suite == "tasks" and point.status == "ok":
            store.finish_point(point, "ok", stopped_by=point.stopped_by, notes=[note])
    html = build_report(store, [run], tmp_path / "rep").read_text(encoding="utf-8")
    tasks = html[
        html.index('<section id="suite-tasks">') : html.index('<section id="suite-arrays">')
    ]
    assert tasks.count(esc(note)) == 1  # listed once below the table ...
    assert '<li id="notes-tasks-1" value="1">' in tasks
    assert tasks.count('href="#notes-tasks-1">[1]</a>') == 3  # ... and referred to by each point
