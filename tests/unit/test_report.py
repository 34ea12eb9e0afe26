"""Tables, figures and the HTML report, checked against timings inserted by hand."""

from __future__ import annotations

import io
import itertools
import re
import statistics
from pathlib import Path
from typing import Any

import pytest
from rich.console import Console
from rich.table import Table
from rich.text import Text

from dask_bench.report import (
    build_report,
    figure_bytes,
    figure_png,
    heatmap_figure,
    run_header,
    runs_table,
    suite_figures,
    suite_tables,
)
from dask_bench.report.analysis.suites import suite_frames
from dask_bench.report.figures._canvas import panels_of
from dask_bench.store.listing import RunListing
from tests.unit.report_data import (
    GIB,
    NBYTES,
    NTASKS,
    PNG_MAGIC,
    TIMINGS,
    XSS,
    add_point,
    build_store,
    full_environment,
)


def render(renderable: Any) -> str:
    console = Console(file=io.StringIO(), width=250, color_system=None)
    console.print(renderable)
    out = console.file.getvalue()  # type: ignore[attr-defined]
    assert isinstance(out, str)
    return out


def column(table: Table, header: str) -> list[Text]:
    (col,) = [c for c in table.columns if c.header == header]
    cells = list(col.cells)
    assert all(isinstance(c, Text) for c in cells)
    return cells  # type: ignore[return-value]


def rows_of(table: Table) -> list[dict[str, str]]:
    """Each row as header -> plain text, with the workload filled down."""
    headers = [str(c.header) for c in table.columns]
    columns = [[c.plain for c in column(table, h)] for h in headers]
    rows = [dict(zip(headers, values, strict=True)) for values in zip(*columns, strict=True)]
    for previous, row in itertools.pairwise(rows):
        row["workload"] = row["workload"] or previous["workload"]
    return rows


def find(rows: list[dict[str, str]], workload: str, units: int) -> dict[str, str]:
    (row,) = [r for r in rows if r["workload"] == workload and r["units"] == str(units)]
    return row


def weak_efficiency(suite: str, workload: str, units: int) -> float:
    base, this = TIMINGS[suite][workload][1], TIMINGS[suite][workload][units]
    assert base is not None and this is not None
    return statistics.median(base) / statistics.median(this)


# --- terminal tables ---


def test_one_table_per_suite_in_suite_order(tmp_path: Path) -> None:
    store, run = build_store(tmp_path)
    tables = suite_tables(store, run)
    assert [str(t.title).split()[0] for t in tables] == ["tasks", "arrays"]
    assert [t.row_count for t in tables] == [4, 6]


def test_a_narrow_terminal_drops_optional_columns_never_names_or_numbers(tmp_path: Path) -> None:
    store, run = build_store(tmp_path)
    for width in (80, 100):
        for table in suite_tables(store, run, width=width):
            console = Console(file=io.StringIO(), width=width, color_system=None)
            console.print(table)
            text = console.file.getvalue()  # type: ignore[attr-defined]
            header_line = next(line for line in text.splitlines() if "workload" in line)
            assert "…" not in header_line, text  # nothing cropped: columns left out instead
            for name in {r["workload"] for r in rows_of(table)}:
                assert f" {name} " in text, (name, text)
            assert width > 80 or "left out" in str(table.caption)
            headers = [str(c.header) for c in table.columns]
            assert headers[:5] == ["workload", "units", "median", "95% CI", "n"]
    wide = suite_tables(store, run, width=250)
    assert all("left out" not in str(t.caption) for t in wide)
    assert [len(t.columns) for t in wide] == [len(t.columns) for t in suite_tables(store, run)]


def test_table_numbers_match_inserted_timings(tmp_path: Path) -> None:
    store, run = build_store(tmp_path)
    tasks, arrays = suite_tables(store, run)
    rows = rows_of(tasks)
    row = find(rows, "map-sleep", 2)
    assert row["median"] == f"{statistics.median(TIMINGS['tasks']['map-sleep'][2]):.3f} s"
    assert row["median"] == "1.250 s"
    assert row["n"] == "7"
    eff = weak_efficiency("tasks", "map-sleep", 2)
    assert row["eff."] == f"{eff * 100:.0f}%" == "88%"
    # tasks/s: 2000 tasks in a median 1.25 s
    assert row["tasks/s"] == f"{2 * NTASKS / 1.25:,.0f}" == "1,600"
    assert find(rows, "map-sleep", 1)["eff."] == "100%"
    # Seven timings: the 95 % interval of the median is [fastest, slowest], asymmetric.
    assert find(rows, "map-sleep", 1)["95% CI"] == "[1.080, 1.120] s"
    assert row["95% CI"] == "[1.200, 1.300] s"
    assert find(rows, "tree-reduce", 1)["95% CI"] == "[500.0, 600.0] ms"
    # The efficiency's bootstrap interval holds the efficiency; the base point is the base.
    low, high = (int(v.rstrip("%")) for v in row["eff. 95% CI"].strip("[]").split(", "))
    assert low <= 88 <= high < 100
    assert find(rows, "map-sleep", 1)["eff. 95% CI"] == "base"
    assert [r["ended"] for r in rows] == ["precise", "precise", "budget", "failed"]

    arows = rows_of(arrays)
    single = find(arows, "sum", 2)
    assert single["n"] == "1*"
    assert single["95% CI"] == "—" and single["eff. 95% CI"] == "—"
    assert single["ended"] == "max repeats"
    assert single["median"] == "2.500 s"
    assert single["MB/s"] == f"{2 * NBYTES / 2.5 / 1e6:,.0f}" == "160"
    assert find(arows, "transpose", 2)["median"] == "310.0 ms"
    caption = str(arrays.caption)
    assert "95% CI —: too few repetitions for an interval of the median" in caption


def test_failed_point_shows_its_short_error(tmp_path: Path) -> None:
    store, run = build_store(tmp_path)
    row = find(rows_of(suite_tables(store, run)[0]), "tree-reduce", 2)
    assert row["status"] == f"failed: {XSS}"
    assert row["median"] == "—"
    assert row["eff."] == "—"
    assert row["n"] == "0"
    # The ok point keeps a green, unflagged status.
    assert find(rows_of(suite_tables(store, run)[0]), "tree-reduce", 1)["status"] == "ok"


def test_efficiency_colours(tmp_path: Path) -> None:
    store, run = build_store(tmp_path)
    arrays = suite_tables(store, run)[1]
    effs = column(arrays, "eff.")
    by_text = {c.plain: str(c.style) for c in effs}
    red = f"{weak_efficiency('arrays', 'matmul', 2) * 100:.0f}%"  # 1.0 / 2.5 = 40 %
    yellow = f"{weak_efficiency('arrays', 'transpose', 2) * 100:.0f}%"  # 0.21 / 0.31 = 68 %
    assert (red, yellow) == ("40%", "68%")
    assert by_text[red] == "red"
    assert by_text[yellow] == "yellow"
    assert by_text["84%"] == ""  # sum: 2.1 / 2.5, above the 80 % threshold


def test_an_efficiency_above_110_percent_is_never_shown_as_good(tmp_path: Path) -> None:
    store, run = build_store(tmp_path)
    # Twice as fast at 2 units in weak scaling: 200 %, far beyond its interval.
    add_point(store, run, "arrays", "fast", 1, [1.0, 1.01, 0.99, 1.0, 1.02, 0.98, 1.0])
    add_point(store, run, "arrays", "fast", 2, [0.5, 0.51, 0.49, 0.5, 0.5, 0.52, 0.48])
    arrays = suite_tables(store, run)[1]
    cell = next(c for c in column(arrays, "eff.") if c.plain == "200%")
    assert str(cell.style) == "magenta"
    row = find(rows_of(arrays), "fast", 2)
    assert row["notes"] == "1"
    caption = str(arrays.caption)
    assert "1 super-linear: efficiency above 100 % beyond its CI" in caption
    assert "noisy or slow base point, cache effects, or too little work per unit" in caption


def test_strong_mode_adds_speedup(tmp_path: Path) -> None:
    store, run = build_store(tmp_path, mode="strong")
    rows = rows_of(suite_tables(store, run)[0])
    row = find(rows, "map-sleep", 2)
    speedup = statistics.median([1.0, 1.2, 1.1]) / statistics.median([1.25, 1.3, 1.2])
    assert row["speedup"] == f"{speedup:.2f}x" == "0.88x"
    assert row["eff."] == f"{speedup / 2 * 100:.0f}%" == "44%"


def test_rich_markup_in_errors_is_not_interpreted(tmp_path: Path) -> None:
    store, run = build_store(tmp_path)
    point = store.add_point(
        run, suite="tasks", workload="bad", workload_version=1, workers=1, threads_per_worker=1,
        memory_per_worker=GIB, units=1, chunks=1, chunk_size=1,
    )  # fmt: skip
    store.finish_point(point, "failed", error="[bold red]boom[/] in [x]")
    assert "failed: [bold red]boom[/] in [x]" in render(suite_tables(store, run)[0])


def test_failed_point_without_message(tmp_path: Path) -> None:
    store, run = build_store(tmp_path)
    point = store.add_point(
        run, suite="tasks", workload="silent", workload_version=1, workers=1, threads_per_worker=1,
        memory_per_worker=GIB, units=1, chunks=1, chunk_size=1,
    )  # fmt: skip
    store.finish_point(point, "interrupted")
    row = find(rows_of(suite_tables(store, run)[0]), "silent", 1)
    assert row["status"] == "interrupted"
    html = build_report(store, [run], tmp_path / "rep").read_text(encoding="utf-8")
    assert not re.search(r"\bnan\b", html, re.IGNORECASE)


def test_run_header_and_runs_table(tmp_path: Path) -> None:
    store, run = build_store(tmp_path, environment=full_environment(mismatch=True))
    text = render(run_header(run))
    for expected in ("ci-run (id 1)", "complete", "weak scaling", "local", "1 thread, 2.0 GiB",
                     "2024.8.0", "bench-host"):  # fmt: skip
        assert expected in text
    assert "version mismatch for dask" in text

    assert "no TLS asked" in text  # the environment records no security section
    other = store.create_run(
        name="second", mode="strong", backend="local", layout={}, study={}, version="0.1.0",
        study_id="s9", variant="tls",
    )  # fmt: skip
    store.update_provenance(
        other, security={"tls": "auto", "scheduler_address": "tls://127.0.0.1:1"}
    )
    header = render(run_header(other))
    assert "s9, variant tls" in header and "tls:// (TLS, temporary certificates)" in header
    listing = render(runs_table([RunListing.of(r) for r in store.runs()]))
    cells = [
        [c.strip() for c in re.split("[│┃]", line)[1:-1]]
        for line in listing.splitlines()
        if line[:1] in ("│", "┃")
    ]
    assert cells[0] == ["id", "name", "study", "status", "mode", "backend", "started", "points"]
    assert cells[1][:6] == ["1", "ci-run", "", "complete", "weak", "local"]
    assert re.fullmatch(r"\d{4}-\d\d-\d\d \d\d:\d\d:\d\d UTC", cells[1][6])
    assert cells[1][7] == "10 (1 failed)"
    assert cells[2][:6] == [str(other.id), "second", "s9", "running", "strong", "local"]
    assert cells[2][7] == "0"


def test_header_tolerates_missing_provenance(tmp_path: Path) -> None:
    store, run = build_store(tmp_path)
    store.finish_run(run, "interrupted", "stopped by Ctrl-C")
    text = render(run_header(run))
    assert "dask" in text and "unknown" in text
    assert "results may be partial: stopped by Ctrl-C" in text


# --- figures ---


def texts_of(fig: Any) -> list[str]:
    """Every text a canvas figure draws (titles, labels, ticks, notes) and its legend."""
    texts = [t.get_text() for ax in fig.axes for t in ax.texts]
    return texts + [t.get_text() for legend in fig.legends for t in legend.get_texts()]


def line_of(panel: Any, kind: str = "line") -> Any:
    (series,) = [s for s in panel.series if s.kind == kind]
    return series


def test_figures_are_small_multiples_with_intervals(tmp_path: Path) -> None:
    store, run = build_store(tmp_path)
    figures = suite_figures(store, run)
    assert list(figures) == ["tasks", "arrays"]
    eff, thr, wall, heat = figures["arrays"]
    panels = panels_of(eff)
    assert list(panels) == ["sum", "matmul", "transpose"]  # one small panel per workload
    matmul = line_of(panels["matmul"])
    assert matmul.x == (1.0, 2.0) and matmul.y == pytest.approx((1.0, 0.4))
    assert matmul.low[1] < 0.4 < matmul.high[1]  # the efficiency's own interval
    single = line_of(panels["sum"])  # one repetition at 2 units: no interval, no bar
    assert single.low[1] == single.high[1] == pytest.approx(0.84)
    texts = texts_of(eff)
    assert any("arrays" in t and "weak" in t and "local" in t for t in texts)
    assert "dashed: ideal (100%)" in texts
    assert "hollow: imprecise (interval wider than the target)" in texts
    # Shared y: labelled once per row; x labelled below each column; never a repeated label.
    assert panels["sum"].ticks["y"] == ["0%", "25%", "50%", "75%", "100%"]
    assert "y" not in panels["matmul"].ticks and panels["matmul"].ticks["x"] == ["1", "2"]
    for fig in (eff, thr, wall):
        for panel in panels_of(fig).values():
            for labels in panel.ticks.values():
                assert len(labels) == len(set(labels)), (panel.name, labels)
    # Throughput: log-log, the linear ideal from the 1-unit point (200 MB in 1.0 s).
    tp = panels_of(thr)["matmul"]
    assert tp.y.log and tp.x.low < 1 < 2 < tp.x.high
    assert line_of(tp, "ideal").y == pytest.approx((200.0, 400.0))
    assert any("MB/s" in t for t in texts_of(thr))
    # Wall time: the median's asymmetric interval as error bars, and a flat weak ideal.
    wp = panels_of(wall)["matmul"]
    assert line_of(wp).y == pytest.approx((1.0, 2.5))
    assert line_of(wp).low == pytest.approx((1.0, 2.4))
    assert line_of(wp).high == pytest.approx((1.0, 2.6))
    assert line_of(wp, "ideal").y == pytest.approx((1.0, 1.0))
    for fig in (eff, thr, wall, heat):
        assert figure_bytes(fig, "svg").startswith(b"<?xml")
    png = figure_png(thr)
    assert png.startswith(PNG_MAGIC) and len(png) > 10_000


def test_error_bars_never_cross_zero() -> None:
    import numpy as np

    from dask_bench.report.figures.scaling import bar_ends

    value = np.array([1.0, 2.0, 3.0])
    low, high = np.array([-0.5, np.nan, 2.5]), np.array([1.5, np.nan, 2.9])
    lin_low, lin_high = bar_ends(value, low, high, log=False)
    assert list(lin_low) == [0.0, 2.0, 2.5] and list(lin_high) == [1.5, 2.0, 3.0]
    log_low, _ = bar_ends(value, low, high, log=True)
    assert (log_low > 0).all()


def test_latency_workloads_show_time_not_throughput(tmp_path: Path) -> None:
    from dask_bench.report.analysis.metric import is_latency, workload_metric

    assert is_latency("arrays", "random-access") and is_latency("dataframes", "random-access")
    assert workload_metric("arrays", "std") == "throughput"
    assert is_latency("arrays-of-the-future", "random-access")  # unknown to the registry
    store, run = build_store(tmp_path)
    for units, seconds in ((1, [0.05] * 7), (2, [0.06] * 7)):
        add_point(store, run, "arrays", "random-access", units, seconds)
    _, thr, wall, _ = suite_figures(store, run)["arrays"]
    assert "random-access" not in panels_of(thr)
    assert panels_of(wall)["random-access"].title == "random-access (latency)"
    row = find(rows_of(suite_tables(store, run)[1]), "random-access", 2)
    assert row["MB/s"] == "latency" and row["median"] == "60.0 ms"


def test_several_runs_share_panels_axes_and_ideals(tmp_path: Path) -> None:
    from dask_bench.report import overlay_figure, run_colors
    from dask_bench.store import run_summaries
    from tests.unit.report_data import add_run

    store, first = build_store(tmp_path)
    second = add_run(store, name="b", scale=0.5)
    colors = run_colors([first, second])
    points = run_summaries(store, [first, second])
    arrays = points[points["suite"] == "arrays"]
    fig = overlay_figure("arrays", "walltime", arrays, [first, second], colors)
    panels = panels_of(fig)
    scales = {(p.y.low, p.y.high) for p in panels.values()}
    assert len(scales) == 1  # one y range for the suite (values within a factor 100)
    lines = [s for s in panels["matmul"].series if s.kind == "line"]
    assert [s.key for s in lines] == [first.id, second.id]
    assert lines[1].y == pytest.approx((0.5, 1.25))  # the second run is twice as fast
    assert lines[0].x[0] < 1 < lines[1].x[0]  # dodged so that their bars do not overlap
    ideals = [s for s in panels["matmul"].series if s.kind == "ideal"]
    assert [s.y for s in ideals] == [pytest.approx((1.0, 1.0)), pytest.approx((0.5, 0.5))]


def test_heatmap_marks_failed_and_implausible_points(tmp_path: Path) -> None:
    from dask_bench.report.figures.heatmap import IMPLAUSIBLE_COLOR, _cell_colors

    store, run = build_store(tmp_path)
    tasks = suite_frames(store, run)["tasks"]
    panel = panels_of(heatmap_figure(run, "tasks", tasks))[f"run {run.id}"]
    assert panel.texts == ["100%", "88%", "100%", "x"]  # tree-reduce at 2 units failed
    import numpy as np

    colours = _cell_colors(np.array([[1.0, 1.05, 1.5]]))
    green = colours[0]
    assert colours[1] == green  # up to 110 %: as 100 %
    assert colours[2] == IMPLAUSIBLE_COLOR != green  # beyond: never green


def test_points_that_missed_the_confidence_target_are_starred(tmp_path: Path) -> None:
    store, run = build_store(tmp_path)
    tasks, arrays = suite_tables(store, run)
    rows = rows_of(tasks)
    assert find(rows, "tree-reduce", 1)["n"] == "7*"  # +-9 %: wider than the 5 % target
    assert find(rows, "map-sleep", 1)["n"] == "7"
    assert str(tasks.caption).splitlines()[0] == (
        "* imprecise: the 95% CI of the median is wider than the target (±5 %); ended: budget"
    )
    assert "ended: max repeats" in str(arrays.caption)
    cells = {c.plain: str(c.style) for c in column(tasks, "ended")}
    assert cells == {"precise": "", "budget": "yellow", "failed": "red"}


def test_every_way_a_point_ends_is_shown(tmp_path: Path) -> None:
    from dask_bench.report._format import ending_text
    from dask_bench.store.schema import Ending

    shown = {e.value: ending_text({"stopped_by": e.value, "status": "ok"}) for e in Ending}
    assert shown == {
        "precision": "precise", "budget": "budget", "time_budget": "time budget",
        "max_repeats": "max repeats", "disturbed": "disturbed", "failure": "failed",
    }  # fmt: skip
    assert ending_text({"stopped_by": None, "status": "interrupted"}) == "interrupted"
    assert ending_text({"stopped_by": "budget", "n_disturbed": 2}) == "budget, 2 disturbed"
    assert ending_text({"stopped_by": "disturbed", "n_disturbed": 5}) == "disturbed (5)"
    store, run = build_store(tmp_path)
    point = add_point(store, run, "tasks", "shaky", 1, [1.0] * 6, stopped_by="time_budget")
    store.add_measurement(point, repetition=6, warmup=False, seconds=9.0, ok=True,
                          disturbance="worker tcp://w2 left")  # fmt: skip
    row = find(rows_of(suite_tables(store, run)[0]), "shaky", 1)
    assert row["ended"] == "time budget, 1 disturbed"
    assert row["median"] == "1.000 s"  # the disturbed repetition is left out


def test_many_workloads_get_one_panel_each(tmp_path: Path) -> None:
    import pandas as pd

    from dask_bench.report import efficiency_figure

    _, run = build_store(tmp_path)
    points = pd.DataFrame(
        [
            {"run_id": run.id, "suite": "dataframes", "workload": f"w{i}", "units": u,
             "efficiency": 1.0 / u, "efficiency_low": 0.9 / u, "efficiency_high": 1.1 / u,
             "n": 7, "median": 1.0, "ci_low": 0.9, "ci_high": 1.1, "precise": True,
             "throughput": 1.0, "throughput_unit": "MB/s"}
            for i in range(12)
            for u in (1, 2, 4)
        ]
    )  # fmt: skip
    panels = panels_of(efficiency_figure(run, "dataframes", points))
    assert list(panels) == [f"w{i}" for i in range(12)]
    assert all(len([s for s in p.series if s.kind == "line"]) == 1 for p in panels.values())
    # x labels below each column only: the last row of a 4-column grid
    assert [name for name, p in panels.items() if "x" in p.ticks] == ["w8", "w9", "w10", "w11"]
    assert [name for name, p in panels.items() if "y" in p.ticks] == ["w0", "w4", "w8"]


def test_run_points_reads_one_run_of_either_frame(tmp_path: Path) -> None:
    import pandas as pd

    from dask_bench.report.figures._plot import run_points

    _, run = build_store(tmp_path)
    single = pd.DataFrame({"workload": ["a", "b"], "units": [1, 2]})  # point_summaries
    assert list(run_points(run, single)["run_id"]) == [run.id, run.id]
    several = single.assign(run_id=[run.id, run.id + 1])  # run_summaries
    assert list(run_points(run, several)["workload"]) == ["a"]


def test_dominant_cost_column_and_breakdown_figure(tmp_path: Path) -> None:
    from dask_bench.report.figures.breakdown import breakdown_figure

    store, run = build_store(tmp_path)
    points = {(p.workload, p.units): p for p in run.points}
    store.add_breakdown(points[("matmul", 1)], {"compute-cpu": 0.8, "transfer": 0.0, "idle": 0.2})
    store.add_breakdown(points[("matmul", 2)], {"compute-cpu": 0.8, "transfer": 1.2, "idle": 0.0})
    store.add_breakdown(points[("sum", 1)], {"compute-cpu": 0.1, "shuffle": 0.9})
    arrays = suite_tables(store, run)[1]
    rows = rows_of(arrays)
    assert find(rows, "matmul", 1)["mostly"] == "cpu 80%"
    assert find(rows, "matmul", 2)["mostly"] == "xfer 60%"
    assert find(rows, "sum", 1)["mostly"] == "shuffle 90%"
    assert find(rows, "transpose", 1)["mostly"] == "—"  # no breakdown stored
    # Every abbreviation in the column is explained.
    assert (
        "mostly: largest share of worker time; cpu = task compute, CPU; xfer = transfer "
        "between workers (gather-dep); shuffle = shuffle buffers (P2P send/receive and "
        "disk, also within one worker)" in str(arrays.caption)
    )
    assert "mostly" not in [str(c.header) for c in suite_tables(store, run)[0].columns]
    fig = breakdown_figure(run, "arrays", suite_frames(store, run)["arrays"])
    panels = panels_of(fig)
    assert list(panels) == ["sum", "matmul", "transpose"]
    # matmul: two stacked bars; the transfer segment of the 2-unit bar is 60 % high.
    bars = {s.key[1]: s.y for s in panels["matmul"].series}
    assert bars["compute-cpu"] == pytest.approx((0.8, 0.4))
    assert bars["transfer"] == pytest.approx((0.0, 0.6))
    assert bars["idle"] == pytest.approx((0.2, 0.0))
    assert panels["transpose"].texts == ["no breakdown"]
    legend = texts_of(fig)
    for short in ("cpu: ", "noncpu: ", "xfer: ", "shuffle: ", "serde: ", "spill: ", "ovhd: ",
                  "idle: "):  # fmt: skip
        assert any(t.startswith(short) for t in legend), short


def test_breakdown_of_several_runs_puts_their_bars_side_by_side(tmp_path: Path) -> None:
    from dask_bench.report.figures.breakdown import breakdowns_figure
    from dask_bench.store import run_summaries
    from tests.unit.report_data import add_run

    store, first = build_store(tmp_path)
    second = add_run(store, name="b", scale=0.5)
    for run in (first, second):
        for point in run.points:
            store.add_breakdown(point, {"compute-cpu": 0.5, "idle": 0.5})
    points = run_summaries(store, [first, second])
    fig = breakdowns_figure("tasks", points[points["suite"] == "tasks"], [first, second])
    series = [s for s in panels_of(fig)["map-sleep"].series if s.key[1] == "compute-cpu"]
    assert [s.key[0] for s in series] == [first.id, second.id]
    left, right = series
    assert all(a < u < b for a, u, b in zip(left.x, (0, 1), right.x, strict=True))
    assert any(t.startswith("outline: #2 b (local") for t in texts_of(fig))


def test_a_package_missing_on_workers_is_called_missing(tmp_path: Path) -> None:
    from dask_bench.report.analysis.trust import warnings_of

    env = full_environment()
    env["version_mismatches"] = [
        {"package": "toolz", "client": "1.2.0", "scheduler": "1.2.0", "workers": {"w": None}}
    ]
    _store, run = build_store(tmp_path, environment=env)
    (warning,) = warnings_of(run)
    assert warning == "version mismatch for toolz: client 1.2.0, scheduler 1.2.0, workers missing"
