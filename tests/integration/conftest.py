"""Fixtures shared by the integration tests."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from distributed import Client, LocalCluster


@pytest.fixture(scope="module")
def client() -> Iterator[Client]:
    """A real LocalCluster of 2 single-thread worker processes, for one test module."""
    with (
        LocalCluster(
            n_workers=2, threads_per_worker=1, processes=True, dashboard_address=":0"
        ) as cluster,
        Client(cluster) as client,
    ):
        yield client


@pytest.fixture(scope="session")
def tpch_cache(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The tpch suite's ``io.directory`` in tests: one temporary data cache for the session
    (generating a scale factor takes seconds), never the user's cache."""
    return tmp_path_factory.mktemp("tpch")
