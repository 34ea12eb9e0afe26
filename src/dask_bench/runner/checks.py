"""A study checked against what it names: back-ends, suites, workloads, their options.

The study model (:mod:`dask_bench.study`) validates a file on its own; these checks
need the back-end and workload registries, so they belong to planning.
:func:`build_study` and :func:`load_study` here are the ones to use: the model's,
followed by :func:`check_study`.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from dask_bench.deploy import Launcher, get_backend
from dask_bench.errors import ConfigError
from dask_bench.study import Study, suite_info, suite_names
from dask_bench.study import build_study as _build
from dask_bench.study import load_study as _load
from dask_bench.study.scenarios import Scenario
from dask_bench.workloads import Choice, get_workload, suite_workloads


def build_study(
    data: Mapping[str, Any] | None = None,
    overrides: Mapping[str, Any] | None = None,
    source: str = "study",
) -> Study:
    """:func:`dask_bench.study.build_study`, then :func:`check_study` (a one-line ConfigError)."""
    study = _build(data, overrides, source=source)
    check_study(study, source)
    return study


def load_study(path: str | Path | None = None, overrides: Mapping[str, Any] | None = None) -> Study:
    """:func:`dask_bench.study.load_study`, then :func:`check_study` (a one-line ConfigError)."""
    study = _load(path, overrides)
    check_study(study, str(path) if path else "default study")
    return study


def check_study(study: Study, source: str) -> None:
    """Check the back-ends, workloads, options and references a study names.

    Raises
    ------
    ConfigError
        With a one-line message naming the first problem and what would be valid.
    """
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
        dep = each.deployment
        uses_auto = dep.memory_per_worker == "auto" and (
            not dep.groups or any(g.memory_per_worker is None for g in dep.groups.values())
        )
        if uses_auto and backend.auto_memory_note:
            raise ConfigError(
                f"{source}: {where}deployment.memory_per_worker: {backend.auto_memory_note} "
                f"(back-end '{dep.backend}'); set it, e.g. memory_per_worker: 4GiB"
            )
        if len(variants) > 1 and backend.launcher is Launcher.MPIRUN:
            raise ConfigError(
                f"{source}: {where}uses the {backend.name} back-end, which takes over the "
                "whole MPI job; "
                f"run it alone: mpirun ... dask-bench run STUDY --variant {each.variant}"
            )
    for suite_name, suite in study.suites.selected().items():
        unavailable = suite_info(suite_name).unavailable()
        if unavailable:
            raise ConfigError(f"{source}: {unavailable}")
        members = suite_workloads(suite_name)
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
    for name, scenario in study.scenarios.items():
        _check_scenario(study, name, scenario, source)
    if not study.suites.selected() and not study.scenarios:
        raise ConfigError(
            f"{source}: 'suites' selects no suite; list at least one of {', '.join(suite_names())}"
        )


def _check_scenario(study: Study, name: str, scenario: Scenario, source: str) -> None:
    """A scenario's workload, options, size and event, checked against every variant."""
    key = f"scenarios.{name}"
    where = f"{source}: '{key}'"
    if study.deployment.groups:
        raise ConfigError(
            f"{where}: scenarios run on a pool of one kind of worker, and deployment.groups "
            "sets several; run the scenario in a study without groups"
        )
    unavailable = suite_info(scenario.suite).unavailable()
    if unavailable:
        raise ConfigError(f"{where}: {unavailable}")
    try:
        chosen = get_workload(scenario.suite, scenario.workload_name)
    except ConfigError as exc:
        raise ConfigError(f"{where}: {exc}") from None
    unknown = sorted(set(scenario.options) - set(chosen.options))
    if unknown:
        raise ConfigError(
            f"{source}: '{key}.options' has unknown option(s) {', '.join(unknown)}; "
            f"{chosen.key} accepts: {', '.join(sorted(chosen.options)) or 'none'}"
        )
    for option, value in scenario.options.items():
        problem = _option_problem(value, chosen.options[option])
        if problem:
            raise ConfigError(
                f"{source}: '{key}.options.{option}' must be {problem} "
                f"(default {chosen.options[option]!r}), not {value!r}"
            )
    for each in study.variant_studies():
        backend = get_backend(each.deployment.backend)
        problem = backend.event_problem(scenario.kind, each.deployment.options)
        if problem:
            raise ConfigError(f"{where}: {problem}; remove the scenario or change the back-end")


def _option_problem(value: Any, default: Any) -> str | None:
    """What a workload option's value should be, judged by its declared default; None if fine.

    Workload options are sizes, counts and durations: a count is a whole number of at
    least 1, any other number at least 0; a :class:`~dask_bench.workloads.Choice` is
    one of its values; other text and flags keep their kind.
    """
    if isinstance(default, Choice):
        return None if value in default.choices else f"one of {', '.join(default.choices)}"
    if isinstance(default, bool):
        return None if isinstance(value, bool) else "true or false"
    if isinstance(default, int):
        ok = isinstance(value, int) and not isinstance(value, bool) and value >= 1
        return None if ok else "a whole number of at least 1"
    if isinstance(default, float):
        ok = isinstance(value, (int, float)) and not isinstance(value, bool)
        return None if ok and math.isfinite(value) and value >= 0 else "a number of at least 0"
    return None if isinstance(value, type(default)) else f"a {type(default).__name__}"
