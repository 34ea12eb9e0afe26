"""The study's ``scenarios`` section: a workload run under a planned event.

A sweep measures a cluster at rest; a scenario measures what happens when the
infrastructure acts during a computation. Each scenario names one workload
(``<suite>/<workload>``), the worker count it starts from, the event and when the
event happens, and how many times to repeat it. Every repetition with the event
is paired with one without it, run just before on the same workers, so that the
cost of the event has an interval of its own.

Which back-end can produce which event is known to the back-ends
(:attr:`dask_bench.deploy.Backend.events`); planning refuses a scenario that the
study's back-end cannot produce.
"""

from __future__ import annotations

import re
from enum import StrEnum
from typing import Annotated, Any, Literal

from pydantic import Field, field_validator, model_validator

from dask_bench.study.catalogue import suite_names
from dask_bench.study.suites import OptionValue
from dask_bench.study.variants import PositiveFloat, PositiveInt, _Model

#: A scenario's name: letters, digits, '.', '_' and '-'.
SCENARIO_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$")


class ScenarioKind(StrEnum):
    """The event a scenario provokes."""

    #: k of the N workers are removed the way the infrastructure would remove them.
    WORKER_LOSS = "worker-loss"


class WorkerLoss(_Model):
    """Remove ``lose`` of ``workers`` workers while the workload runs.

    The event happens when ``at_progress`` of the workload's tasks are done
    (counted by the scheduler; the total comes from the undisturbed repetition
    just before) or, with ``at_seconds``, that long after the repetition started.
    """

    kind: Literal["worker-loss"] = Field(
        description="worker-loss: remove workers during a repetition."
    )
    workload: str = Field(description="The workload, as <suite>/<workload> (e.g. arrays/sum).")
    workers: PositiveInt = Field(description="Workers at the start of each repetition.")
    lose: PositiveInt = Field(1, description="Workers removed (fewer than 'workers').")
    at_progress: Annotated[float, Field(gt=0, lt=1)] | None = Field(
        None,
        description="Remove them when this fraction of the tasks is done; "
        "default 0.5 unless at_seconds is set.",
    )
    at_seconds: PositiveFloat | None = Field(
        None, description="Remove them this many seconds after the repetition started."
    )
    replace: bool = Field(
        False,
        description="Whether the infrastructure starts replacements (a restarted worker "
        "process) or not (a lost node); where the back-end decides itself, recorded as it was.",
    )
    repeats: Annotated[int, Field(ge=2, le=100)] = Field(
        5, description="Repetitions with the event, each paired with one without it."
    )
    chunks: PositiveInt | None = Field(
        None, description="Chunks of the workload; default: the suite's per_unit x units."
    )
    chunk_size: PositiveInt | None = Field(
        None, description="Size of a chunk; default: the suite's chunk_size."
    )
    options: dict[str, OptionValue] = Field(
        default_factory=dict, description="Workload options, as in suites.<suite>.options."
    )
    timeout: PositiveFloat = Field(
        300, description="Seconds one repetition may take before it is stopped as failed."
    )

    @field_validator("workload")
    @classmethod
    def _workload_key(cls, v: str) -> str:
        suite, sep, name = v.partition("/")
        if not sep or not name:
            raise ValueError(f"workload {v!r} must be <suite>/<workload>, e.g. arrays/sum")
        if suite not in suite_names():
            raise ValueError(
                f"workload {v!r} names unknown suite {suite!r}; expected one of "
                f"{', '.join(suite_names())}"
            )
        return v

    @model_validator(mode="before")
    @classmethod
    def _one_trigger(cls, data: Any) -> Any:
        if isinstance(data, dict):
            progress, seconds = data.get("at_progress"), data.get("at_seconds")
            if progress is not None and seconds is not None:
                raise ValueError(
                    "give at_progress (a fraction of the tasks) or at_seconds, not both"
                )
            if progress is None and seconds is None:
                data = {**data, "at_progress": 0.5}
        return data

    @model_validator(mode="after")
    def _some_left(self) -> WorkerLoss:
        if self.lose >= self.workers:
            raise ValueError(
                f"lose ({self.lose}) must be fewer than workers ({self.workers}): "
                "someone must be left to finish the work"
            )
        return self

    @property
    def suite(self) -> str:
        """The workload's suite."""
        return self.workload.partition("/")[0]

    @property
    def workload_name(self) -> str:
        """The workload's name within its suite."""
        return self.workload.partition("/")[2]

    @property
    def trigger(self) -> str:
        """When the event happens, in words (``50 % of tasks``, ``after 2 s``)."""
        if self.at_seconds is not None:
            return f"after {self.at_seconds:g} s"
        assert self.at_progress is not None
        return f"at {self.at_progress:.0%} of tasks"

    def describe(self) -> str:
        """The scenario in words, for ``plan`` and progress lines."""
        replaced = "replaced" if self.replace else "not replaced"
        return (
            f"{self.kind}: lose {self.lose} of {self.workers} workers {self.trigger} "
            f"({replaced}); {self.workload}, {self.repeats} pairs"
        )


#: Every scenario model; the ``kind`` key picks one.
Scenario = WorkerLoss


def check_scenario_names(scenarios: dict[str, Scenario]) -> dict[str, Scenario]:
    """Refuse names that could not be a file or a table key."""
    for name in scenarios:
        if not SCENARIO_NAME.match(name):
            raise ValueError(
                f"scenario name {name!r} must be 1-64 letters, digits, '.', '_' or '-', "
                "starting with a letter or digit"
            )
    return scenarios
