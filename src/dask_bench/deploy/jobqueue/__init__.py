"""Batch back-ends on dask-jobqueue: a shared core, one small module per batch system.

:mod:`~dask_bench.deploy.jobqueue.core` holds what they share; ``slurm``, ``sge``,
``pbs``, ``lsf`` and ``htcondor`` each register one back-end with the commands of
their batch system (states, queue waits, cancelling by name). ``nodes`` spreads
workers over nodes, ``sbatch`` writes the one-allocation script of ``script slurm``.
"""
