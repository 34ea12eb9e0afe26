"""Defaults shared by the study model and the statistics (kept free of heavy imports)."""

#: The confidence level of every interval unless a study says otherwise.
DEFAULT_CONFIDENCE = 0.95

#: Where results go when neither the study nor ``--db`` says otherwise.
DEFAULT_DATABASE = "results/dask-bench.db"
