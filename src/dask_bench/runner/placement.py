"""Where tasks ran: per task prefix and worker group, from the scheduler's own records.

A scheduler plugin counts every finished task by the span it ran in (each timed
repetition has its own, see :class:`~dask_bench.runner.breakdown.PointObserver`), its
prefix and the worker that ran it, and keeps the resources the scheduler held it to.
After a size, the counts of each point's spans are read in one call, mapped onto the
worker groups (:func:`~dask_bench.deploy.layout.group_of`) and judged against what the
workload declares its tasks need (:attr:`~dask_bench.workloads.Trial.placement`).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from distributed.diagnostics.plugin import SchedulerPlugin

from dask_bench.deploy.layout import WorkerLayout, group_of

if TYPE_CHECKING:
    from distributed import Client

#: The name the plugin is registered under on the scheduler.
PLUGIN_NAME = "dask-bench-placement"
#: Stands for a worker that matches no group (it should not exist).
NO_GROUP = "(no group)"


class PlacementRecorder(SchedulerPlugin):
    """Counts finished tasks by span, prefix and worker (a dict update per task)."""

    name = PLUGIN_NAME

    def __init__(self) -> None:
        #: span id -> (prefix, worker address) -> tasks
        self.counts: dict[str, dict[tuple[str, str], int]] = {}
        #: span id -> prefix -> the resources the scheduler held its tasks to
        self.restricted: dict[str, dict[str, dict[str, float]]] = {}
        self._scheduler: Any = None

    async def start(self, scheduler: Any) -> None:
        """Keep the scheduler, to look up the task of each transition."""
        self._scheduler = scheduler

    def transition(
        self, key: Any, start: str, finish: str, *args: Any, stimulus_id: str, **kwargs: Any
    ) -> None:
        """Count a task that finished, under its span, prefix and worker."""
        if start != "processing" or finish != "memory":
            return
        worker = kwargs.get("worker")
        ts = self._scheduler.tasks.get(key) if self._scheduler is not None else None
        if ts is None or worker is None:
            return
        span = ts.group.span_id or ""
        per_span = self.counts.setdefault(span, {})
        slot = (ts.prefix.name, str(worker))
        per_span[slot] = per_span.get(slot, 0) + 1
        if ts.resource_restrictions:
            self.restricted.setdefault(span, {})[ts.prefix.name] = dict(ts.resource_restrictions)


def install(client: Client) -> None:
    """Register the recorder on the scheduler (again: a fresh one, empty)."""
    client.register_plugin(PlacementRecorder(), name=PLUGIN_NAME)


def _take(spans: list[list[str]], dask_scheduler: Any = None) -> list[Any]:
    # Runs on the scheduler: each point's counts, removed from the recorder.
    recorder = dask_scheduler.plugins.get(PLUGIN_NAME)
    found = []
    for ids in spans:
        counts: dict[str, dict[str, int]] = {}
        restricted: dict[str, dict[str, float]] = {}
        for span in ids:
            for (prefix, worker), n in (recorder.counts.pop(span, {}) if recorder else {}).items():
                counts.setdefault(prefix, {})
                counts[prefix][worker] = counts[prefix].get(worker, 0) + n
            restricted.update(recorder.restricted.pop(span, {}) if recorder else {})
        workers = {
            a: {"name": ws.name, "nthreads": ws.nthreads, "resources": dict(ws.resources)}
            for a, ws in dask_scheduler.workers.items()
        }
        found.append({"counts": counts, "restricted": restricted, "workers": workers})
    return found


def read(client: Client, spans: list[list[str]]) -> list[dict[str, Any]]:
    """The counts of each point (the ids of its spans), read in one call."""
    result: list[dict[str, Any]] = client.run_on_scheduler(_take, spans)
    return result


@dataclass(frozen=True)
class Placement:
    """Where a point's tasks ran, and what ran where it should not.

    Attributes
    ----------
    groups
        Task prefix -> worker group -> tasks.
    violations
        One line per task prefix that ran on workers lacking what it needs.
    """

    groups: dict[str, dict[str, int]]
    violations: list[str]

    def as_dict(self, required: Mapping[str, Mapping[str, float]]) -> dict[str, Any]:
        """For the point's ``placement`` column."""
        return {
            "groups": self.groups,
            "required": {k: dict(v) for k, v in required.items()},
            "violations": self.violations,
        }


def judge(
    seen: Mapping[str, Any],
    layout: WorkerLayout,
    required: Mapping[str, Mapping[str, float]],
) -> Placement:
    """Map a point's counts onto worker groups and find tasks placed against ``required``.

    Parameters
    ----------
    seen
        What :func:`read` returned for the point.
    layout
        The run's layout (its groups name the workers).
    required
        Task prefix -> the resources its tasks need (the workload's declaration).
    """
    workers: Mapping[str, Mapping[str, Any]] = seen.get("workers", {})
    groups: dict[str, dict[str, int]] = {}
    wrong: dict[str, dict[str, int]] = {}
    for prefix, by_worker in sorted(seen.get("counts", {}).items()):
        needs = required.get(prefix, {})
        for address, n in by_worker.items():
            info = workers.get(address, {})
            group = (group_of(layout, info) if layout.groups else None) or NO_GROUP
            per = groups.setdefault(prefix, {})
            per[group] = per.get(group, 0) + n
            offered = info.get("resources") or {}
            if any(float(offered.get(r, 0)) < amount for r, amount in needs.items()):
                label = str(info.get("name") or address)
                wrong.setdefault(prefix, {})[label] = wrong.get(prefix, {}).get(label, 0) + n
    violations = [
        f"{sum(by.values())} '{prefix}' task(s) needing {_needs(required[prefix])} ran on "
        f"workers without it ({', '.join(sorted(by))})"
        for prefix, by in sorted(wrong.items())
    ]
    return Placement(groups=groups, violations=violations)


def _needs(resources: Mapping[str, float]) -> str:
    return ", ".join(f"{k}={v:g}" for k, v in resources.items())


@dataclass
class PlacementLog:
    """Whether the run's recorder is installed; it is, once a point needs it."""

    layout: WorkerLayout
    installed: bool = False

    def wanted(self, required: Mapping[str, Mapping[str, float]]) -> bool:
        """Whether a point's placement is recorded: on worker groups, or when it needs any."""
        return bool(self.layout.groups or required)

    def ensure(self, client: Client) -> None:
        """Install the recorder on the scheduler, the first time only."""
        if not self.installed:
            install(client)
            self.installed = True
