"""Find and cancel what a crashed study left behind (batch jobs named after its run)."""

from __future__ import annotations

import socket
from dataclasses import dataclass

import psutil

from dask_bench.deploy import get_backend, job_tag
from dask_bench.errors import ConfigError
from dask_bench.store import Store
from dask_bench.store.schema import PointStatus, Run, RunStatus


@dataclass(frozen=True)
class Cleaned:
    """What :func:`cleanup_run` did for one run."""

    run_id: int
    backend: str
    cancelled: list[str]
    marked_failed: bool


def recorded_pid(run: Run) -> object:
    """The process id the run recorded for itself (None when it did not)."""
    return run.provenance.process.get("pid")


def study_alive(run: Run) -> bool:
    """Whether the process that runs ``run`` still lives (on this host; elsewhere: unknown)."""
    process = run.provenance.process
    if process.get("host") != socket.gethostname() or not process.get("pid"):
        return False
    try:
        cmdline = " ".join(psutil.Process(int(process["pid"])).cmdline())
    except (psutil.Error, ValueError):
        return False
    return "dask-bench" in cmdline or "dask_bench" in cmdline or "dask bench" in cmdline


def cleanup_run(store: Store, run: Run, force: bool = False) -> Cleaned:
    """Cancel the batch jobs of ``run``; a run still marked running is marked failed.

    Parameters
    ----------
    store
        The results database.
    run
        The run to clean up.
    force
        Also when the study's process still runs on this host.

    Raises
    ------
    ConfigError
        When the study is still running here and ``force`` is not given.
    """
    alive = run.status == RunStatus.RUNNING and study_alive(run)
    if alive and not force:
        pid = recorded_pid(run)
        raise ConfigError(
            f"run {run.id} is still running (process {pid}); stop it with Ctrl-C, which "
            "cancels its jobs, or pass --force"
        )
    backend = get_backend(run.backend)
    options = dict((run.study or {}).get("deployment", {}).get("options", {}))
    cancelled = backend.cleanup(job_tag(run.id, run.study_id), options)
    marked = False
    if run.status == RunStatus.RUNNING:
        message = (
            f"cleaned up with --force while its process {recorded_pid(run)} still ran"
            if alive
            else "the study process ended without closing the run; cleaned up"
        )
        for point in run.points:
            if point.status == PointStatus.RUNNING:  # the point in flight when the process died
                store.finish_point(point, PointStatus.FAILED, message)
        store.finish_run(run, RunStatus.FAILED, message)
        marked = True
    return Cleaned(run.id, run.backend, cancelled, marked)


def runs_to_clean(store: Store, ref: str | None) -> list[Run]:
    """The run named by ``ref``, or without it every run still recorded as running."""
    if ref is not None:
        return [store.run(ref)]
    running = [r for r in store.runs() if r.status == RunStatus.RUNNING]
    if not running:
        raise ConfigError(
            "no run is recorded as running; name one to cancel its jobs: dask-bench cleanup RUN"
        )
    return running
