"""Scale a cluster to exactly N workers and time how long the workers take to arrive."""

from __future__ import annotations

import re
import time
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from dask_bench.deploy.layout import WorkerLayout, offers
from dask_bench.errors import WorkersTimeout

if TYPE_CHECKING:
    from distributed import Client

    from dask_bench.deploy.base import Backend

#: How often the scheduler is asked for its workers while waiting; bounds the
#: resolution of the recorded arrival times.
POLL_SECONDS = 0.01


@dataclass(frozen=True)
class ScaleEvent:
    """One scale step.

    Attributes
    ----------
    requested
        Workers asked for.
    previous
        Workers connected before the request.
    time_to_first
        Seconds from the request until the first new worker connected (None when
        the step added no worker).
    time_to_all
        Seconds from the request until exactly ``requested`` workers were connected.
    workers
        Addresses of the connected workers, in the scheduler's order.
    """

    requested: int
    previous: int
    time_to_first: float | None
    time_to_all: float
    workers: tuple[str, ...]


def connected_workers(client: Client) -> dict[str, dict[str, Any]]:
    """The workers the scheduler knows now, by address (one reply of O(workers) size)."""
    info = client.scheduler_info(n_workers=-1)
    workers: dict[str, dict[str, Any]] = info.get("workers", {})
    return workers


def worker_count(client: Client) -> tuple[int, int]:
    """How many workers the scheduler knows now, and their threads in all.

    A reply of constant size, whatever the number of workers: for polling, where
    :func:`connected_workers` would make the scheduler describe every worker each time.
    """
    info = client.scheduler_info(n_workers=0)
    if "n_workers" not in info or "total_threads" not in info:  # an older scheduler
        workers = connected_workers(client)
        return len(workers), sum(int(w.get("nthreads") or 0) for w in workers.values())
    return int(info["n_workers"]), int(info["total_threads"])


def scale_to(backend: Backend, client: Client, n: int, timeout: float) -> ScaleEvent:
    """Request ``n`` workers and wait until exactly ``n`` with the layout's threads are connected.

    While waiting, the scheduler is asked only for the number of workers and their
    threads (constant size); every worker is described once, when the count is
    reached (and, until the first new worker is seen, when the count changed).

    Raises
    ------
    WorkersTimeout
        When that does not happen within ``timeout`` seconds; the message says how
        many were expected and how many arrived.
    """
    allowed = backend.layout.threads
    threads = " or ".join(str(t) for t in sorted(allowed))
    backend.make_room(n)
    before = set(connected_workers(client))
    start = time.perf_counter()
    backend.request(n)
    first: float | None = None
    seen = len(before)
    while True:
        count, total_threads = worker_count(client)
        now = time.perf_counter() - start
        if first is None and count != seen:
            seen = count
            # a departure and an arrival can leave the count as it was: compare addresses
            if count > len(before) or set(connected_workers(client)) - before:
                first = now
        enough = count == n or (backend.fixed_pool and count >= n)
        # one kind of worker: a wrong thread count shows in the total without a listing
        odd = not backend.layout.groups and total_threads != backend.layout.units(count)
        if enough or odd:
            workers = connected_workers(client)
            _require_threads(workers, allowed, threads)
            if len(workers) == n or (backend.fixed_pool and len(workers) >= n):
                if first is None and set(workers) - before:
                    first = now
                chosen = (
                    subset(workers, n, backend.layout) if backend.fixed_pool else tuple(workers)
                )
                return ScaleEvent(n, len(before), first, now, chosen)
        problem = backend.startup_problem()
        if problem is not None:
            raise WorkersTimeout(f"workers failed to start after {now:.1f} s: {problem}")
        if now > timeout:
            states = _job_states(backend)
            raise WorkersTimeout(
                f"expected {n} worker{'s' if n != 1 else ''} with {threads} thread(s) each, "
                f"{count} arrived within {timeout:g} s"
                + (f"; jobs: {states}" if states else "")
                + "; raise deployment.startup_timeout or check the back-end"
            )
        time.sleep(POLL_SECONDS)


def _require_threads(
    workers: dict[str, dict[str, Any]], allowed: frozenset[int], text: str
) -> None:
    wrong = {a: w["nthreads"] for a, w in workers.items() if w.get("nthreads") not in allowed}
    if wrong:
        addr, got = next(iter(wrong.items()))
        raise WorkersTimeout(
            f"worker {addr} has {got} threads but the layout asks for {text}; "
            "check the back-end's worker options"
        )


def subset(
    workers: dict[str, dict[str, Any]], n: int, layout: WorkerLayout | None = None
) -> tuple[str, ...]:
    """The ``n`` workers of a fixed pool a size is measured on.

    Chosen in a stable order (by name, then address) so that every size extends the
    previous one and repeated studies use the same workers. With worker groups, each
    group's count is taken from the workers offering exactly its resources and threads.

    Raises
    ------
    WorkersTimeout
        When the pool lacks the workers of a group.
    """
    ordered = sorted(workers, key=lambda a: (_natural(str(workers[a].get("name", ""))), a))
    if layout is None or not layout.groups:
        return tuple(ordered[:n])
    chosen: list[str] = []
    for name, count in layout.counts(n).items():
        group = layout.group(name)
        fits = [a for a in ordered if offers(group, workers[a]) and a not in chosen]
        if len(fits) < count:
            wanted = ", ".join(f"{k}={v:g}" for k, v in group.resources.items()) or "no resources"
            raise WorkersTimeout(
                f"group {name} needs {count} worker(s) with {group.threads_per_worker} "
                f"thread(s) and {wanted}; the pool has {len(fits)}; start workers with "
                "--resources and --nthreads to match deployment.groups"
            )
        chosen += fits[:count]
    return tuple(chosen)


def _natural(text: str) -> tuple[tuple[int, int | str], ...]:
    # "worker-10" after "worker-9"; MPI ranks are numbers
    return tuple((0, int(p)) if p.isdigit() else (1, p) for p in re.split(r"(\d+)", text) if p)


def _job_states(backend: Backend) -> str | None:
    # Diagnostics only: a failing query must not hide the timeout itself.
    try:
        return backend.job_states()
    except Exception as exc:
        return f"could not be listed ({type(exc).__name__}: {exc})"
