"""Build a report folder: ``index.html``, every figure as files, and the data.

Everything is computed and rendered in memory first, then written to a temporary
folder beside the target and moved into place, so a failure leaves the previous
report (or nothing) behind, never half of a new one.
"""

from __future__ import annotations

import os
import shutil
import tempfile
from collections.abc import Sequence
from dataclasses import replace
from functools import partial
from pathlib import Path

import pandas as pd
from sqlalchemy.engine import make_url
from sqlalchemy.exc import ArgumentError

from dask_bench.errors import ConfigError
from dask_bench.report._files import ISO_FORMAT
from dask_bench.report.analysis.compare import compare_runs
from dask_bench.report.analysis.export import points_export
from dask_bench.report.analysis.suites import split_suites
from dask_bench.report.analysis.summary import suite_summary
from dask_bench.report.figures._plot import run_colors
from dask_bench.report.figures.breakdown import breakdowns_figure, has_breakdown
from dask_bench.report.figures.heatmap import heatmaps_figure
from dask_bench.report.figures.scaling import METRICS, TITLES, has_throughput, metric_figure
from dask_bench.report.figures.scenario import adaptive_figure, scenario_figure
from dask_bench.report.figures.startup import startup_figure
from dask_bench.report.html._markup import esc
from dask_bench.report.html._render import FigureJob, background, rendering
from dask_bench.report.html.compare import comparison_html
from dask_bench.report.html.page import GENERATOR, Page, RenderedFigure, render_page
from dask_bench.report.html.points import points_tables
from dask_bench.report.html.scenarios import rounds_of, scenario_key
from dask_bench.store import Store, database_url, measurements_frame, run_summaries
from dask_bench.store.schema import Run

#: What a report folder holds besides ``index.html``; replaced as a whole.
PARTS = ("figures", "data")

#: The data files a report links to.
_LINKS = [
    (
        "points.csv: one row per point (median and its interval, how it ended, "
        "efficiency and its interval, breakdown, memory, notes)",
        "data/points.csv",
    ),
    ("measurements.csv: every repetition, warm-ups flagged", "data/measurements.csv"),
]


def default_report_dir(database: str | os.PathLike[str], runs: Sequence[Run]) -> Path:
    """Where a report goes by default: ``<db stem>-report-<run ids>/`` beside the database.

    Parameters
    ----------
    database
        The database path or SQLAlchemy URL the runs were read from.
    runs
        The reported runs.

    Returns
    -------
    Path
        In the SQLite file's folder; in the current directory for other databases.
    """
    ids = "-".join(str(r.id) for r in runs)
    try:
        parsed = make_url(database_url(os.fspath(database)))
        name, is_sqlite = parsed.database, parsed.get_backend_name() == "sqlite"
    except ArgumentError:
        name, is_sqlite = None, False
    if is_sqlite and name and name != ":memory:" and not name.startswith("file:"):
        db_file = Path(name).expanduser().resolve()
        return db_file.parent / f"{db_file.stem}-report-{ids}"
    stem = Path(name).stem if name and name != ":memory:" else "dask-bench"
    return Path.cwd() / f"{stem}-report-{ids}"


def _check_target(out_dir: Path) -> None:
    if out_dir.exists() and not out_dir.is_dir():
        raise ConfigError(f"{out_dir} is a file; give a folder for the report (-o DIR)")
    if out_dir.is_dir() and any(out_dir.iterdir()):
        index = out_dir / "index.html"
        if not index.is_file() or GENERATOR not in index.read_text(errors="replace"):
            raise ConfigError(
                f"{out_dir} is not empty and holds no dask-bench report; "
                "choose a new or empty folder (-o DIR)"
            )


def _jobs(runs: Sequence[Run], suites: dict[str, pd.DataFrame]) -> list[FigureJob]:
    """Every figure of the report, as jobs that draw it when called.

    Per suite: efficiency, throughput (when a workload is judged by it) and wall time
    as small multiples with a line per run, the efficiency heatmap(s), and where the
    worker time went (a bar per run at each size). Then the startup latency.
    """
    jobs: list[FigureJob] = []
    colors = run_colors(runs)
    several = len(runs) > 1
    for suite, points in suites.items():
        present = [r for r in runs if (points["run_id"] == r.id).any()]
        for metric in METRICS:
            if metric == "throughput" and not has_throughput(suite, points):
                continue
            job = partial(metric_figure, suite, metric, points, present, colors)
            alt = f"{suite}: {TITLES[metric]}" + (" by run" if several else "")
            jobs.append(FigureJob(name=f"{suite}-{metric}", section=suite, alt=alt, draw=job))
        job = partial(heatmaps_figure, suite, points, present, colors)
        alt = f"{suite}: efficiency heatmap" + (" by run" if several else "")
        jobs.append(FigureJob(name=f"{suite}-heatmap", section=suite, alt=alt, draw=job))
        if has_breakdown(points):
            job = partial(breakdowns_figure, suite, points, present, colors)
            alt = f"{suite}: where the worker time goes" + (" by run" if several else "")
            jobs.append(FigureJob(name=f"{suite}-breakdown", section=suite, alt=alt, draw=job))
    for run in runs:
        for name, (kind, rounds) in rounds_of(run).items():
            alt = f"scenario {name}: tasks finished over time, with and without the event"
            job = partial(scenario_figure, name, kind, rounds)
            if kind == "adaptive":
                maximum = int(run.study.get("scenarios", {}).get(name, {}).get("maximum", 1))
                job = partial(adaptive_figure, name, maximum, rounds)
                alt = f"scenario {name}: workers and tasks over time, against the ideal ramp"
            key = scenario_key(run, name)
            jobs.append(FigureJob(name=key, section="scenarios", alt=alt, draw=job))
    job = partial(startup_figure, runs, colors)
    jobs.append(FigureJob(name="startup", section="startup", alt="startup latency", draw=job))
    return jobs


def _comparison(store: Store, baseline: Run, run: Run) -> str:
    """The statistical comparison of a run with the first run of the report."""
    try:
        return comparison_html(compare_runs(store, baseline, run))
    except ConfigError as exc:  # nothing in common: say so in the page, not as an error
        return f"<p>Run {run.id} vs run {baseline.id}: {esc(str(exc))}</p>"


def _unshared(store: Store, runs: Sequence[Run]) -> tuple[list[str], bytes]:
    """What needs no point summary: comparisons with the first run, and every repetition."""
    comparisons = [_comparison(store, runs[0], other) for other in runs[1:]]
    measurements = pd.concat([measurements_frame(store, r) for r in runs], ignore_index=True)
    return comparisons, measurements.to_csv(index=False, date_format=ISO_FORMAT).encode()


def _unshared_apart(url: str, run_ids: list[int]) -> tuple[list[str], bytes]:
    """:func:`_unshared` in a forked process: on connections of its own."""
    store = Store(url)
    try:
        return _unshared(store, [store.run(i) for i in run_ids])
    finally:
        store.close()


def _apart(store: Store) -> bool:
    """Whether a forked process can open the store anew (not an in-memory database)."""
    url = store.engine.url
    return not (url.get_backend_name() == "sqlite" and url.database in (None, "", ":memory:"))


def _write_tree(
    out_dir: Path, index: str, figures: list[RenderedFigure], data: dict[str, bytes]
) -> None:
    out_dir.parent.mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(dir=out_dir.parent, prefix=f".{out_dir.name}."))
    try:
        (staging / "figures").mkdir()
        (staging / "data").mkdir()
        for fig in figures:
            for fmt, content in fig.files.items():
                (staging / "figures" / f"{fig.name}.{fmt}").write_bytes(content)
        for name, content in data.items():
            (staging / "data" / name).write_bytes(content)
        (staging / "index.html").write_text(index, encoding="utf-8")
        staging.chmod(0o755)  # mkdtemp makes it private; a report is for sharing
        if not out_dir.exists():
            staging.rename(out_dir)
            return
        # Swap the parts in, then the page last: a reader sees the old page or the new one.
        for part in PARTS:
            old = out_dir / part
            if old.exists():
                old.rename(staging / f"old-{part}")
            (staging / part).rename(old)
        os.replace(staging / "index.html", out_dir / "index.html")
    finally:
        shutil.rmtree(staging, ignore_errors=True)


def build_report(
    store: Store,
    runs: Sequence[Run],
    out_dir: str | os.PathLike[str],
    *,
    pdf: bool = False,
    png: bool = False,
) -> Path:
    """Write the report of one or several runs into a folder.

    Parameters
    ----------
    store
        The results database.
    runs
        The runs to report; several runs are overlaid, each in its own colour.
    out_dir
        The report folder: created when missing; a previous report there is replaced.
    pdf
        Also write every figure as PDF.
    png
        Also write every figure as PNG (at 150 dpi). SVG, which the page embeds, is
        always written.

    Returns
    -------
    Path
        The report's ``index.html``.

    Raises
    ------
    ConfigError
        When no run is given or ``out_dir`` is a file or a folder holding other things.
    """
    if not runs:
        raise ConfigError("no run to report; name at least one run id or name")
    target = Path(out_dir).expanduser()
    _check_target(target)
    # SVG first: it is what the page embeds; every other format costs a drawing more.
    formats = ("svg", *(["png"] if png else []), *(["pdf"] if pdf else []))
    inline = partial(_unshared, store, runs)
    forked = partial(_unshared_apart, str(store.url), [r.id for r in runs])
    with background(forked if _apart(store) else inline, inline) as unshared:
        # Comparisons and the repetitions file are made while the points are summarised.
        points = run_summaries(store, runs)
        suites = split_suites(points)
        jobs = _jobs(runs, suites)
        for run in runs:  # loaded here, not by a forked figure process on a shared connection
            _ = run.scale_events, run.points
        with rendering(jobs, formats) as rendered:
            # Everything else is prepared while the figures are drawn.
            summaries = {
                suite: {
                    int(rid): suite_summary(part)
                    for rid, part in frame.groupby("run_id", sort=False)
                }
                for suite, frame in suites.items()
            }
            exported = points_export(points, list(runs))
            data = {"points.csv": exported.to_csv(index=False, date_format=ISO_FORMAT).encode()}
            page = Page(
                runs=runs,
                suites=suites,
                figures=[],
                summaries=summaries,
                data_files=_LINKS,
                folder=str(target),
            )
            tables = points_tables(runs, suites, page.folder)
            comparisons, data["measurements.csv"] = unshared()
            figures = [
                RenderedFigure(name=j.name, section=j.section, alt=j.alt, files=f)
                for j, f in zip(jobs, rendered(), strict=True)
            ]
    page = replace(page, figures=figures, comparisons=comparisons, tables=tables)
    index = render_page(page)
    _write_tree(target, index, figures, data)
    return target / "index.html"
