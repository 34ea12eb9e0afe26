"""The HTML report as a reader sees it: loaded in headless Chromium, from a real study.

Two tiny studies run on a LocalCluster (the ``tasks`` and ``arrays`` suites at 1 and 2
workers); the report of the latest run, the default report (``dask-bench report`` with no
option) and the overlay of both are opened offline from ``file://``. Figures are embedded
as SVG. Full-page screenshots are kept in ``test-artifacts/`` (``$DASK_BENCH_ARTIFACTS``).
"""

from __future__ import annotations

import base64
import io
import re
from pathlib import Path
from typing import Any

import pytest
import yaml
from PIL import Image as PILImage

from dask_bench.report import build_report
from dask_bench.store import Store
from tests.browser.page import BrowserMissing, PageFacts, check_browser, open_report
from tests.integration.helpers import dask_bench

pytestmark = pytest.mark.browser

SUITES = ("tasks", "arrays")


def tiny_browser_study(
    db: Path, name: str, workloads: dict[str, list[str]] | None
) -> dict[str, Any]:
    """Both suites at 1 and 2 workers, with the smallest chunks and fewest repetitions."""
    suites: dict[str, dict[str, Any]] = {
        "tasks": {"chunk_size": 5, "per_unit": 2, "options": {"sleep_seconds": 0.01}},
        "arrays": {"chunk_size": 100, "per_unit": 2},
    }
    for suite, names in (workloads or {}).items():
        suites[suite]["workloads"] = names
    return {
        "name": name,
        "deployment": {"workers": [1, 2], "memory_per_worker": "1GiB"},
        "suites": suites,
        "measurement": {"min_repeats": 2, "max_repeats": 2, "point_budget": 1.0},
        "database": str(db),
        "report": False,
    }


@pytest.fixture(scope="module")
def browser() -> None:
    try:
        check_browser()
    except BrowserMissing as exc:
        pytest.fail(str(exc), pytrace=False)


@pytest.fixture(scope="module")
def study_db(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A results database holding two real runs: every workload, then a few of them again."""
    folder = tmp_path_factory.mktemp("browser-study")
    db = folder / "results.db"
    second = {"tasks": ["map-sleep", "tree-reduce"], "arrays": ["map-blocks", "std"]}
    for name, workloads in (("browser-first", None), ("browser-second", second)):
        study = folder / f"{name}.yaml"
        study.write_text(yaml.safe_dump(tiny_browser_study(db, name, workloads)))
        done = dask_bench("run", str(study), "--quiet", timeout=120)
        assert done.returncode == 0, done.stderr
    return db


def svg_of(src: str) -> str | None:
    """The text of an SVG data URI (None for other sources)."""
    prefix = "data:image/svg+xml;base64,"
    if not src.startswith(prefix):
        return None
    return base64.b64decode(src[len(prefix) :]).decode("utf-8")


def png_colours(src: str) -> int | None:
    """Distinct colours of a PNG data URI decoded by Pillow (None for other sources)."""
    prefix = "data:image/png;base64,"
    if not src.startswith(prefix):
        return None
    with PILImage.open(io.BytesIO(base64.b64decode(src[len(prefix) :]))) as img:
        colours = img.convert("RGBA").getcolors(maxcolors=1 << 16)
    return len(colours) if colours is not None else 1 << 16


def data_uri_bytes(src: str) -> bytes:
    head, _, payload = src.partition(",")
    assert head.endswith(";base64"), head[:40]
    return base64.b64decode(payload)


def assert_reads_well(facts: PageFacts, report_dir: Path, min_figures: int) -> None:
    """What a reader needs: no error, every figure loaded and drawn, nothing fetched."""
    assert facts.problems() == []
    figures = facts.figures
    assert len(figures) >= min_figures, [f.alt for f in figures]
    # every figure written to figures/ is in the page, embedded as written
    files = {p.read_bytes() for p in (report_dir / "figures").iterdir()}
    assert len(figures) == len(list((report_dir / "figures").glob("*.svg")))
    assert all(data_uri_bytes(f.src) in files for f in figures)
    for fig in figures:
        assert fig.src.startswith("data:image/svg+xml"), fig.label  # embedded, vector
        assert fig.natural_width > 0 and fig.natural_height > 0, fig.label
        assert fig.colours > 1, fig.label  # as drawn by the browser
        svg = svg_of(fig.src)
        assert svg is not None and "<text" in svg, fig.label  # text stays text: sharp
        assert 'href="http' not in svg, fig.label  # nothing to fetch
        decoded = png_colours(fig.src)
        assert decoded is None or decoded > 1, fig.label  # as decoded by Pillow
    assert facts.screenshot.stat().st_size > 0
    with PILImage.open(facts.screenshot) as shot:
        assert shot.width >= 800 and shot.height >= 800, shot.size
        assert shot.convert("RGB").getcolors(maxcolors=4) is None  # not a blank page


def test_report_of_latest_run(browser: None, study_db: Path, tmp_path: Path) -> None:
    store = Store(study_db)
    try:
        latest = store.run()
        index = build_report(store, [latest], tmp_path / "report")
    finally:
        store.close()
    facts = open_report(index, "report-latest-run.png")
    assert_reads_well(facts, index.parent, min_figures=len(SUITES) * 2)
    assert "browser-second" in facts.title
    assert facts.leftover_processes == []


def test_default_report(browser: None, study_db: Path) -> None:
    """What ``dask-bench report`` writes with no option: the latest run, beside the database."""
    done = dask_bench("report", "--db", str(study_db))
    assert done.returncode == 0, done.stderr
    index = Path(done.stdout.strip().removeprefix("report: "))
    assert index.parent.parent == study_db.parent and index.name == "index.html"
    facts = open_report(index, "report-default.png")
    assert_reads_well(facts, index.parent, min_figures=len(SUITES) * 3)
    html = index.read_text(encoding="utf-8")
    # the points table says how every point ended and shows the median's interval
    assert "95% CI" in html and "ended" in html and "notes" in html
    assert facts.leftover_processes == []


def test_report_overlaying_two_runs(browser: None, study_db: Path, tmp_path: Path) -> None:
    out = tmp_path / "overlay"
    done = dask_bench(
        "report", "browser-first", "browser-second", "-o", str(out), "--db", str(study_db)
    )
    assert done.returncode == 0, done.stderr
    index = out / "index.html"
    assert str(index) in done.stdout
    facts = open_report(index, "report-two-runs.png")
    assert_reads_well(facts, out, min_figures=len(SUITES) * 2)
    html = index.read_text(encoding="utf-8")
    assert "browser-first" in html and "browser-second" in html
    assert facts.leftover_processes == []


def test_open_report_sees_a_broken_page(
    browser: None, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("DASK_BENCH_ARTIFACTS", str(tmp_path / "artifacts"))
    page = tmp_path / "broken.html"
    page.write_text(
        "<!DOCTYPE html><html lang='en'><head><meta charset='utf-8'><title>broken</title></head>"
        "<body><figure><img alt='broken figure' src='data:image/png;base64,AAAA'></figure>"
        "<figure><img alt='' src='data:image/gif;base64,"
        "R0lGODlhAQABAIAAAP///wAAACH5BAEAAAAALAAAAAABAAEAAAICRAEAOw=='></figure>"
        "<script>console.error('report script failed')</script></body></html>"
    )
    facts = open_report(page, "broken.png")
    problems = "\n".join(facts.problems())
    assert re.search(r"console SEVERE: .*report script failed", problems), problems
    assert "image 'broken figure'" in problems and "did not load" in problems
    # a 1x1 image loads but is a single colour, and has no alt text
    assert "is blank (1 colour)" in problems
    assert "has no alt text" in problems
    broken = next(i for i in facts.images if i.alt == "broken figure")
    assert broken.natural_width == 0 and broken.in_figure
    assert facts.screenshot == tmp_path / "artifacts" / "broken.png"
    assert facts.screenshot.stat().st_size > 0
    assert facts.leftover_processes == []


def test_open_report_sees_requests_leaving_the_page(browser: None, tmp_path: Path) -> None:
    page = tmp_path / "remote.html"
    page.write_text(
        "<!DOCTYPE html><html lang='en'><head><meta charset='utf-8'><title>remote</title>"
        "<link rel='stylesheet' href='https://cdn.example.invalid/style.css'></head>"
        "<body><p>text</p></body></html>"
    )
    facts = open_report(page, tmp_path / "remote.png")
    assert facts.external_requests == ["https://cdn.example.invalid/style.css"]
    # blocked here: the request failed in the browser, which says so in its console
    assert any("style.css" in m.message for m in facts.console), facts.console
