"""Shared core of the batch back-ends built on dask-jobqueue (slurm, pbs, sge, lsf, htcondor).

``deployment.options`` go unchanged to the dask-jobqueue cluster class (``queue``,
``account``, ``walltime``, ``interface``, ``job_extra_directives``, ...), so a
dask-jobqueue user feels at home. The study owns what makes runs comparable: the
worker layout (``cores``, ``processes`` and ``memory`` of every job follow from it)
and the job name (``dask-bench-<run id>-<study>``, which ``dask-bench cleanup`` looks for).

Jobs are described as data, as in distributed's ``SpecCluster``: a size's jobs
follow :func:`~dask_bench.deploy.jobqueue.nodes.node_split`, one job per node (or one per
worker without ``cores_per_node``). A step adds the jobs it lacks when the previous
size's jobs are part of the new layout, otherwise it starts afresh.
"""

from __future__ import annotations

import contextlib
import importlib
import os
import time
from collections import Counter
from collections.abc import Iterable, Mapping
from typing import TYPE_CHECKING, Any, ClassVar

from dask_bench._remote import node_name
from dask_bench.deploy.base import Launcher
from dask_bench.deploy.jobqueue._batch import BatchSystem, JobInfo, job_record, with_exports
from dask_bench.deploy.jobqueue._groups import (
    JobShape,
    group_options,
    job_shape,
    script_key,
    shape_order,
    split,
)
from dask_bench.deploy.jobqueue._loss import job_of, jobs_holding
from dask_bench.deploy.jobqueue._owned import CLUSTER_ONLY, OWNERS
from dask_bench.deploy.registry import register_backend
from dask_bench.deploy.scaling import worker_count
from dask_bench.deploy.spec_cluster import SpecClusterBackend
from dask_bench.deploy.tls import dashboard_tls, is_temporary
from dask_bench.errors import BackendError, ConfigError, WorkersTimeout

if TYPE_CHECKING:
    from collections.abc import Callable

    from distributed import Client
    from distributed.deploy.spec import ProcessInterface, SpecCluster

    from dask_bench.deploy.registry import B

#: Placeholder for the scheduler address in job scripts shown before submission.
SCHEDULER_PLACEHOLDER = "tcp://<scheduler-address>:8786"
#: Seconds to wait for the workers of cancelled jobs to leave before a new layout.
LEAVE_TIMEOUT = 60.0


def batch_backend(name: str, title: str) -> Callable[[B], B]:
    """:func:`~dask_bench.deploy.register_backend` for a dask-jobqueue back-end.

    ``title`` names the batch system in its description, e.g. "Slurm".
    """
    description = f"{title} batch jobs through dask-jobqueue"
    return register_backend(name, description, extra="jobqueue", requires=("dask_jobqueue",))


class JobQueueBackend(SpecClusterBackend):
    """A dask-jobqueue cluster class with the study's layout; options pass through unchanged."""

    #: Name of the cluster class in ``dask_jobqueue``, e.g. ``"SLURMCluster"``.
    cluster_class: ClassVar[str]
    #: Commands of the batch system, for states, queue waits and cleanup.
    batch: ClassVar[BatchSystem]
    launcher = Launcher.BATCH_JOB
    #: dask-jobqueue writes temporary certificates to ``shared_temp_directory`` (default:
    #: the working directory), where the job scripts read them.
    supports_tls = True
    events = frozenset({"worker-loss", "scale-up", "adaptive"})
    owned_options: ClassVar[Mapping[str, str]] = {
        key: f"{owner}; remove it from the options" for key, owner in OWNERS.items()
    }
    dask_config_via = "dask-bench's process, which runs the scheduler, and job script exports"

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._shapes: dict[str, int] = {}  # job (spec) name -> workers in it
        self._job_group: dict[str, str | None] = {}  # job (spec) name -> its worker group
        self._new: list[str] = []  # jobs added since step_details() last described them
        self._scripts: dict[JobShape, str] = {}  # (group, workers per job) -> its script
        self._jobs_made = 0  # every job gets a name never used before (see request)
        self._lost: list[str] = []  # jobs a scenario cancelled, forgotten by restore()

    def _shape(self, workers: int, group: str | None = None) -> dict[str, Any]:
        return job_shape(self.layout, workers, group)

    def _job_options(self, group: str | None = None) -> dict[str, Any]:
        options = {k: v for k, v in self._with_exports().items() if k not in CLUSTER_ONLY}
        return {**self._group_options(group, options), "job_name": self.tag}

    def _group_options(self, group: str | None, options: Mapping[str, Any]) -> dict[str, Any]:
        """The options of ``group``'s jobs (``options`` themselves without groups)."""
        name = self._config_section(options)
        return group_options(self.layout, group, options, config_name=name, skip=CLUSTER_ONLY)

    def _config_section(self, options: Mapping[str, Any]) -> str:
        """dask-jobqueue's config section for these options (``jobqueue.<section>``)."""
        return str(options.get("config_name") or self._job_class().config_name)

    def _with_exports(self) -> dict[str, Any]:
        """The options, with the study's Dask config exported at the end of the prologue.

        Also the workers' ``death_timeout``, when the options leave it out: the study's
        ``startup_timeout`` (dask-jobqueue's 60 s ends the jobs of many workers that start
        at once on few cores).
        """
        options = {"death_timeout": self.startup_timeout} if self.startup_timeout else {}
        options.update(self.options)
        return with_exports(options, self.dask_config, lambda: self._job_class().config_name)

    def _job_class(self) -> Any:
        return getattr(self._module(), self.cluster_class).job_cls

    def _module(self) -> Any:
        return importlib.import_module("dask_jobqueue")

    def job_scripts(self, workers: int) -> list[str]:
        """The scripts of a size's jobs, one per distinct job shape, without submitting."""
        scripts = []
        for group, per_job in sorted(set(self._split(workers)), key=shape_order):
            job = self._make_job(per_job, SCHEDULER_PLACEHOLDER, group)
            scripts.append(str(job.job_script()))
        return scripts

    def _split(self, workers: int) -> list[JobShape]:
        return split(self.layout, workers, self.cores_per_node)

    def _make_job(self, per_job: int, scheduler: str, group: str | None = None) -> Any:
        # Certificate files show in the script; temporary ones are only written at run time.
        extra = {}
        if self.security is not None and not is_temporary(self.security):
            extra["security"] = self.security
        try:
            return self._job_class()(
                scheduler=scheduler,
                name="dask-bench-worker",
                # merged: a shape may carry directives over the options' (sge: -pe)
                **{**self._job_options(group), **self._shape(per_job, group)},
                **extra,
            )
        except (TypeError, ValueError) as exc:
            raise ConfigError(self._bad_options(exc)) from None

    def _bad_options(self, exc: Exception) -> str:
        first = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
        return (
            f"'deployment.options' is not accepted by {self.cluster_class}: {first}; "
            f"use {self.cluster_class} keyword arguments (see the dask-jobqueue documentation)"
        )

    def start(self) -> Client:
        """Start the dask-jobqueue cluster (scheduler here, no job yet) and connect."""
        from distributed import Client

        options = self._with_exports()
        # loopback: the dashboard has no authentication (with TLS it is served over https)
        scheduler_options = {
            "dashboard_address": "127.0.0.1:0",
            **options.pop("scheduler_options", {}),
        }
        if self.security is not None:
            options["security"] = self.security
            # said explicitly, so dask-jobqueue does not warn that it chose the same
            options.setdefault("shared_temp_directory", os.getcwd())
        self.watch_errors()
        try:
            with dashboard_tls(self.security):
                self._cluster = getattr(self._module(), self.cluster_class)(
                    n_workers=0,
                    job_name=self.tag,
                    scheduler_options=scheduler_options,
                    **{**options, **self._shape(1)},
                )
        except (TypeError, ValueError) as exc:
            raise ConfigError(self._bad_options(exc)) from None
        except OSError as exc:
            raise BackendError(f"{self.cluster_class} could not start: {exc}") from None
        self._client = Client(self._cluster)
        return self._client

    def startup_problem(self) -> str | None:
        """A job whose submission failed (``sbatch`` refused it): the command's own message."""
        if self._errors is not None and self._errors.submit_failure:
            return f"{self._errors.submit_failure}; check deployment.options"
        problem = self.failed_start("the job submission failed")
        return None if problem is None else f"{problem}; check deployment.options"

    def make_room(self, workers: int) -> None:
        """Cancel the jobs of every group whose new layout does not extend its current one."""
        surplus = Counter(self._have()) - Counter(self._split(workers))
        if surplus:
            self._cancel_all({group for group, _ in surplus})

    def _cancel_all(self, groups: set[str | None] | None = None) -> None:
        """Cancel every job (of ``groups``; the others stay) and wait until its workers left."""
        cluster = self._require()
        # all: also those adaptive scaling made, or has dropped from the spec already
        known = [*cluster.worker_spec, *(n for n in self._shapes if n not in cluster.worker_spec)]
        names = [n for n in known if groups is None or self._job_group.get(n) in groups]
        for name in names:
            cluster.worker_spec.pop(name, None)
            self._shapes.pop(name, None)
            self._job_group.pop(name, None)
        cluster.scale(len(cluster.worker_spec))
        self._new = [n for n in self._new if n not in names]
        deadline = time.monotonic() + LEAVE_TIMEOUT
        everyone = not cluster.worker_spec  # then counting is enough (and cheap)
        while self._client is not None and (
            worker_count(self._client)[0] if everyone else _connected(self._client, names)
        ):
            if time.monotonic() > deadline:
                raise WorkersTimeout(
                    f"the workers of the previous size did not leave within {LEAVE_TIMEOUT:g} s "
                    f"after their jobs were cancelled; jobs: {self.job_states() or 'none'}"
                )
            time.sleep(0.1)

    def request(self, workers: int) -> None:
        """Submit the jobs the size lacks (one per node, or one per worker)."""
        cluster = self._require()
        missing = Counter(self._split(workers)) - Counter(self._have())
        for group, per_job in sorted(missing.elements(), key=shape_order):
            ((name, spec),) = cluster.new_worker_spec().items()
            # SpecCluster reuses the names of removed jobs, and 15 s (lost-worker-timeout)
            # after a worker left it closes the job named like that worker: a new job
            # reusing the name of a cancelled one-worker job would be cancelled with it.
            # A group's jobs (and so its workers) are named after the group.
            prefix = group if group is not None else name.rsplit("-", 1)[0]
            name = f"{prefix}-{self._jobs_made}"
            self._jobs_made += 1
            options = dict(spec["options"])
            if group is not None:
                options.update(self._group_options(group, options))
            options.update(self._shape(per_job, group))
            spec = {**spec, "options": options}
            spec.pop("group", None)
            if per_job > 1:  # how SpecCluster knows the names of a job's workers
                spec["group"] = [f"-{i}" for i in range(per_job)]
            cluster.worker_spec[name] = spec
            self._shapes[name] = per_job
            self._job_group[name] = group
            self._new.append(name)
        # scale() to the jobs already described only starts the missing ones
        cluster.scale(len(cluster.worker_spec))

    def lose_workers(self, client: Client, addresses: Iterable[str], *, replace: bool) -> str:
        """Cancel the jobs holding these workers with the batch system's own command.

        With ``replace``, jobs of the same shape are submitted at once, as a site's
        resubmission would; their workers then wait in the queue like any job.
        """
        cluster = self._require()
        workers = client.scheduler_info(n_workers=-1)["workers"]
        names = jobs_holding(workers, addresses, cluster.workers)
        ids = [str(getattr(cluster.workers[n], "job_id", "")) for n in names]
        self.batch.cancel([i for i in ids if i])
        size = sum(self._shapes.values())
        lost = sum(self._shapes.get(n, 1) for n in names)
        self._lost.extend(names)
        how = f"{self.batch.cancel_command} of job(s) {', '.join(ids)} ({lost} worker(s))"
        if replace:
            self.restore(size)
            how += ", replacement job(s) submitted at once"
        return how

    def stop_adapting(self) -> None:
        """Stop adapting, then forget the jobs it made: the next request starts afresh."""
        super().stop_adapting()
        if self._shapes.keys() != self._require().worker_spec.keys():
            self._cancel_all()

    def restore(self, workers: int) -> None:
        """Forget the cancelled jobs, then submit what the size lacks."""
        cluster = self._require()
        if self._lost:
            for name in self._lost:
                cluster.worker_spec.pop(name, None)
                self._shapes.pop(name, None)
                self._job_group.pop(name, None)
            self._lost.clear()
            # closes what is left of them (their cancel command finds nothing)
            cluster.sync(cluster._correct_state)
        self.request(workers)

    def close(self) -> None:
        """Close client and cluster (which cancels its jobs), then cancel any job left by name."""
        cluster = self._cluster
        try:
            super().close()
        finally:
            if cluster is not None:
                # a job submitted while closing, or one whose cancel failed
                self.batch.cancel_named(self.tag)

    @classmethod
    def cleanup(cls, tag: str, options: Mapping[str, Any] | None = None) -> list[str]:
        """Cancel every job called ``tag``."""
        return cls.batch.cancel_named(tag)

    def job_states(self) -> str | None:
        """``123 RUNNING on node1; 124 PENDING (Resources)``."""
        jobs = self.batch.jobs(self.tag)
        return "; ".join(j.describe() for j in jobs) if jobs else "none in the queue"

    def queue_waits(self) -> list[float]:
        """The queue wait of every job of this run the batch system still lists."""
        with contextlib.suppress(BackendError):  # a figure only: the work went on
            return [
                j.queue_seconds for j in self.batch.jobs(self.tag) if j.queue_seconds is not None
            ]
        return []

    def step_details(self) -> tuple[float | None, dict[str, Any] | None]:
        """The new jobs: ids, states, nodes, queue waits; where each worker runs."""
        cluster = self._require()
        ids = {name: getattr(cluster.workers.get(name), "job_id", None) for name in self._new}
        infos: dict[str, JobInfo] = {}
        with contextlib.suppress(BackendError):  # details only: the step itself succeeded
            infos = {j.job_id: j for j in self.batch.jobs(self.tag)}
        jobs: list[dict[str, Any]] = []
        for name in self._new:
            job_id = ids.get(name)
            info = infos.get(str(job_id)) if job_id is not None else None
            jobs.append(job_record(name, job_id, self._shapes.get(name), info))
            self._keep_script(name)
        self._new = []
        waits = [j["queue_seconds"] for j in jobs if j["queue_seconds"] is not None]
        details: dict[str, Any] = {"jobs": jobs, "nodes": self._worker_nodes()}
        return (max(waits) if waits else None), details

    def _keep_script(self, name: str) -> None:
        job: ProcessInterface | None = self._require().workers.get(name)
        per_job = self._shapes.get(name)
        shape = (self._job_group.get(name), per_job or 0)
        if job is not None and per_job is not None and shape not in self._scripts:
            self._scripts[shape] = str(job.job_script())  # type: ignore[attr-defined]

    def _worker_nodes(self) -> dict[str, str | None]:
        """Worker address -> the node its job runs on (from the job's environment)."""
        if self._client is None:
            return {}
        variables = self.batch.node_variables
        try:
            found: dict[str, str | None] = self._client.run(node_name, variables)
        except Exception:
            return {}
        return found

    def describe(self) -> dict[str, Any]:
        """Back-end, options, layout, and the job scripts submitted so far (by workers per job)."""
        info = super().describe()
        info["cluster_class"] = f"dask_jobqueue.{self.cluster_class}"
        info["job_name"] = self.tag
        if self._scripts:
            ordered = sorted(self._scripts.items(), key=lambda kv: (kv[0][0] or "", kv[0][1]))
            info["job_scripts"] = {script_key(k): v for k, v in ordered}
        elif self._cluster is not None:
            info["job_scripts"] = {"1": str(self._cluster.job_script())}  # type: ignore[attr-defined]
        return info

    def _have(self) -> list[JobShape]:
        return [(self._job_group.get(name), k) for name, k in self._shapes.items()]

    def _require(self) -> SpecCluster:
        if self._cluster is None:
            raise RuntimeError("the cluster is not started")
        return self._cluster


def _connected(client: Client, jobs: list[str]) -> bool:
    workers = client.scheduler_info(n_workers=-1)["workers"].values()
    return any(job_of(str(w.get("name")), jobs) for w in workers)
