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
from rich.console import Console
from rich.table import Table

from dask_bench.cli import cli
from dask_bench.errors import ConfigError, StoreError
from dask_bench.report.history import HISTORY_COLUMNS, history_frame, history_table
from dask_bench.report.history_plot import history_figure, save_figure
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
) -> Run:
    run = store.create_run(
        name=name, mode="weak", backend=backend, layout={}, study={}, version="0"
    )
    run.started_at = started
    store.session.commit()
    client = {k: v for k, v in (("dask", dask), ("distributed", distributed)) if v}
    store.set_environment(run, {"versions": {"client": client}})
    for (suite, workload, units), seconds in timings.items():
        point = store.add_point(
            run, suite=suite, workload=workload, workload_version=1, workers=units,
            threads_per_worker=1, memory_per_worker=2**30, units=units, chunks=per_unit * units,
            chunk_size=1, options=options or {}, nbytes=10**6 * units, ntasks=NTASKS * units,
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


def render(renderable: Any) -> str:
    console = Console(file=io.StringIO(), width=250, color_system=None)
    console.print(renderable)
    return console.file.getvalue()


def cells(table: Table, header: str) -> list[Any]:
    (col,) = [c for c in table.columns if c.header == header]
    return list(col.cells)


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
    add_run(s, "a", datetime(2024, 1, 1), {key: [1.0, 1.1]})
    add_run(s, "b", datetime(2024, 1, 2), {key: [2.0, 2.1]}, per_unit=2)
    add_run(s, "c", datetime(2024, 1, 3), {key: [2.0, 2.1]}, per_unit=2, options={"x": 0.5})
    frame = history_frame(s, "map-sleep")
    assert list(frame["problem"]) == [
        "2 chunks of 1, v1",
        "4 chunks of 1, v1",
        "4 chunks of 1, x=0.5, v1",
    ]
    assert list(frame["problem_changed"]) == [
        "",
        "2 chunks of 1, v1 → 4 chunks of 1, v1",
        "4 chunks of 1, v1 → 4 chunks of 1, x=0.5, v1",
    ]
    assert list(frame["changed"]) == ["", "", ""]  # same versions throughout
    (table,) = history_table(frame).renderables  # type: ignore[attr-defined]
    assert [str(c.style) for c in cells(table, "problem")] == ["", "bold yellow", "bold yellow"]
    assert "times are not comparable" in str(table.caption)
    summary = history_table(frame, summary=True)
    assert [c.plain for c in cells(summary, "problem changes")] == ["2"]
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
    group = history_table(frame)
    one, two = group.renderables  # type: ignore[attr-defined]
    assert "map-sleep (tasks), 1 unit " in str(one.title)
    med = [statistics.median(s[2]) for s in SLEEP]
    assert [c.plain for c in cells(one, "vs prev.")] == ["—", change(med[1], med[0]),
                                                         change(med[2], med[1])]  # fmt: skip
    assert [c.plain for c in cells(one, "vs first")] == ["—", change(med[1], med[0]),
                                                         change(med[2], med[0])]  # fmt: skip
    dask = cells(one, "dask")
    assert [c.plain for c in dask] == ["2024.1.0", "2024.1.0", "2024.3.0"]
    assert [str(c.style) for c in dask] == ["", "", "bold yellow"]
    assert all(str(c.style) == "" for c in cells(one, "distributed"))
    # The failed last point of 2 units: no change shown, its status is.
    assert cells(two, "vs prev.")[-1].plain == "—"
    assert [c.plain for c in cells(two, "status")] == ["ok", "ok", "failed"]
    assert "status" not in [c.header for c in one.columns]
    assert "problem" not in [c.header for c in one.columns]  # the same problem throughout


def test_summary_table_has_one_row_per_series(store):
    table = history_table(history_frame(store), summary=True)
    assert isinstance(table, Table)
    headers = ("workload", "units", "runs", "change", "version changes")
    rows = list(zip(*([c.plain for c in cells(table, h)] for h in headers), strict=True))
    one = [statistics.median(s[2]) for s in SLEEP]
    two = [statistics.median(s[3]) for s in SLEEP[:2]]  # the last run failed at 2 units
    assert rows == [
        ("map-sleep", "1", "3", change(one[-1], one[0]), "1"),
        ("map-sleep", "2", "3", change(two[-1], two[0]), "1"),
        ("std", "2", "1", "+0.0%", "0"),
        ("map-tiny", "1", "1", "+0.0%", "0"),
    ]
    assert "map-sleep" in render(table)


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
