import os
import shutil
import tempfile

import pytest

#: Where commands keep outputs during the tests, never the user's cache (see below).
_CACHE = tempfile.mkdtemp(prefix="dask-bench-test-cache-")


def pytest_configure(config):
    # also for fixtures wider than one test, which start before the per-test one below
    os.environ["DASK_BENCH_CACHE_DIR"] = _CACHE


def pytest_unconfigure(config):
    shutil.rmtree(_CACHE, ignore_errors=True)


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
