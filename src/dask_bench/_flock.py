"""An exclusive ``flock`` with a deadline: the store's creators and the tpch data cache."""

from __future__ import annotations

import contextlib
import fcntl
import time
from collections.abc import Callable, Iterator


@contextlib.contextmanager
def flocked(
    fd: int, deadline: float, too_long: Callable[[], Exception], pause: float
) -> Iterator[bool]:
    """Hold an exclusive lock on the open descriptor ``fd`` (not closed here).

    Parameters
    ----------
    deadline
        ``time.monotonic()`` after which waiting for another holder raises ``too_long()``.
    pause
        Seconds between tries.

    Yields
    ------
    bool
        Whether the lock is held: False on a file system without locks (some NFS),
        where the caller goes on unlocked.
    """
    locked = False
    while True:
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
            locked = True
            break
        except BlockingIOError:
            if time.monotonic() > deadline:
                raise too_long() from None
            time.sleep(pause)
        except OSError:  # no locks on this file system
            break
    try:
        yield locked
    finally:
        if locked:
            fcntl.flock(fd, fcntl.LOCK_UN)
