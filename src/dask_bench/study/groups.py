"""Named worker groups: one pool of workers of several kinds (``deployment.groups``)."""

from __future__ import annotations

import re
from typing import Annotated, Any, Literal

from pydantic import Field, field_validator

from dask_bench.study.variants import PositiveFloat, PositiveInt, _Model

#: ``workers: sweep``: the group whose count follows ``deployment.workers``.
SWEEP = "sweep"
GROUP_NAME = re.compile(r"^[A-Za-z][A-Za-z0-9_]{0,31}$")
#: A Dask worker resource name (``--resources NAME=amount``): no spaces, commas or ``=``.
RESOURCE_NAME = re.compile(r"^[A-Za-z][A-Za-z0-9_.]{0,63}$")


class WorkerGroup(_Model):
    """One kind of worker in a heterogeneous pool."""

    workers: Annotated[int, Field(gt=0, le=100_000)] | Literal["sweep"] = Field(
        "sweep",
        description="Workers of this group at every size; 'sweep': the group grown by "
        "deployment.workers (exactly one group is).",
    )
    threads_per_worker: PositiveInt | None = Field(
        None, description="Threads in each worker of the group; null: deployment's."
    )
    memory_per_worker: str | PositiveInt | None = Field(
        None, description="Memory limit of each worker of the group; null: deployment's."
    )
    resources: dict[str, PositiveFloat] = Field(
        default_factory=dict,
        description="Dask worker resources each worker of the group offers, e.g. "
        "{BIGMEM: 1} or {GPU: 1}; tasks annotated with a resource run only there.",
    )
    options: dict[str, Any] = Field(
        default_factory=dict,
        description="Back-end options for this group's workers over deployment.options, "
        "e.g. {queue: bigmem, job_extra_directives: [...]} on a batch back-end; passed "
        "unchanged to the deployer.",
    )

    @field_validator("resources")
    @classmethod
    def _resource_names(cls, v: dict[str, float]) -> dict[str, float]:
        for name in v:
            if not RESOURCE_NAME.match(name):
                raise ValueError(
                    f"{name!r} is not a resource name; use letters, digits, '_' or '.', "
                    "e.g. BIGMEM or GPU"
                )
        return v

    @field_validator("memory_per_worker")
    @classmethod
    def _memory(cls, v: str | int | None) -> str | int | None:
        if isinstance(v, str):
            from dask.utils import parse_bytes

            try:
                if parse_bytes(v) <= 0:
                    raise ValueError
            except ValueError:
                raise ValueError(f"{v!r} is not a memory size; use e.g. '2GiB'") from None
        return v

    @property
    def swept(self) -> bool:
        """Whether ``deployment.workers`` sets this group's count."""
        return self.workers == SWEEP


def check_groups(groups: dict[str, WorkerGroup]) -> dict[str, WorkerGroup]:
    """Refuse bad group names and any number of swept groups but one.

    Raises
    ------
    ValueError
        One line saying what is wrong and how to fix it.
    """
    if not groups:
        return groups
    for name in groups:
        if not GROUP_NAME.match(name):
            raise ValueError(
                f"group name {name!r} must start with a letter and hold only letters, "
                "digits and '_' (at most 32), e.g. small or bigmem"
            )
    swept = [name for name, group in groups.items() if group.swept]
    if len(swept) != 1:
        which = ", ".join(swept) if swept else "none"
        raise ValueError(
            f"exactly one group must have workers: sweep (its count follows "
            f"deployment.workers), found {which}; give the others a fixed number of workers"
        )
    return groups
