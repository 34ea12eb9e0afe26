"""A run's provenance (``runs.environment``): one typed, versioned model.

The runner fills it in as the study goes (host, deployment, versions, connections,
what calibration chose, resumes) through one path, :meth:`Store.update_provenance`;
the report reads it through :func:`read_provenance`. The document carries its own
``format``; older formats are brought up to date by :mod:`dask_bench.store.migrate`.
Keys this model does not know are kept as they are (a newer writer's, or a user's).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from dask_bench._defaults import DEFAULT_CONFIDENCE
from dask_bench.store._versions import PROVENANCE_FORMAT


class _Document(BaseModel):
    model_config = ConfigDict(extra="allow")


class Connections(_Document):
    """How the run's scheduler and workers were reached."""

    tls: str = Field("off", description="'off', 'auto' (temporary certificates) or 'files'.")
    scheduler_address: str | None = None
    worker_schemes: list[str] = Field(default_factory=list)
    dashboard: list[str] = Field(
        default_factory=list, description="Where the scheduler's HTTP server listened."
    )


class Measuring(_Document):
    """What the measuring itself chose and cost."""

    calibration: dict[str, dict[str, Any]] = Field(default_factory=dict)
    breakdown_seconds: float | None = None
    harness: dict[str, dict[str, float]] = Field(
        default_factory=dict,
        description="Worker count -> what the harness spent on that size, outside the "
        "timed regions (seconds, and counts; see dask_bench.runner.harness).",
    )


class DaskConfigSeen(_Document):
    """The study's Dask config: what it set, and what each side reported before measuring."""

    requested: dict[str, Any] = Field(default_factory=dict)
    client: dict[str, Any] = Field(default_factory=dict)
    scheduler: dict[str, Any] = Field(default_factory=dict)
    workers: dict[str, dict[str, Any]] = Field(
        default_factory=dict, description="Worker address -> the keys it reported."
    )
    mismatches: list[dict[str, Any]] = Field(
        default_factory=list,
        description="Setting (the key), expected, found and where, per value found.",
    )


class Resume(_Document):
    """One ``run --resume`` of the run."""

    points_left: int
    measured_again: list[str] = Field(default_factory=list)
    status_before: str


class Provenance(_Document):
    """Everything recorded about where and how a run was measured."""

    format: int = PROVENANCE_FORMAT
    host: dict[str, Any] = Field(default_factory=dict)
    deployment: dict[str, Any] = Field(default_factory=dict)
    dask_bench: str | None = None
    process: dict[str, Any] = Field(default_factory=dict)
    versions: dict[str, Any] | None = None
    version_mismatches: list[dict[str, Any]] = Field(default_factory=list)
    security: Connections = Field(default_factory=Connections)
    layout_enforced: dict[str, list[int]] = Field(default_factory=dict)
    #: Where scheduler and client ran (scheduler, scheduler_runs, client, client_inside,
    #: same_host); absent in runs recorded before it was kept.
    placement: dict[str, Any] = Field(default_factory=dict)
    measuring: Measuring = Field(default_factory=Measuring)
    hardware: dict[str, Any] | None = None
    resumes: list[Resume] = Field(default_factory=list)
    #: Absent when the study set no Dask config.
    dask_config: DaskConfigSeen | None = None

    def stored(self) -> dict[str, Any]:
        """The JSON document to store: what was set, with its format."""
        return {**self.model_dump(mode="json", exclude_unset=True), "format": self.format}


def read_provenance(document: Mapping[str, Any] | None) -> Provenance:
    """The typed provenance of a stored document (``run.environment``).

    A document that does not fit the model (written by hand, or damaged) is still
    read: every key as stored, the model's defaults for the rest.
    """
    raw = dict(document or {})
    try:
        return Provenance.model_validate(raw)
    except ValidationError:
        known = {k: v for k, v in raw.items() if k not in Provenance.model_fields}
        return Provenance.model_validate(known)


def updated(document: Mapping[str, Any] | None, changes: Mapping[str, Any]) -> dict[str, Any]:
    """``document`` with whole sections replaced by ``changes``, validated, ready to store.

    Raises
    ------
    pydantic.ValidationError
        When a change does not fit the model (a programming error).
    """
    merged = {**dict(document or {}), **changes, "format": PROVENANCE_FORMAT}
    return Provenance.model_validate(merged).stored()


def confidence_of(study: Mapping[str, Any] | None) -> float:
    """The confidence level a stored study asked for (``measurement.confidence``)."""
    measurement = (study or {}).get("measurement")
    value = measurement.get("confidence") if isinstance(measurement, Mapping) else None
    if isinstance(value, int | float) and not isinstance(value, bool) and 0 < value < 1:
        return float(value)
    return DEFAULT_CONFIDENCE
