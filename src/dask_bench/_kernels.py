"""The tiny tasks of the ``tasks`` suite, in a module the workers import cheaply.

A task's function travels by reference, so a worker imports the module defining it;
kept here, away from ``dask_bench.workloads`` (whose package imports every suite,
pandas and pyarrow included), a worker of the ``tasks`` suite holds only Dask itself,
and what the suite measures is the scheduler, not dask-bench's imports.
"""

from __future__ import annotations

import time

#: Modulus of the order-sensitive hash folded along ``chain`` (a Mersenne prime).
CHAIN_MOD = 2**61 - 1


def inc(x: int) -> int:
    """Return ``x + 1`` (the tiny task)."""
    return x + 1


def add(x: int, y: int) -> int:
    """Return ``x + y``."""
    return x + y


def sleep_then_return(i: int, seconds: float) -> int:
    """Sleep ``seconds`` and return ``i``."""
    time.sleep(seconds)
    return i


def chain_step(acc: int, i: int) -> int:
    """Fold ``i`` into ``acc``; the result depends on the order of the steps."""
    return (acc * 1_000_003 + i) % CHAIN_MOD


def stencil_cell(*neighbours: int) -> int:
    """New value of a cell: the sum of itself and its neighbours of the last step."""
    return sum(neighbours)
