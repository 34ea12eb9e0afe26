"""Worker plugins dask-bench registers on the clusters it starts."""

from __future__ import annotations

import signal
import threading
from typing import Any

from distributed.diagnostics.plugin import WorkerPlugin


class IgnoreInterrupt(WorkerPlugin):
    """The worker process ignores SIGINT; its nanny, in the study's process, closes it.

    Local workers share the terminal's process group, so a Ctrl-C reaches them too:
    they would die mid-task and fill the terminal with tracebacks while the study
    closes the cluster anyway.
    """

    def setup(self, worker: Any) -> None:
        """Ignore SIGINT (plugins are set up in the worker process's main thread)."""
        if threading.current_thread() is threading.main_thread():
            signal.signal(signal.SIGINT, signal.SIG_IGN)
