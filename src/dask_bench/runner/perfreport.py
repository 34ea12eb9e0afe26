"""Dask's own performance report (an HTML file) of a point's timed repetitions."""

from __future__ import annotations

import re
from importlib.metadata import PackageNotFoundError, version
from pathlib import Path
from types import TracebackType
from typing import TYPE_CHECKING, Any

from dask_bench.errors import ConfigError
from dask_bench.study import Measurement

if TYPE_CHECKING:
    from distributed import Client

    from dask_bench.runner.plan import PlannedPoint


def report_folder(settings: Measurement) -> Path | None:
    """Create the folder of the performance reports (with parents); None when off.

    Called before the cluster starts, so that a bad folder costs nothing.

    Raises
    ------
    ConfigError
        When the folder cannot be created or written to, or bokeh is missing.
    """
    if settings.performance_report is None:
        return None
    folder = Path(settings.performance_report).expanduser().resolve()
    try:
        folder.mkdir(parents=True, exist_ok=True)
        probe = folder / ".dask-bench-write-test"
        probe.touch()
        probe.unlink()
    except OSError as exc:
        raise ConfigError(
            f"measurement.performance_report: cannot use folder {folder} "
            f"({exc.strerror or exc}); give a folder you can write to (--performance-report DIR)"
        ) from None
    _require_bokeh()
    return folder


def _require_bokeh() -> None:
    # Dask draws the report with bokeh, which it does not install itself.
    from distributed.versions import BOKEH_REQUIREMENT

    try:
        found: str | None = version("bokeh")
    except PackageNotFoundError:
        found = None
    if found is None or not BOKEH_REQUIREMENT.specifier.contains(found, prereleases=True):
        have = "is not installed" if found is None else f"is {found}"
        raise ConfigError(
            f"measurement.performance_report needs {BOKEH_REQUIREMENT} (Dask draws the report "
            f"with it) but bokeh {have}; pip install 'dask-bench[diagnostics]' or drop the setting"
        )


def report_path(folder: Path, run_id: int, planned: PlannedPoint) -> Path:
    """``<folder>/run<id>-<suite>-<workload>-<units>u.html``, safe as a file name."""
    stem = f"run{run_id}-{planned.workload.suite}-{planned.workload.name}-{planned.units}u"
    return folder / (re.sub(r"[^A-Za-z0-9._-]", "_", stem) + ".html")


class PointReport:
    """Writes Dask's performance report of what runs between :meth:`start` and :meth:`stop`.

    Also a context manager (``with report: ...``). A no-op when ``path`` is None. A
    report that cannot be written does not fail the point: :attr:`path` becomes None
    and :attr:`error` says why.

    Attributes
    ----------
    path
        Absolute path of the report; None when off or when writing failed.
    error
        Why the report could not be written, or None.
    """

    def __init__(self, client: Client | None, path: Path | None, label: str = "") -> None:
        self.client = client
        self.path: str | None = None if path is None else str(path)
        self.label = label
        self.error: str | None = None
        self._report: Any = None
        self._current: Any = None

    def start(self) -> None:
        """Start collecting (a few scheduler calls, outside any timed region)."""
        if self.path is None or self.client is None or self._current is not None:
            return
        from distributed import performance_report

        # performance_report talks to the current client; make it this one.
        self._current = self.client.as_current()
        self._current.__enter__()
        try:
            report = performance_report(filename=self.path)
            self.client.sync(report.__aenter__)
        except Exception as exc:
            self._fail(exc)
        else:
            self._report = report

    def stop(self, exc: BaseException | None = None) -> None:
        """Write the report; skipped when ``exc`` is an interrupt (Ctrl-C, SIGTERM)."""
        if self._current is None:
            return
        try:
            if self._report is not None and (exc is None or isinstance(exc, Exception)):
                assert self.client is not None
                # code=: the report's "code" tab names the point, not this module's source
                self.client.sync(
                    self._report.__aexit__,
                    None if exc is None else type(exc),
                    exc,
                    None,
                    code=self.label,
                )
            elif self._report is not None:
                self.path = None  # interrupted: leave at once, the report takes seconds
        except Exception as error:
            self._fail(error)
        finally:
            self._current.__exit__(None, None, None)
            self._current = self._report = None

    def __enter__(self) -> PointReport:
        self.start()
        return self

    def __exit__(
        self, et: type[BaseException] | None, e: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.stop(e)

    def _fail(self, exc: Exception) -> None:
        self.error = f"performance report {self.path} not written: {type(exc).__name__}: {exc}"
        self.path = None


def point_report(
    client: Client, settings: Measurement, run_id: int, planned: PlannedPoint
) -> PointReport:
    """The performance report of one point: a context manager around its timed repetitions.

    Parameters
    ----------
    client
        The study's client.
    settings
        The study's measurement settings; ``performance_report`` names the folder
        (already created by :func:`report_folder`) or is None for no report.
    run_id
        Names the file, with the point's suite, workload and processing units.
    planned
        The point.

    Returns
    -------
    PointReport
        Enter it around the timed repetitions only; afterwards its ``path`` is what
        to store in ``points.performance_report`` (None when off or not written).
    """
    if settings.performance_report is None:
        return PointReport(None, None)
    folder = Path(settings.performance_report).expanduser().resolve()
    label = f"dask-bench run {run_id}: timed repetitions of {planned.label}"
    return PointReport(client, report_path(folder, run_id, planned), label)
