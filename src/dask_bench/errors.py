"""Errors that reach the user as one clear line.

Every error the user can fix (bad study file, unknown workload, unwritable
database, ...) is a :class:`DaskBenchError`. The command line prints its message
on one line and exits with :attr:`DaskBenchError.exit_code`; anything else is a
bug and keeps its traceback.
"""

from __future__ import annotations


class DaskBenchError(Exception):
    """A problem the user can fix; the message says what was wrong and how to fix it."""

    exit_code: int = 2


class ConfigError(DaskBenchError):
    """The study file or a command-line option is invalid."""


class StoreError(DaskBenchError):
    """The results database cannot be opened, read or written."""


class StoreWriteError(StoreError):
    """Writing a measurement failed (a full disk): not bad input, so exit code 1."""

    exit_code = 1


class BackendError(DaskBenchError):
    """A deployment back-end is unknown, not installed, or failed to provide workers."""

    exit_code = 1


class WorkersTimeout(BackendError):
    """The requested number of workers did not arrive in time."""


class VersionMismatch(DaskBenchError):
    """Client, scheduler and workers run different versions of Python or key packages.

    Unlike the other errors, the message is a sentence followed by a table of what differs.
    """

    exit_code = 1


class ConfigMismatch(DaskBenchError):
    """The Dask config read back from the scheduler or a worker is not the study's."""

    exit_code = 1


class WrongResult(Exception):
    """A workload computed a result that failed its own correctness check."""


class RepetitionTimeout(Exception):
    """A timed repetition did not finish within the configured timeout."""


class WorkersKilled(Exception):
    """Workers were killed for exceeding their memory while a repetition (or its preparation) ran.

    The message starts with ``workers killed for memory:`` and says which, and at what size.
    """
