"""Performance references of a study, in the style of ReFrame's regression tests.

A reference is ``[value, lower, upper, unit]``: the measured value passes when it
lies within ``value * (1 + lower)`` and ``value * (1 + upper)``; ``null`` leaves a
side open. References are keyed by ``<suite>/<workload>``, then processing units,
e.g. ``{"tasks/map-sleep": {1: [0.4, -0.05, 0.05, "s"]}}``.

The study file (:mod:`dask_bench.study`) holds them under ``references``;
``dask-bench check`` compares a stored run with them.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Annotated, Any

from pydantic import (
    AfterValidator,
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    field_validator,
    model_validator,
)

#: Time units a reference may use, with their factor from seconds.
TIME_UNITS: dict[str, float] = {"s": 1.0, "ms": 1e3}
#: The unit of a parallel-efficiency reference (a fraction, 0-1).
EFFICIENCY = "efficiency"
_FIELDS = ("value", "lower", "upper", "unit")
_EXAMPLE = "[0.4, -0.1, 0.1, s]"


def _suite_units() -> dict[str, str]:
    from dask_bench.study.catalogue import suite_info, suite_names

    return {name: suite_info(name).unit for name in suite_names()}


def reference_units(suite: str) -> list[str]:
    """The units a reference of ``suite`` may use: times, its throughput unit, efficiency."""
    throughput = _suite_units().get(suite)
    return [*TIME_UNITS, *([throughput] if throughput else []), EFFICIENCY]


def all_units() -> list[str]:
    """Every unit a reference may use, in some suite."""
    return list(dict.fromkeys([*TIME_UNITS, *_suite_units().values(), EFFICIENCY]))


class Reference(BaseModel):
    """One reference: expected value, relative bounds (fractions or None) and unit."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    value: Annotated[float, Field(gt=0)]
    lower: float | None
    upper: float | None
    unit: str

    @model_validator(mode="before")
    @classmethod
    def _from_list(cls, data: Any) -> Any:
        # The short list form is what people write; the mapping form is how it is stored.
        if isinstance(data, (list, tuple)):
            if len(data) != len(_FIELDS):
                raise ValueError(
                    f"write [value, lower, upper, unit], e.g. {_EXAMPLE}; got {len(data)} item(s)"
                )
            return dict(zip(_FIELDS, data, strict=True))
        if not isinstance(data, Mapping):
            raise ValueError(f"write [value, lower, upper, unit], e.g. {_EXAMPLE}")
        return data

    @field_validator("lower")
    @classmethod
    def _lower(cls, v: float | None) -> float | None:
        # Below -1 the bound would be negative: almost surely a percentage written as -10.
        if v is not None and not -1 <= v <= 0:
            raise ValueError(
                "the lower bound must be a fraction between -1 and 0 "
                "(e.g. -0.1: at most 10 % below the value), or null for none"
            )
        return v

    @field_validator("upper")
    @classmethod
    def _upper(cls, v: float | None) -> float | None:
        if v is not None and v < 0:
            raise ValueError(
                "the upper bound must be a fraction >= 0 "
                "(e.g. 0.1: at most 10 % above the value), or null for none"
            )
        return v

    @field_validator("unit")
    @classmethod
    def _unit(cls, v: str) -> str:
        if v not in all_units():
            raise ValueError(f"unknown unit; use one of {', '.join(all_units())}")
        return v

    @model_validator(mode="after")
    def _fraction(self) -> Reference:
        if self.unit == EFFICIENCY and self.value > 1:
            raise ValueError(
                f"efficiency is a fraction between 0 and 1: write {self.value / 100:g} "
                f"for {self.value:g} %"
            )
        return self

    def bounds(self) -> tuple[float | None, float | None]:
        """The absolute bounds ``value * (1 + lower)`` and ``value * (1 + upper)``."""
        low = None if self.lower is None else self.value * (1 + self.lower)
        high = None if self.upper is None else self.value * (1 + self.upper)
        return low, high


def _units_key(v: Any) -> Any:
    # Without this a bad key reads "Input should be a valid integer".
    if isinstance(v, bool) or not (isinstance(v, int) or (isinstance(v, str) and v.isdigit())):
        raise ValueError(f"keys are processing units, a positive integer, e.g. 1: {_EXAMPLE}")
    if int(v) <= 0:
        raise ValueError("processing units must be a positive integer")
    return int(v)


def _units_mapping(v: Any) -> Any:
    if not isinstance(v, Mapping):
        raise ValueError(f"map processing units to a reference, e.g. {{1: {_EXAMPLE}}}")
    return v


#: References of one workload: processing units -> reference.
WorkloadReferences = Annotated[
    dict[Annotated[int, BeforeValidator(_units_key)], Reference], BeforeValidator(_units_mapping)
]


def split_key(key: str) -> tuple[str, str]:
    """``"tasks/map-sleep"`` -> ``("tasks", "map-sleep")``."""
    suite, _, name = key.partition("/")
    return suite, name


def check_reference_keys(
    refs: dict[str, dict[int, Reference]],
) -> dict[str, dict[int, Reference]]:
    """Check what depends on the key: ``<suite>/<workload>`` form and units fit for the suite.

    Raises
    ------
    ValueError
        Naming the key, for pydantic to report.
    """
    for key, by_units in refs.items():
        suite, name = split_key(key)
        if not suite or not name or "/" in name:
            raise ValueError(f"key {key!r} must be <suite>/<workload>, e.g. tasks/map-sleep")
        suites = _suite_units()
        if suite not in suites:
            raise ValueError(
                f"key {key!r}: unknown suite {suite!r}; expected one of {', '.join(suites)}"
            )
        allowed = reference_units(suite)
        for units, ref in by_units.items():
            if ref.unit not in allowed:
                raise ValueError(
                    f"{key} at {units} units: unit {ref.unit!r} does not apply to suite "
                    f"{suite}; use one of {', '.join(allowed)}"
                )
    return refs


#: ``<suite>/<workload>`` -> processing units -> reference, checked as a whole.
References = Annotated[dict[str, WorkloadReferences], AfterValidator(check_reference_keys)]
