"""What a study would do, without doing it: sizes, job layout, points and job scripts."""

from __future__ import annotations

from dataclasses import dataclass, field

from dask.utils import format_bytes

from dask_bench.deploy import make_backend
from dask_bench.deploy.base import Launcher
from dask_bench.deploy.jobqueue._groups import JobShape, shape_order, split
from dask_bench.runner.estimate import Estimate, estimate_duration
from dask_bench.runner.plan import plan_study
from dask_bench.study import Study
from dask_bench.study.dask_config import describe_config


@dataclass(frozen=True)
class StepPreview:
    """One size of the sweep."""

    workers: int
    units: int
    jobs: list[JobShape]  # (group, workers) per batch job (empty for back-ends without jobs)
    points: list[str]
    scripts: list[str] = field(default_factory=list)  # new job shapes at this size


@dataclass(frozen=True)
class StudyPreview:
    """The whole study, as :func:`preview_study` sees it."""

    study: Study
    backend: str
    layout: str
    fixed_pool: bool
    steps: list[StepPreview]
    #: What the back-end's scripts are: batch job scripts, or e.g. a DaskCluster manifest.
    script_label: str = "job script"
    estimate: Estimate | None = None
    #: The workers of each group at each size (by the size's workers); empty: no groups.
    groups: dict[int, str] = field(default_factory=dict)
    #: How the back-end passes the study's Dask config on (None: it cannot).
    config_via: str | None = None
    #: The command that starts the study, where the back-end needs one (mpirun -n K).
    launch: str | None = None

    @property
    def points(self) -> int:
        """Points in the whole sweep."""
        return sum(len(s.points) for s in self.steps)

    def render(self) -> str:
        """Plain text: safe to copy the job scripts from."""
        dep = self.study.deployment
        lines = [
            f"study {self.study.run_name}: {self.study.mode} scaling on back-end {self.backend}",
            f"layout: {self.layout}",
        ]
        if self.study.security.enabled:
            lines.append(f"security: TLS ({self.study.security.kind} certificates)")
        if self.study.config:
            lines.append(f"dask config: {describe_config(self.study.config)}")
            how = (
                f"set through {self.config_via}"
                if self.config_via
                else f"the {self.backend} back-end cannot set it on a cluster it does not start"
            )
            lines.append(f"   {how}; read back before measuring, a mismatch stops the run")
        batch = self.script_label == "job script"
        if dep.cores_per_node and batch:
            lines.append(f"nodes: {dep.cores_per_node} cores each; one job per node")
        if not batch and any(s.scripts for s in self.steps):
            lines.append(
                f"{self.script_label}: one cluster for the whole sweep, shown at the first "
                "size; each size sets its worker replicas"
            )
        if self.fixed_pool:
            lines.append(
                f"fixed pool: needs at least {max([0, *(s.workers for s in self.steps)])} "
                "workers; each size runs on a "
                "subset of them"
            )
        if self.launch:
            lines.append(self.launch)
        scenarios = self.study.scenarios
        also = f" and {_n(len(scenarios), 'scenario')}" if scenarios else ""
        lines.append(
            f"{self.points} points over {len(self.steps)} sizes{also}; nothing is submitted"
        )
        if self.estimate is not None:
            lines.append(f"estimated duration: {self.estimate.text()}, once the workers run")
        for step in self.steps:
            jobs = f", jobs: {' + '.join(_job(j) for j in step.jobs)} workers" if step.jobs else ""
            lines.append("")
            lines.append(f"== {_n(step.workers, 'worker')} ({_n(step.units, 'unit')}){jobs}")
            if plan_groups := self.groups.get(step.workers):
                lines.append(f"   groups: {plan_groups}")
            lines.extend(f"   {p}" for p in step.points)
            for script in step.scripts:
                lines.append(f"   -- {self.script_label} --")
                lines.extend(f"   {line}" if line else "" for line in script.rstrip().splitlines())
        if scenarios:
            lines += ["", "== scenarios, after the sweep"]
            lines.extend(f"   {name}: {s.describe()}" for name, s in scenarios.items())
        return "\n".join(lines)


def preview_study(study: Study) -> StudyPreview:
    """Plan a study and show the job scripts each size would submit.

    Parameters
    ----------
    study
        The validated study.

    Returns
    -------
    StudyPreview
        Nothing is started or submitted; job scripts show a placeholder for the
        scheduler address, which is only known once the scheduler runs.
    """
    plan = plan_study(study)
    dep = study.deployment
    backend = make_backend(study, layout=plan.layout)  # jobs named dask-bench-<run id>-<study>
    label = backend.script_label
    batch = label == "job script"
    seen: set[JobShape] = set()
    steps: list[StepPreview] = []
    for step in plan.steps:
        scripts = backend.job_scripts(step.workers)
        jobs = split(plan.layout, step.workers, dep.cores_per_node)
        shapes = sorted(set(jobs), key=shape_order)  # the order of job_scripts
        if batch:
            new = [s for shape, s in zip(shapes, scripts, strict=False) if shape not in seen]
            seen.update(shapes)
        else:  # one cluster for the whole sweep (a manifest): shown once, at the first size
            new = [] if steps else scripts
        steps.append(
            StepPreview(
                step.workers,
                step.units,
                jobs if scripts and batch else [],
                [p.label for p in step.points],
                new,
            )
        )
    layout = (
        f"{plan.layout.threads_per_worker} thread(s) and "
        f"{format_bytes(plan.layout.memory_per_worker)} per worker"
    )
    if plan.layout.groups:
        layout = f"worker groups ({', '.join(g.name for g in plan.layout.groups)}), see each size"
    groups = {s.workers: plan.layout.describe(s.workers) for s in plan.steps if plan.layout.groups}
    return StudyPreview(
        study=study,
        backend=dep.backend,
        layout=layout,
        fixed_pool=backend.fixed_pool,
        steps=steps,
        script_label=label,
        estimate=estimate_duration(plan),
        config_via=backend.dask_config_via,
        groups=groups,
        launch=_launch(backend.launcher, max(dep.workers)),
    )


def _launch(launcher: Launcher, workers: int) -> str | None:
    """How to start an MPI study: the exact rank count (workers, scheduler and study)."""
    if launcher is not Launcher.MPIRUN:
        return None
    ranks = workers + 2
    return (
        f"start it with: mpirun -n {ranks} dask-bench run STUDY --backend mpi ({workers} worker "
        f"ranks + the scheduler's + the study's); in a Slurm allocation: srun -n {ranks} ..."
    )


def _n(count: int, noun: str) -> str:
    return f"{count} {noun}{'' if count == 1 else 's'}"


def _job(shape: JobShape) -> str:
    group, workers = shape
    return str(workers) if group is None else f"{workers} {group}"
