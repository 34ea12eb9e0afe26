"""Worker groups: the study keys, the layout they make, jobs per group, placement judged."""

from __future__ import annotations

from dataclasses import replace

import pytest

from dask_bench.deploy import get_backend, make_backend, resolve_layout
from dask_bench.deploy.jobqueue._groups import group_options, job_shape, split
from dask_bench.deploy.jobqueue.sbatch import allocation_script
from dask_bench.deploy.layout import GroupLayout, WorkerLayout, group_of, resources_argument
from dask_bench.deploy.scaling import subset
from dask_bench.errors import ConfigError, WorkersTimeout
from dask_bench.report._format import format_layout
from dask_bench.runner.checks import build_study
from dask_bench.runner.placement import NO_GROUP, judge
from dask_bench.runner.plan import plan_study

GIB = 2**30


def two_groups(**deployment):
    return build_study(
        {
            "deployment": {
                "workers": [1, 2, 4],
                "memory_per_worker": "1GiB",
                "groups": {
                    "small": {},
                    "big": {
                        "workers": 1,
                        "threads_per_worker": 2,
                        "memory_per_worker": "4GiB",
                        "resources": {"BIGMEM": 1},
                        "options": {"queue": "bigmem"},
                    },
                },
                **deployment,
            },
            "suites": {"tasks": {"workloads": ["map-tiny"], "per_unit": 1}},
        }
    )


LAYOUT = WorkerLayout(
    threads_per_worker=1,
    memory_per_worker=GIB,
    groups=(
        GroupLayout("small", None, 1, GIB),
        GroupLayout("big", 1, 2, 4 * GIB, {"BIGMEM": 1.0}, {"queue": "bigmem"}),
    ),
)


def test_the_swept_group_grows_and_the_fixed_one_stays():
    study = two_groups()
    layout = resolve_layout(study)
    assert layout == LAYOUT
    plan = plan_study(study)
    # a size counts every group's workers; units count their threads
    assert [(s.workers, s.units) for s in plan.steps] == [(2, 3), (3, 4), (5, 6)]
    assert [layout.counts(s.workers) for s in plan.steps] == [
        {"small": 1, "big": 1},
        {"small": 2, "big": 1},
        {"small": 4, "big": 1},
    ]
    assert layout.threads == {1, 2} and layout.memory == 4 * GIB
    assert (
        layout.describe(3)
        == "2 x small (1 thread, 1.00 GiB) + 1 x big (2 threads, 4.00 GiB, BIGMEM=1)"
    )
    # weak scaling: 1 chunk per unit, so the sizes follow the threads of all groups
    assert [p.chunks for p in plan.points] == [3, 4, 6]


def test_memory_auto_divides_by_the_largest_total():
    study = two_groups(memory_per_worker="auto")
    layout = resolve_layout(study, total_memory=10 * GIB)
    assert layout.group("small").memory_per_worker == 2 * GIB  # 10 GiB / (4 + 1)
    assert layout.group("big").memory_per_worker == 4 * GIB


def test_layout_is_stored_with_its_groups_and_shown():
    stored = LAYOUT.as_dict()
    assert stored["groups"][1] == {
        "name": "big",
        "workers": 1,
        "threads_per_worker": 2,
        "memory_per_worker": 4 * GIB,
        "resources": {"BIGMEM": 1.0},
    }
    assert "groups" not in WorkerLayout(1, GIB).as_dict()  # unchanged for one kind
    assert format_layout(stored) == (
        "groups: small (swept, 1 thread, 1.0 GiB) + big (1 x 2 threads, 4.0 GiB, BIGMEM=1)"
    )


def test_a_worker_group_is_found_by_name_or_by_what_it_offers():
    assert group_of(LAYOUT, {"name": "big-3-0", "nthreads": 2}) == "big"
    assert group_of(LAYOUT, {"name": "small-0", "nthreads": 1}) == "small"
    # an MPI rank or a worker someone started: by resources and threads
    assert group_of(LAYOUT, {"name": 7, "nthreads": 2, "resources": {"BIGMEM": 1}}) == "big"
    assert group_of(LAYOUT, {"name": 8, "nthreads": 1, "resources": {}}) == "small"
    assert group_of(LAYOUT, {"name": 9, "nthreads": 4, "resources": {}}) is None
    assert resources_argument({"GPU": 1.0, "BIGMEM": 0.5}) == ["--resources", "GPU=1,BIGMEM=0.5"]
    assert resources_argument({}) == []


def test_a_fixed_pool_is_chosen_group_by_group():
    workers = {
        "tcp://a:1": {"name": "w1", "nthreads": 1, "resources": {}},
        "tcp://a:2": {"name": "w2", "nthreads": 2, "resources": {"BIGMEM": 1}},
        "tcp://a:3": {"name": "w3", "nthreads": 1, "resources": {}},
        "tcp://a:4": {"name": "w4", "nthreads": 1, "resources": {}},
    }
    assert subset(workers, 3, LAYOUT) == ("tcp://a:1", "tcp://a:3", "tcp://a:2")
    assert subset(workers, 2) == ("tcp://a:1", "tcp://a:2")  # one kind: by name
    with pytest.raises(WorkersTimeout, match="group big needs 1 worker"):
        subset({k: v for k, v in workers.items() if k != "tcp://a:2"}, 3, LAYOUT)


def test_batch_jobs_are_shaped_and_queued_per_group():
    assert split(LAYOUT, 5, cores_per_node=2) == [("small", 2), ("small", 2), ("big", 1)]
    assert split(WorkerLayout(1, GIB), 3, None) == [(None, 1)] * 3
    assert job_shape(LAYOUT, 1, "big") == {"cores": 2, "processes": 1, "memory": f"{4 * GIB}B"}
    options = {"queue": "debug", "worker_extra_args": ["--lifetime", "1h"], "walltime": "1:00"}
    big = group_options(LAYOUT, "big", options, config_name="slurm", skip={"scheduler_options"})
    assert big["queue"] == "bigmem" and big["walltime"] == "1:00"
    assert big["worker_extra_args"] == ["--lifetime", "1h", "--resources", "BIGMEM=1"]
    assert group_options(LAYOUT, None, options, config_name="slurm", skip=set()) == options
    wrong = WorkerLayout(1, GIB, (GroupLayout("g", None, 1, GIB, {}, {"scheduler_options": {}}),))
    with pytest.raises(ConfigError, match=r"groups\.g\.options: scheduler_options apply"):
        group_options(wrong, "g", {}, config_name="slurm", skip={"scheduler_options"})


def test_slurm_job_scripts_show_each_group_shape():
    backend = make_backend(two_groups(backend="slurm", cores_per_node=2))
    scripts = backend.job_scripts(3)
    assert len(scripts) == 2  # big: one job of 1 worker; small: one job of 2
    big = next(s for s in scripts if "BIGMEM" in s)
    assert "#SBATCH -p bigmem" in big and "--resources BIGMEM=1" in big
    assert "--nthreads 2" in big
    small = next(s for s in scripts if "BIGMEM" not in s)
    assert "bigmem" not in small and "--nworkers 2" in small


@pytest.mark.parametrize(
    ("backend", "options", "big", "small"),
    [
        ("slurm", {}, "#SBATCH --mem=4352M", "#SBATCH --mem=2304M"),
        ("pbs", {}, "#PBS -l select=1:ncpus=2:mem=4352MB", "#PBS -l select=1:ncpus=2:mem=2304MB"),
        ("lsf", {"lsf_units": "mb"}, "#BSUB -M 4564", "#BSUB -M 2416"),
        ("htcondor", {"disk": "1GB"}, "RequestMemory = 4352", "RequestMemory = 2304"),
    ],
    ids=["slurm", "pbs", "lsf", "htcondor"],
)
def test_each_group_s_jobs_ask_for_its_workers_limits_and_the_nannies_headroom(
    backend, options, big, small
):
    # HTCondor has no queues: the big group differs by its workers' shape only
    layout = WorkerLayout(1, GIB, (LAYOUT.groups[0], replace(LAYOUT.groups[1], options={})))
    scripts = get_backend(backend)(layout, options, cores_per_node=2).job_scripts(3)
    (big_script,) = [s for s in scripts if "BIGMEM" in s]
    (small_script,) = [s for s in scripts if "BIGMEM" not in s]
    # one job of a 4 GiB worker, one of two 1 GiB workers: each + 256 MiB for the nannies
    assert big in big_script.splitlines() and small in small_script.splitlines()
    assert "--memory-limit 4.00GiB" in big_script and "--memory-limit 1.00GiB" in small_script


def test_one_allocation_cannot_hold_groups():
    with pytest.raises(ConfigError, match="one kind of worker"):
        allocation_script("study.yaml", 3, LAYOUT)


def test_placement_is_judged_against_what_the_tasks_need():
    seen = {
        "counts": {
            "heavy": {"tcp://a:2": 5, "tcp://a:1": 2},
            "make": {"tcp://a:1": 4, "tcp://a:2": 3, "tcp://x:9": 1},
        },
        "workers": {
            "tcp://a:1": {"name": "small-0", "nthreads": 1, "resources": {}},
            "tcp://a:2": {"name": "big-0", "nthreads": 2, "resources": {"BIGMEM": 1}},
        },
    }
    judged = judge(seen, LAYOUT, {"heavy": {"BIGMEM": 1}})
    assert judged.groups == {
        "heavy": {"big": 5, "small": 2},
        "make": {"small": 4, "big": 3, NO_GROUP: 1},  # a worker gone since: no group
    }
    assert judged.violations == [
        "2 'heavy' task(s) needing BIGMEM=1 ran on workers without it (small-0)"
    ]
    assert judge(seen, LAYOUT, {"heavy": {"BIGMEM": 2}}).violations[0].startswith("7 'heavy'")
    assert judge(seen, LAYOUT, {}).violations == []


def test_an_htcondor_group_s_own_submit_keys_keep_the_run_s_name_and_memory():
    big = replace(LAYOUT.groups[1], options={"job_extra_directives": {"+Site": '"gpu-row"'}})
    layout = WorkerLayout(1, GIB, (LAYOUT.groups[0], big))
    options = {"disk": "1GB", "job_extra_directives": {"+Project": '"p"'}}
    backend = get_backend("htcondor")(layout, options)
    shape = backend._shape(1, "big")
    # what request() puts over the group's options when it submits the group's job
    assert shape["job_extra_directives"] == {
        "+Project": '"p"',
        "+Site": '"gpu-row"',
        "batch_name": backend.tag,
        "RequestMemory": 4352,
    }
    (script,) = [s for s in backend.job_scripts(3) if "BIGMEM" in s]
    for line in ('+Site = "gpu-row"', '+Project = "p"', f"batch_name = {backend.tag}"):
        assert line in script.splitlines(), line


def test_an_htcondor_group_may_not_rename_its_jobs():
    big = replace(LAYOUT.groups[1], options={"job_extra_directives": {"batch_name": "mine"}})
    backend = get_backend("htcondor")(WorkerLayout(1, GIB, (LAYOUT.groups[0], big)), {})
    with pytest.raises(ConfigError, match=r"groups\.big\.options\.job_extra_directives"):
        backend._shape(1, "big")
