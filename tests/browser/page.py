"""Load an HTML page in headless Chromium and say what a reader would see.

Uses Debian's ``chromium`` and ``chromedriver`` (installed by ``make system``), never a
driver or browser downloaded by Selenium Manager. The browser gets no network: every
http(s) request goes to a closed local port and every host name fails to resolve, so a
page that needs the network shows it as failed requests and console errors.
"""

from __future__ import annotations

import base64
import contextlib
import json
import os
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import psutil

# Selenium Manager must never download a driver or a browser (there is no network for it).
os.environ["SE_OFFLINE"] = "true"
os.environ["SE_AVOID_STATS"] = "true"

CHROMIUM = Path("/usr/bin/chromium")
CHROMEDRIVER = Path("/usr/bin/chromedriver")
REPO = Path(__file__).resolve().parents[2]
WINDOW = (1280, 1000)
#: Seconds to wait for the page and its images.
LOAD_TIMEOUT = 30

# Waits for every image to be decoded, then describes each one. Each image is drawn on
# a canvas to count the colours the browser actually decoded (a blank figure has one).
_IMAGES_JS = """
const done = arguments[arguments.length - 1];
const imgs = Array.from(document.images);
Promise.all(imgs.map(i => i.decode().catch(() => null))).then(() => done(imgs.map(img => {
  let colours = 0, canvasError = null;
  if (img.naturalWidth > 0 && img.naturalHeight > 0) {
    try {
      const c = document.createElement("canvas");
      c.width = img.naturalWidth; c.height = img.naturalHeight;
      const ctx = c.getContext("2d");
      ctx.drawImage(img, 0, 0);
      const px = new Uint32Array(ctx.getImageData(0, 0, c.width, c.height).data.buffer);
      const seen = new Set();
      for (let k = 0; k < px.length && seen.size < 1000; k++) seen.add(px[k]);
      colours = seen.size;
    } catch (e) { canvasError = String(e); }
  }
  return {
    alt: img.getAttribute("alt"), src: img.currentSrc || img.src,
    naturalWidth: img.naturalWidth, naturalHeight: img.naturalHeight,
    complete: img.complete, inFigure: img.closest("figure") !== null,
    shownWidth: img.getBoundingClientRect().width, colours: colours, canvasError: canvasError,
  };
})));
"""


class BrowserMissing(RuntimeError):
    """Chromium or its driver is not installed."""


@dataclass(frozen=True)
class Image:
    """One ``<img>`` of the page, as the browser loaded it."""

    alt: str | None
    src: str
    natural_width: int
    natural_height: int
    complete: bool
    in_figure: bool
    shown_width: float  # CSS pixels on the page; 0 when hidden
    colours: int  # distinct colours decoded (capped at 1000); 0 when not drawable
    canvas_error: str | None

    @property
    def label(self) -> str:
        """How problems name this image."""
        shown = self.src if len(self.src) <= 60 else self.src[:57] + "..."
        return f"image {self.alt or '(no alt)'!r} ({shown})"


@dataclass(frozen=True)
class ConsoleMessage:
    """A console message of level WARNING or SEVERE."""

    level: str
    message: str


@dataclass
class PageFacts:
    """What loading a page showed."""

    url: str
    title: str
    console: list[ConsoleMessage]
    images: list[Image]
    external_requests: list[str]
    screenshot: Path
    overflow: int  # CSS pixels the page is wider than the window (0: it fits)
    leftover_processes: list[int] = field(default_factory=list)

    @property
    def figures(self) -> list[Image]:
        """The images inside a ``<figure>``."""
        return [i for i in self.images if i.in_figure]

    def problems(self) -> list[str]:
        """Everything a reader would see as broken, one line each (empty when none)."""
        out = [f"console {m.level}: {m.message}" for m in self.console]
        out += [f"request left the page: {url}" for url in self.external_requests]
        for img in self.images:
            if not img.complete or img.natural_width == 0 or img.natural_height == 0:
                out.append(f"{img.label} did not load")
            elif img.colours <= 1:
                why = f": {img.canvas_error}" if img.canvas_error else ""
                out.append(f"{img.label} is blank ({img.colours} colour){why}")
            if img.in_figure and not (img.alt or "").strip():
                out.append(f"{img.label} has no alt text")
            if img.shown_width == 0:
                out.append(f"{img.label} is not shown (0 px wide)")
        if self.overflow > 0:
            out.append(f"the page is {self.overflow} px wider than a {WINDOW[0]} px window")
        out += [f"browser process {pid} outlived the driver" for pid in self.leftover_processes]
        return out


def artifacts_dir() -> Path:
    """Where screenshots are kept: ``$DASK_BENCH_ARTIFACTS`` or ``test-artifacts/``."""
    folder = Path(os.environ.get("DASK_BENCH_ARTIFACTS") or REPO / "test-artifacts")
    folder.mkdir(parents=True, exist_ok=True)
    return folder


def check_browser() -> None:
    """Raise :class:`BrowserMissing` unless Debian's chromium and chromedriver are installed."""
    missing = [str(p) for p in (CHROMIUM, CHROMEDRIVER) if not os.access(p, os.X_OK)]
    if missing:
        raise BrowserMissing(
            f"{' and '.join(missing)} not found; run 'make system' "
            "(installs Debian's chromium and chromium-driver)"
        )


def _options() -> Any:
    from selenium import webdriver

    opts = webdriver.ChromeOptions()
    opts.binary_location = str(CHROMIUM)
    for arg in (
        "--headless=new",
        "--no-sandbox",  # the tests run as root
        "--disable-gpu",
        "--disable-dev-shm-usage",
        f"--window-size={WINDOW[0]},{WINDOW[1]}",
        # No network: a closed local port as proxy, and no name resolution.
        "--proxy-server=http://127.0.0.1:9",
        "--proxy-bypass-list=<-loopback>",
        "--host-resolver-rules=MAP * ~NOTFOUND",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-default-apps",
        "--disable-extensions",
        "--disable-sync",
        "--no-first-run",
        "--allow-file-access-from-files",
    ):
        opts.add_argument(arg)
    opts.set_capability("goog:loggingPrefs", {"browser": "ALL", "performance": "ALL"})
    return opts


def _requested_urls(driver: Any) -> list[str]:
    """URLs the page fetched: the Performance API, plus DevTools' log of every request."""
    urls: list[str] = list(
        driver.execute_script("return performance.getEntriesByType('resource').map(e => e.name)")
    )
    # Failed requests are missing from the Performance API; DevTools sees them all.
    for entry in driver.get_log("performance"):
        message = json.loads(entry["message"])["message"]
        if message.get("method") == "Network.requestWillBeSent":
            urls.append(message["params"]["request"]["url"])
    return list(dict.fromkeys(urls))


def _screenshot(driver: Any, path: Path) -> None:
    """A PNG of the whole page, not only the window."""
    size = driver.execute_cdp_cmd("Page.getLayoutMetrics", {})["cssContentSize"]
    clip = {"x": 0, "y": 0, "width": size["width"], "height": size["height"], "scale": 1}
    shot = driver.execute_cdp_cmd(
        "Page.captureScreenshot",
        {"format": "png", "captureBeyondViewport": True, "clip": clip},
    )
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(base64.b64decode(shot["data"]))


def _processes(root_pid: int | None) -> list[psutil.Process]:
    if root_pid is None:
        return []
    try:
        root = psutil.Process(root_pid)
        return [root, *root.children(recursive=True)]
    except psutil.NoSuchProcess:
        return []


def _running(p: psutil.Process) -> bool:
    try:
        return p.is_running() and p.status() != psutil.STATUS_ZOMBIE
    except psutil.NoSuchProcess:
        return False


def _reap(procs: list[psutil.Process], within: float = 10) -> list[int]:
    """Wait for ``procs`` (started by this helper) to exit; kill and return those that did not."""
    deadline = time.monotonic() + within
    left = [p for p in procs if _running(p)]
    while left and time.monotonic() < deadline:
        time.sleep(0.1)
        left = [p for p in left if _running(p)]
    for p in left:
        with contextlib.suppress(psutil.NoSuchProcess):
            p.kill()
    return [p.pid for p in left]


def open_report(path: str | os.PathLike[str], screenshot: str | os.PathLike[str]) -> PageFacts:
    """Load an HTML file in headless Chromium and collect what it showed.

    Parameters
    ----------
    path
        The HTML file, loaded as a ``file://`` URL.
    screenshot
        Where to save a PNG of the whole page; a relative path is taken in
        :func:`artifacts_dir`.

    Returns
    -------
    PageFacts
        Console warnings and errors, images, requests that left the page, the
        screenshot, and any browser process still running after the driver quit.
    """
    check_browser()
    from selenium import webdriver

    url = Path(path).resolve().as_uri()
    shot = Path(screenshot)
    if not shot.is_absolute():
        shot = artifacts_dir() / shot
    service = webdriver.ChromeService(executable_path=str(CHROMEDRIVER))
    driver = webdriver.Chrome(options=_options(), service=service)
    procs: list[psutil.Process] = []
    leftovers: list[int] = []
    try:
        procs = _processes(service.process.pid if service.process else None)
        driver.set_page_load_timeout(LOAD_TIMEOUT)
        driver.set_script_timeout(LOAD_TIMEOUT)
        driver.get(url)
        raw_images = driver.execute_async_script(_IMAGES_JS)
        title = driver.title
        overflow = int(
            driver.execute_script(
                "return document.documentElement.scrollWidth - document.documentElement.clientWidth"
            )
        )
        requests = _requested_urls(driver)
        console = [
            ConsoleMessage(e["level"], e["message"])
            for e in driver.get_log("browser")
            if e["level"] in ("SEVERE", "WARNING")
        ]
        _screenshot(driver, shot)
    finally:
        # Children started after the first look (renderers) are collected here too.
        procs = list(
            {p.pid: p for p in procs + _processes(procs[0].pid if procs else None)}.values()
        )
        try:
            driver.quit()
        finally:
            leftovers = _reap(procs)
    images = [
        Image(
            alt=i["alt"],
            src=i["src"],
            natural_width=int(i["naturalWidth"]),
            natural_height=int(i["naturalHeight"]),
            complete=bool(i["complete"]),
            in_figure=bool(i["inFigure"]),
            shown_width=float(i["shownWidth"]),
            colours=int(i["colours"]),
            canvas_error=i["canvasError"],
        )
        for i in raw_images
    ]
    external = [u for u in requests if not u.startswith(("data:", "file:"))]
    return PageFacts(url, title, console, images, external, shot, overflow, leftovers)
