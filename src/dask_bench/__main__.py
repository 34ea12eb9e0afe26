"""``python -m dask_bench``: the same as the ``dask-bench`` command."""

from dask_bench.cli import main

main()
