"""Before a study starts: its back-end configured (not started), checks, the study as stored."""

from __future__ import annotations

import uuid
from typing import Any

from dask_bench.deploy import make_backend
from dask_bench.runner.plan import Plan, plan_study
from dask_bench.secrets import scrub
from dask_bench.study import Study


def preflight(study: Study) -> list[Plan]:
    """Plan every variant and check its back-end, starting and writing nothing.

    Raises
    ------
    DaskBenchError
        What would stop the study at its start (options the deployer refuses, a
        layout the machine cannot hold), with one line.
    """
    plans = []
    for each in study.variant_studies():
        plan = plan_study(each)
        make_backend(each, layout=plan.layout).check()
        plans.append(plan)
    return plans


def storable(study: Study) -> dict[str, Any]:
    """The study as stored with its run: secrets hidden."""
    data: dict[str, Any] = scrub(study.model_dump(mode="json"))
    return data


def new_study_id() -> str:
    """A fresh id shared by the runs of one study execution."""
    return uuid.uuid4().hex[:12]
