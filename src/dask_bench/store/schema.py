"""Database tables. The schema carries a version; see :mod:`dask_bench.store.migrate`."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum
from typing import TYPE_CHECKING, Any

from sqlalchemy import JSON, Boolean, DateTime, Float, ForeignKey, Integer, String, Text
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column, relationship

from dask_bench.store._versions import PROVENANCE_FORMAT as PROVENANCE_FORMAT  # re-exported
from dask_bench.store._versions import SCHEMA_VERSION as SCHEMA_VERSION  # re-exported
from dask_bench.store.states import BREAKDOWN_CATEGORIES as BREAKDOWN_CATEGORIES
from dask_bench.store.states import BREAKDOWN_LABELS as BREAKDOWN_LABELS
from dask_bench.store.states import ENDING_LABELS as ENDING_LABELS
from dask_bench.store.states import Ending as Ending
from dask_bench.store.states import PointStatus as PointStatus
from dask_bench.store.states import RunStatus as RunStatus
from dask_bench.store.states import ScenarioRole as ScenarioRole

if TYPE_CHECKING:
    from dask_bench.store.provenance import Provenance


class Base(DeclarativeBase):
    """Declarative base of dask-bench tables."""


class Meta(Base):
    """Key/value facts about the database itself (the schema version)."""

    __tablename__ = "meta"
    key: Mapped[str] = mapped_column(String(64), primary_key=True)
    value: Mapped[str] = mapped_column(Text)


class Run(Base):
    """One execution of a study."""

    __tablename__ = "runs"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    name: Mapped[str] = mapped_column(String(200), index=True)
    status: Mapped[str] = mapped_column(String(16))  # a RunStatus
    mode: Mapped[str] = mapped_column(String(16))
    backend: Mapped[str] = mapped_column(String(64))
    layout: Mapped[dict[str, Any]] = mapped_column(JSON)
    started_at: Mapped[datetime] = mapped_column(DateTime)
    finished_at: Mapped[datetime | None] = mapped_column(DateTime, nullable=True)
    study: Mapped[dict[str, Any]] = mapped_column(JSON)
    environment: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    dask_bench_version: Mapped[str] = mapped_column(String(32))
    message: Mapped[str | None] = mapped_column(Text, nullable=True)
    #: Shared by the runs of one study execution, one per deployment variant (schema 4);
    #: runs stored before schema 4 get ``run-<id>``.
    study_id: Mapped[str | None] = mapped_column(String(32), index=True, nullable=True)
    #: The study's deployment variant this run measured (schema 4); None: no variants.
    variant: Mapped[str | None] = mapped_column(String(64), nullable=True)

    points: Mapped[list[Point]] = relationship(back_populates="run", cascade="all, delete-orphan")
    scale_events: Mapped[list[ScaleEventRow]] = relationship(
        back_populates="run", cascade="all, delete-orphan"
    )
    scenarios: Mapped[list[ScenarioRow]] = relationship(
        back_populates="run", cascade="all, delete-orphan"
    )

    @property
    def provenance(self) -> Provenance:
        """The typed provenance (:attr:`environment`, read with the model's defaults)."""
        # here, not at the top: its pydantic models are not needed to list runs
        from dask_bench.store.provenance import read_provenance

        return read_provenance(self.environment)

    @property
    def confidence(self) -> float:
        """The confidence level of the run's intervals (its study's, or the default)."""
        from dask_bench.store.provenance import confidence_of

        return confidence_of(self.study)


class Point(Base):
    """One workload at one size and layout."""

    __tablename__ = "points"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    run_id: Mapped[int] = mapped_column(ForeignKey("runs.id"), index=True)
    suite: Mapped[str] = mapped_column(String(32))
    workload: Mapped[str] = mapped_column(String(64))
    workload_version: Mapped[int] = mapped_column(Integer)
    workers: Mapped[int] = mapped_column(Integer)
    threads_per_worker: Mapped[int] = mapped_column(Integer)
    memory_per_worker: Mapped[int] = mapped_column(Integer)
    units: Mapped[int] = mapped_column(Integer)
    chunks: Mapped[int] = mapped_column(Integer)
    chunk_size: Mapped[int] = mapped_column(Integer)
    options: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    nbytes: Mapped[int | None] = mapped_column(Integer, nullable=True)
    ntasks: Mapped[int | None] = mapped_column(Integer, nullable=True)
    status: Mapped[str] = mapped_column(String(16))  # a PointStatus
    # how its repetitions ended: an Ending
    stopped_by: Mapped[str | None] = mapped_column(String(16), nullable=True)
    error: Mapped[str | None] = mapped_column(Text, nullable=True)
    started_at: Mapped[datetime] = mapped_column(DateTime)
    finished_at: Mapped[datetime | None] = mapped_column(DateTime, nullable=True)
    # Scheduler-side figures and memory, per timed repetition (schema 2; see breakdowns).
    tasks_per_second: Mapped[float | None] = mapped_column(Float, nullable=True)
    scheduler_tasks: Mapped[float | None] = mapped_column(Float, nullable=True)
    submit_seconds: Mapped[float | None] = mapped_column(Float, nullable=True)
    memory_peak: Mapped[float | None] = mapped_column(Float, nullable=True)
    memory_mean: Mapped[float | None] = mapped_column(Float, nullable=True)
    # None: not collected; False: some metrics had not arrived (see metrics_note).
    metrics_complete: Mapped[bool | None] = mapped_column(Boolean, nullable=True)
    metrics_note: Mapped[str | None] = mapped_column(Text, nullable=True)
    performance_report: Mapped[str | None] = mapped_column(Text, nullable=True)
    #: Short remarks on how the point was measured (schema 5): calibration, warm-ups
    #: until steady, disturbances between repetitions, sizes shorter than the minimum.
    notes: Mapped[list[str] | None] = mapped_column(JSON(none_as_null=True), nullable=True)
    #: Scheduler-side figures of the point (schema 8): µs per task, scheduler CPU and
    #: peak memory, longest event-loop tick, time to first task; None: not collected.
    scheduler: Mapped[dict[str, Any] | None] = mapped_column(JSON(none_as_null=True), nullable=True)
    #: Where each task group ran, by worker group (schema 8), and any task that needed
    #: a resource its worker lacked; None: a pool of one group.
    placement: Mapped[dict[str, Any] | None] = mapped_column(JSON(none_as_null=True), nullable=True)

    run: Mapped[Run] = relationship(back_populates="points")
    measurements: Mapped[list[Measurement]] = relationship(
        back_populates="point", cascade="all, delete-orphan"
    )
    breakdown: Mapped[list[Breakdown]] = relationship(
        back_populates="point", cascade="all, delete-orphan"
    )


class Measurement(Base):
    """One repetition of a point: its time, or why it failed."""

    __tablename__ = "measurements"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    point_id: Mapped[int] = mapped_column(ForeignKey("points.id"), index=True)
    repetition: Mapped[int] = mapped_column(Integer)  # warm-ups count from 0 too
    warmup: Mapped[bool] = mapped_column(Boolean)
    seconds: Mapped[float | None] = mapped_column(Float, nullable=True)
    ok: Mapped[bool] = mapped_column(Boolean)
    error: Mapped[str | None] = mapped_column(Text, nullable=True)
    started_at: Mapped[datetime] = mapped_column(DateTime)
    #: A worker left, arrived, restarted or paused during this repetition (schema 5):
    #: it is kept, never counted in the point's statistics.
    disturbed: Mapped[bool] = mapped_column(Boolean, default=False)
    #: What disturbed it.
    disturbance: Mapped[str | None] = mapped_column(Text, nullable=True)

    point: Mapped[Point] = relationship(back_populates="measurements")


class SchedulerFigure(StrEnum):
    """Keys of ``points.scheduler`` (see :mod:`dask_bench.runner.scheduler_probe`)."""

    TASKS = "tasks"
    SUBMIT_SECONDS = "submit_seconds"
    EXECUTE_SECONDS = "execute_seconds"
    SUBMIT_US_PER_TASK = "submit_us_per_task"
    EXECUTE_US_PER_TASK = "execute_us_per_task"
    FIRST_TASK_SECONDS = "first_task_seconds"
    CPU_SECONDS = "cpu_seconds"
    PEAK_MEMORY = "peak_memory"
    LONGEST_TICK = "longest_tick"
    REPETITIONS = "repetitions"
    SHARED_PROCESS = "shared_process"


#: What each scheduler figure holds (medians over the timed repetitions unless said).
SCHEDULER_LABELS = {
    SchedulerFigure.TASKS: "tasks per repetition, counted by the scheduler",
    SchedulerFigure.SUBMIT_SECONDS: "client call to the scheduler holding the whole graph (s)",
    SchedulerFigure.EXECUTE_SECONDS: "graph held to the last task's end (s)",
    SchedulerFigure.SUBMIT_US_PER_TASK: "submission µs per task",
    SchedulerFigure.EXECUTE_US_PER_TASK: "execution µs per task",
    SchedulerFigure.FIRST_TASK_SECONDS: "client call to the first task starting (s)",
    SchedulerFigure.CPU_SECONDS: "scheduler process CPU seconds per repetition",
    SchedulerFigure.PEAK_MEMORY: "peak scheduler resident memory (bytes; maximum)",
    SchedulerFigure.LONGEST_TICK: "longest event-loop tick (s; maximum)",
    SchedulerFigure.REPETITIONS: "repetitions these figures come from",
    SchedulerFigure.SHARED_PROCESS: "the scheduler ran in the client's process",
}


class Breakdown(Base):
    """Where a point's worker time went: thread-seconds per category, per timed repetition."""

    __tablename__ = "breakdowns"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    point_id: Mapped[int] = mapped_column(ForeignKey("points.id"), index=True)
    category: Mapped[str] = mapped_column(String(32))
    seconds: Mapped[float] = mapped_column(Float)

    point: Mapped[Point] = relationship(back_populates="breakdown")


class ScaleEventRow(Base):
    """One scale step: workers requested, and how long they took to arrive."""

    __tablename__ = "scale_events"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    run_id: Mapped[int] = mapped_column(ForeignKey("runs.id"), index=True)
    requested: Mapped[int] = mapped_column(Integer)
    previous: Mapped[int] = mapped_column(Integer)
    time_to_first: Mapped[float | None] = mapped_column(Float, nullable=True)
    time_to_all: Mapped[float | None] = mapped_column(Float, nullable=True)
    ok: Mapped[bool] = mapped_column(Boolean)
    error: Mapped[str | None] = mapped_column(Text, nullable=True)
    at: Mapped[datetime] = mapped_column(DateTime)
    #: Longest time a job of this step waited in the batch queue (schema 3), when the
    #: scheduler tells it; ``time_to_all - queue_seconds`` is then process start.
    queue_seconds: Mapped[float | None] = mapped_column(Float, nullable=True)
    #: What the back-end knows of the step (schema 3): jobs, their states and nodes,
    #: and the workers used (subsets of a fixed pool).
    details: Mapped[dict[str, Any] | None] = mapped_column(JSON(none_as_null=True), nullable=True)

    run: Mapped[Run] = relationship(back_populates="scale_events")


class ScenarioRow(Base):
    """One scenario of a run (schema 7): a workload repeated under a planned event."""

    __tablename__ = "scenarios"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    run_id: Mapped[int] = mapped_column(ForeignKey("runs.id"), index=True)
    name: Mapped[str] = mapped_column(String(64))
    kind: Mapped[str] = mapped_column(String(32))  # a ScenarioKind
    suite: Mapped[str] = mapped_column(String(32))
    workload: Mapped[str] = mapped_column(String(64))
    workload_version: Mapped[int] = mapped_column(Integer)
    workers: Mapped[int] = mapped_column(Integer)
    chunks: Mapped[int] = mapped_column(Integer)
    chunk_size: Mapped[int] = mapped_column(Integer)
    #: The scenario as the study gave it (event, trigger, repeats, options).
    settings: Mapped[dict[str, Any]] = mapped_column(JSON)
    nbytes: Mapped[int | None] = mapped_column(Integer, nullable=True)
    ntasks: Mapped[int | None] = mapped_column(Integer, nullable=True)
    status: Mapped[str] = mapped_column(String(16))  # a PointStatus
    error: Mapped[str | None] = mapped_column(Text, nullable=True)
    started_at: Mapped[datetime] = mapped_column(DateTime)
    finished_at: Mapped[datetime | None] = mapped_column(DateTime, nullable=True)

    run: Mapped[Run] = relationship(back_populates="scenarios")
    repetitions: Mapped[list[ScenarioRepetition]] = relationship(
        back_populates="scenario", cascade="all, delete-orphan"
    )


class ScenarioRepetition(Base):
    """One repetition of a scenario: with its event, or one of the round's controls."""

    __tablename__ = "scenario_repetitions"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    scenario_id: Mapped[int] = mapped_column(ForeignKey("scenarios.id"), index=True)
    #: Rounds (a control, the event, ...) count from 0; the warm-up is round -1.
    pair: Mapped[int] = mapped_column(Integer)
    role: Mapped[str] = mapped_column(String(16))  # a ScenarioRole
    seconds: Mapped[float | None] = mapped_column(Float, nullable=True)
    ok: Mapped[bool] = mapped_column(Boolean)
    #: Whether the workload's check passed (None: there was no result to check).
    correct: Mapped[bool | None] = mapped_column(Boolean, nullable=True)
    error: Mapped[str | None] = mapped_column(Text, nullable=True)
    started_at: Mapped[datetime] = mapped_column(DateTime)
    #: What the scheduler and the back-end saw: see :mod:`dask_bench.runner.scenarios`.
    figures: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)

    scenario: Mapped[ScenarioRow] = relationship(back_populates="repetitions")
