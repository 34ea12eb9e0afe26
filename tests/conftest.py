import os

import pytest


@pytest.fixture(scope="session", autouse=True)
def _test_cache(tmp_path_factory):
    # Commands keep outputs in a cache: during the tests, never the user's. Session-wide
    # for the fixtures wider than one test, which start before the per-test one below;
    # under pytest's own temporary folder, which pytest prunes.
    before = os.environ.get("DASK_BENCH_CACHE_DIR")
    os.environ["DASK_BENCH_CACHE_DIR"] = str(tmp_path_factory.mktemp("dask-bench-cache"))
    yield
    if before is None:
        os.environ.pop("DASK_BENCH_CACHE_DIR", None)
    else:
        os.environ["DASK_BENCH_CACHE_DIR"] = before


@pytest.fixture(autouse=True)
def _isolated_cwd(tmp_path, monkeypatch):
    # Tests never write results into the checkout.
    monkeypatch.chdir(tmp_path)
    # ... nor into the user's cache; one cache a test, inherited by the commands it starts
    monkeypatch.setenv("DASK_BENCH_CACHE_DIR", str(tmp_path / ".dask-bench-cache"))
    yield


def pytest_collection_modifyitems(config, items):
    for item in items:
        if "integration" in str(item.fspath).split(os.sep):
            item.add_marker(pytest.mark.integration)
