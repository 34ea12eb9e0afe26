"""The study model: a study file read, validated and typed, with its variants and references.

This package is the ground floor: it imports nothing of dask-bench above it (only
:mod:`dask_bench.errors`, :mod:`dask_bench.secrets` and :mod:`dask_bench.stats`).
Checks against the back-ends and workloads a study names belong to planning
(:func:`dask_bench.runner.checks.check_study`).
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

from dask_bench._defaults import DEFAULT_DATABASE
from dask_bench.study.catalogue import (
    SuiteInfo,
    default_suite_names,
    register_suite,
    suite_info,
    suite_names,
    suite_rank,
    suite_unit,
    unregister_suite,
)

if TYPE_CHECKING:
    from dask_bench.study.file import read_study_file, set_path
    from dask_bench.study.model import Study, build_study, load_study, parse_references
    from dask_bench.study.references import References
    from dask_bench.study.sections import (
        MAX_WORKERS,
        MIN_WORKER_MEMORY,
        Deployment,
        Measurement,
        default_workers,
        parse_duration,
    )
    from dask_bench.study.suites import OptionValue, Suites, SuiteSettings
    from dask_bench.study.variants import SecuritySettings, TlsFiles, Variant, VariantDeployment

# The models (pydantic) are loaded on first use (PEP 562): the catalogue alone is what
# the command line and the reading of results need, and it imports nothing heavy.
_EXPORTS = {
    "Deployment": "dask_bench.study.sections",
    "MAX_WORKERS": "dask_bench.study.sections",
    "MIN_WORKER_MEMORY": "dask_bench.study.sections",
    "Measurement": "dask_bench.study.sections",
    "OptionValue": "dask_bench.study.suites",
    "References": "dask_bench.study.references",
    "SecuritySettings": "dask_bench.study.variants",
    "Study": "dask_bench.study.model",
    "SuiteSettings": "dask_bench.study.suites",
    "Suites": "dask_bench.study.suites",
    "TlsFiles": "dask_bench.study.variants",
    "Variant": "dask_bench.study.variants",
    "VariantDeployment": "dask_bench.study.variants",
    "build_study": "dask_bench.study.model",
    "default_workers": "dask_bench.study.sections",
    "load_study": "dask_bench.study.model",
    "parse_duration": "dask_bench.study.sections",
    "parse_references": "dask_bench.study.model",
    "read_study_file": "dask_bench.study.file",
    "set_path": "dask_bench.study.file",
}

__all__ = [
    "DEFAULT_DATABASE",
    "MAX_WORKERS",
    "MIN_WORKER_MEMORY",
    "Deployment",
    "Measurement",
    "OptionValue",
    "References",
    "SecuritySettings",
    "Study",
    "SuiteInfo",
    "SuiteSettings",
    "Suites",
    "TlsFiles",
    "Variant",
    "VariantDeployment",
    "build_study",
    "default_suite_names",
    "default_workers",
    "load_study",
    "parse_duration",
    "parse_references",
    "read_study_file",
    "register_suite",
    "set_path",
    "suite_info",
    "suite_names",
    "suite_rank",
    "suite_unit",
    "unregister_suite",
]


def __getattr__(name: str) -> Any:
    module = _EXPORTS.get(name)
    if module is None:
        raise AttributeError(f"module 'dask_bench.study' has no attribute {name!r}")
    return getattr(importlib.import_module(module), name)
