"""What the study owns among a dask-jobqueue cluster's keywords, and what one job does not take."""

from __future__ import annotations

#: Set by the study (its worker layout, its run's job name), with who sets it.
OWNERS = {
    "cores": "deployment.threads_per_worker and deployment.cores_per_node",
    "processes": "deployment.threads_per_worker and deployment.cores_per_node",
    "memory": "deployment.memory_per_worker",
    "n_workers": "deployment.workers",
    "job_name": "dask-bench (dask-bench-<run id>-<study>, which 'dask-bench cleanup' finds)",
    "security": "the study's security.tls",
}
#: Keywords of the cluster class that a single job does not take (for ``plan``).
CLUSTER_ONLY = {
    "scheduler_options",
    "shared_temp_directory",
    "silence_logs",
    "name",
    "asynchronous",
    "loop",
    "dashboard_address",
    "host",
    "scheduler_cls",
    "job_cls",
    "security",
}
