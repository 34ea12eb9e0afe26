"""Signals while a study runs: SIGTERM acts like Ctrl-C; closing cannot be interrupted.

Ctrl-C works even when the parent process ignored it.
"""

from __future__ import annotations

import contextlib
import signal
import threading
from collections.abc import Iterator
from types import FrameType


class Interrupted(KeyboardInterrupt):
    """SIGTERM, delivered like Ctrl-C so that the same clean-up runs."""


@contextlib.contextmanager
def sigterm_as_interrupt() -> Iterator[None]:
    """Deliver SIGTERM as :class:`Interrupted`, so a batch system's kill closes the cluster."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return

    def handler(signum: int, frame: FrameType | None) -> None:
        raise Interrupted(f"signal {signum}")

    previous = signal.signal(signal.SIGTERM, handler)
    # A parent that ignored SIGINT (`nohup ... &` from a script) passes that on, and
    # Python then keeps ignoring Ctrl-C: set the usual handler explicitly.
    previous_int = signal.signal(signal.SIGINT, signal.default_int_handler)
    try:
        yield
    finally:
        signal.signal(signal.SIGTERM, previous)
        signal.signal(signal.SIGINT, previous_int)


@contextlib.contextmanager
def uninterruptible() -> Iterator[None]:
    """Hold off Ctrl-C while closing, so a second Ctrl-C cannot leak workers."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    previous = signal.signal(signal.SIGINT, signal.SIG_IGN)
    try:
        yield
    finally:
        signal.signal(signal.SIGINT, previous)
