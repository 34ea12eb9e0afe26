"""The study's deployment and measurement sections, and the values they are made of."""

from __future__ import annotations

import os
import re
from typing import Annotated, Any

from pydantic import Field, field_validator, model_validator

from dask_bench._defaults import DEFAULT_CONFIDENCE
from dask_bench.study.groups import WorkerGroup, check_groups
from dask_bench.study.variants import PositiveFloat, PositiveInt, _Model


def default_workers(cores: int | None = None) -> list[int]:
    """Worker counts swept by default: powers of two below the core count, then the core count."""
    cores = cores or os.cpu_count() or 1
    sizes = [1]
    while sizes[-1] * 2 < cores:
        sizes.append(sizes[-1] * 2)
    if sizes[-1] != cores:
        sizes.append(cores)
    return sizes


#: Largest worker count a study may ask for (a guard against typos such as 1e23).
MAX_WORKERS = 1_000_000
#: Smallest memory per worker: below it a worker cannot even hold its own code.
MIN_WORKER_MEMORY = 64 * 2**20


class Deployment(_Model):
    """How the cluster is deployed and which sizes are swept."""

    backend: str = Field("local", description="Deployment back-end (dask-bench list backends).")
    workers: list[Annotated[int, Field(gt=0, le=MAX_WORKERS)]] = Field(
        default_factory=default_workers,
        description="Worker counts to sweep, e.g. [1, 2, 4]; default 1, 2, 4, ... up to the cores.",
    )
    threads_per_worker: PositiveInt = Field(1, description="Threads in each worker process.")
    memory_per_worker: str | PositiveInt = Field(
        "auto",
        description="Memory limit of each worker, e.g. '2GiB'; 'auto' = machine memory "
        "divided by the largest worker count.",
    )
    cores_per_node: PositiveInt | None = Field(
        None,
        description="Cores of one batch node: a size first fills one node, then spreads "
        "evenly over as few nodes as hold it (one job per node); null: one job per worker.",
    )
    startup_timeout: PositiveFloat = Field(
        120.0, description="Seconds to wait for a requested number of workers to connect."
    )
    options: dict[str, Any] = Field(
        default_factory=dict,
        description="Passed unchanged to the back-end's deployer (e.g. LocalCluster keywords).",
    )
    allow_version_mismatch: bool = Field(
        False,
        description="Measure even when client, scheduler and workers run different versions "
        "of Python or key packages (otherwise the study stops with a table of differences).",
    )
    groups: dict[str, WorkerGroup] = Field(
        default_factory=dict,
        description="Named worker groups of one heterogeneous pool (each with its own "
        "workers, threads, memory, resources and back-end options); empty: one kind of "
        "worker. The swept group's count follows deployment.workers.",
    )

    @field_validator("groups")
    @classmethod
    def _groups(cls, v: dict[str, WorkerGroup]) -> dict[str, WorkerGroup]:
        return check_groups(v)

    @field_validator("workers")
    @classmethod
    def _sorted_unique(cls, v: list[int]) -> list[int]:
        if not v:
            raise ValueError("must list at least one worker count")
        return sorted(set(v))

    @field_validator("memory_per_worker")
    @classmethod
    def _memory(cls, v: str | int) -> str | int:
        if isinstance(v, str) and v != "auto":
            from dask.utils import parse_bytes

            try:
                if parse_bytes(v) <= 0:
                    raise ValueError
            except ValueError:
                raise ValueError(f"{v!r} is not a memory size; use e.g. '2GiB' or 'auto'") from None
        if v != "auto":
            from dask.utils import parse_bytes

            if parse_bytes(v) < MIN_WORKER_MEMORY:
                raise ValueError(
                    f"{v!r} is below the floor of 64 MiB per worker, where a worker cannot run; "
                    "use e.g. '1GiB' or 'auto'"
                )
        return v


class Measurement(_Model):
    """How each point is measured."""

    warmup: Annotated[int, Field(ge=0)] = Field(
        1, description="Fewest warm-up repetitions (excluded from the statistics)."
    )
    max_warmup: Annotated[int, Field(ge=0)] = Field(
        5,
        description="Most warm-ups: warm-ups continue while a repetition is more than "
        "warmup_tolerance faster than the fastest earlier one (start-up not yet absorbed).",
    )
    warmup_tolerance: PositiveFloat = Field(
        0.1, description="A repetition this much faster than every earlier one is a warm-up."
    )
    min_repeats: Annotated[int, Field(ge=2)] = Field(
        6,
        description="Fewest timed repetitions (the median's 95 % interval needs at least 6).",
    )
    max_repeats: PositiveInt = Field(40, description="Most timed repetitions.")
    target_ci: PositiveFloat = Field(
        0.05,
        description="Stop when the half-width of the median's confidence interval is within "
        "this fraction of the median.",
    )
    confidence: float = Field(
        DEFAULT_CONFIDENCE, gt=0, lt=1, description="Confidence level of the CI."
    )
    min_repetition_seconds: PositiveFloat = Field(
        0.1,
        description="Shortest repetition worth timing: suites left at their default sizes "
        "are calibrated at the smallest size until a repetition lasts this long; sizes set "
        "in the study are kept and noted when shorter.",
    )
    point_budget: PositiveFloat | None = Field(
        6.0,
        description="Seconds of timed repetitions after which a point stops once "
        "min_repeats are done; null: repeat until precise or max_repeats.",
    )
    time_budget: str | PositiveFloat | None = Field(
        None,
        description="Time for the whole study, e.g. '10m' or seconds: repetitions go where "
        "the uncertainty is largest until every point is precise or this is spent; null: "
        "no study-wide limit.",
    )
    interleave: bool = Field(
        True,
        description="Interleave the timed repetitions of the workloads of one size, so that "
        "slow drift of the machine does not land on one workload (all their inputs are held "
        "in memory at once); false: one point after another.",
    )
    max_disturbed: Annotated[int, Field(ge=0)] = Field(
        3,
        description="Disturbed repetitions (a worker left, arrived or paused) a point "
        "repeats before it ends as 'disturbed'.",
    )
    repetition_timeout: PositiveFloat | None = Field(
        300.0, description="Seconds one repetition may take before it counts as failed."
    )
    seed: int = Field(42, description="Seed of all generated data.")
    breakdown: bool = Field(
        True,
        description="Run every repetition in a Dask span and store where the time went, "
        "the scheduler-side figures and worker memory per point.",
    )
    hardware_baseline: bool = Field(
        True,
        description="Run client.benchmark_hardware() once per run and keep it with the "
        "provenance; switch off for quick studies.",
    )
    performance_report: str | None = Field(
        None,
        description="Folder for Dask's own performance report (HTML) of every point; null: "
        "none. Points are then measured one after another.",
    )

    @field_validator("time_budget")
    @classmethod
    def _duration(cls, v: str | float | None) -> str | float | None:
        if isinstance(v, str):
            parse_duration(v)
        return v

    @property
    def time_budget_seconds(self) -> float | None:
        """The study's time budget in seconds; None: no limit."""
        if self.time_budget is None:
            return None
        return parse_duration(self.time_budget)

    @model_validator(mode="after")
    def _bounds(self) -> Measurement:
        if self.max_repeats < self.min_repeats:
            raise ValueError(
                f"max_repeats ({self.max_repeats}) is smaller than min_repeats ({self.min_repeats})"
            )
        if self.max_warmup < self.warmup:
            raise ValueError(
                f"max_warmup ({self.max_warmup}) is smaller than warmup ({self.warmup})"
            )
        return self


class IoSettings(_Model):
    """Where the ``io`` suite writes and reads its files."""

    directory: str | None = Field(
        None,
        description="Folder the io suite writes into (each trial in a sub-folder of its own, "
        "removed afterwards); it must exist, be writable and be visible to every worker; "
        "null: the system's temporary folder.",
    )

    @field_validator("directory")
    @classmethod
    def _usable(cls, v: str | None) -> str | None:
        if v is None:
            return v
        path = os.path.abspath(os.path.expanduser(v))
        if not os.path.isdir(path):
            raise ValueError(
                f"folder {path} does not exist; create it or point io.directory elsewhere"
            )
        if not os.access(path, os.W_OK | os.X_OK):
            raise ValueError(
                f"folder {path} is not writable; point io.directory at a scratch folder"
            )
        return path


_DURATION = re.compile(r"(\d+(?:\.\d+)?)\s*(h|min|m|s)?", re.IGNORECASE)
_SECONDS = {"h": 3600.0, "m": 60.0, "min": 60.0, "s": 1.0, "": 1.0}


def parse_duration(text: str | float) -> float:
    """Seconds in a duration such as ``'90'``, ``'90s'``, ``'4m'``, ``'1h30m'`` or ``'2.5min'``.

    Raises
    ------
    ValueError
        When the text is not a positive duration.
    """
    if isinstance(text, int | float):
        seconds = float(text)
    else:
        compact = text.strip().replace(" ", "")
        parts = list(_DURATION.finditer(compact))
        if not parts or "".join(m.group(0) for m in parts) != compact:
            raise ValueError(
                f"{text!r} is not a duration; use e.g. '90s', '4m', '1h30m' or a number of seconds"
            )
        seconds = sum(float(m.group(1)) * _SECONDS[(m.group(2) or "").lower()] for m in parts)
    if seconds <= 0:
        raise ValueError(f"{text!r} is not a positive duration")
    return seconds
