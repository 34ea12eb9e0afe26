"""Sizes, data and exact sums of the ``memory`` suite.

The data of a point is ``fraction`` times the memory limit of the workers it runs
on: the sum of the ``memory_limit`` every worker enforces (the limit its memory
thresholds, ``distributed.worker.memory.*``, are fractions of), as the scheduler
reports it, so that it is true on every back-end. A worker process also holds its
own code and libraries inside that limit (about 250 MiB with dask-bench, pandas and
pyarrow loaded); the notes of each point say how much.

Values are ``(p * K) mod 2**64`` as int64 for the positions ``p = seed, seed + 1, ...``
of the data (the array in order; column ``c`` of the frame from ``seed + c * rows``),
with ``K`` odd: no byte pattern repeats for compression to exploit when the data is
spilled, and the int64 sum of any set of consecutive positions (numpy's, which wraps
modulo ``2**64`` and so does not depend on the order of additions) has a closed form.
"""

from __future__ import annotations

import math
import time
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd
from numpy.typing import NDArray

from dask_bench.errors import ConfigError
from dask_bench.workloads.registry import WorkloadContext

#: An odd 64-bit constant (2**64 divided by the golden ratio).
K = 0x9E3779B97F4A7C15
_MASK = 2**64 - 1
MIB = 2**20
#: The columns of the shuffled frame: a key, then three int64 values (32 bytes a row).
KEY, VALUES = "key", ("a", "b", "c")
ROW_BYTES = 8 * (1 + len(VALUES))
#: Multiplier spreading the keys over the rows (a prime: coprime with any key count).
_SPREAD = 2_654_435_761


def signed(value: int) -> int:
    """``value`` modulo ``2**64``, as the int64 numpy would hold."""
    value &= _MASK
    return value - 2**64 if value >= 2**63 else value


def positions(start: int, count: int) -> NDArray[np.int64]:
    """The values of positions ``start ... start + count - 1``: ``(p * K) mod 2**64``."""
    out = np.arange(count, dtype=np.uint64)
    out *= np.uint64(K)  # in place: the piece is the only allocation
    out += np.uint64((start * K) & _MASK)
    return out.view(np.int64)


def positions_sum(start: int, count: int) -> int:
    """The int64 sum of :func:`positions` ``(start, count)``, in closed form."""
    return signed(K * (count * start + count * (count - 1) // 2))


def array_block(block_info: Any = None, *, per_piece: int, seed: int) -> NDArray[np.int64]:
    """One piece of the 1-D array: its ``per_piece`` positions, after the earlier pieces'."""
    (index,) = block_info[None]["chunk-location"]
    return positions(seed + index * per_piece, per_piece)


def frame_piece(index: int, *, rows: int, total: int, nkeys: int, seed: int) -> pd.DataFrame:
    """Piece ``index`` of a frame of ``total`` rows: rows ``index * rows ...``.

    Row ``r`` has key ``(r * _SPREAD) mod nkeys`` (every key once in any ``nkeys``
    consecutive rows); value column ``c`` holds the positions ``c * total + r``. Every
    column is made in place, once: a piece costs little more than its own size.
    """
    first = index * rows
    key = np.arange(first, first + rows, dtype=np.int64)
    key %= nkeys
    key *= _SPREAD % nkeys  # no overflow: both factors are below nkeys
    key %= nkeys
    columns = {KEY: key}
    for c, name in enumerate(VALUES):
        columns[name] = positions(seed + c * total + first, rows)
    return pd.DataFrame(columns, copy=False)


def partition_summary(part: pd.DataFrame) -> pd.DataFrame:
    """Rows, distinct keys and the int64 sum of the values of one shuffled partition."""
    total = part[list(VALUES)].to_numpy(dtype=np.int64).sum(dtype=np.int64)
    return pd.DataFrame({"rows": [len(part)], "keys": [int(part[KEY].nunique())], "total": [total]})


#: What :func:`partition_summary` returns, for dask's ``meta``.
SUMMARY_META = pd.DataFrame(
    {"rows": pd.Series([], dtype=np.int64), "keys": pd.Series([], dtype=np.int64),
     "total": pd.Series([], dtype=np.int64)}
)  # fmt: skip


#: Seconds to wait for the cluster to drop what this client released before.
SETTLE_SECONDS = 10.0


def _process_memory(dask_worker: Any) -> int:
    """The memory of a worker's process now (what its memory thresholds compare)."""
    return int(dask_worker.monitor.get_process_memory())


def _wanted(dask_scheduler: Any = None, client: str = "") -> int:
    """Tasks the scheduler keeps for ``client``."""
    state = dask_scheduler.clients.get(client)
    return len(state.wants_what) if state is not None else 0


def settle(client: Any, seconds: float = SETTLE_SECONDS) -> None:
    """Wait until the scheduler keeps no task for ``client`` (at most ``seconds``).

    Releasing data is asynchronous: what an earlier point released may still be on
    the workers for a moment, and would count as their memory at rest.
    """
    deadline = time.monotonic() + seconds
    while client.run_on_scheduler(_wanted, client=client.id) and time.monotonic() < deadline:
        time.sleep(0.05)


@dataclass(frozen=True)
class ClusterMemory:
    """The memory of the workers a point runs on, as they report it to the scheduler.

    Attributes
    ----------
    limits
        The ``memory_limit`` each worker enforces, in bytes.
    at_rest
        What their processes held before the point's data, asked of each worker: their
        code, libraries and memory not yet returned to the system, inside the same limits.
    """

    limits: tuple[int, ...]
    at_rest: int

    @property
    def total(self) -> int:
        """The memory limits of all the workers together."""
        return sum(self.limits)

    @classmethod
    def read(cls, client: Any) -> ClusterMemory:
        """The connected workers', or those a fixed pool's subset annotation names.

        Raises
        ------
        ConfigError
            When a worker has no memory limit: there is nothing to size the data by.
        """
        from dask.base import get_annotations

        workers: dict[str, Any] = client.scheduler_info(n_workers=-1).get("workers", {})
        subset = get_annotations().get("workers")  # a subset of a fixed pool
        if subset:
            workers = {a: w for a, w in workers.items() if a in set(subset)}
        limits = tuple(int(w.get("memory_limit") or 0) for w in workers.values())
        if not limits or min(limits) <= 0:
            raise ConfigError(
                "the memory suite sizes its data by the workers' memory limit, and "
                f"{'no worker is connected' if not limits else 'a worker has none'}; "
                "set deployment.memory_per_worker (or the workers' --memory-limit)"
            )
        settle(client)
        held = client.run(_process_memory, workers=list(workers))
        return cls(limits, sum(int(v) for v in held.values()))

    def describe(self) -> str:
        """E.g. ``2 workers x 400 MiB = 800 MiB``."""
        from dask.utils import format_bytes

        n, low, high = len(self.limits), min(self.limits), max(self.limits)
        if low == high:
            each = f"x {format_bytes(low)}"
        else:
            each = f"of {format_bytes(low)} to {format_bytes(high)}"
        return f"{n} worker{'s' if n != 1 else ''} {each} = {format_bytes(self.total)}"


@dataclass(frozen=True)
class Layout:
    """The data of a point: how much, and in how many pieces.

    Attributes
    ----------
    fraction
        Its share of the workers' memory limit.
    memory
        The workers' memory.
    pieces
        Pieces (array chunks, frame partitions): the point's chunk count, or more
        where a piece would exceed ``chunk_size`` MiB.
    per_piece
        Items (values or rows) in each piece.
    itemsize
        Bytes of one item.
    """

    fraction: float
    memory: ClusterMemory
    pieces: int
    per_piece: int
    itemsize: int

    @classmethod
    def of(cls, ctx: WorkloadContext, itemsize: int) -> Layout:
        """The layout for this point, from the cluster's memory as it is now.

        Raises
        ------
        ConfigError
            When ``fraction`` is not above 0, or the workers have no memory limit.
        """
        fraction = float(ctx.option("fraction"))
        if not fraction > 0:
            raise ConfigError(
                f"suites.memory.options.fraction must be above 0 (e.g. 0.5, 1.0, 1.8), "
                f"not {fraction:g}"
            )
        memory = ClusterMemory.read(ctx.client)
        target = fraction * memory.total
        pieces = max(ctx.chunks, math.ceil(target / (ctx.chunk_size * MIB)))
        per_piece = max(1, int(target // (pieces * itemsize)))
        return cls(fraction, memory, pieces, per_piece, itemsize)

    @property
    def items(self) -> int:
        """Items in all the pieces."""
        return self.pieces * self.per_piece

    @property
    def nbytes(self) -> int:
        """Bytes of the data (the pieces are whole items: at most a little under the target)."""
        return self.items * self.itemsize

    def notes(self) -> tuple[str, ...]:
        """The point's notes: the data, what it is a fraction of, and what was held before."""
        from dask.utils import format_bytes

        piece = format_bytes(self.per_piece * self.itemsize)
        return (
            f"data {format_bytes(self.nbytes)} = {self.fraction:g} x the workers' memory limit "
            f"({self.memory.describe()}, the memory_limit each enforces), in {self.pieces} "
            f"pieces of {piece}",
            f"the worker processes held {format_bytes(self.memory.at_rest)} of that limit "
            "before the data (code, libraries, memory not yet returned to the system)",
        )


def key_count(rows: int, pieces: int) -> int:
    """Keys of the shuffled frame: each on four rows at least, several per partition."""
    return max(1, min(rows // 4, max(2**16, 64 * pieces)))
