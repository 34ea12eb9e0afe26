"""Render many figures to files, and do other work of a report, on every core when safe.

Drawing is much of what a report spends its time on (a report of three runs has a
few dozen figures), and matplotlib holds the GIL, so threads do not help. Forked
processes do: each inherits the prepared jobs and returns bytes. Work that does
not need the point summaries (comparisons, the repetitions file) runs in a forked
process of its own (:func:`background`) while the summaries are computed.
Forking a process that runs other threads can deadlock the child, so the report
falls back to working in-process whenever another thread is alive (for example
when the study that just ran left Dask's threads behind).
"""

from __future__ import annotations

import multiprocessing
import os
import threading
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any, TypeVar

from matplotlib.figure import Figure

from dask_bench.report.figures import output


@dataclass(frozen=True)
class FigureJob:
    """A figure to draw: where it goes and how to build it."""

    name: str
    section: str
    alt: str
    draw: Callable[[], Figure]


T = TypeVar("T")

#: The jobs of the render in progress, inherited by forked workers.
_JOBS: tuple[Sequence[FigureJob], Sequence[str]] = ((), ())


def render_files(fig: Figure, formats: Sequence[str]) -> dict[str, bytes]:
    """A figure's file contents in each format, laid out once."""
    files = {}
    for fmt in formats:
        # Looked up on the module at each call, so that tests can make rendering fail.
        files[fmt] = output.figure_bytes(fig, fmt)
        # The first format has laid the figure out; the others reuse the positions
        # instead of running the (costly) constrained layout again.
        fig.set_layout_engine("none")
    return files


def _run_job(index: int) -> dict[str, bytes]:
    jobs, formats = _JOBS
    return render_files(jobs[index].draw(), formats)


def _usable_cores() -> int:
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # not on Linux
        return os.cpu_count() or 1


def can_fork() -> bool:
    """Whether work may go to forked processes: fork exists, two cores, no other thread."""
    forkable = "fork" in multiprocessing.get_all_start_methods()
    return forkable and _usable_cores() >= 2 and threading.active_count() == 1


def _side(work: Callable[[], Any], conn: Any) -> None:
    try:
        result: tuple[str, Any] = ("ok", work())
    except BaseException as exc:  # reported to the parent, which then works in-process
        result = ("error", f"{type(exc).__name__}: {exc}")
    conn.send(result)
    conn.close()


@contextmanager
def background(forked: Callable[[], T], inline: Callable[[], T]) -> Iterator[Callable[[], T]]:
    """Start ``forked`` in a forked process; the context yields a function that waits for it.

    ``forked`` runs in a copy of this process (it must not use connections of the
    parent: open new ones) and its result comes back pickled. When forking is not
    safe (:func:`can_fork`), or the forked call fails, ``inline`` runs here instead
    when the result is asked for. Leaving the context stops the process.
    """
    if not can_fork():
        yield inline
        return
    context = multiprocessing.get_context("fork")
    receiver, sender = context.Pipe(duplex=False)
    process = context.Process(target=_side, args=(forked, sender), daemon=True)
    process.start()
    sender.close()
    done: list[T] = []

    def result() -> T:
        if not done:
            try:
                status, value = receiver.recv()
            except EOFError:  # the process died without a word
                status, value = "error", None
            done.append(value if status == "ok" else inline())
        return done[0]

    try:
        yield result
    finally:
        receiver.close()
        if process.is_alive():
            process.terminate()
        process.join()


@contextmanager
def rendering(
    jobs: Sequence[FigureJob], formats: Sequence[str]
) -> Iterator[Callable[[], list[dict[str, bytes]]]]:
    """Start drawing every job in the background; the context yields a function that waits.

    The caller can prepare the rest of the report while the figures are drawn;
    calling the yielded function returns, in job order, per job its file content
    by format. Leaving the context stops any drawing still under way (also on
    Ctrl-C or an error).

    Parameters
    ----------
    jobs
        The figures to draw.
    formats
        File formats, e.g. ``("png", "svg")``.
    """
    global _JOBS
    workers = min(len(jobs), _usable_cores())
    if workers < 2 or not can_fork():
        yield lambda: [render_files(job.draw(), formats) for job in jobs]
        return
    _JOBS = (jobs, formats)
    try:
        with multiprocessing.get_context("fork").Pool(workers) as pool:
            # Figure costs differ a lot; handing out one job at a time balances best.
            pending = pool.map_async(_run_job, range(len(jobs)), chunksize=1)
            _JOBS = ((), ())  # the workers hold their copy; release the parent's
            yield pending.get
    finally:
        _JOBS = ((), ())
