"""The states and categories stored values take, apart from the tables.

Plain enums and constants, free of SQLAlchemy, so that reading commands (``list runs``)
and the report's formatting use them without importing the database layer.
"""

from __future__ import annotations

from enum import StrEnum


class RunStatus(StrEnum):
    """Where a run stands (``runs.status``)."""

    RUNNING = "running"
    COMPLETE = "complete"
    INTERRUPTED = "interrupted"
    FAILED = "failed"


class PointStatus(StrEnum):
    """Where a point stands (``points.status``)."""

    RUNNING = "running"
    OK = "ok"
    FAILED = "failed"
    INTERRUPTED = "interrupted"


class ScenarioRole(StrEnum):
    """What a repetition of a scenario is (``scenario_repetitions.role``)."""

    #: Before the first round; not counted.
    WARMUP = "warm-up"
    #: Without the event, at the size the scenario starts from.
    CONTROL = "control"
    #: With the event.
    EVENT = "event"
    #: Without the event, at the size the event leads to (e.g. N + M after a scale-up).
    TARGET = "target"


class Ending(StrEnum):
    """How the repetitions of a point ended (``points.stopped_by``)."""

    #: The median's interval reached the target.
    PRECISION = "precision"
    #: ``measurement.point_budget`` was spent before the target was reached.
    BUDGET = "budget"
    #: The study's ``measurement.time_budget`` was spent before the target was reached.
    TIME_BUDGET = "time_budget"
    #: ``measurement.max_repeats`` timed repetitions were taken.
    MAX_REPEATS = "max_repeats"
    #: Too many repetitions were disturbed (a worker left, arrived, restarted or paused).
    DISTURBED = "disturbed"
    #: A repetition failed (error, wrong result, timeout).
    FAILURE = "failure"

    @property
    def precise(self) -> bool:
        """Whether the point reached its target precision."""
        return self is Ending.PRECISION


#: What each ending means, for tables and legends.
ENDING_LABELS = {
    Ending.PRECISION: "precise: the interval reached the target",
    Ending.BUDGET: "point budget spent before the target",
    Ending.TIME_BUDGET: "study time budget spent before the target",
    Ending.MAX_REPEATS: "max_repeats reached before the target",
    Ending.DISTURBED: "too many repetitions disturbed (workers lost, added or paused)",
    Ending.FAILURE: "a repetition failed",
}


#: Categories of :class:`~dask_bench.store.schema.Breakdown`, in the order figures stack them
#: (see :mod:`dask_bench.runner.breakdown` for what each holds).
BREAKDOWN_CATEGORIES = (
    "compute-cpu",
    "compute-other",
    "transfer",
    "shuffle",
    "serialization",
    "spill",
    "overhead",
    "idle",
)
#: What each breakdown category holds.
BREAKDOWN_LABELS = {
    "compute-cpu": "task compute, CPU",
    "compute-other": "task compute, non-CPU (GIL, I/O, sleep)",
    "transfer": "transfer between workers (gather-dep)",
    "shuffle": "shuffle buffers (P2P send/receive and disk, also within one worker)",
    "serialization": "(de)serialization, (de)compression",
    "spill": "disk spill read/write (data beyond the workers' memory)",
    "overhead": "executor and other overhead (scheduling, task bookkeeping)",
    "idle": "idle (threads waiting for work)",
}
