"""The study's ``suites`` section: which suites run, at which sizes, with which options.

The suites a study may name are those of the catalogue
(:mod:`dask_bench.study.catalogue`); a size left out takes the suite's default
there, and the model remembers which sizes the study set itself (calibration
only changes the others).
"""

from __future__ import annotations

from typing import Any

from pydantic import ConfigDict, Field, model_validator

from dask_bench.study.catalogue import default_suite_names, suite_info, suite_names
from dask_bench.study.variants import PositiveInt, _Model

#: A workload option: a number, or text (one of the values a workload declares).
OptionValue = bool | int | float | str


class SuiteSettings(_Model):
    """One suite's settings; ``chunk_size`` and ``per_unit`` default to the suite's own."""

    workloads: list[str] | None = Field(
        None, description="Workloads of the suite to run; default: all of them."
    )
    chunk_size: PositiveInt | None = Field(
        None, description="Size of one chunk (what a chunk is depends on the suite)."
    )
    per_unit: PositiveInt | None = Field(
        None, description="Chunks per processing unit in weak scaling."
    )
    total: PositiveInt | None = Field(
        None,
        description="Chunks in strong scaling; default: per_unit x the largest processing units.",
    )
    options: dict[str, OptionValue] = Field(
        default_factory=dict, description="Workload options, e.g. sleep_seconds: 0.05."
    )

    @property
    def chunk(self) -> int:
        """``chunk_size``, always set once the study is validated."""
        assert self.chunk_size is not None
        return self.chunk_size

    @property
    def chunks_per_unit(self) -> int:
        """``per_unit``, always set once the study is validated."""
        assert self.per_unit is not None
        return self.per_unit


class Suites(_Model):
    """Suites to run, by name. Omit the whole section to run the default suites."""

    model_config = ConfigDict(extra="allow", frozen=True)
    __pydantic_extra__: dict[str, SuiteSettings] = Field(init=False)

    @model_validator(mode="before")
    @classmethod
    def _known_suites(cls, data: Any) -> Any:
        if not isinstance(data, dict):
            return data
        known = suite_names()
        unknown = [str(n) for n in data if n not in known]
        if unknown:
            raise ValueError(
                f"unknown suite {', '.join(map(repr, unknown))}; expected one of {', '.join(known)}"
            )
        # catalogue order; a suite set to null is not run
        return {n: data[n] for n in known if n in data and data[n] is not None}

    @model_validator(mode="after")
    def _defaults(self) -> Suites:
        extra = self.__pydantic_extra__ or {}
        for name, settings in extra.items():
            info = suite_info(name)
            values = settings.model_dump()
            values["chunk_size"] = settings.chunk_size or info.chunk_size
            values["per_unit"] = settings.per_unit or info.per_unit
            # the study's own keys stay 'set': calibration leaves those sizes alone
            extra[name] = SuiteSettings.model_construct(
                _fields_set=settings.model_fields_set, **values
            )
        return self

    @classmethod
    def every(cls) -> Suites:
        """The default suites (those a study without a suites section runs), with defaults."""
        return cls.model_validate({name: {} for name in default_suite_names()})

    def get(self, name: str) -> SuiteSettings | None:
        """One suite's settings; None when the study does not run it."""
        return (self.__pydantic_extra__ or {}).get(name)

    def selected(self) -> dict[str, SuiteSettings]:
        """The suites to run, by name, in catalogue order."""
        return dict(self.__pydantic_extra__ or {})
