"""Run a study's deployment variants in turn, as runs sharing one study id."""

from __future__ import annotations

from dask_bench.config import Study
from dask_bench.runner.execute import RunResult, new_study_id, run_study
from dask_bench.runner.progress import Reporter


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
        if result.status == "interrupted":
            break
    return results
