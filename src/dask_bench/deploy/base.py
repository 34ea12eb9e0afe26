"""What every deployment back-end provides.

A back-end starts a cluster with no workers, asks it for N workers, describes
itself and closes. Waiting until exactly N workers are connected, and timing how
long that took, is shared by all back-ends (:func:`dask_bench.deploy.scaling.scale_to`).
What a back-end is, besides its methods, is declared on its class: how its workers
are started (:class:`Launcher`), the options the study owns (:attr:`Backend.owned_options`),
whether its workers are a fixed pool.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Iterable, Mapping, Sequence
from enum import Enum
from types import TracebackType
from typing import TYPE_CHECKING, Any, ClassVar

from dask_bench.deploy.layout import WorkerLayout
from dask_bench.errors import ConfigError

if TYPE_CHECKING:
    from distributed import Client
    from distributed.security import Security

#: Prefix of the name of everything a run submits (batch jobs, clusters): ``dask-bench-<run>``.
JOB_PREFIX = "dask-bench-"
#: What stands for the run id before a run exists (``dask-bench plan`` shows it).
RUN_PLACEHOLDER = "<run id>"
#: Characters of the study id in a run's tag: enough that two databases' runs differ.
STUDY_CHARS = 6


def job_tag(run: int | str = RUN_PLACEHOLDER, study_id: str | None = None) -> str:
    """The name of what a run submits, which ``dask-bench cleanup`` looks for.

    Parameters
    ----------
    run
        The run's id; before a run exists, what stands for it: the placeholder that
        ``plan`` shows, or the study's run name for ``dask-bench manifest``.
    study_id
        The run's study id (random, see ``dask-bench list runs``): its first
        :data:`STUDY_CHARS` characters follow the run id. Run ids start at 1 in every
        database, so without it run 1 of two databases would share a name, and the one
        that closes or is cleaned up would cancel the other's jobs.

    Returns
    -------
    str
        ``dask-bench-<run>-<study>``, e.g. ``dask-bench-42-3f9a1c``; ``dask-bench-<run>``
        without a study id.
    """
    study = f"-{study_id[:STUDY_CHARS]}" if study_id else ""
    return f"{JOB_PREFIX}{run}{study}"


class Launcher(Enum):
    """How a back-end's workers are started (ReFrame's launcher, beside the scheduler).

    Code that must treat a kind of deployment apart asks the back-end class for its
    launcher instead of comparing back-end names.
    """

    #: Processes (or threads) of the study's own process: LocalCluster.
    LOCAL_PROCESS = "local process"
    #: One batch job per node or per worker, submitted through dask-jobqueue.
    BATCH_JOB = "batch job"
    #: The ranks of the ``mpirun`` that started dask-bench itself (dask-mpi): the back-end
    #: takes over the whole MPI job.
    MPIRUN = "mpirun"
    #: Pods of a DaskCluster, made by the dask-kubernetes operator.
    OPERATOR = "operator"
    #: A Dask Gateway server, which starts them as it is configured to.
    GATEWAY = "gateway"
    #: Someone else, before the study: dask-bench only connects to them.
    EXTERNAL = "external"


def study_sets(fields: Mapping[str, str]) -> dict[str, str]:
    """Owned options (see :attr:`Backend.owned_options`) that a study key sets instead.

    ``{"n_workers": "deployment.workers"}`` refuses ``n_workers`` with "... is set by
    the study; use 'deployment.workers' instead".
    """
    return {key: f"the study; use '{field}' instead" for key, field in fields.items()}


class Backend(ABC):
    """A way to deploy a Dask cluster.

    Subclasses are registered with :func:`dask_bench.deploy.register_backend`, which
    gives them their :attr:`name`; they set :attr:`launcher` and implement
    :meth:`start`, :meth:`request` and :meth:`close`. ``options`` are passed
    unchanged to the upstream deployer, but for :attr:`owned_options`.
    """

    #: The name studies use (``deployment.backend``), set by ``register_backend``.
    name: ClassVar[str]
    #: How the workers are started.
    launcher: ClassVar[Launcher]
    #: Options the study sets itself (the worker layout, the job name): option (a dotted
    #: path for a nested one) -> who sets it and what to do, the end of the one-line
    #: error "'deployment.options.KEY' is set by ...". Giving them would make the
    #: recorded layout lie.
    owned_options: ClassVar[Mapping[str, str]] = {}
    #: Whether the workers are a fixed pool (an existing cluster, MPI ranks): then a
    #: size is measured on a subset of them, and :meth:`request` only checks the pool.
    fixed_pool: ClassVar[bool] = False
    #: Whether the back-end can run its cluster with the study's ``security.tls``
    #: (a :class:`~distributed.security.Security` passed as ``security``); when not,
    #: the study is refused before anything starts, with :attr:`tls_note` as the reason.
    supports_tls: ClassVar[bool] = False
    tls_note: ClassVar[str] = "it has no way to pass certificates to its workers"
    #: What :meth:`job_scripts` returns, as ``dask-bench plan`` names it.
    script_label: ClassVar[str] = "job script"
    #: How the back-end gives the study's Dask config (``config``) to its scheduler and
    #: workers, in words; None where it cannot (a cluster it does not start). Either way
    #: the runner reads the config back from every worker before measuring.
    dask_config_via: ClassVar[str | None] = None
    #: The scenario events (``scenarios.<name>.kind``) this back-end can produce the way
    #: its infrastructure would; planning refuses the others.
    events: ClassVar[frozenset[str]] = frozenset()
    #: Whether the back-end can deploy named worker groups (``deployment.groups``);
    #: when not, :attr:`groups_note` says why and the study is refused at once.
    supports_groups: ClassVar[bool] = True
    groups_note: ClassVar[str] = "it starts one kind of worker"
    #: Where the scheduler runs as seen from dask-bench (``in dask-bench's process``,
    #: ``a pod``...): a run records it, and ``compare`` warns when two runs differ in it.
    scheduler_runs: ClassVar[str] = "unknown"
    #: Why ``memory_per_worker: auto`` (this machine's memory / workers) means nothing
    #: here; None: it does. Studies that leave it at auto are then refused.
    auto_memory_note: ClassVar[str | None] = None

    def __init__(
        self,
        layout: WorkerLayout,
        options: Mapping[str, Any] | None = None,
        *,
        cores_per_node: int | None = None,
        security: Security | None = None,
        tag: str | None = None,
        largest: int | None = None,
        dask_config: Mapping[str, Any] | None = None,
        startup_timeout: float | None = None,
    ) -> None:
        self.layout = layout
        self.options: dict[str, Any] = dict(options or {})
        self.cores_per_node = cores_per_node
        #: TLS settings of scheduler, workers and client (``None``: plain TCP).
        self.security = security
        #: Name given to everything the back-end submits (:func:`job_tag`), so that
        #: ``dask-bench cleanup`` finds it after a crash; the runner names the run's
        #: once the run is recorded.
        self.tag = tag or job_tag()
        #: The study's largest worker count, so that a fixed pool too small for the
        #: study fails before anything is measured.
        self.largest = largest
        #: The study's Dask config (dotted key -> value), which the back-end gives its
        #: scheduler and workers as :attr:`dask_config_via` says.
        self.dask_config: dict[str, Any] = dict(dask_config or {})
        #: How long the study waits for a size's workers (``deployment.startup_timeout``).
        self.startup_timeout = startup_timeout
        self.refuse_owned_options()

    def refuse_owned_options(self) -> None:
        """Refuse the options the study owns (:attr:`owned_options`), when built.

        Raises
        ------
        ConfigError
            One line naming the option, who sets it and what to do instead.
        """
        if self.layout.groups and not self.supports_groups:
            raise ConfigError(
                f"the {self.name} back-end cannot deploy worker groups ({self.groups_note}); "
                "remove deployment.groups or use another back-end"
            )
        places: list[tuple[str, Mapping[str, Any]]] = [("deployment.options", self.options)]
        places += [(f"deployment.groups.{g.name}.options", g.options) for g in self.layout.groups]
        for where, options in places:
            for key, owner in self.owned_options.items():
                if _holds(options, key):
                    raise ConfigError(f"'{where}.{key}' is set by {owner}")

    def check_option_names(self, known: Iterable[str]) -> None:
        """Refuse options the back-end does not know, naming those it does.

        Raises
        ------
        ConfigError
            One line listing the unknown and the expected option names.
        """
        expected = list(known)
        unknown = sorted(set(self.options) - set(expected))
        if unknown:
            raise ConfigError(
                f"unknown option(s) {', '.join(map(repr, unknown))} for the {self.name} "
                f"back-end; expected {', '.join(expected)} in deployment.options"
            )

    def check(self) -> None:
        """Refuse what can never work here (a layout the machine cannot hold), at once.

        Called before anything is started or written, also by ``run`` before it prints
        anything; it must not start, submit or write anything itself.
        """
        return None

    def setup(self) -> None:
        """Prepare this process before the run is recorded.

        The ``mpi`` back-end turns every rank but the client's into the scheduler or a
        worker here; on those ranks it does not return.
        """
        return None

    def make_room(self, workers: int) -> None:
        """Before a scale step is timed: remove what the new size cannot reuse.

        Batch back-ends whose job shapes change between sizes cancel the old jobs here
        and wait until their workers have left, so that leaving workers are never
        counted as arrived ones.
        """
        return None

    def job_scripts(self, workers: int) -> list[str]:
        """The job scripts :meth:`request` would submit for ``workers`` workers (no submission).

        Empty for back-ends that submit no jobs.
        """
        return []

    def startup_problem(self) -> str | None:
        """Why requested workers can never arrive (they failed at start), or None.

        Polled while a size waits for its workers, so that a study stops at once with
        the real cause instead of waiting out ``startup_timeout``.
        """
        return None

    def job_states(self) -> str | None:
        """The state of every submitted job, with the scheduler's pending reasons, if any."""
        return None

    def fresh_workers(self, groups: Sequence[tuple[int, Mapping[str, Any]]]) -> None:
        """Replace every worker by new ones: per group, a count and extra worker options.

        Empty options: as the study configured them. The caller waits for the workers.
        """
        raise NotImplementedError(f"the {self.name} back-end cannot restart its workers")

    def queue_waits(self) -> list[float]:
        """Seconds each job of the cluster now waited in the batch queue (where known)."""
        return []

    def step_details(self) -> tuple[float | None, dict[str, Any] | None]:
        """After a scale step: the longest queue wait in seconds (if known) and details."""
        return None, None

    @abstractmethod
    def start(self) -> Client:
        """Start the cluster (with no workers yet) and return a client connected to it."""

    @abstractmethod
    def request(self, workers: int) -> None:
        """Ask for ``workers`` workers in total; returns without waiting for them."""

    @classmethod
    def event_problem(cls, kind: str, options: Mapping[str, Any]) -> str | None:
        """Why the back-end, with these ``deployment.options``, cannot produce ``kind``."""
        if kind in cls.events:
            return None
        can = ", ".join(sorted(cls.events)) or "none"
        return f"the {cls.name} back-end cannot produce a {kind} event (it can: {can})"

    def lose_workers(self, client: Client, addresses: Iterable[str], *, replace: bool) -> str:
        """Remove these workers the way the infrastructure would, at once; say how.

        With ``replace``, the infrastructure may start replacements (a restarted worker
        process); without, they stay lost (a failed node) until :meth:`restore`.
        """
        raise NotImplementedError(f"the {self.name} back-end cannot remove workers")

    def adapt(self, minimum: int, maximum: int, options: Mapping[str, Any]) -> None:
        """Let the cluster scale itself between ``minimum`` and ``maximum`` workers.

        ``options`` go unchanged to the deployer's adaptive scaling (for SpecClusters:
        :class:`distributed.deploy.Adaptive`, e.g. ``interval``, ``wait_count``).
        """
        raise NotImplementedError(f"the {self.name} back-end cannot scale adaptively")

    def stop_adapting(self) -> None:
        """End adaptive scaling; the workers then present stay until asked otherwise."""
        raise NotImplementedError(f"the {self.name} back-end cannot scale adaptively")

    def restore(self, workers: int) -> None:
        """After an event, ask again for ``workers`` workers (the caller waits for them)."""
        self.request(workers)

    @abstractmethod
    def close(self) -> None:
        """Stop every worker and the scheduler; safe to call twice and after a failed start."""

    @classmethod
    def cleanup(cls, tag: str, options: Mapping[str, Any] | None = None) -> list[str]:
        """Cancel what a crashed run left behind under ``tag``; returns what was cancelled.

        ``options`` are the run's ``deployment.options`` (e.g. a scheduler file).
        """
        return []

    def describe(self) -> dict[str, Any]:
        """Name, options and layout, for the run's provenance."""
        info: dict[str, Any] = {
            "backend": self.name,
            "options": self.options,
            "layout": self.layout.as_dict(),
        }
        if self.cores_per_node is not None:
            info["cores_per_node"] = self.cores_per_node
        info["scheduler_runs"] = self.scheduler_runs
        info["scheduler_location"] = self.scheduler_location()
        return info

    def scheduler_location(self) -> str:
        """Where the scheduler runs, in words with its address or namespace where known."""
        return self.scheduler_runs

    def __enter__(self) -> Backend:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()


def _holds(options: Mapping[str, Any], path: str) -> bool:
    """Whether ``options`` has the key at the dotted ``path`` (inside nested mappings)."""
    *parents, key = path.split(".")
    for parent in parents:
        options = options.get(parent)  # type: ignore[assignment]
        if not isinstance(options, Mapping):
            return False
    return key in options
