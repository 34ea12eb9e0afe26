"""Scenarios: a workload repeated under a planned event, after the study's sweep.

One module per kind of event (:mod:`~dask_bench.runner.scenarios.worker_loss`);
:class:`ScenarioRunner` prepares the workload, runs the pairs and stores them.
"""

from dask_bench.runner.scenarios.run import ScenarioRunner

__all__ = ["ScenarioRunner"]
