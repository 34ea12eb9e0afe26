"""Plan a sweep, execute it, measure every point."""

from dask_bench.runner.execute import RunResult, run_study
from dask_bench.runner.plan import Plan, PlannedPoint, Step, plan_study
from dask_bench.runner.progress import Reporter, RichReporter
from dask_bench.runner.variants import run_variants

__all__ = [
    "Plan",
    "PlannedPoint",
    "Reporter",
    "RichReporter",
    "RunResult",
    "Step",
    "plan_study",
    "run_study",
    "run_variants",
]
