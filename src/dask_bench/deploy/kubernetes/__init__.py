"""The ``kubernetes`` back-end (:mod:`~dask_bench.deploy.kubernetes.backend`).

Its options and Kubernetes quantities (``_options``), the generated DaskCluster
(``_manifest``), the DaskWorkerGroups of worker groups (``_groups``), Kubernetes names
and labels (``_names``) and pod states (``_pods``) are pure functions, usable offline by
``dask-bench plan`` and ``dask-bench manifest``.
"""
