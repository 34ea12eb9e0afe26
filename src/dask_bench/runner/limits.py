"""The study process itself: open-files limit and identity, kept with the provenance."""

from __future__ import annotations

import contextlib
import os
import socket
from typing import Any

#: What a study wants at most; many workers and connections need many descriptors.
WANTED_OPEN_FILES = 50_000


def raise_open_files(wanted: int = WANTED_OPEN_FILES) -> dict[str, int | None]:
    """Raise the soft open-files limit as far as allowed (up to ``wanted``).

    Returns
    -------
    dict
        The soft limit before and after, and the hard limit (None where the platform
        has no such limits).
    """
    try:
        import resource
    except ImportError:  # not on POSIX
        return {"before": None, "after": None, "hard": None}
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    target = wanted if hard == resource.RLIM_INFINITY else min(wanted, hard)
    if soft != resource.RLIM_INFINITY and soft < target:
        # keep what we have when refused; the provenance shows it
        with contextlib.suppress(ValueError, OSError):
            resource.setrlimit(resource.RLIMIT_NOFILE, (target, hard))
    after = resource.getrlimit(resource.RLIMIT_NOFILE)[0]
    return {"before": _finite(soft), "after": _finite(after), "hard": _finite(hard)}


def _finite(value: int) -> int | None:
    import resource

    return None if value == resource.RLIM_INFINITY else int(value)


def process_info(open_files: dict[str, int | None]) -> dict[str, Any]:
    """Who runs the study: host and process id (``cleanup`` checks it is gone)."""
    return {"host": socket.gethostname(), "pid": os.getpid(), "open_files": open_files}
