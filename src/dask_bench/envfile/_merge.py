"""Placing a ``.env`` mapping between the study file and the command-line flags."""

from __future__ import annotations

import copy
from collections.abc import Mapping
from dataclasses import replace
from typing import Any

from dask_bench.deploy import Launcher, backends, get_backend
from dask_bench.envfile._mapping import KUBERNETES_KEYS, EnvMapping
from dask_bench.errors import ConfigError, DaskBenchError
from dask_bench.study import default_suite_names, set_path


def merge_env(
    data: Mapping[str, Any] | None, env: EnvMapping, flags: Mapping[str, Any]
) -> tuple[dict[str, Any], EnvMapping]:
    """Apply a ``.env`` mapping to a raw study mapping, below the command-line flags.

    Parameters
    ----------
    data
        The study file's mapping (not validated yet).
    env
        What :func:`study_from_env` read.
    flags
        The dotted-key overrides of the command-line flags (``None`` = flag not given);
        :func:`dask_bench.study.build_study` applies them afterwards.

    Returns
    -------
    tuple
        The study mapping with the ``.env`` values set, and the mapping with what was
        dropped (a flag sets the key, a suite not run, batch-job options of a back-end
        that takes none, Kubernetes options of another back-end) moved to ``ignored``.

    Raises
    ------
    ConfigError
        When ``USE_SSL`` asks for TLS and the back-end cannot use it.
    """
    raw: dict[str, Any] = copy.deepcopy(dict(data or {}))
    deployment = raw.get("deployment")
    deployment = deployment if isinstance(deployment, dict) else {}
    study_backend = deployment.get("backend", "local")
    env_backend = env.overrides.get("deployment.backend")
    backend = flags.get("deployment.backend") or env_backend or study_backend
    ignored = list(env.ignored)
    overrides, notes = dict(env.overrides), dict(env.notes)
    if (env_backend == "kubernetes") != (_launcher(backend) is Launcher.OPERATOR):
        # a flag chose the other kind of back-end than KUBE: read the seed's units for it
        for key, (value, note) in env.if_other_kind.items():
            overrides[key], notes[key] = value, note
    if backend == env_backend != study_backend and deployment.get("options"):
        # The study file's options were written for another back-end.
        del deployment["options"]
        ignored.append(("deployment.options of the study file", f"for back-end {study_backend!r}"))
    dropped: dict[str, str] = {}
    for key, value in overrides.items():
        if flags.get(key) is not None:
            dropped[key] = f"a command-line flag sets {key}"
        elif key.startswith("deployment.options.") and (why := _option_unused(key, backend)):
            dropped[key] = why
        elif key == "deployment.cores_per_node" and _launcher(backend) is not Launcher.BATCH_JOB:
            dropped[key] = f"cores of a batch node; back-end {backend!r} submits no jobs"
        elif key.startswith("suites."):
            name = key.split(".")[1]
            # An omitted section means every installed suite: keep that when setting one.
            suites = raw.get("suites")
            suites = {n: {} for n in default_suite_names()} if suites is None else suites
            if flags.get("suites") is not None and name not in flags["suites"]:
                dropped[key] = f"--suite leaves out the {name} suite"
            elif not isinstance(suites, dict) or not isinstance(suites.get(name), dict):
                dropped[key] = f"the study does not run the {name} suite"
            else:
                raw["suites"] = suites
                set_path(raw, key, value)
        else:
            set_path(raw, key, value)
    if "security.tls" not in dropped and env.overrides.get("security.tls") not in (None, False):
        _check_tls(env.path, backend, raw)
    for k, study_key in env.applied:
        if study_key in dropped and (k, dropped[study_key]) not in ignored:
            ignored.append((k, dropped[study_key]))
    return raw, replace(
        env,
        overrides={k: v for k, v in overrides.items() if k not in dropped},
        notes=notes,
        applied=[(k, s) for k, s in env.applied if s not in dropped],
        ignored=ignored,
    )


def _option_unused(key: str, backend: str) -> str:
    """Why the back-end takes no ``deployment.options`` key of the ``.env`` ('' if it does)."""
    # the scheduler pod's options come from SCHEDULER_HOST, SCHEDULER_CORES, SCHEDULER_MEM
    pod = ("scheduler_node_selector", "scheduler_resources")
    kubernetes = key.removeprefix("deployment.options.") in (*KUBERNETES_KEYS.values(), *pod)
    launcher = _launcher(backend)
    if kubernetes and launcher is not Launcher.OPERATOR:
        return f"a Kubernetes option; back-end {backend!r} takes none"
    if not kubernetes and launcher is not Launcher.BATCH_JOB:
        return f"a batch-job option; back-end {backend!r} takes none"
    return ""


def _check_tls(env: str, backend: str, raw: Mapping[str, Any]) -> None:
    """Refuse USE_SSL for a back-end without TLS, naming the .env key rather than the study's."""
    if raw.get("variants"):
        return  # variants may change back-end and security; the study validation checks each
    try:
        cls = get_backend(backend)
    except DaskBenchError:
        return  # an unknown or missing back-end: the study validation says so
    if not cls.supports_tls:
        raise ConfigError(
            f"{env}: USE_SSL=true asks for TLS, which back-end {backend!r} cannot use "
            f"({cls.tls_note}); set USE_SSL=false, or run with --no-tls"
        )


def _launcher(backend: str) -> Launcher | None:
    return next((b.launcher for b in backends() if b.name == backend), None)
