"""The ``gateway`` back-end (:mod:`~dask_bench.deploy.gateway.backend`).

How it talks to a Dask Gateway server, with time limits and one-line errors, is in
``_client``.
"""
