"""The workload registry: plain functions registered with :func:`workload`.

A workload function receives a :class:`WorkloadContext` (the client, the size of
this point, the options) and returns a :class:`Trial`: what to run inside the
timed region, how to check its result, and how much work one repetition does.
Preparing data that the workload only reads happens in the function itself,
before it returns, and therefore outside the timed region.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from enum import StrEnum
from typing import TYPE_CHECKING, Any, Generic, TypeVar

from dask_bench.errors import ConfigError, RepetitionTimeout, WorkersKilled
from dask_bench.study.catalogue import suite_names, suite_rank, suite_unit

if TYPE_CHECKING:
    from distributed import Client

#: A suite's name, as registered in :mod:`dask_bench.study.catalogue`.
Suite = str


class Metric(StrEnum):
    """A workload's figure of merit: what its results are best shown as.

    ``THROUGHPUT``: work per second (tasks/s, MB/s), higher is better; the work of a
    repetition is ``Trial.ntasks`` or ``Trial.nbytes``. ``LATENCY``: seconds per
    repetition, lower is better; for workloads whose work is tiny and scattered
    (e.g. reading a few random elements), where MB/s would say little.
    """

    THROUGHPUT = "throughput"
    LATENCY = "latency"


#: Seconds between two questions to :attr:`WorkloadContext.interrupt` while work is awaited.
INTERRUPT_POLL = 0.25

#: A workload option: a number, or text (declared as a :class:`Choice`).
OptionValue = bool | int | float | str
R = TypeVar("R")


class Choice(str):
    """A text option with a fixed set of values; as a string, it is the default.

    ``Choice("temporal", "spatial", "auto")`` declares an option whose default is
    ``"temporal"`` and which may also be ``"spatial"`` or ``"auto"``; a study giving
    any other value is refused with the list of choices.

    Attributes
    ----------
    choices
        Every value allowed, the default first.
    """

    choices: tuple[str, ...]

    def __new__(cls, default: str, *others: str) -> Choice:
        """The option ``default``, which may also take the values ``others``."""
        self = super().__new__(cls, default)
        self.choices = (default, *others)
        return self

    def describe(self) -> str:
        """The default followed by the choices, e.g. ``temporal (temporal|spatial|auto)``."""
        return f"{self} ({'|'.join(self.choices)})"


def _noop() -> None:
    return None


@dataclass
class Trial(Generic[R]):
    """One prepared workload at one size, ready to be repeated.

    Attributes
    ----------
    run
        The timed region: submit the graph and return once the result exists
        (on the client, or persisted on the cluster). Called once per repetition.
    check
        Verify a result of ``run``; raise :class:`~dask_bench.errors.WrongResult`
        when it is wrong. Called outside the timed region.
    nbytes
        Bytes of data one repetition processes.
    ntasks
        Tasks one repetition executes.
    release
        Drop prepared data (called once, after the last repetition).
    notes
        Lines stored with the point's notes, e.g. the file system the ``io`` suite uses.
    placement
        Worker resources the tasks of a task prefix need (``{"heavy": {"GPU": 1}}``):
        the runner fails the point when one of them ran on a worker without them.
    """

    run: Callable[[], R]
    check: Callable[[R], None]
    # by keyword: two bare numbers side by side are easy to swap
    nbytes: int = field(kw_only=True)
    ntasks: int = field(kw_only=True)
    release: Callable[[], None] = field(default=_noop, kw_only=True)
    notes: tuple[str, ...] = field(default=(), kw_only=True)
    placement: Mapping[str, Mapping[str, float]] = field(default_factory=dict, kw_only=True)


@dataclass(frozen=True)
class WorkloadContext:
    """What a workload function gets for one point of the sweep.

    Attributes
    ----------
    client
        A client connected to the cluster under test.
    units
        Processing units of this point (workers x threads per worker).
    chunks
        How many chunks (tasks for the ``tasks`` suite, array blocks, dataframe
        partitions) the problem has at this point. In weak scaling this is
        ``per_unit * units``; in strong scaling it is the fixed total.
    chunk_size
        The suite's chunk size: tiny tasks per chunk for ``tasks``, edge length
        of a square array block for ``arrays``, rows per partition for ``dataframes``.
    options
        The workload's options: its declared defaults overridden by the study.
    seed
        Seed for any random data, so every repetition and run sees the same data.
    timeout
        Seconds one repetition may take, or ``None`` for no limit. Use
        :meth:`compute` and :meth:`persist` so that the limit is honoured.
    io_directory
        The study's ``io.directory``: where the ``io`` suite writes (visible to
        every worker and the client); ``None``: the system's temporary folder.
    interrupt
        Says why the work must stop now (workers were killed for memory), or None;
        asked every :data:`INTERRUPT_POLL` seconds while :meth:`compute`,
        :meth:`persist` and :meth:`wait` wait. ``None``: never interrupted.
    """

    client: Client
    units: int
    chunks: int
    chunk_size: int
    options: Mapping[str, OptionValue]
    seed: int = 42
    timeout: float | None = None
    io_directory: str | None = None
    interrupt: Callable[[], str | None] | None = None

    def option(self, name: str) -> OptionValue:
        """Return option ``name`` (declared by the workload, possibly overridden)."""
        return self.options[name]

    def compute(self, *collections: Any) -> Any:
        """Compute collections on the cluster and return their results to the client.

        Raises :class:`~dask_bench.errors.RepetitionTimeout` (after cancelling the
        work) when it takes longer than :attr:`timeout`, and
        :class:`~dask_bench.errors.WorkersKilled` when :attr:`interrupt` says so.
        """
        futures = self.client.compute(list(collections))
        self._wait(futures)
        results = self.client.gather(futures)
        return results[0] if len(collections) == 1 else tuple(results)

    def persist(self, *collections: Any) -> Any:
        """Persist collections on the cluster and wait until every chunk exists.

        Returns the persisted collections (one, or a tuple). Raises
        :class:`~dask_bench.errors.RepetitionTimeout` when it takes longer than
        :attr:`timeout`.
        """
        from distributed import futures_of

        persisted = self.client.persist(list(collections))
        self._wait(futures_of(persisted))
        return persisted[0] if len(collections) == 1 else tuple(persisted)

    def wait(self, futures: Any) -> None:
        """Wait for futures (e.g. from ``client.map``) within :attr:`timeout`."""
        self._wait(futures)

    def _wait(self, futures: Any) -> None:
        from distributed import wait

        deadline = None if self.timeout is None else time.monotonic() + self.timeout
        while True:
            # in slices, to hear of workers killed for memory: the scheduler would retry
            # their tasks on the others (and lose those too) before it gave up
            left = None if deadline is None else max(0.0, deadline - time.monotonic())
            step = left if self.interrupt is None else _slice(left)
            try:
                wait(futures, timeout=step)
                return
            except TimeoutError as exc:
                # its frames (distributed's sync and wait) hold the futures in a cycle:
                # the data would stay on the cluster until the garbage collector ran
                _drop_frames(exc)
                reason = self.interrupt() if self.interrupt is not None else None
                if reason is not None:
                    self.client.cancel(futures)
                    raise WorkersKilled(reason) from None
                if deadline is not None and time.monotonic() >= deadline:
                    self.client.cancel(futures)
                    raise RepetitionTimeout(
                        f"repetition exceeded its timeout of {self.timeout} s"
                    ) from exc


def _slice(left: float | None) -> float:
    return INTERRUPT_POLL if left is None else min(left, INTERRUPT_POLL)


def _drop_frames(exc: BaseException) -> None:
    """Detach the tracebacks of ``exc`` and of the exceptions it was raised from or in."""
    todo: list[BaseException | None] = [exc]
    seen: set[int] = set()
    while todo:
        e = todo.pop()
        if e is None or id(e) in seen:
            continue
        seen.add(id(e))
        e.__traceback__ = None
        todo += [e.__cause__, e.__context__]


WorkloadFunc = Callable[[WorkloadContext], Trial[Any]]


@dataclass(frozen=True)
class Workload:
    """A registered workload.

    Attributes
    ----------
    suite
        The suite it belongs to.
    name
        Its name, unique within the suite.
    description
        One line for ``dask-bench list workloads``.
    func
        The workload function.
    version
        Bumped whenever the workload's meaning changes, so that stored results of
        different versions are never compared as equals.
    options
        Declared options and their defaults.
    metric
        Its figure of merit: throughput (the default) or latency.
    tasks
        About how many tasks a repetition runs, from ``(chunks, chunk_size)``, where
        that is known before it runs (graphs of many tiny tasks); ``plan`` then
        estimates the repetition from the scheduler's cost per task.
    """

    suite: Suite
    name: str
    description: str
    func: WorkloadFunc
    version: int = 1
    options: Mapping[str, OptionValue] = field(default_factory=dict)
    metric: Metric = Metric.THROUGHPUT
    tasks: Callable[[int, int], int] | None = None

    @property
    def key(self) -> str:
        """``suite/name``, the workload's unique key."""
        return f"{self.suite}/{self.name}"

    @property
    def unit(self) -> str:
        """Throughput unit reported for this workload."""
        return suite_unit(self.suite)

    def resolve_options(self, overrides: Mapping[str, OptionValue]) -> dict[str, OptionValue]:
        """Return the declared defaults updated with those ``overrides`` it declares."""
        return {k: overrides.get(k, v) for k, v in self.options.items()}


_REGISTRY: dict[str, Workload] = {}


def workload(
    suite: Suite,
    name: str,
    description: str,
    *,
    version: int = 1,
    options: Mapping[str, OptionValue] | None = None,
    metric: Metric = Metric.THROUGHPUT,
    tasks: Callable[[int, int], int] | None = None,
) -> Callable[[WorkloadFunc], WorkloadFunc]:
    """Register a workload function.

    Parameters
    ----------
    suite
        A suite of the catalogue (:func:`dask_bench.study.register_suite`).
    name
        Unique within the suite (lowercase, words joined by ``-``).
    description
        One line shown by ``dask-bench list workloads``.
    version
        Bump when the computation changes meaning.
    options
        Options the workload understands, with their defaults: numbers, or a
        :class:`Choice` for text with a fixed set of values.
    metric
        Its figure of merit: :attr:`Metric.THROUGHPUT` (work per second, the
        default) or :attr:`Metric.LATENCY` (seconds per repetition).
    tasks
        About how many tasks a repetition runs, from ``(chunks, chunk_size)``, for
        workloads whose time is mostly the scheduler's (see :class:`Workload`).

    Returns
    -------
    The decorator; the function itself is returned unchanged.
    """
    if suite not in suite_names():
        known = ", ".join(suite_names())
        raise ValueError(f"unknown suite {suite!r}; register it first (known: {known})")
    try:
        metric = Metric(metric)  # also accepts the plain string value
    except ValueError:
        known = ", ".join(m.value for m in Metric)
        raise ValueError(f"unknown metric {metric!r}; expected one of {known}") from None

    def register(func: WorkloadFunc) -> WorkloadFunc:
        key = f"{suite}/{name}"
        if key in _REGISTRY:
            raise ValueError(f"workload {key} is registered twice")
        _REGISTRY[key] = Workload(
            suite, name, description, func, version, dict(options or {}), metric, tasks
        )
        return func

    return register


def unregister(key: str) -> None:
    """Remove a workload (for tests that register their own)."""
    _REGISTRY.pop(key, None)


def all_workloads() -> list[Workload]:
    """Every registered workload, in suite order, then registration order."""
    return sorted(_REGISTRY.values(), key=lambda w: suite_rank(w.suite))


def suite_workloads(suite: Suite) -> list[Workload]:
    """The registered workloads of one suite, in registration order."""
    return [w for w in _REGISTRY.values() if w.suite == suite]


def get_workload(suite: str, name: str) -> Workload:
    """Look up a workload, with a clear error naming the known ones."""
    try:
        return _REGISTRY[f"{suite}/{name}"]
    except KeyError:
        known = ", ".join(w.name for w in _REGISTRY.values() if w.suite == suite)
        raise ConfigError(
            f"unknown workload {name!r} in suite {suite!r}; known: {known or 'none'} "
            "(see 'dask-bench list workloads')"
        ) from None
