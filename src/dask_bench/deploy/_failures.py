"""Telling, while workers are awaited, that they failed to start, and why."""

from __future__ import annotations

import logging
from typing import Any

#: Loggers whose errors say why a worker or a job did not start.
_LOGGERS = ("distributed", "dask_jobqueue", "tornado.application")


class LastError(logging.Handler):
    """Keeps the last error those loggers reported, as one line (its root cause)."""

    def __init__(self) -> None:
        super().__init__(level=logging.ERROR)
        self.last: str | None = None
        #: The stderr of a job submission command that failed (``sbatch: error: ...``).
        self.submit_failure: str | None = None

    @classmethod
    def attach(cls) -> LastError:
        """A handler listening to the loggers of distributed and dask-jobqueue."""
        handler = cls()
        for name in _LOGGERS:
            logging.getLogger(name).addHandler(handler)
        return handler

    def detach(self) -> None:
        """Stop listening."""
        for name in _LOGGERS:
            logging.getLogger(name).removeHandler(self)

    def emit(self, record: logging.LogRecord) -> None:
        """Keep the root cause of the record's exception, or its message."""
        exc = record.exc_info[1] if record.exc_info else None
        while exc is not None and exc.__cause__ is not None:
            exc = exc.__cause__  # the root: "Nanny failed to start" hides it
        text = f"{type(exc).__name__}: {exc}" if exc is not None else record.getMessage()
        self.last = " ".join(text.split())[:300]
        raw = str(exc) if exc is not None else ""
        if "Command exited with non-zero exit code" in raw:  # dask-jobqueue's submit
            stderr = raw.partition("stderr:")[2].strip() or raw
            self.submit_failure = " ".join(stderr.split())[:300]


def failed_specs(cluster: Any) -> list[str]:
    """Names of a SpecCluster's workers (or jobs) that failed to start."""
    workers = getattr(cluster, "workers", None) or {}
    return [
        str(name) for name, w in workers.items() if str(getattr(w, "status", "")) == "Status.failed"
    ]
