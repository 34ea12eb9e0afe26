"""SGE jobs of several slots ask for them in a parallel environment (``-pe NAME N``)."""

from __future__ import annotations

import pytest

from dask_bench.deploy.jobqueue.sge import SGEBackend
from dask_bench.deploy.layout import WorkerLayout
from dask_bench.errors import ConfigError

LAYOUT = WorkerLayout(threads_per_worker=1, memory_per_worker=2**30)


def test_jobs_of_several_slots_name_the_parallel_environment():
    backend = SGEBackend(LAYOUT, {"queue": "all.q"}, cores_per_node=4)
    assert "job_extra_directives" not in backend._shape(1)  # one slot: SGE's default
    assert backend._shape(4)["job_extra_directives"] == ["-pe smp 4"]
    scripts = backend.job_scripts(5)  # spread evenly: a job of 3 workers, then one of 2
    assert "#$ -pe smp 3\n" in scripts[0] and "#$ -pe smp 2\n" in scripts[1]
    assert backend.describe()["parallel_environment"] == "smp"


def test_the_name_is_configurable_and_other_directives_stay():
    options = {"parallel_environment": "mpi-fill", "job_extra_directives": ["-l h_vmem=2G"]}
    backend = SGEBackend(LAYOUT, options, cores_per_node=2)
    assert backend._shape(2)["job_extra_directives"] == ["-l h_vmem=2G", "-pe mpi-fill 2"]
    assert "parallel_environment" not in backend.options  # not SGECluster's keyword
    two_threads = WorkerLayout(threads_per_worker=2, memory_per_worker=2**30)
    off = SGEBackend(two_threads, {"parallel_environment": None})
    assert "job_extra_directives" not in off._shape(1)


@pytest.mark.parametrize("bad", ["", "two words", 3])
def test_a_bad_name_is_one_line(bad):
    with pytest.raises(ConfigError, match="parallel_environment"):
        SGEBackend(LAYOUT, {"parallel_environment": bad})
