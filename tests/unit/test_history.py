"""History of workloads across stored runs: rows, filters, version marks, tables, figure."""

from __future__ import annotations

import io
import statistics
from datetime import date, datetime
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner
from matplotlib.container import ErrorbarContainer
from rich.cells import cell_len
from rich.console import Console
from rich.table import Table

from dask_bench.cli import cli
from dask_bench.errors import ConfigError, StoreError
from dask_bench.report import history_figure, history_frame, history_table, save_figure
from dask_bench.report.analysis.history import HISTORY_COLUMNS
from dask_bench.store import Store
from dask_bench.store.schema import Run

PNG_MAGIC = b"\x89PNG\r\n\x1a\n"
NTASKS = 100

Timings = dict[tuple[str, str, int], list[float] | None]


def add_run(
    store: Store,
    name: str,
    started: datetime,
    timings: Timings,
    *,
    backend: str = "local",
    dask: str | None = "2024.8.0",
    distributed: str | None = "2024.8.0",
    per_unit: int = 1,
    options: dict[str, Any] | None = None,
    threads: int = 1,
) -> Run:
    run = store.create_run(
        name=name, mode="weak", backend=backend, layout={}, study={}, version="0"
    )
    run.started_at = started
    store.session.commit()
    client = {k: v for k, v in (("dask", dask), ("distributed", distributed)) if v}
    store.update_provenance(run, versions={"client": client})
    for (suite, workload, units), seconds in timings.items():
        point = store.add_point(
            run, suite=suite, workload=workload, workload_version=1, workers=units // threads,
            threads_per_worker=threads, memory_per_worker=2**30, units=units,
            chunks=per_unit * units, chunk_size=1, options=options or {}, nbytes=10**6 * units,
            ntasks=NTASKS * units,
        )  # fmt: skip
        if seconds is None:
            store.add_measurement(
                point, repetition=0, warmup=False, seconds=None, ok=False, error="boom"
            )
            store.finish_point(point, "failed", error="boom")
            continue
        for i, s in enumerate(seconds):
            store.add_measurement(point, repetition=i, warmup=False, seconds=s, ok=True)
        store.finish_point(point, "ok")
    store.finish_run(run, "complete")
    return run


# Three runs of map-sleep at 1 and 2 units, a dask upgrade at the third; an arrays run between.
SLEEP = [
    ("jan", datetime(2024, 1, 10), [0.50, 0.52, 0.48], [0.60, 0.62, 0.58], "2024.1.0"),
    ("feb", datetime(2024, 2, 10), [0.55, 0.57, 0.53], [0.66, 0.64, 0.65], "2024.1.0"),
    ("mar", datetime(2024, 3, 10), [0.40, 0.41, 0.39], None, "2024.3.0"),
]


@pytest.fixture
def store(tmp_path: Path) -> Store:
    s = Store(str(tmp_path / "r.db"), create=True)
    # Inserted out of date order: history is ordered by start time, not by id.
    for name, started, one, two, dask in reversed(SLEEP):
        add_run(
            s,
            name,
            started,
            {("tasks", "map-sleep", 1): one, ("tasks", "map-sleep", 2): two},
            dask=dask,
        )
    add_run(
        s,
        "arrays",
        datetime(2024, 2, 20),
        {("arrays", "std", 2): [1.0, 1.1], ("tasks", "map-tiny", 1): [0.1, 0.1]},
        backend="slurm",
    )
    return s


def render(renderable: Any, width: int = 250) -> str:
    console = Console(file=io.StringIO(), width=width, color_system=None)
    console.print(renderable)
    return console.file.getvalue()


def tables_of(renderable: Any, tier: int) -> list[Table]:
    """The tables of one layout of the history (the richest: 8 for series, 1 for the summary)."""
    return [part for part in renderable.build(tier) if isinstance(part, Table)]


def cells(table: Table | list[Table], header: str) -> list[Any]:
    """One column's cells, over several tables (the summary has one per suite)."""
    tables = table if isinstance(table, list) else [table]
    return [cell for t in tables for c in t.columns if c.header == header for cell in c.cells]


def body_rows(text: str) -> list[list[str]]:
    return [[c.strip() for c in ln.split("│")[1:-1]] for ln in text.splitlines() if ln[:1] == "│"]


def at_80_columns(renderable: Any) -> str:
    """The renderable as printed at 80 columns, checked to fit without an ellipsis."""
    console = Console(width=80, file=io.StringIO(), color_system=None)
    console.print(renderable)
    text = console.file.getvalue()
    assert max(cell_len(line) for line in text.splitlines()) <= 80, text
    assert "…" not in text, text
    return text


# --- the frame ---


def test_one_row_per_run_and_size_oldest_first(store):
    frame = history_frame(store, "map-sleep")
    assert list(frame.columns) == HISTORY_COLUMNS
    assert len(frame) == 6
    assert list(frame["run_name"]) == ["jan", "jan", "feb", "feb", "mar", "mar"]
    assert list(frame["started_at"]) == sorted(frame["started_at"])
    one = frame[frame["units"] == 1]
    assert list(one["median"]) == pytest.approx([statistics.median(s[2]) for s in SLEEP])
    assert list(one["throughput"]) == pytest.approx(
        [NTASKS / statistics.median(s[2]) for s in SLEEP]
    )
    failed = frame[(frame["units"] == 2) & (frame["run_name"] == "mar")].iloc[0]
    assert failed["status"] == "failed" and failed["n"] == 0
    assert set(frame["dask"]) == {"2024.1.0", "2024.3.0"}
    assert set(frame["run_status"]) == {"complete"}


def test_version_change_is_marked_once_per_series(store):
    frame = history_frame(store, "map-sleep")
    marks = {(r["run_name"], r["units"]): r["changed"] for r in frame.to_dict("records")}
    assert marks[("mar", 1)] == marks[("mar", 2)] == "dask 2024.1.0 → 2024.3.0"
    assert all(marks[(name, u)] == "" for name in ("jan", "feb") for u in (1, 2))


def test_unknown_versions_are_not_changes(tmp_path):
    s = Store(str(tmp_path / "r.db"), create=True)
    key = ("tasks", "map-sleep", 1)
    add_run(s, "a", datetime(2024, 1, 1), {key: [1.0]}, distributed="1")
    add_run(s, "b", datetime(2024, 1, 2), {key: [1.0]}, distributed=None)
    add_run(s, "c", datetime(2024, 1, 3), {key: [1.0]}, distributed="1")
    add_run(s, "d", datetime(2024, 1, 4), {key: [1.0]}, distributed="2")
    frame = history_frame(s, "map-sleep")
    assert list(frame["distributed"]) == ["1", "unknown", "1", "2"]
    assert list(frame["changed"]) == ["", "", "", "distributed 1 → 2"]


def test_a_changed_problem_is_marked_in_frame_table_and_figure(tmp_path):
    s = Store(str(tmp_path / "r.db"), create=True)
    key = ("tasks", "map-sleep", 2)
    # six repetitions each: enough for the median's 95 % interval, [fastest, slowest]
    add_run(s, "a", datetime(2024, 1, 1), {key: [1.0, 1.1] * 3})
    add_run(s, "b", datetime(2024, 1, 2), {key: [2.0, 2.1] * 3}, per_unit=2)
    add_run(s, "c", datetime(2024, 1, 3), {key: [2.0, 2.1] * 3}, per_unit=2, options={"x": 0.5})
    frame = history_frame(s, "map-sleep")
    assert list(frame["problem"]) == [
        "2 chunks of 1, v1, 2x1 workers x threads",
        "4 chunks of 1, v1, 2x1 workers x threads",
        "4 chunks of 1, x=0.5, v1, 2x1 workers x threads",
    ]
    assert list(frame["problem_changed"]) == [
        "",
        "2 chunks of 1, v1, 2x1 workers x threads → 4 chunks of 1, v1, 2x1 workers x threads",
        "4 chunks of 1, v1, 2x1 workers x threads → "
        "4 chunks of 1, x=0.5, v1, 2x1 workers x threads",
    ]
    assert list(frame["changed"]) == ["", "", ""]  # same versions throughout
    (table,) = tables_of(history_table(frame), 8)
    assert [str(c.style) for c in cells(table, "problem")] == ["", "bold yellow", "bold yellow"]
    # At 80 columns there is no room for the problem: the change is starred instead.
    text = at_80_columns(history_table(frame))
    assert [r[-1] for r in body_rows(text)] == ["—", "+95.2%*", "+0.0%*"]
    assert "times are not comparable" in " ".join(text.split())
    summary = history_table(frame, summary=True)
    assert [c.plain for c in cells(tables_of(summary, 1), "problems")] == ["2"]
    assert [r[5] for r in body_rows(at_80_columns(summary))] == ["+95.2%*"]
    styles = [ln.get_linestyle() for ln in history_figure(frame).axes[0].get_lines()]
    assert styles.count(":") == 2 and styles.count("--") == 0


def test_filters(store):
    assert set(history_frame(store, "map-sleep", units=2)["units"]) == {2}
    since = history_frame(store, "map-sleep", since=date(2024, 2, 10))
    assert list(dict.fromkeys(since["run_name"])) == ["feb", "mar"]  # the date itself included
    everything = history_frame(store)
    assert set(everything["workload"]) == {"map-sleep", "map-tiny", "std"}
    slurm = history_frame(store, backend="slurm")
    assert set(slurm["run_name"]) == {"arrays"}
    assert set(history_frame(store, suite="arrays")["workload"]) == {"std"}


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"workload": "groupby"}, "no stored run measured workload 'groupby'; measured "
         "workloads: map-sleep, map-tiny, std"),
        ({"workload": "map-sleep", "units": 8},
         "no run of workload 'map-sleep' matches --units 8; stored runs of it have units: 1, 2"),
        ({"workload": "map-sleep", "backend": "slurm"},
         "matches --backend slurm; stored runs of it have backend: local"),
        ({"workload": "map-sleep", "suite": "arrays"},
         "matches --suite arrays; stored runs of it have suite: tasks"),
        ({"workload": "map-sleep", "since": date(2024, 4, 1)},
         "no run of workload 'map-sleep' matches --since 2024-04-01; its latest run started "
         "2024-03-10 00:00:00 UTC"),
        ({"since": date(2025, 1, 1)}, "no run of any workload matches --since 2025-01-01"),
    ],
)  # fmt: skip
def test_filters_that_match_nothing_name_the_filter(store, kwargs, message):
    workload = kwargs.pop("workload", None)
    with pytest.raises(ConfigError) as info:
        history_frame(store, workload, **kwargs)
    assert message in str(info.value)
    assert "\n" not in str(info.value)


def test_empty_store_is_an_error(tmp_path):
    with pytest.raises(StoreError, match="holds no measured runs yet; run 'dask-bench run' first"):
        history_frame(Store(str(tmp_path / "empty.db"), create=True))


# --- tables ---


def change(new: float, old: float) -> str:
    return f"{(new / old - 1) * 100:+.1f}%"


def test_series_tables_show_change_vs_previous_and_first(store):
    frame = history_frame(store, "map-sleep")
    one, two = tables_of(history_table(frame), 8)
    assert "map-sleep (tasks), 1 unit " in str(one.title)
    med = [statistics.median(s[2]) for s in SLEEP]
    assert [c.plain for c in cells(one, "vs prev.")] == ["—", change(med[1], med[0]),
                                                         change(med[2], med[1])]  # fmt: skip
    assert [c.plain for c in cells(one, "vs first")] == ["—", change(med[1], med[0]),
                                                         change(med[2], med[0])]  # fmt: skip
    # dask, then distributed as it differs; only the changed version in yellow.
    versions = cells(one, "versions")
    assert [c.plain for c in versions] == [f"{s[4]}/2024.8.0" for s in SLEEP]
    yellow = [[c.plain[s.start : s.end] for s in c.spans if str(s.style)] for c in versions]
    assert yellow == [[], [], ["2024.3.0"]]
    # The failed last point of 2 units: no change shown, its status is.
    assert cells(two, "vs prev.")[-1].plain == "—"
    assert [c.plain for c in cells(two, "status")] == ["ok", "ok", "failed"]
    assert "status" not in [c.header for c in one.columns]
    assert "problem" not in [c.header for c in one.columns]  # the same problem throughout


def test_series_tables_at_80_columns(store):
    frame = history_frame(store, "map-sleep")
    text = at_80_columns(history_table(frame))
    rows = body_rows(text)
    by_size = frame.sort_values("units", kind="stable")  # a table per size, oldest run first
    assert [r[0] for r in rows] == [str(i) for i in by_size["run_id"]]
    assert [r[1] for r in rows] == list(by_size["run_name"])
    assert [r[2] for r in rows] == [f"{d:%Y-%m-%d}" for d in by_size["started_at"]]
    assert [r[3] for r in rows] == [f"{d}/2024.8.0" for d in by_size["dask"]]
    med = [statistics.median(s[2]) for s in SLEEP]
    assert [r[-1] for r in rows[:3]] == ["—", change(med[1], med[0]), change(med[2], med[1])]
    assert [r[-1] for r in rows[3:]] == ["ok", "ok", "failed"]  # a status column at 2 units
    assert "map-sleep (tasks), 2 units — median time per run" in text
    # Wider terminals get more columns; the richest has them all.
    assert len(body_rows(render(history_table(frame), width=200))[0]) > len(rows[0])


def test_summary_table_has_one_row_per_series(store):
    tables = tables_of(history_table(history_frame(store), summary=True), 1)
    assert [str(t.title) for t in tables] == ["tasks", "arrays"]
    headers = ("workload", "units", "runs", "change", "versions")
    rows = list(zip(*([c.plain for c in cells(tables, h)] for h in headers), strict=True))
    one = [statistics.median(s[2]) for s in SLEEP]
    two = [statistics.median(s[3]) for s in SLEEP[:2]]  # the last run failed at 2 units
    assert rows == [
        ("map-sleep", "1", "3", change(one[-1], one[0]), "1"),
        ("", "2", "3", change(two[-1], two[0]), "1"),  # the workload on its first row only
        ("map-tiny", "1", "1", "+0.0%", "0"),
        ("std", "2", "1", "+0.0%", "0"),
    ]
    assert "problems" not in [c.header for t in tables for c in t.columns]


def test_summary_at_80_columns(tmp_path):
    s = Store(str(tmp_path / "r.db"), create=True)
    # The longest built-in names, and a problem change that adds a column when there is room.
    timings: Timings = {("dataframes", "map-partitions", 128): [1.0, 1.1],
                        ("arrays", "transpose-add", 64): [2.0, 2.1]}  # fmt: skip
    add_run(s, "a", datetime(2024, 1, 1), timings, dask="2024.1.0")
    add_run(s, "b", datetime(2024, 2, 1), timings, dask="2024.12.1", per_unit=2)
    summary = history_table(history_frame(s), summary=True)
    text = at_80_columns(summary)
    assert [r[:3] + r[-1:] for r in body_rows(text)] == [
        ["transpose-add", "64", "2", "1"],
        ["map-partitions", "128", "2", "1"],
    ]
    assert "arrays" in text and "dataframes" in text
    assert "problems" in body_rows(render(summary).replace("┃", "│"))[0]


# --- figure ---


def test_figure_has_a_line_per_series_and_a_mark_per_version_change(store):
    fig = history_figure(history_frame(store, "map-sleep"))
    ax = fig.axes[0]
    bars = [c for c in ax.containers if isinstance(c, ErrorbarContainer)]
    assert len(bars) == 2
    dashed = [ln for ln in ax.get_lines() if ln.get_linestyle() == "--"]
    assert len(dashed) == 1  # the dask upgrade of "mar"
    assert any("dask 2024.3.0" in t.get_text() for t in ax.texts)
    assert ax.get_ylabel() == "median time (ms)"
    assert "UTC" in ax.get_xlabel()
    assert [t.get_text() for t in ax.get_legend().get_texts()] == [
        "map-sleep, 1 unit",
        "map-sleep, 2 units",
    ]
    # Medians in ms, at the runs' dates.
    data = bars[0].lines[0]
    assert list(data.get_ydata()) == pytest.approx([statistics.median(s[2]) * 1e3 for s in SLEEP])
    png = io.BytesIO()
    fig.savefig(png, format="png")
    assert png.getvalue().startswith(PNG_MAGIC)


def test_figure_uses_run_index_when_start_times_are_equal(tmp_path):
    s = Store(str(tmp_path / "r.db"), create=True)
    when = datetime(2024, 5, 1, 12)
    for name in ("a", "b"):
        add_run(s, name, when, {("arrays", "std", 1): [2.0, 2.2]})
    add_run(s, "c", when, {("dataframes", "std", 1): [3.0, 3.1]})
    ax = history_figure(history_frame(s, "std")).axes[0]
    assert ax.get_xlabel() == "run (oldest first)"
    assert ax.get_ylabel() == "median time (s)"
    # std exists in two suites: the legend names the suite too.
    labels = [t.get_text() for t in ax.get_legend().get_texts()]
    assert labels == ["arrays/std, 1 unit", "dataframes/std, 1 unit"]
    bars = [c for c in ax.containers if isinstance(c, ErrorbarContainer)]
    assert list(bars[0].lines[0].get_xdata()) == [1, 2]
    assert list(bars[1].lines[0].get_xdata()) == [3]


@pytest.mark.parametrize(
    ("suffix", "magic"), [("png", PNG_MAGIC), ("svg", b"<?xml"), ("pdf", b"%PDF")]
)
def test_save_figure_by_suffix(store, tmp_path, suffix, magic):
    out = save_figure(history_figure(history_frame(store, "map-sleep")), tmp_path / f"h.{suffix}")
    assert out.read_bytes().startswith(magic)
    assert [p.name for p in tmp_path.iterdir() if p.name.startswith(".h.")] == []


def test_save_figure_refuses_unknown_suffix_and_missing_folder(store, tmp_path):
    fig = history_figure(history_frame(store, "map-sleep"))
    with pytest.raises(ConfigError, match=r"end the file name with \.png, \.svg, \.pdf"):
        save_figure(fig, tmp_path / "h.jpg")
    with pytest.raises(ConfigError, match="does not exist"):
        save_figure(fig, tmp_path / "missing" / "h.png")


# --- command-line input checks (in process; the full command runs in tests/integration) ---


def test_cli_rejects_bad_date_and_figure_without_workload(store, tmp_path):
    db = str(tmp_path / "r.db")
    runner = CliRunner()
    bad = runner.invoke(cli, ["history", "--since", "2024-13-01", "--db", db])
    assert bad.exit_code == 2
    assert bad.output.strip() == (
        "error: --since '2024-13-01' is not a date; write YYYY-MM-DD, e.g. 2024-06-01"
    )
    no_workload = runner.invoke(cli, ["history", "-o", str(tmp_path / "h.png"), "--db", db])
    assert no_workload.exit_code == 2
    assert "-o draws the history of one workload" in no_workload.output
    assert not (tmp_path / "h.png").exists()


def test_a_changed_worker_layout_is_a_changed_problem(tmp_path: Path) -> None:
    s = Store(str(tmp_path / "h.db"), create=True)
    key = ("tasks", "map-sleep", 2)
    add_run(s, "processes", datetime(2024, 1, 1), {key: [1.0, 1.1]})
    add_run(s, "threads", datetime(2024, 1, 2), {key: [1.0, 1.1]}, threads=2)
    frame = history_frame(s, "map-sleep")
    assert list(frame["problem_changed"]) == [
        "",
        "2 chunks of 1, v1, 2x1 workers x threads → 2 chunks of 1, v1, 1x2 workers x threads",
    ]


def test_the_median_interval_is_shown_asymmetric(tmp_path: Path) -> None:
    s = Store(str(tmp_path / "r.db"), create=True)
    # median 1.0; with seven timings the 95 % interval is [fastest, slowest]: [0.9, 1.3]
    add_run(s, "a", datetime(2024, 1, 1), {("tasks", "map-sleep", 1): [0.9, 1.0, 1.0, 1.0, 1.1,
                                                                       1.2, 1.3]})  # fmt: skip
    frame = history_frame(s, "map-sleep")
    assert (frame["ci_low"].iloc[0], frame["ci_high"].iloc[0]) == (0.9, 1.3)
    (table,) = tables_of(history_table(frame), 8)
    assert [c.plain for c in cells(table, "CI")] == ["[0.900, 1.300] s"]
    ax = history_figure(frame).axes[0]
    (bars,) = [c for c in ax.containers if isinstance(c, ErrorbarContainer)]
    (segment,) = bars.lines[2][0].get_segments()
    assert [y for _, y in segment] == pytest.approx([0.9, 1.3])  # -0.1 / +0.3: asymmetric
