"""The job scripts of the batch back-ends, and how their queue commands' output is read.

PBS, LSF and HTCondor cannot run on the test machine, so their back-ends are checked
through the scripts dask-jobqueue generates for them (nothing is submitted); Slurm
and SGE are also tested against real daemons elsewhere.
"""

from __future__ import annotations

import contextlib
import math
import re
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import dask
import pytest

from dask_bench.deploy import get_backend
from dask_bench.deploy.jobqueue._alloc import NANNY_HEADROOM
from dask_bench.deploy.jobqueue.core import JobQueueBackend
from dask_bench.deploy.jobqueue.htcondor import HTCondorBackend, parse_condor_q
from dask_bench.deploy.jobqueue.lsf import parse_bjobs
from dask_bench.deploy.jobqueue.pbs import parse_qstat
from dask_bench.deploy.jobqueue.sge import SGEBackend, parse_qstat_j, parse_qstat_xml
from dask_bench.deploy.layout import WorkerLayout
from dask_bench.errors import BackendError, ConfigError

TAG = "dask-bench-42"
GIB = 2**30
#: 2 threads and 1 GiB per worker, on 4-core nodes: two workers fill a node.
LAYOUT = WorkerLayout(threads_per_worker=2, memory_per_worker=GIB)
#: Workers per job, one script per distinct job shape, largest first.
SHAPES = {1: [1], 2: [2], 3: [2, 1]}
PROLOGUE = ["source /opt/venvs/bench/bin/activate", "export OMP_NUM_THREADS=1"]


@dataclass(frozen=True)
class Batch:
    """A back-end, the options given to it, and what its scripts must say."""

    name: str
    options: dict[str, Any]
    job_name: str  # the directive naming the job
    passed: tuple[str, ...]  # lines the options put in the script unchanged
    resources: Any = None  # workers per job -> resource directives (None: not checked)
    prologue_lines: bool = True  # HTCondor runs the prologue inside its Arguments line


CASES = [
    Batch(
        "slurm",
        {"queue": "debug", "account": "proj-7", "walltime": "00:30:00",
         "job_extra_directives": ["--exclusive", "--constraint=haswell"]},
        "#SBATCH -J dask-bench-42",
        ("#SBATCH -p debug", "#SBATCH -A proj-7", "#SBATCH -t 00:30:00",
         "#SBATCH --exclusive", "#SBATCH --constraint=haswell"),
        # the workers' 1 GiB each and 256 MiB for the process that holds their nannies
        lambda w: [
            "#SBATCH -n 1", f"#SBATCH --cpus-per-task={2 * w}", f"#SBATCH --mem={1024 * w + 256}M"
        ],
    ),
    Batch(
        "pbs",
        {"queue": "workq", "account": "proj-7", "walltime": "00:30:00",
         "job_extra_directives": ["-m n", "-l place=scatter"]},
        "#PBS -N dask-bench-42",
        ("#PBS -q workq", "#PBS -A proj-7", "#PBS -l walltime=00:30:00", "#PBS -m n",
         "#PBS -l place=scatter"),
        # dask-jobqueue's request, with 256 MiB for the process that holds the nannies
        lambda w: [f"#PBS -l select=1:ncpus={2 * w}:mem={1024 * w + 256}MB"],
    ),
    Batch(
        "sge",
        {"queue": "all.q", "project": "proj-7", "walltime": "00:30:00",
         "job_extra_directives": ["-V", "-m n"]},
        "#$ -N dask-bench-42",
        ("#$ -q all.q", "#$ -P proj-7", "#$ -l h_rt=00:30:00", "#$ -V", "#$ -m n"),
    ),
    Batch(
        "lsf",
        {"queue": "normal", "project": "proj-7", "walltime": "00:30", "lsf_units": "mb",
         "job_extra_directives": ["-u me@example.org", "-x"]},
        "#BSUB -J dask-bench-42",
        ("#BSUB -q normal", '#BSUB -P "proj-7"', "#BSUB -W 00:30", "#BSUB -u me@example.org",
         "#BSUB -x"),
        # -M in the site's unit (here MB, 10^6 bytes), rounded up; the nannies' 256 MiB too
        lambda w: [f"#BSUB -n {2 * w}", '#BSUB -R "span[hosts=1]"',
                   f"#BSUB -M {math.ceil((w * GIB + NANNY_HEADROOM) / 1e6)}"],
    ),
    Batch(
        "htcondor",
        {"disk": "4GB",
         "job_extra_directives": {"+ProjectName": '"proj-7"', "requirements": 'OpSys == "LINUX"'}},
        "batch_name = dask-bench-42",
        ('+ProjectName = "proj-7"', 'requirements = OpSys == "LINUX"',
         "MY.DaskWorkerDisk = 4000000000"),
        # RequestMemory in MiB: the workers' limits (DaskWorkerMemory) and the nannies' 256
        lambda w: ["RequestCpus = MY.DaskWorkerCores", f"MY.DaskWorkerCores = {2 * w}",
                   f"MY.DaskWorkerMemory = {w * GIB}", f"RequestMemory = {1024 * w + 256}"],
        prologue_lines=False,
    ),
]  # fmt: skip


def params(cases: list[Batch]) -> list[Any]:
    """Each case as a pytest parameter named after its back-end."""
    return [pytest.param(c, id=c.name) for c in cases]


def make(case: Batch, options: dict[str, Any] | None = None, **kw: Any) -> JobQueueBackend:
    cls = get_backend(case.name)
    assert issubclass(cls, JobQueueBackend)
    common = {"job_script_prologue": PROLOGUE, "interface": "lo"}
    backend = cls(LAYOUT, {**common, **case.options, **(options or {})}, **kw)
    backend.tag = TAG
    return backend


def worker_command(script: str) -> str:
    (line,) = [ln for ln in script.splitlines() if "distributed.cli.dask_worker" in ln]
    return line


@pytest.mark.parametrize("workers", [1, 2, 3])
@pytest.mark.parametrize("case", params(CASES))
def test_job_scripts_follow_the_layout_and_keep_the_options(case: Batch, workers: int) -> None:
    backend = make(case, cores_per_node=4)
    scripts = backend.job_scripts(workers)
    assert len(scripts) == len(SHAPES[workers])  # one per distinct job shape
    for script, per_job in zip(scripts, SHAPES[workers], strict=True):
        lines = script.splitlines()
        assert case.job_name in lines
        for directive in case.passed:
            assert directive in lines, (directive, script)
        for directive in case.resources(per_job) if case.resources else ():
            assert directive in lines, (directive, script)
        for line in PROLOGUE:
            assert (line in lines) if case.prologue_lines else (line in script), script
        command = worker_command(script)
        assert " --nthreads 2 " in command  # threads per worker, whatever the job's size
        assert " --memory-limit 1.00GiB " in command  # memory per worker
        nworkers = re.findall(r"--nworkers (\d+)", command)
        assert nworkers == ([str(per_job)] if per_job > 1 else [])
        assert command.rstrip("'\"").endswith("--interface lo")


@pytest.mark.parametrize("case", params(CASES))
def test_the_tag_names_the_jobs(case: Batch) -> None:
    backend = make(case, cores_per_node=4)
    backend.tag = "dask-bench-7"
    (script,) = backend.job_scripts(1)
    assert case.job_name.replace(TAG, "dask-bench-7") in script.splitlines()
    assert TAG not in script
    assert backend.describe()["job_name"] == "dask-bench-7"


@pytest.mark.parametrize("case", params(CASES))
def test_without_cores_per_node_every_worker_is_a_job(case: Batch) -> None:
    (script,) = make(case).job_scripts(3)
    assert "--nworkers" not in worker_command(script)
    for directive in case.resources(1) if case.resources else ():
        assert directive in script.splitlines()


OWNED = [
    ("cores", "deployment.threads_per_worker"),
    ("processes", "deployment.threads_per_worker"),
    ("memory", "deployment.memory_per_worker"),
    ("n_workers", "deployment.workers"),
    ("job_name", "dask-bench-<run id>"),
]


@pytest.mark.parametrize(("key", "owner"), OWNED)
@pytest.mark.parametrize("case", params(CASES))
def test_layout_keys_in_options_are_refused(case: Batch, key: str, owner: str) -> None:
    with pytest.raises(ConfigError) as info:
        make(case, {key: 4})
    message = str(info.value)
    assert f"'deployment.options.{key}'" in message and owner in message
    assert "\n" not in message


@pytest.mark.parametrize("case", params(CASES))
def test_an_unknown_option_is_a_one_line_error(case: Batch) -> None:
    backend = make(case, {"queue_nmae": "debug"})
    with pytest.raises(ConfigError, match="queue_nmae") as info:
        backend.job_scripts(1)
    assert "\n" not in str(info.value)
    assert get_backend(case.name).cluster_class in str(info.value)  # type: ignore[attr-defined]


# --- memory: the workers' limits plus the nannies' headroom, unless the user asks ---


#: The request of a job of 2 workers of 1 GiB (2 threads each): 2 GiB + 256 MiB.
HEADROOM = {
    "slurm": ["#SBATCH --mem=2304M"],
    "pbs": ["#PBS -l select=1:ncpus=4:mem=2304MB"],
    "lsf": ["#BSUB -M 2416"],  # MB of 10^6 bytes: 2415919104 bytes, rounded up
    "htcondor": ["RequestMemory = 2304", "MY.DaskWorkerMemory = 2147483648"],
    "sge": [],  # SGECluster asks for no memory unless resource_spec is given
}


def memory_lines(script: str) -> list[str]:
    """The lines of a script that speak of memory, the worker command left out."""
    words = ("mem", "-M ", "Memory")
    lines = script.splitlines()
    return [ln for ln in lines if any(w in ln for w in words) and "dask_worker" not in ln]


@pytest.mark.parametrize("case", params(CASES))
def test_a_job_asks_for_its_workers_limits_and_the_nannies_headroom(case: Batch) -> None:
    assert NANNY_HEADROOM == 256 * 2**20  # one 'dask worker' process holds a job's nannies
    (script,) = make(case, cores_per_node=4).job_scripts(2)
    assert memory_lines(script) == HEADROOM[case.name], script
    # the workers' own limits stay the study's
    assert " --memory-limit 1.00GiB --nworkers 2 " in worker_command(script)


#: A memory request the user gives in the options: the lines it makes, taken as written.
GIVEN = [
    ("slurm", {"job_mem": "8G"}, ["#SBATCH --mem=8G"]),
    ("pbs", {"resource_spec": "select=1:ncpus=4:mem=8gb"}, ["#PBS -l select=1:ncpus=4:mem=8gb"]),
    ("lsf", {"mem": 8 * 10**9}, ["#BSUB -M 8000"]),
    ("htcondor", {"job_extra_directives": {"RequestMemory": 8192}}, ["RequestMemory = 8192"]),
    # another spelling of the request: dask-jobqueue's own line stays (the workers' limits)
    ("htcondor", {"job_extra_directives": {"request_memory": "8 GB"}},
     ["RequestMemory = floor(MY.DaskWorkerMemory / 1048576)", "request_memory = 8 GB"]),
    ("htcondor", {"job_extra_directives": {"+RequestMemory": 8192}},
     ["RequestMemory = floor(MY.DaskWorkerMemory / 1048576)", "+RequestMemory = 8192"]),
    ("sge", {"resource_spec": "h_vmem=4G"}, ["#$ -l h_vmem=4G"]),
]  # fmt: skip


def _case(name: str) -> Batch:
    return next(c for c in CASES if c.name == name)


def _given(rows: list[tuple[str, dict[str, Any], list[str]]]) -> list[Any]:
    return [pytest.param(n, o, e, id=f"{n}-{next(iter(o.values()))}") for n, o, e in rows]


@pytest.mark.parametrize(("name", "options", "expected"), _given(GIVEN))
def test_a_memory_request_in_the_options_is_taken_as_written(
    name: str, options: dict[str, Any], expected: list[str]
) -> None:
    case = _case(name)
    if "job_extra_directives" in options:  # HTCondor: the case's own keys stay as well
        given = {**case.options["job_extra_directives"], **options["job_extra_directives"]}
        options = {"job_extra_directives": given}
    (script,) = make(case, options, cores_per_node=4).job_scripts(2)
    assert [ln for ln in memory_lines(script) if "DaskWorkerMemory =" not in ln] == expected
    assert " --memory-limit 1.00GiB --nworkers 2 " in worker_command(script)


#: The same requests in dask-jobqueue's config: (back-end, config key, value, the lines).
CONFIG = [
    ("slurm", "jobqueue.slurm.job-mem", "8G", ["#SBATCH --mem=8G"]),
    ("pbs", "jobqueue.pbs.resource-spec", "select=1:ncpus=4:mem=8gb",
     ["#PBS -l select=1:ncpus=4:mem=8gb"]),
    ("lsf", "jobqueue.lsf.mem", 8 * 10**9, ["#BSUB -M 8000"]),
    ("htcondor", "jobqueue.htcondor.job-extra-directives", {"RequestMemory": 8192},
     ["RequestMemory = 8192"]),
]  # fmt: skip


@pytest.mark.parametrize(("name", "key", "value", "expected"), CONFIG, ids=[r[0] for r in CONFIG])
def test_a_memory_request_in_dask_jobqueue_s_config_is_taken_as_written(
    name: str, key: str, value: Any, expected: list[str]
) -> None:
    case = _case(name)
    options = {k: v for k, v in case.options.items() if k != "job_extra_directives"}
    cls = get_backend(name)
    with dask.config.set({key: value}):
        backend = cls(LAYOUT, options, cores_per_node=4)
        backend.tag = TAG
        (script,) = backend.job_scripts(2)
    assert [ln for ln in memory_lines(script) if "DaskWorkerMemory =" not in ln] == expected


@pytest.mark.parametrize("skip", [["select"], ["mem="]])
def test_pbs_with_the_select_line_skipped_asks_only_what_the_user_wrote(skip: list[str]) -> None:
    # NCI Gadi style: the site's own -l lines, dask-jobqueue's select line left out
    gadi = {"job_directives_skip": skip, "job_extra_directives": ["-l ncpus=48", "-l mem=192GB"]}
    (script,) = make(_case("pbs"), gadi, cores_per_node=4).job_scripts(2)
    lines = script.splitlines()
    requests = [ln for ln in lines if ln.startswith("#PBS -l") and "walltime" not in ln]
    assert requests == ["#PBS -l ncpus=48", "#PBS -l mem=192GB"]
    assert " --memory-limit 1.00GiB --nworkers 2 " in worker_command(script)
    with dask.config.set({"jobqueue.pbs.job-directives-skip": skip}):
        (script,) = make(_case("pbs"), cores_per_node=4).job_scripts(2)
    assert not any("select" in ln for ln in script.splitlines())


def test_htcondor_with_request_memory_skipped_asks_for_none() -> None:
    backend = make(_case("htcondor"), {"job_directives_skip": ["RequestMemory"]}, cores_per_node=4)
    (script,) = backend.job_scripts(2)
    assert memory_lines(script) == ["MY.DaskWorkerMemory = 2147483648"]


@pytest.mark.parametrize("case", params([_case("pbs"), _case("lsf")]))
def test_the_started_cluster_s_jobs_ask_for_the_headroom(case: Batch) -> None:
    backend = make(case, cores_per_node=4)
    given = dict(backend.options)
    backend.start()  # a real scheduler; no job is submitted until a request
    cluster = backend._cluster
    try:
        assert cluster is not None
        script = cluster.job_script()  # type: ignore[attr-defined]
        expected = case.resources(1) if case.resources else []
        assert set(expected) <= set(script.splitlines()), script  # 1 GiB + 256 MiB
        assert backend.describe()["options"] == given  # the request is no option of the user's
    finally:
        with contextlib.suppress(BackendError):  # no qstat or bjobs here
            backend.close()


# --- HTCondor: the batch name is the tag ---


HTCONDOR = next(c for c in CASES if c.name == "htcondor")


@pytest.mark.parametrize("key", ["batch_name", "Batch_Name", "+JobBatchName"])
def test_htcondor_refuses_renaming_the_jobs(key: str) -> None:
    with pytest.raises(ConfigError, match="must not set batch_name"):
        make(HTCONDOR, {"job_extra_directives": {key: "mine"}})


def test_htcondor_directives_must_be_a_mapping() -> None:
    with pytest.raises(ConfigError, match=r"must be a mapping .* not list"):
        make(HTCONDOR, {"job_extra_directives": ["+ProjectName = 1"]})


def test_htcondor_submits_with_the_tag_and_records_the_options_as_given() -> None:
    backend = make(HTCONDOR, cores_per_node=4)
    given = dict(backend.options)
    backend.start()  # a real scheduler; no job is submitted until a request
    cluster = backend._cluster
    try:
        assert cluster is not None
        ((_, spec),) = cluster.new_worker_spec().items()
        directives = spec["options"]["job_extra_directives"]
        given_keys = HTCONDOR.options["job_extra_directives"]
        assert directives == {**given_keys, "batch_name": TAG, "RequestMemory": 1024 + 256}
        assert f"batch_name = {TAG}" in cluster.job_script().splitlines()  # type: ignore[attr-defined]
        assert backend.options == given
        assert backend.describe()["options"] == given
    finally:
        # without HTCondor here, cancelling leftovers by name cannot find condor_q
        with contextlib.suppress(BackendError):
            backend.close()
    assert cluster.status.name == "closed"


# --- reading the queue ---


QSTAT = """\
Job Id: 1234.pbs-head
    Job_Name = dask-bench-42
    Job_Owner = alice@login1
    job_state = Q
    queue = workq
    ctime = Mon Jan  8 10:14:58 2024
    qtime = Mon Jan  8 10:15:00 2024
    Resource_List.select = 1:ncpus=4:mem=2048MB
    comment = Not Running: Insufficient amount of resource: ncpus (R: 4 A: 2 T:
\t 8)
    Variable_List = PBS_O_HOME=/home/alice,PBS_O_LOGNAME=alice,PBS_O_PATH=/usr/b
\tin:/bin

Job Id: 1235.pbs-head
    Job_Name = dask-bench-42
    job_state = R
    qtime = Mon Jan  8 10:15:00 2024
    stime = Mon Jan  8 10:15:07 2024
    exec_host = node1/0*2+node2/0*2
    comment = Job run at Mon Jan 08 at 10:15 on (node1:ncpus=2)+(node2:ncpus=2)

Job Id: 77.torque-head.example.org
    Job_Name = dask-bench-42
    job_state = R
    qtime = Tue Feb  6 09:00:00 2024
    start_time = Tue Feb  6 09:01:30 2024
    exec_host = cn01/0+cn01/1+cn01/2+cn01/3

Job Id: 78.torque-head.example.org
    Job_Name = dask-bench-42
    job_state = C
    qtime = Tue Feb  6 09:00:00 2024

Job Id: 79.pbs-head
    Job_Name = no-state-is-skipped
this line belongs to nothing
"""


def test_qstat_states_reasons_nodes_and_times() -> None:
    queued, running, torque = parse_qstat(QSTAT)
    assert (queued.job_id, queued.name, queued.state) == ("1234", TAG, "QUEUED")
    # a wrapped value is joined back exactly as it was
    assert queued.reason == "Not Running: Insufficient amount of resource: ncpus (R: 4 A: 2 T: 8)"
    assert queued.nodes is None and queued.started is None
    assert queued.submitted == datetime(2024, 1, 8, 10, 15, 0)
    assert queued.describe() == f"1234 QUEUED ({queued.reason})"

    assert (running.job_id, running.state, running.reason) == ("1235", "RUNNING", None)
    assert running.nodes == "node1,node2"
    assert running.queue_seconds == 7.0

    assert (torque.job_id, torque.nodes, torque.queue_seconds) == ("77", "cn01", 90.0)


def test_qstat_without_jobs() -> None:
    assert parse_qstat("") == []
    assert parse_qstat("qstat: Unknown Job Id 12.pbs-head\n") == []


BJOBS = """\
101|dask-bench-42|PEND|-|Jan  1 10:15|-|Job's requirements for resource reservation not satisfied
102|dask-bench-42|RUN|2*node1:2*node2|Jan  1 10:15|Jan  1 10:16 L|-
103|dask-bench-42|RUN|node3:node3|Dec 31 23:59|Jan  1 00:01|-
104|dask-bench-42|PEND|-|Jan  1 10:20|-|Reason with a | inside
105|dask-bench-42|RUN|node4|Jan  1 10:15:02 2024|Jan  1 10:15:09 2024|-
No unfinished job found
JOBID|JOB_NAME|STAT
"""


def test_bjobs_states_reasons_hosts_and_times() -> None:
    now = datetime(2024, 1, 1, 12, 0)
    pending, running, new_year, pipe, with_year = parse_bjobs(BJOBS, now=now)
    assert (pending.job_id, pending.name, pending.state) == ("101", TAG, "PEND")
    assert pending.reason == "Job's requirements for resource reservation not satisfied"
    assert pending.nodes is None and pending.started is None
    assert pending.submitted == datetime(2024, 1, 1, 10, 15)

    assert (running.state, running.reason, running.nodes) == ("RUN", None, "node1,node2")
    assert running.queue_seconds == 60.0

    # shown without a year: December lies in the past year
    assert new_year.submitted == datetime(2023, 12, 31, 23, 59)
    assert (new_year.nodes, new_year.queue_seconds) == ("node3", 120.0)

    assert pipe.reason == "Reason with a | inside"
    assert with_year.queue_seconds == 7.0


def test_condor_q_states_reasons_hosts_and_times() -> None:
    queued, started = 1704708900, 1704708930
    rows = [
        ["123", "0", TAG, "1", str(queued), "undefined", "undefined", "undefined",
         "no match found"],
        ["124", "0", TAG, "2", str(queued), str(started), "slot1@node1.example.org",
         "undefined", "undefined"],
        ["125", "0", TAG, "5", str(queued), "undefined", "undefined",
         "Error from slot1@node2: disk quota exceeded", "undefined"],
        ["126", "0", TAG, "3", str(queued), "undefined", "undefined", "undefined",
         "undefined"],  # removed: leaving the queue
        ["not", "a", "job"],
    ]  # fmt: skip
    text = "\n".join("\t".join(row) for row in rows) + "\nAll queues are empty\n"
    idle, running, held = parse_condor_q(text)
    assert (idle.job_id, idle.name, idle.state, idle.reason) == (
        "123.0", TAG, "IDLE", "no match found",
    )  # fmt: skip
    assert idle.started is None and idle.nodes is None
    assert idle.submitted == datetime.fromtimestamp(queued)

    assert (running.job_id, running.state, running.reason) == ("124.0", "RUNNING", None)
    assert running.nodes == "node1.example.org"
    assert running.queue_seconds == 30.0

    assert (held.state, held.reason) == ("HELD", "Error from slot1@node2: disk quota exceeded")


def test_htcondor_backend_registered() -> None:
    assert get_backend("htcondor") is HTCondorBackend


# Captured from the SGE test bed (testbeds/sge): job 7 runs, 8 failed to start (Eqw),
# 2 was submitted on hold, 6 waits for a free slot.
QSTAT_XML = """\
<?xml version='1.0'?>
<job_info  xmlns:xsd="http://arc.liv.ac.uk/repos/darcs/sge/source/dist/util/resources/schemas/qstat/qstat.xsd">
  <queue_info>
    <job_list state="running">
      <JB_job_number>7</JB_job_number>
      <JAT_prio>0.75000</JAT_prio>
      <JB_name>dask-bench-42</JB_name>
      <JB_owner>root</JB_owner>
      <state>r</state>
      <JAT_start_time>2026-11-22T05:13:36</JAT_start_time>
      <queue_name>all.q@localhost</queue_name>
      <slots>1</slots>
    </job_list>
  </queue_info>
  <job_info>
    <job_list state="pending">
      <JB_job_number>8</JB_job_number>
      <JAT_prio>0.25000</JAT_prio>
      <JB_name>dask-bench-42</JB_name>
      <JB_owner>root</JB_owner>
      <state>Eqw</state>
      <JB_submission_time>2026-11-22T05:13:35</JB_submission_time>
      <queue_name></queue_name>
      <slots>1</slots>
    </job_list>
    <job_list state="pending">
      <JB_job_number>2</JB_job_number>
      <JAT_prio>0.00000</JAT_prio>
      <JB_name>dask-bench-42</JB_name>
      <JB_owner>root</JB_owner>
      <state>hqw</state>
      <JB_submission_time>2026-11-22T05:13:11</JB_submission_time>
      <queue_name></queue_name>
      <slots>1</slots>
    </job_list>
    <job_list state="pending">
      <JB_job_number>6</JB_job_number>
      <JAT_prio>0.25000</JAT_prio>
      <JB_name>fill</JB_name>
      <JB_owner>root</JB_owner>
      <state>qw</state>
      <JB_submission_time>2026-11-22T05:13:19</JB_submission_time>
      <queue_name></queue_name>
      <slots>1</slots>
    </job_list>
  </job_info>
</job_info>
"""

# ``qstat -j`` of the same jobs, shortened to the lines that matter and a few around them.
QSTAT_J = """\
==============================================================
job_number:                 2
exec_file:                  job_scripts/2
submission_time:            Sun Nov 22 05:13:11 2026
owner:                      root
job_name:                   dask-bench-42
script_file:                j.sh
binding:                    NONE
job_type:                   NONE
scheduling info:            queue instance "all.q@localhost" dropped because it is full
                            All queues dropped because of overload or full
                            Job is in hold state
==============================================================
job_number:                 6
submission_time:            Sun Nov  2 05:13:19 2026
job_name:                   fill
scheduling info:            queue instance "all.q@localhost" dropped because it is full
                            All queues dropped because of overload or full
==============================================================
job_number:                 7
exec_file:                  job_scripts/7
submission_time:            Sun Nov 22 05:13:19 2026
job_name:                   dask-bench-42
usage         1:            cpu=00:00:00, mem=0.00000 GB s, io=0.00002 GB, vmem=3.449M
binding       1:            NONE
==============================================================
job_number:                 8
exec_file:                  job_scripts/8
submission_time:            Sun Nov 22 05:13:35 2026
cwd:                        /nonexistent/dir
job_name:                   dask-bench-42
job_type:                   NONE
error reason          1:      11/22/2026 05:13:38 [0:18208]: error: can't chdir to /nonexistent/dir: No such file or directory
"""  # noqa: E501


def test_sge_qstat_xml_states_nodes_and_times() -> None:
    running, failed, held, waiting = parse_qstat_xml(QSTAT_XML)
    assert (running.job_id, running.name, running.state) == ("7", TAG, "r")
    assert running.nodes == "localhost"  # the host of the queue instance all.q@localhost
    assert running.started == datetime(2026, 11, 22, 5, 13, 36)
    assert running.submitted is None  # qstat -xml omits it for running jobs
    assert [(j.job_id, j.state) for j in (failed, held, waiting)] == [
        ("8", "Eqw"), ("2", "hqw"), ("6", "qw"),
    ]  # fmt: skip
    assert all(j.started is None and j.nodes is None for j in (failed, held, waiting))
    assert held.submitted == datetime(2026, 11, 22, 5, 13, 11)
    assert waiting.name == "fill"


def test_sge_qstat_j_submission_times_and_reasons() -> None:
    found = parse_qstat_j(QSTAT_J)
    assert sorted(found) == ["2", "6", "7", "8"]
    assert found["2"] == (datetime(2026, 11, 22, 5, 13, 11), "Job is in hold state")
    # no job-specific line: the first one says why
    assert found["6"] == (
        datetime(2026, 11, 2, 5, 13, 19),
        'queue instance "all.q@localhost" dropped because it is full',
    )
    assert found["7"] == (datetime(2026, 11, 22, 5, 13, 19), None)
    assert found["8"][1] == "error: can't chdir to /nonexistent/dir: No such file or directory"


def test_sge_without_jobs_and_unreadable_output() -> None:
    empty = "<?xml version='1.0'?>\n<job_info>\n  <queue_info>\n  </queue_info>\n</job_info>\n"
    assert parse_qstat_xml(empty) == []
    assert parse_qstat_j("Following jobs do not exist: \ndask-bench-42\n") == {}
    with pytest.raises(BackendError, match="no readable XML") as info:
        parse_qstat_xml("error: commlib error: got select error (Connection refused)")
    assert "\n" not in str(info.value)


def test_sge_backend_registered() -> None:
    assert get_backend("sge") is SGEBackend
