"""Unit tests of the node layout of batch jobs (``node_split``)."""

from __future__ import annotations

import math

import pytest

from dask_bench.deploy.jobqueue.nodes import node_split, workers_per_node
from dask_bench.errors import ConfigError


def test_fifty_single_threaded_workers_on_24_core_nodes() -> None:
    assert node_split(50, 1, 24) == [17, 17, 16]


@pytest.mark.parametrize(
    ("workers", "threads", "cores", "expected"),
    [
        (3, 2, 4, [2, 1]),  # two 2-thread workers fill a 4-core node
        (4, 2, 4, [2, 2]),
        (5, 2, 4, [2, 2, 1]),
        (25, 1, 24, [13, 12]),  # spread evenly, not 24 + 1
        (48, 1, 24, [24, 24]),
        (7, 3, 8, [2, 2, 2, 1]),  # 3 threads: 2 workers per 8-core node, 2 cores idle
    ],
)
def test_examples(workers: int, threads: int, cores: int, expected: list[int]) -> None:
    assert node_split(workers, threads, cores) == expected


def test_sums_balance_and_fit_over_a_grid() -> None:
    for cores in range(1, 33):
        for threads in range(1, min(4, cores) + 1):
            fit = cores // threads
            for workers in range(1, 71):
                split = node_split(workers, threads, cores)
                where = (workers, threads, cores, split)
                assert sum(split) == workers, where
                assert max(split) - min(split) <= 1, where
                assert max(split) * threads <= cores, where  # every job fits its node
                assert len(split) == math.ceil(workers / fit), where  # as few nodes as hold it
                assert split == sorted(split, reverse=True), where


@pytest.mark.parametrize(("workers", "threads", "cores"), [(1, 1, 1), (6, 4, 24), (24, 1, 24)])
def test_a_size_that_fits_one_node_uses_one_node(workers: int, threads: int, cores: int) -> None:
    assert node_split(workers, threads, cores) == [workers]


def test_without_cores_per_node_one_job_per_worker() -> None:
    assert node_split(5, 4, None) == [1] * 5


def test_no_workers_no_jobs() -> None:
    assert node_split(0, 1, 24) == []


def test_a_worker_too_big_for_a_node_is_refused() -> None:
    with pytest.raises(ConfigError, match="8 threads does not fit on a node of 4 cores") as info:
        node_split(2, 8, 4)
    assert "\n" not in str(info.value)
    assert "deployment.cores_per_node" in str(info.value)


def test_workers_per_node() -> None:
    assert workers_per_node(3, 8) == 2
    assert workers_per_node(1, 24) == 24
