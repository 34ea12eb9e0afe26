"""The like-for-like guard of a comparison: what differs between two runs besides the compared.

A *confounder* can explain a difference in time by itself (worker layout,
problem size, workload version or options, scaling mode); a *note* is worth
knowing but does not (Dask versions, a run that did not complete).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from dask_bench.report._format import format_bytes, format_layout
from dask_bench.report._values import nested, package_version
from dask_bench.store.schema import Point, Run, RunStatus


def _processes(run: Run) -> bool | None:
    """Whether workers were processes, when the back-end recorded it."""
    deployment = run.provenance.deployment
    for path in (("processes",), ("options", "processes")):
        value = nested(deployment, *path)
        if isinstance(value, bool):
            return value
    return None


def _workers_kind(processes: bool) -> str:
    return "separate processes" if processes else "threads of one process"


def _by_workload(
    pairs: list[tuple[Point, Point]], differs: Callable[[Point, Point], bool]
) -> dict[tuple[str, str], list[tuple[Point, Point]]]:
    out: dict[tuple[str, str], list[tuple[Point, Point]]] = {}
    for pa, pb in pairs:
        if differs(pa, pb):
            out.setdefault((pa.suite, pa.workload), []).append((pa, pb))
    return out


def _values(values: list[int], fmt: Callable[[Any], str] = str) -> str:
    return " and ".join(fmt(v) for v in values)


def _size(p: Point) -> str:
    return f"{p.chunks} chunks of {p.chunk_size}"


def _option_diff(a: Mapping[str, Any], b: Mapping[str, Any]) -> str:
    keys = sorted(k for k in {*a, *b} if a.get(k) != b.get(k))
    return ", ".join(f"{k} A {a.get(k, 'unset')}, B {b.get(k, 'unset')}" for k in keys)


def confounders(run_a: Run, run_b: Run, pairs: list[tuple[Point, Point]]) -> list[str]:
    """Every reason why a comparison of the matched points is not like for like.

    Parameters
    ----------
    run_a, run_b
        The two runs.
    pairs
        The matched points, (point of A, point of B).

    Returns
    -------
    list of str
        One readable line per reason (per workload for size, version and options).
    """
    out: list[str] = []
    if run_a.mode != run_b.mode:
        out.append(f"different scaling mode: A is {run_a.mode}, B is {run_b.mode} scaling")
    # From the points, which always record their layout (a run's layout may be partial).
    threads = [sorted({pair[i].threads_per_worker for pair in pairs}) for i in (0, 1)]
    if threads[0] != threads[1]:
        out.append(
            f"different worker layout: {_values(threads[0])} vs {_values(threads[1])} threads "
            "per worker (A vs B), so the same units mean different numbers of workers"
        )
    memory = [sorted({pair[i].memory_per_worker for pair in pairs}) for i in (0, 1)]
    if memory[0] != memory[1]:
        out.append(
            f"different worker layout: {_values(memory[0], format_bytes)} vs "
            f"{_values(memory[1], format_bytes)} memory per worker (A vs B)"
        )
    groups = [(r.layout or {}).get("groups") or None for r in (run_a, run_b)]
    if groups[0] != groups[1]:
        kinds = [
            format_layout(r.layout) if g else "one kind of worker"
            for r, g in zip((run_a, run_b), groups, strict=True)
        ]
        out.append(
            f"different worker groups: A {kinds[0]}; B {kinds[1]} (the pools differ in kind, "
            "so a difference may come from where the work ran)"
        )
    procs = _processes(run_a), _processes(run_b)
    if None not in procs and procs[0] != procs[1]:
        out.append(
            f"different worker layout: workers are {_workers_kind(bool(procs[0]))} in A, "
            f"{_workers_kind(bool(procs[1]))} in B"
        )
    sizes = _by_workload(pairs, lambda a, b: (a.chunks, a.chunk_size) != (b.chunks, b.chunk_size))
    for (suite, workload), diff in sizes.items():
        units = ", ".join(str(a.units) for a, _ in diff)
        a, b = diff[0]
        out.append(
            f"different problem size: {suite}/{workload} at units {units} "
            f"(at {a.units}: A {_size(a)}, B {_size(b)})"
        )
    versions = _by_workload(pairs, lambda a, b: a.workload_version != b.workload_version)
    for (suite, workload), diff in versions.items():
        a, b = diff[0]
        out.append(
            f"different workload version: {suite}/{workload} is version "
            f"{a.workload_version} in A, {b.workload_version} in B"
        )
    options = _by_workload(pairs, lambda a, b: (a.options or {}) != (b.options or {}))
    for (suite, workload), diff in options.items():
        a, b = diff[0]
        out.append(
            f"different workload options: {suite}/{workload} "
            f"({_option_diff(a.options or {}, b.options or {})})"
        )
    return out + placement_differences(run_a, run_b)


def placement_differences(run_a: Run, run_b: Run) -> list[str]:
    """Where scheduler and client ran, when the two runs differ in it (and both recorded it)."""
    where = run_a.provenance.placement, run_b.provenance.placement
    if not (where[0] and where[1]):
        return []
    out = []
    for key, what in (
        ("scheduler_runs", "the scheduler ran"),
        ("client_inside", "the client ran inside"),
        ("same_host", "scheduler and client on one host"),
    ):
        a, b = (w.get(key) for w in where)
        if a != b:
            out.append(
                f"different placement: {what}: A {_placement(a)}, B {_placement(b)} "
                "(the client-scheduler path differs, which shows in short tasks)"
            )
    return out


def _placement(value: Any) -> str:
    return (
        "not known"
        if value is None
        else str(value).lower()
        if isinstance(value, bool)
        else str(value)
    )


def notes(run_a: Run, run_b: Run) -> list[str]:
    """Differences worth a note: Dask versions, and runs that did not complete."""
    out: list[str] = []
    for package in ("dask", "distributed"):
        va, vb = package_version(run_a, package), package_version(run_b, package)
        if va != vb and "unknown" not in (va, vb):
            out.append(f"different {package} versions: {va} in A, {vb} in B")
    for letter, run in (("A", run_a), ("B", run_b)):
        if run.status != RunStatus.COMPLETE:
            out.append(f"{letter} (run {run.id}) is {run.status}: its results may be partial")
    return out
