"""What the user sees while a study runs."""

from __future__ import annotations

from types import TracebackType

from rich.console import Console
from rich.progress import (
    BarColumn,
    MofNCompleteColumn,
    Progress,
    TaskID,
    TextColumn,
    TimeElapsedColumn,
    TimeRemainingColumn,
)

from dask_bench.runner.plan import PlannedPoint
from dask_bench.store.schema import PointStatus


class Reporter:
    """Receives study events; this base class ignores them (quiet runs, the Python API)."""

    def __enter__(self) -> Reporter:
        return self

    def __exit__(
        self, et: type[BaseException] | None, e: BaseException | None, tb: TracebackType | None
    ) -> None:
        return None

    def variant(self, name: str, index: int, count: int) -> None:
        """A deployment variant (``index`` of ``count``, from 0) starts."""

    def scaling(self, workers: int) -> None:
        """The cluster is being scaled to ``workers`` workers."""

    def point(self, point: PlannedPoint) -> None:
        """Measuring ``point`` starts."""

    def repetition(self, point: PlannedPoint, index: int, warmup: bool) -> None:
        """Repetition ``index`` of ``point`` finished."""

    def point_done(self, point: PlannedPoint, status: PointStatus, error: str | None) -> None:
        """Measuring ``point`` ended."""

    def scenario(self, name: str, what: str) -> None:
        """Scenario ``name`` does ``what`` (e.g. ``round 2 of 5``)."""

    def round_done(self) -> None:
        """A round of a scenario ended (the bar counts them after the points)."""

    def warn(self, message: str) -> None:
        """Something the user should know about."""

    def info(self, message: str) -> None:
        """What the runner decided on the user's behalf (e.g. calibrated sizes)."""


class RichReporter(Reporter):
    """A rich progress bar over the points (then scenario rounds), with ETA."""

    def __init__(self, total_points: int, console: Console | None = None) -> None:
        self.console = console or Console(stderr=True)
        self.progress = Progress(
            TextColumn("[bold]{task.fields[where]}"),
            TextColumn("{task.description}"),
            BarColumn(),
            MofNCompleteColumn(),
            TimeElapsedColumn(),
            TextColumn("ETA"),
            TimeRemainingColumn(),
            console=self.console,
            transient=False,
        )
        self.task: TaskID = self.progress.add_task("starting", total=total_points, where="")
        self.prefix = ""  # the variant being measured, if the study has variants

    def __enter__(self) -> RichReporter:
        self.progress.start()
        return self

    def __exit__(
        self, et: type[BaseException] | None, e: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.progress.stop()

    def variant(self, name: str, index: int, count: int) -> None:
        """Say which variant starts; its name prefixes the progress line."""
        self.console.print(f"[bold]variant {name}[/bold] ({index + 1} of {count})")
        self.prefix = f"{name} "

    def scaling(self, workers: int) -> None:
        """Show the scale step."""
        self.progress.update(
            self.task, description=f"scaling to {workers} workers", where=f"{self.prefix}{workers}w"
        )

    def point(self, point: PlannedPoint) -> None:
        """Show the point being measured."""
        self.progress.update(
            self.task,
            description=f"{point.workload.key} (preparing)",
            where=f"{self.prefix}{point.units}u",
        )

    def repetition(self, point: PlannedPoint, index: int, warmup: bool) -> None:
        """Show the repetition just finished."""
        rep = "warm-up" if warmup else f"rep {index + 1}"
        self.progress.update(self.task, description=f"{point.workload.key} {rep}")

    def point_done(self, point: PlannedPoint, status: PointStatus, error: str | None) -> None:
        """Advance the bar; print failures."""
        if status != PointStatus.OK:
            self.console.print(f"[red]failed[/red] {point.label}: {_clean(error or '')}")
        self.progress.advance(self.task)

    def scenario(self, name: str, what: str) -> None:
        """Show the scenario and what it does."""
        self.progress.update(self.task, description=f"scenario {name}: {what}", where=self.prefix)

    def round_done(self) -> None:
        """Advance the bar by one round."""
        self.progress.advance(self.task)

    def warn(self, message: str) -> None:
        """Print a warning above the bar."""
        self.console.print(f"[yellow]warning:[/yellow] {_clean(message)}")

    def info(self, message: str) -> None:
        """Print what the runner chose above the bar."""
        self.console.print(f"[cyan]note:[/cyan] {_clean(message)}", highlight=False)


def _clean(message: str) -> str:
    """A message for the terminal: secrets hidden, rich markup in it shown as typed."""
    from rich.markup import escape

    from dask_bench.secrets import scrub_text

    return escape(scrub_text(message))
