"""The versions of what is stored, apart from the models, so that any module can read them."""

#: Bump on every change to the tables of :mod:`dask_bench.store.schema`, and add a migration.
SCHEMA_VERSION = 8
#: Bump on every change in meaning of a run's provenance document
#: (:mod:`dask_bench.store.provenance`), and add a migration.
PROVENANCE_FORMAT = 3
