"""The ``mpi`` back-end: a batch job's MPI ranks become the cluster, with dask-mpi.

Run as ``mpirun -n K dask-bench run study.yaml --backend mpi``: every rank starts the
same command, and :meth:`MpiBackend.setup` turns rank 0 into the scheduler and ranks
2 .. K-1 into workers (those ranks stay there and exit when the study ends); rank 1
returns and runs the study as the client. The K-2 workers are a fixed pool.
"""

from __future__ import annotations

import inspect
import logging
import sys
from collections.abc import Iterable, Mapping
from typing import Any, ClassVar

from dask_bench.deploy.base import Launcher, study_sets
from dask_bench.deploy.fixed_pool import FixedPoolBackend
from dask_bench.deploy.layout import GroupLayout
from dask_bench.deploy.registry import register_backend
from dask_bench.errors import BackendError, ConfigError

#: Ranks that are not workers: the scheduler (0) and the client (1).
_NOT_WORKERS = 2
#: The scheduler address once this process has become the client rank; dask-mpi can
#: only be initialized once per MPI job (the other ranks are busy serving it).
_scheduler_address: str | None = None


@register_backend(
    "mpi",
    "dask-mpi under mpirun: rank 0 scheduler, rank 1 the study, the rest a fixed pool",
    extra="mpi",
    # only looked for: importing mpi4py.MPI would start MPI
    requires=("mpi4py", "dask_mpi"),
)
class MpiBackend(FixedPoolBackend):
    """dask-mpi inside ``mpirun``: rank 0 the scheduler, rank 1 the study, ranks 2.. workers.

    ``deployment.options`` go unchanged to :func:`dask_mpi.initialize` (``interface``,
    ``protocol``, ``local_directory``, ``worker_class``, ``worker_options``,
    ``dashboard``, ``dashboard_address``); the dashboard is off unless switched on.
    The workers get the study's threads and memory per worker. ``mpirun -n K`` gives
    K-2 workers, which must cover the study's largest worker count; smaller sizes run on
    subsets of them. When the study ends, rank 1 exits and dask-mpi stops the scheduler
    and the workers, so every rank exits.
    """

    launcher = Launcher.MPIRUN
    scheduler_runs = "rank 0 of mpirun"
    #: Every rank gets rank 0's certificates through MPI (see _share_certificates).
    supports_tls = True
    dask_config_via = "dask.config.set on every rank before dask-mpi starts"
    owned_options: ClassVar[Mapping[str, str]] = {
        # from the study's worker layout, so that the recorded layout is the real one
        **study_sets(
            {
                "nthreads": "deployment.threads_per_worker",
                "memory_limit": "deployment.memory_per_worker",
            }
        ),
        # the rank roles depend on them
        "comm": "dask-bench; remove it",
        "exit": "dask-bench; remove it",
    }

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.rank: int | None = None
        self.size: int | None = None
        self.library: str | None = None

    def refuse_owned_options(self) -> None:
        """Nothing when built: :meth:`setup` refuses them.

        Every rank builds the back-end, and only the client rank reports bad options.
        """

    @property
    def pool(self) -> int:
        """Worker ranks of this MPI job (known after :meth:`setup`)."""
        if self.size is None:
            raise RuntimeError("the MPI job size is known after setup()")
        return self.size - _NOT_WORKERS

    def setup(self) -> None:
        """Become the scheduler, a worker or the client; only the client (rank 1) returns.

        Raises
        ------
        ConfigError
            When the options are wrong, when not started by ``mpirun`` (one rank) or with
            no worker rank; only rank 1 says so, the other ranks exit quietly.

        When dask-mpi fails on a rank (for example an unknown ``interface``), that rank
        prints the error and aborts the whole MPI job (``MPI_Abort``), since the other
        ranks would wait for it forever.
        """
        global _scheduler_address
        from mpi4py import MPI

        comm = MPI.COMM_WORLD
        self.size, self.rank = comm.Get_size(), comm.Get_rank()
        self.library = MPI.Get_library_version().strip().splitlines()[0]
        if _scheduler_address is not None:  # a second study in the same client rank
            self.address = _scheduler_address
            return
        try:
            super().refuse_owned_options()
            _check_options(self.options, self.owned_options)
            if self.size == 1:
                raise ConfigError(
                    "the mpi back-end needs several MPI ranks and this process is alone; start "
                    "it with 'mpirun -n K dask-bench run STUDY --backend mpi' (K = largest "
                    "worker count + 2)"
                )
            if self.largest is not None and self.pool < self.largest:
                raise ConfigError(
                    f"mpirun gives {self.pool} worker rank{'s' if self.pool != 1 else ''} "
                    f"(-n {self.size}), the study needs {self.largest}; "
                    f"run with mpirun -n {self.largest + _NOT_WORKERS}"
                )
            if self.pool < 1:
                raise ConfigError(
                    f"mpirun gives no worker rank (-n {self.size}); run with mpirun -n K, "
                    "K = largest worker count + 2 (one rank each for the scheduler and client)"
                )
            if self.security is not None:
                self._share_certificates(comm)
        except ConfigError:
            if self.size > 1 and self.rank != 1:
                # One message is enough: rank 1 reports it, and MPI_Finalize holds this
                # rank until rank 1 has printed it and exited with the error's code.
                raise SystemExit(0) from None
            raise
        if self.dask_config and self.rank != 1:
            import dask

            # for good: the scheduler and worker ranks serve until the MPI job ends (the
            # client rank, which runs the study, gets it from the runner)
            dask.config.set(self.dask_config)
        self.address = _scheduler_address = _initialize(self.rank, self._initialize_kwargs())

    def _share_certificates(self, comm: Any) -> None:
        """Give every rank rank 0's certificates; dask-mpi reads them from the Dask config.

        Each rank made its own temporary certificates (every rank runs the same study),
        so they would not trust each other; files given by the user are the same anyway.
        """
        import dask

        from dask_bench.deploy.tls import certificates, dask_config, from_certificates

        assert self.security is not None
        if self.options.get("protocol") not in (None, "tls", "tls://"):
            raise ConfigError(
                f"deployment.options.protocol is {self.options['protocol']!r} but "
                "security.tls is on; remove the protocol option (dask-bench uses tls)"
            )
        shared = comm.bcast(certificates(self.security), root=0)
        self.security = from_certificates(shared)
        dask.config.set(dask_config(self.security))

    def _initialize_kwargs(self) -> dict[str, Any]:
        kwargs = {
            "dashboard": False,
            "dashboard_address": "127.0.0.1:0",  # without a dashboard, an HTTP server listens
            **self.options,
            "nthreads": self.layout.threads_per_worker,
            "memory_limit": self.layout.memory_per_worker,
            "exit": True,
        }
        if self.security is not None:
            kwargs["protocol"] = "tls"
        group = self._rank_group()
        if group is not None:  # this worker rank's group: its shape and resources
            kwargs["nthreads"] = group.threads_per_worker
            kwargs["memory_limit"] = group.memory_per_worker
            options = dict(kwargs.get("worker_options") or {})
            kwargs["worker_options"] = {**options, "resources": dict(group.resources)}
        return kwargs

    def _rank_group(self) -> GroupLayout | None:
        """The worker group of this rank: the fixed groups take the first worker ranks."""
        if not self.layout.groups or self.rank is None or self.rank < _NOT_WORKERS:
            return None
        index = self.rank - _NOT_WORKERS
        for group in self.layout.groups:
            if group.workers is not None:
                if index < group.workers:
                    return group
                index -= group.workers
        return next(g for g in self.layout.groups if g.workers is None)

    def scheduler_address(self) -> str:
        """The address of the scheduler on rank 0, known after :meth:`setup`."""
        if self.address is None:
            raise RuntimeError("start() before setup()")
        return self.address

    def unreachable(self, address: str, reason: str) -> str:
        """Point at the network interface the ranks use."""
        return (
            f"cannot connect to the dask-mpi scheduler at {address} ({reason}); "
            "check deployment.options.interface"
        )

    def check_pool(self, workers: int) -> None:
        """Fail at once when the MPI job has fewer worker ranks."""
        if workers > self.pool:
            raise BackendError(
                f"mpirun gives {self.pool} worker rank{'s' if self.pool != 1 else ''} "
                f"(-n {self.size}), the study needs {workers}; "
                f"run with mpirun -n {workers + _NOT_WORKERS}"
            )

    def describe(self) -> dict[str, Any]:
        """Back-end, layout, options, the scheduler address, the MPI job's ranks and library."""
        info = super().describe()
        if self.size is not None:
            info["mpi"] = {"ranks": self.size, "worker_ranks": self.pool, "library": self.library}
        return info


def _check_options(options: dict[str, Any], owned: Iterable[str]) -> None:
    """Refuse what :func:`dask_mpi.initialize` would reject (``owned`` are refused already)."""
    from dask_mpi import initialize

    known = set(inspect.signature(initialize).parameters) - set(owned)
    unknown = sorted(set(options) - known)
    if unknown:
        raise ConfigError(
            f"unknown option(s) {', '.join(map(repr, unknown))} for the mpi back-end; "
            f"deployment.options go to dask_mpi.initialize: {', '.join(sorted(known))}"
        )
    if options.get("nanny"):
        # dask-mpi deprecated it by raising on every worker rank
        raise ConfigError(
            "'deployment.options.nanny' is deprecated by dask-mpi; "
            "use worker_class: distributed.Nanny instead"
        )
    worker_options = options.get("worker_options") or {}
    if not isinstance(worker_options, dict):
        raise ConfigError("'deployment.options.worker_options' must be a mapping")
    for key in ("nthreads", "memory_limit", "name"):
        if key in worker_options:
            raise ConfigError(
                f"'deployment.options.worker_options.{key}' is set by dask-bench (layout "
                "and rank); remove it"
            )


def _initialize(rank: int, kwargs: dict[str, Any]) -> str:
    """Run :func:`dask_mpi.initialize`; returns the scheduler address on rank 1 only.

    When it fails on any rank, the error is printed and the whole MPI job is aborted:
    the other ranks wait for this one (in a broadcast, or in MPI_Finalize) and would
    never end otherwise.
    """
    import dask
    from dask_mpi import initialize
    from mpi4py import MPI

    if rank != 1:
        # The client rank's output is the study; every scheduler and worker rank logging
        # each connection and each client.run at INFO would bury it.
        logging.getLogger("distributed").setLevel(logging.WARNING)
    try:
        initialize(**kwargs)  # ranks other than 1 serve here, then sys.exit()
    except Exception as exc:
        role = "the scheduler" if rank == 0 else "the client" if rank == 1 else "a worker"
        reason = " ".join(str(exc).split())
        message = (
            f"dask-mpi failed on MPI rank {rank} ({role}): {type(exc).__name__}: {reason}; "
            "check deployment.options"
        )
        print(f"error: {message}", file=sys.stderr, flush=True)
        MPI.COMM_WORLD.Abort(BackendError.exit_code)
        raise BackendError(message) from None  # not reached: Abort ends this process
    address: str = dask.config.get("scheduler_address")
    return address
