"""Run a study's deployment variants in turn, as runs sharing one study id."""

from __future__ import annotations

from dask_bench.errors import ConfigError
from dask_bench.runner._setup import new_study_id
from dask_bench.runner.execute import RunResult, run_study
from dask_bench.runner.progress import Reporter
from dask_bench.store.schema import RunStatus
from dask_bench.study import Study


def run_variants(study: Study, reporter: Reporter | None = None) -> list[RunResult]:
    """Run every variant of ``study`` (or the study itself when it has none).

    Variants run one after the other with identical workloads, sizes and worker layout;
    each is stored as a run of its own, tagged with its variant name, and all share a
    study id. A variant whose deployment fails is stored as failed and the next one
    still runs; Ctrl-C (or SIGTERM) stops the whole study after closing the current
    variant's cluster.

    Parameters
    ----------
    study
        The validated study.
    reporter
        Receives progress events; default: none.

    Returns
    -------
    list of RunResult
        One per variant that started, in order. A failed deployment is in
        :attr:`RunResult.error`, except for a study without variants, where it is
        raised as before.

    Raises
    ------
    DaskBenchError
        Only for a study without variants, when its deployment fails.
    """
    reporter = reporter or Reporter()
    studies = study.variant_studies()
    if not study.variants:
        return [run_study(study, reporter)]
    study_id = new_study_id()
    results = []
    for index, each in enumerate(studies):
        reporter.variant(each.variant or "", index, len(studies))
        result = run_study(each, reporter, study_id=study_id, raise_errors=False)
        results.append(result)
        if result.error is not None:
            reporter.warn(f"variant {each.variant} failed: {result.error}")
        if result.status == RunStatus.INTERRUPTED:
            break
    return results


def resume_run(
    study: Study,
    ref: str,
    reporter: Reporter | None = None,
    *,
    accept_changed_study: bool = False,
) -> RunResult:
    """Finish stored run ``ref`` of ``study``: its variant's missing and failed points.

    Raises
    ------
    ConfigError
        When the study has no variant of that run's name, or the run cannot be resumed
        (see :func:`dask_bench.runner.resume.plan_resume`); nothing is changed.
    """
    from dask_bench.store import Store

    store = Store(study.database)
    try:
        variant = store.run(ref).variant
    finally:
        store.close()
    each = study.variant_studies()
    if study.variants:
        each = [s for s in each if s.variant == variant]
        if not each:
            raise ConfigError(
                f"run {ref} is of variant {variant!r}, which the study does not have; give "
                "the study it was started with"
            )
    return run_study(each[0], reporter, resume=ref, accept_changed_study=accept_changed_study)
