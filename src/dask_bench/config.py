"""The study file: one YAML document validated once into typed models.

Every key is documented in the README ("Study file reference") and on the fields
below. Command-line flags are applied to the raw mapping before validation, so
a flag and a key are checked by the same rules.
"""

from __future__ import annotations

import math
import os
import re
from collections.abc import Mapping
from pathlib import Path
from typing import Annotated, Any, Literal

from pydantic import Field, ValidationError, field_validator, model_validator

from dask_bench._studyfile import (
    deepcopy_data,
    one_line,
    read_study_file,
    select_suites,
    select_variants,
    set_path,
)
from dask_bench._variants import (
    VARIANT_NAME,
    PositiveFloat,
    PositiveInt,
    SecuritySettings,
    TlsFiles,
    Variant,
    VariantDeployment,
    _Model,
)
from dask_bench.errors import ConfigError
from dask_bench.references import References
from dask_bench.secrets import find_secrets, remember

OptionValue = int | float

#: Where results go when neither the study nor ``--db`` says otherwise.
DEFAULT_DATABASE = "results/dask-bench.db"


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


class _Suite(_Model):
    workloads: list[str] | None = Field(
        None, description="Workloads of the suite to run; default: all of them."
    )
    chunk_size: PositiveInt
    per_unit: PositiveInt
    total: PositiveInt | None = Field(
        None,
        description="Chunks in strong scaling; default: per_unit x the largest processing units.",
    )
    options: dict[str, OptionValue] = Field(
        default_factory=dict, description="Workload options, e.g. sleep_seconds: 0.05."
    )


class TasksSuite(_Suite):
    """Task patterns. A chunk is ``chunk_size`` tiny tasks (map-sleep: one sleep task)."""

    chunk_size: PositiveInt = Field(20, description="Tiny tasks per chunk.")
    per_unit: PositiveInt = Field(2, description="Chunks per processing unit in weak scaling.")


class ArraysSuite(_Suite):
    """dask.array workloads on float64 arrays made of square blocks."""

    chunk_size: PositiveInt = Field(1000, description="Edge of a square block (elements).")
    per_unit: PositiveInt = Field(4, description="Blocks per processing unit in weak scaling.")


class DataFramesSuite(_Suite):
    """dask.dataframe workloads."""

    chunk_size: PositiveInt = Field(20_000, description="Rows per partition.")
    per_unit: PositiveInt = Field(4, description="Partitions per processing unit in weak scaling.")


def _all_suites() -> dict[str, Any]:
    return {"tasks": TasksSuite(), "arrays": ArraysSuite(), "dataframes": DataFramesSuite()}


class Suites(_Model):
    """Suites to run. Omit the whole section to run all three with defaults."""

    tasks: TasksSuite | None = None
    arrays: ArraysSuite | None = None
    dataframes: DataFramesSuite | None = None

    def selected(self) -> dict[str, _Suite]:
        """The suites to run, by name, in a fixed order."""
        return {n: s for n in ("tasks", "arrays", "dataframes") if (s := getattr(self, n))}


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
    confidence: float = Field(0.95, gt=0, lt=1, description="Confidence level of the CI.")
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


class Study(_Model):
    """A scaling study: deployment, sizes, workloads, precision and where results go."""

    name: str | None = Field(None, description="Run name; default: '<backend>-<mode>'.")
    mode: Literal["weak", "strong"] = Field("weak", description="Weak or strong scaling.")
    deployment: Deployment = Field(default_factory=Deployment)
    suites: Suites = Field(default_factory=lambda: Suites(**_all_suites()))
    measurement: Measurement = Field(default_factory=Measurement)
    database: str = Field(DEFAULT_DATABASE, description="SQLite file path or any SQLAlchemy URL.")
    report: bool = Field(True, description="Write the HTML report next to the database.")
    references: References = Field(
        default_factory=dict,
        description="Performance references checked by 'dask-bench check': "
        "<suite>/<workload> -> processing units -> [value, lower, upper, unit].",
    )
    security: SecuritySettings = Field(default_factory=SecuritySettings)
    variants: dict[str, Variant] = Field(
        default_factory=dict,
        description="Deployment variants run in turn with identical workloads, sizes and "
        "layout (name -> deployment keys and security); empty: one run.",
    )
    variant: str | None = Field(
        None, description="Set by dask-bench on each variant's own study; not for study files."
    )

    @field_validator("variants")
    @classmethod
    def _variant_names(cls, v: dict[str, Variant]) -> dict[str, Variant]:
        for name in v:
            if not VARIANT_NAME.match(name):
                raise ValueError(
                    f"variant name {name!r} must be 1-64 letters, digits, '.', '_' or '-', "
                    "starting with a letter or digit"
                )
        return v

    @property
    def run_name(self) -> str:
        """The name stored with the run."""
        if self.variant is not None:
            return f"{self.name}/{self.variant}" if self.name else self.variant
        return self.name or f"{self.deployment.backend}-{self.mode}"

    def variant_studies(self) -> list[Study]:
        """The study of each variant, in file order; the study itself when it has none.

        Each variant's study has the variant's deployment keys and security applied,
        no variants of its own, and :attr:`variant` set to its name.
        """
        if not self.variants:
            return [self]
        studies = []
        for name, variant in self.variants.items():
            changes = {
                k: getattr(variant.deployment, k) for k in variant.deployment.model_fields_set
            }
            deployment = self.deployment.model_copy(update=changes)
            security = variant.security if variant.security is not None else self.security
            studies.append(
                self.model_copy(
                    update={
                        "deployment": deployment,
                        "security": security,
                        "variants": {},
                        "variant": name,
                    }
                )
            )
        return studies


# --- loading ---------------------------------------------------------------


def build_study(
    data: Mapping[str, Any] | None = None,
    overrides: Mapping[str, Any] | None = None,
    source: str = "study",
) -> Study:
    """Validate a study mapping, with dotted-key overrides applied first.

    Parameters
    ----------
    data
        The study as read from YAML (or built in Python).
    overrides
        Dotted keys to set before validation, e.g. ``{"deployment.workers": [1, 2]}``;
        ``None`` values are ignored. The special key ``suites`` with a list of names
        restricts the suites to those names.
    source
        Named in error messages (usually the file name).

    Returns
    -------
    Study
    """
    raw: dict[str, Any] = deepcopy_data(dict(data or {}))
    # before anything can echo them: hidden in every row, report and message from here on
    remember(find_secrets(raw))
    remember(find_secrets(dict(overrides or {})))
    for key, value in (overrides or {}).items():
        if value is None:
            continue
        if key == "suites":
            select_suites(raw, list(value), source)
        elif key == "variants":
            select_variants(raw, list(value), source)
        else:
            set_path(raw, key, value)
    try:
        study = Study.model_validate(raw)
    except ValidationError as exc:
        raise ConfigError(one_line(exc, source, Study)) from None
    _check_against_registries(study, source)
    return study


def load_study(path: str | Path | None = None, overrides: Mapping[str, Any] | None = None) -> Study:
    """Load a study file (or the default study when ``path`` is None) with overrides.

    Raises
    ------
    ConfigError
        With a one-line message when the file or an override is invalid.
    """
    data = read_study_file(path) if path is not None else {}
    return build_study(data, overrides, source=str(path) if path else "default study")


class _ReferencesOnly(_Model):
    references: References


def parse_references(data: Any, source: str) -> References:
    """Validate references alone, e.g. those stored with a run.

    Parameters
    ----------
    data
        ``<suite>/<workload>`` -> processing units -> reference, as written in a study
        file or stored as JSON.
    source
        Named in error messages.

    Raises
    ------
    ConfigError
        With a one-line message when the references are invalid.
    """
    try:
        return _ReferencesOnly.model_validate({"references": data}).references
    except ValidationError as exc:
        raise ConfigError(one_line(exc, source, Study)) from None


def _check_against_registries(study: Study, source: str) -> None:
    # Imported here: the registries import Dask, which the model itself does not need.
    from dask_bench.deploy import get_backend
    from dask_bench.workloads import get_workload, suite_workloads

    variants = study.variant_studies()
    for each in variants:
        where = f"variant '{each.variant}' " if each.variant else ""
        backend = get_backend(each.deployment.backend)
        if each.security.enabled and not backend.supports_tls:
            raise ConfigError(
                f"{source}: {where}back-end '{each.deployment.backend}' cannot use "
                f"security.tls: {backend.tls_note}; remove security.tls"
                + (f" from variant '{each.variant}'" if each.variant else "")
            )
        if len(variants) > 1 and backend.fixed_pool and each.deployment.backend == "mpi":
            raise ConfigError(
                f"{source}: {where}uses the mpi back-end, which takes over the whole MPI job; "
                f"run it alone: mpirun ... dask-bench run STUDY --variant {each.variant}"
            )
    for suite_name, suite in study.suites.selected().items():
        members = suite_workloads(suite_name)  # type: ignore[arg-type]
        for name in suite.workloads or []:
            get_workload(suite_name, name)
        chosen = [w for w in members if suite.workloads is None or w.name in suite.workloads]
        declared = {k for w in chosen for k in w.options}
        unknown = sorted(set(suite.options) - declared)
        if unknown:
            raise ConfigError(
                f"{source}: 'suites.{suite_name}.options' has unknown option(s) "
                f"{', '.join(unknown)}; the selected workloads accept: "
                f"{', '.join(sorted(declared)) or 'none'}"
            )
        defaults = {k: v for w in chosen for k, v in w.options.items()}
        for key, value in suite.options.items():
            problem = _option_problem(value, defaults[key])
            if problem:
                raise ConfigError(
                    f"{source}: 'suites.{suite_name}.options.{key}' must be {problem} "
                    f"(default {defaults[key]!r}), not {value!r}"
                )
    for key in study.references:
        try:
            get_workload(*key.split("/"))
        except ConfigError as exc:
            raise ConfigError(f"{source}: 'references.{key}': {exc}") from None
    if not study.suites.selected():
        raise ConfigError(
            f"{source}: 'suites' selects no suite; list at least one of tasks, arrays, dataframes"
        )


__all__ = [
    "DEFAULT_DATABASE",
    "ArraysSuite",
    "DataFramesSuite",
    "Deployment",
    "Measurement",
    "SecuritySettings",
    "Study",
    "Suites",
    "TasksSuite",
    "TlsFiles",
    "Variant",
    "VariantDeployment",
    "build_study",
    "default_workers",
    "load_study",
    "parse_duration",
    "parse_references",
    "read_study_file",
    "set_path",
]


def _option_problem(value: Any, default: Any) -> str | None:
    """What a workload option's value should be, judged by its declared default; None if fine.

    Workload options are sizes, counts and durations: a count is a whole number of at
    least 1, any other number at least 0; text and flags keep their kind.
    """
    if isinstance(default, bool):
        return None if isinstance(value, bool) else "true or false"
    if isinstance(default, int):
        ok = isinstance(value, int) and not isinstance(value, bool) and value >= 1
        return None if ok else "a whole number of at least 1"
    if isinstance(default, float):
        ok = isinstance(value, (int, float)) and not isinstance(value, bool)
        return None if ok and math.isfinite(value) and value >= 0 else "a number of at least 0"
    return None if isinstance(value, type(default)) else f"a {type(default).__name__}"
