"""The study's ``scenarios`` section: a workload run under a planned event.

A sweep measures a cluster at rest; a scenario measures what happens when the
infrastructure acts during a computation. Each scenario names one workload
(``<suite>/<workload>``), the worker count it starts from, the event and when the
event happens, and how many rounds to run. A round runs the workload without the
event (the control) and then with it, on the same workers, so that the cost of the
event has an interval of its own; a ``scale-up`` round also runs it at the size the
event leads to.

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
    #: M workers are asked for while the workload runs on N.
    SCALE_UP = "scale-up"
    #: The cluster scales itself between a minimum and a maximum.
    ADAPTIVE = "adaptive"
    #: Workers retire when their lifetime ends.
    LIFETIME = "lifetime"


class _Scenario(_Model):
    """What every scenario has: a workload, a starting size, a moment, rounds."""

    workload: str = Field(description="The workload, as <suite>/<workload> (e.g. tasks/map-sleep).")
    workers: PositiveInt = Field(description="Workers at the start of each repetition.")
    repeats: Annotated[int, Field(ge=2, le=100)] = Field(
        5, description="Rounds: each runs the workload without the event, then with it."
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
        300, description="Seconds one repetition may take before the scenario stops as failed."
    )

    @field_validator("workload")
    @classmethod
    def _workload_key(cls, v: str) -> str:
        suite, sep, name = v.partition("/")
        if not sep or not name:
            raise ValueError(f"workload {v!r} must be <suite>/<workload>, e.g. arrays/std")
        if suite not in suite_names():
            raise ValueError(
                f"workload {v!r} names unknown suite {suite!r}; expected one of "
                f"{', '.join(suite_names())}"
            )
        return v

    @property
    def suite(self) -> str:
        """The workload's suite."""
        return self.workload.partition("/")[0]

    @property
    def workload_name(self) -> str:
        """The workload's name within its suite."""
        return self.workload.partition("/")[2]

    @property
    def target_workers(self) -> int:
        """Workers once the event has happened."""
        return self.workers


class _Triggered(_Scenario):
    """A scenario whose event happens at a moment of the repetition."""

    at_progress: Annotated[float, Field(gt=0, lt=1)] | None = Field(
        None,
        description="The event happens when this fraction of the tasks is done; "
        "default 0.5 unless at_seconds is set.",
    )
    at_seconds: PositiveFloat | None = Field(
        None, description="The event happens this many seconds after the repetition started."
    )

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

    @property
    def trigger(self) -> str:
        """When the event happens, in words (``at 50% of tasks``, ``after 2 s``)."""
        if self.at_seconds is not None:
            return f"after {self.at_seconds:g} s"
        assert self.at_progress is not None
        return f"at {self.at_progress:.0%} of tasks"


class WorkerLoss(_Triggered):
    """Remove ``lose`` of ``workers`` workers while the workload runs."""

    kind: Literal["worker-loss"] = Field(
        description="worker-loss: remove workers during a repetition."
    )
    lose: PositiveInt = Field(1, description="Workers removed (fewer than 'workers').")
    replace: bool = Field(
        False,
        description="Whether the infrastructure replaces them (a restarted worker process, "
        "a resubmitted job) or not (a lost node).",
    )

    @model_validator(mode="after")
    def _some_left(self) -> WorkerLoss:
        if self.lose >= self.workers:
            raise ValueError(
                f"lose ({self.lose}) must be fewer than workers ({self.workers}): "
                "someone must be left to finish the work"
            )
        return self

    def describe(self) -> str:
        """The scenario in words, for ``plan`` and progress lines."""
        replaced = "replaced" if self.replace else "not replaced"
        return (
            f"{self.kind}: lose {self.lose} of {self.workers} workers {self.trigger} "
            f"({replaced}); {self.workload}, {self.repeats} rounds"
        )


class ScaleUp(_Triggered):
    """Ask for ``add`` more workers while the workload runs on ``workers``."""

    kind: Literal["scale-up"] = Field(
        description="scale-up: ask for more workers during a repetition."
    )
    add: PositiveInt = Field(1, description="Workers added (a new job on batch back-ends).")

    @property
    def target_workers(self) -> int:
        """Workers once the new ones have arrived."""
        return self.workers + self.add

    def describe(self) -> str:
        """The scenario in words, for ``plan`` and progress lines."""
        return (
            f"{self.kind}: {self.workers} + {self.add} workers {self.trigger}; "
            f"{self.workload}, {self.repeats} rounds (also run at {self.target_workers})"
        )


class AdaptiveScaling(_Scenario):
    """The workload on a cluster that adapts between ``minimum`` and ``maximum`` workers."""

    kind: Literal["adaptive"] = Field(
        description="adaptive: a burst of work, then idleness, on an adaptive cluster."
    )
    workers: PositiveInt = Field(
        description="The fixed cluster the adaptive one is set against (usually = maximum)."
    )
    minimum: PositiveInt = Field(
        1, description="Fewest workers (at least 1: prepared input stays on the workers)."
    )
    maximum: PositiveInt = Field(description="Most workers.")
    adapt: dict[str, Any] = Field(
        default_factory=dict,
        description="Passed unchanged to the deployer's adapt() (e.g. interval, wait_count, "
        "target_duration); minimum and maximum are set above.",
    )
    idle: Annotated[float, Field(ge=0, le=3600)] = Field(
        10.0, description="Seconds the idle cluster is watched after the work (scale-down)."
    )
    sample_seconds: Annotated[float, Field(ge=0.05, le=1.0)] = Field(
        0.25, description="Seconds between samples of the timeline (workers, tasks, memory)."
    )

    @model_validator(mode="after")
    def _bounds(self) -> AdaptiveScaling:
        if self.minimum > self.maximum:
            raise ValueError(f"minimum ({self.minimum}) must not exceed maximum ({self.maximum})")
        for key in ("minimum", "maximum"):
            if key in self.adapt:
                raise ValueError(f"adapt.{key} is set by the scenario's '{key}' key; remove it")
        return self

    @property
    def target_workers(self) -> int:
        """The most workers adaptive scaling may reach."""
        return self.maximum

    def describe(self) -> str:
        """The scenario in words, for ``plan`` and progress lines."""
        return (
            f"{self.kind}: {self.minimum} to {self.maximum} workers, then {self.idle:g} s idle; "
            f"{self.workload}, {self.repeats} rounds (against {self.workers} fixed)"
        )


class Lifetime(_Scenario):
    """Workers started with a lifetime (``--lifetime``) retire while the workload runs."""

    kind: Literal["lifetime"] = Field(
        description="lifetime: workers with a limited lifetime retire during a repetition."
    )
    lifetime: PositiveFloat = Field(
        description="Seconds each worker lives, from its start (distributed's lifetime)."
    )
    stagger: Annotated[float, Field(ge=0)] = Field(
        0.0, description="Each lifetime is drawn uniformly within lifetime +/- stagger."
    )
    restart: bool = Field(
        True, description="Whether a retired worker is restarted (lifetime_restart)."
    )
    retiring: PositiveInt = Field(
        1, description="Workers started with the lifetime (fewer than 'workers')."
    )

    @model_validator(mode="after")
    def _stagger_below(self) -> Lifetime:
        if self.stagger >= self.lifetime:
            raise ValueError(
                f"stagger ({self.stagger:g}) must be less than lifetime ({self.lifetime:g})"
            )
        if self.retiring >= self.workers:
            raise ValueError(
                f"retiring ({self.retiring}) must be fewer than workers ({self.workers}): a "
                "retiring worker hands its results to one that stays (with none, distributed "
                "refuses to retire it and the work stalls)"
            )
        return self

    def describe(self) -> str:
        """The scenario in words, for ``plan`` and progress lines."""
        restart = "restarted" if self.restart else "not restarted"
        return (
            f"{self.kind}: {self.retiring} of {self.workers} workers living {self.lifetime:g} s "
            f"(+/- {self.stagger:g} s, {restart}); {self.workload}, {self.repeats} rounds"
        )


#: Every scenario model; the ``kind`` key picks one.
Scenario = Annotated[WorkerLoss | ScaleUp | AdaptiveScaling | Lifetime, Field(discriminator="kind")]


def check_scenario_names(scenarios: dict[str, Any]) -> dict[str, Any]:
    """Refuse names that could not be a file or a table key."""
    for name in scenarios:
        if not SCENARIO_NAME.match(name):
            raise ValueError(
                f"scenario name {name!r} must be 1-64 letters, digits, '.', '_' or '-', "
                "starting with a letter or digit"
            )
    return scenarios
