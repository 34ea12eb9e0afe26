"""The study model: a study file read, validated and typed, with its variants and references.

This package is the ground floor: it imports nothing of dask-bench above it (only
:mod:`dask_bench.errors`, :mod:`dask_bench.secrets` and :mod:`dask_bench.stats`).
Checks against the back-ends and workloads a study names belong to planning
(:func:`dask_bench.runner.checks.check_study`).
"""

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
from dask_bench.study.file import read_study_file, set_path
from dask_bench.study.model import Study, build_study, load_study, parse_references
from dask_bench.study.references import References
from dask_bench.study.sections import (
    DEFAULT_DATABASE,
    MAX_WORKERS,
    MIN_WORKER_MEMORY,
    Deployment,
    Measurement,
    default_workers,
    parse_duration,
)
from dask_bench.study.suites import OptionValue, Suites, SuiteSettings
from dask_bench.study.variants import SecuritySettings, TlsFiles, Variant, VariantDeployment

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
