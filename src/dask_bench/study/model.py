"""The study file: one YAML document validated once into typed models.

Every key is documented in the README ("Study file reference") and on the fields
below. Command-line flags are applied to the raw mapping before validation, so
a flag and a key are checked by the same rules. The model knows no back-end and no
workload: planning (:mod:`dask_bench.runner.checks`) checks a study against those.
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Any, Literal

from pydantic import Field, ValidationError, field_validator

from dask_bench._defaults import DEFAULT_DATABASE
from dask_bench.errors import ConfigError
from dask_bench.secrets import find_secrets, remember
from dask_bench.study.dask_config import DaskConfig, merge_config
from dask_bench.study.file import (
    deepcopy_data,
    one_line,
    read_study_file,
    select_suites,
    select_variants,
    set_path,
)
from dask_bench.study.references import References
from dask_bench.study.scenarios import Scenario, check_scenario_names
from dask_bench.study.sections import Deployment, IoSettings, Measurement
from dask_bench.study.suites import Suites
from dask_bench.study.variants import (
    VARIANT_NAME,
    SecuritySettings,
    Variant,
    _Model,
)


class Study(_Model):
    """A scaling study: deployment, sizes, workloads, precision and where results go."""

    name: str | None = Field(None, description="Run name; default: '<backend>-<mode>'.")
    mode: Literal["weak", "strong"] = Field("weak", description="Weak or strong scaling.")
    deployment: Deployment = Field(default_factory=Deployment)
    suites: Suites = Field(default_factory=Suites.every)
    measurement: Measurement = Field(default_factory=Measurement)
    io: IoSettings = Field(default_factory=IoSettings)
    database: str = Field(DEFAULT_DATABASE, description="SQLite file path or any SQLAlchemy URL.")
    report: bool = Field(True, description="Write the HTML report next to the database.")
    references: References = Field(
        default_factory=dict,
        description="Performance references checked by 'dask-bench check': "
        "<suite>/<workload> -> processing units -> [value, lower, upper, unit].",
    )
    security: SecuritySettings = Field(default_factory=SecuritySettings)
    config: DaskConfig = Field(
        default_factory=dict,
        description="Dask configuration set on client, scheduler and workers (dotted key -> "
        "value), read back from each before measuring.",
    )
    variants: dict[str, Variant] = Field(
        default_factory=dict,
        description="Deployment variants run in turn with identical workloads, sizes and "
        "layout (name -> deployment keys and security); empty: one run.",
    )
    scenarios: dict[str, Scenario] = Field(
        default_factory=dict,
        description="Scenarios run after the sweep (name -> a workload under a planned "
        "event, e.g. kind: worker-loss); empty: none.",
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

    @field_validator("scenarios")
    @classmethod
    def _scenario_names(cls, v: dict[str, Scenario]) -> dict[str, Scenario]:
        return check_scenario_names(v)

    @property
    def run_name(self) -> str:
        """The name stored with the run."""
        if self.variant is not None:
            return f"{self.name}/{self.variant}" if self.name else self.variant
        return self.name or f"{self.deployment.backend}-{self.mode}"

    def variant_studies(self) -> list[Study]:
        """The study of each variant, in file order; the study itself when it has none.

        Each variant's study has the variant's deployment keys and security applied,
        its Dask config over the study's (key by key), no variants of its own, and
        :attr:`variant` set to its name.
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
                        "config": merge_config(self.config, variant.config),
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


__all__ = ["Study", "build_study", "load_study", "parse_references"]
