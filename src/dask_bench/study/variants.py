"""Study-file models for security (TLS) and deployment variants (see :mod:`dask_bench.study`)."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Annotated, Any, Literal

from pydantic import (
    BaseModel,
    ConfigDict,
    Discriminator,
    Field,
    Tag,
    field_validator,
    model_validator,
)

from dask_bench.study.dask_config import DaskConfig

PositiveInt = Annotated[int, Field(gt=0)]
PositiveFloat = Annotated[float, Field(gt=0)]


class _Model(BaseModel):
    """Base of every study model: unknown keys are errors; values are frozen."""

    model_config = ConfigDict(extra="forbid", frozen=True)


class TlsFiles(_Model):
    """Certificates of an existing PKI (PEM files) used by scheduler, workers and client."""

    ca_file: str = Field(description="CA certificate that signed the certificate below.")
    cert: str = Field(description="Certificate of scheduler, workers and client.")
    key: str | None = Field(None, description="Private key; null: it is in the cert file.")

    @field_validator("ca_file", "cert", "key")
    @classmethod
    def _exists(cls, v: str | None) -> str | None:
        if v is not None and not Path(v).expanduser().is_file():
            raise ValueError(
                f"certificate file {v} does not exist; give the path of a PEM file, "
                "or use tls: auto for temporary certificates"
            )
        return v


def _tls_kind(value: Any) -> str:
    return "<files>" if isinstance(value, (dict, TlsFiles)) else "<flag>"


# Tagged so that an error names only the form that was meant (a mapping: the files);
# tags in angle brackets are left out of error locations (see _studyfile.one_line).
_Tls = Annotated[
    Annotated[Literal[False, "auto"], Tag("<flag>")] | Annotated[TlsFiles, Tag("<files>")],
    Discriminator(_tls_kind),
]


class SecuritySettings(_Model):
    """Encryption of every connection (scheduler, workers, client)."""

    tls: _Tls = Field(
        False,
        description="false: plain TCP; auto: temporary certificates made for the run; "
        "or ca_file, cert and key of your own.",
    )

    @field_validator("tls", mode="before")
    @classmethod
    def _no_true(cls, v: Any) -> Any:
        if v is True:
            raise ValueError("use tls: auto (temporary certificates) or ca_file/cert/key paths")
        return v

    @property
    def enabled(self) -> bool:
        """Whether connections use TLS."""
        return self.tls is not False

    @property
    def kind(self) -> str:
        """``off``, ``auto`` or ``files``, for the provenance."""
        return "off" if self.tls is False else "auto" if self.tls == "auto" else "files"


#: What a variant may not change: sizes and worker layout stay identical across variants.
_SHARED_BY_VARIANTS = ("workers", "threads_per_worker", "memory_per_worker", "groups")
VARIANT_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$")


class VariantDeployment(_Model):
    """Deployment keys a variant may change; unset keys keep the study's value."""

    backend: str | None = Field(None, description="Back-end of this variant.")
    cores_per_node: PositiveInt | None = Field(None, description="As deployment.cores_per_node.")
    startup_timeout: PositiveFloat | None = Field(
        None, description="As deployment.startup_timeout."
    )
    options: dict[str, Any] | None = Field(
        None, description="Replaces deployment.options (not merged) for this variant."
    )
    allow_version_mismatch: bool | None = Field(
        None, description="As deployment.allow_version_mismatch."
    )

    @model_validator(mode="before")
    @classmethod
    def _layout_is_shared(cls, data: Any) -> Any:
        if isinstance(data, dict):
            for key in _SHARED_BY_VARIANTS:
                if key in data:
                    raise ValueError(
                        f"a variant cannot set '{key}': variants share the study's sizes and "
                        f"worker layout so that they compare like for like; set "
                        f"'deployment.{key}' at the top of the study"
                    )
        return data


class Variant(_Model):
    """One deployment variant of a study (e.g. ``slurm-tls``)."""

    deployment: VariantDeployment = Field(default_factory=VariantDeployment)
    security: SecuritySettings | None = Field(
        None, description="Replaces the study's security section for this variant."
    )
    config: DaskConfig = Field(
        default_factory=dict,
        description="Dask configuration of this variant, over the study's config key by key.",
    )
