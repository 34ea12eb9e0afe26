"""The ``existing`` back-end: a Dask cluster someone else started, used as a fixed pool."""

from __future__ import annotations

import json
import math
import threading
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any

from dask_bench.deploy.base import Launcher
from dask_bench.deploy.fixed_pool import FixedPoolBackend
from dask_bench.deploy.registry import register_backend
from dask_bench.deploy.tls import is_temporary
from dask_bench.errors import BackendError, ConfigError

if TYPE_CHECKING:
    from distributed import Client

_OPTIONS = ("address", "scheduler_file", "timeout")
#: Seconds to wait for the scheduler to answer (distributed's own connect default).
DEFAULT_TIMEOUT = 30.0


@register_backend(
    "existing",
    "a running Dask scheduler (address or scheduler file); its workers are a fixed pool",
)
class ExistingBackend(FixedPoolBackend):
    """Connect to a running Dask scheduler; its workers are the pool every size is taken from.

    dask-bench starts nothing and stops nothing here: :meth:`close` only closes its own
    client, so the scheduler and the workers keep running after the study. A size of
    ``n`` workers is measured on ``n`` of the pool's workers (the study's largest size
    must not exceed the pool); memory sampling covers the whole pool.

    Options (``deployment.options``), exactly one of ``address`` and ``scheduler_file``:

    ``address``
        The scheduler's address, e.g. ``tcp://10.0.0.5:8786``.
    ``scheduler_file``
        The file written by ``dask scheduler --scheduler-file PATH``; read when the
        study starts, so it must exist by then.
    ``timeout``
        Seconds to wait for the scheduler to answer (default 30).

    Every worker of the pool must have ``deployment.threads_per_worker`` threads; their
    memory limit is whatever they were started with (recorded in the run's provenance).
    """

    launcher = Launcher.EXTERNAL
    scheduler_runs = "remote"
    #: Only the user's own certificates: temporary ones would not be trusted by a
    #: cluster that is already running.
    supports_tls = True

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.check_option_names(_OPTIONS)
        given = [key for key in ("address", "scheduler_file") if self.options.get(key)]
        if len(given) != 1:
            what = "both" if given else "neither"
            raise ConfigError(
                f"the existing back-end got {what} of 'address' and 'scheduler_file'; "
                "set exactly one in deployment.options, e.g. {address: tcp://host:8786}"
            )
        for key in given:
            if not isinstance(self.options[key], str):
                raise ConfigError(
                    f"deployment.options.{key} must be a string, "
                    f"not {type(self.options[key]).__name__}"
                )
        if self.security is not None and is_temporary(self.security):
            raise ConfigError(
                "security.tls: auto makes new certificates, which the running cluster does not "
                "trust; give its ca_file, cert and key instead"
            )
        self.timeout = _timeout(self.options.get("timeout", DEFAULT_TIMEOUT))
        self.address = self.options.get("address")

    def setup(self) -> None:
        """Check the scheduler file before anything is recorded (a bad one is bad input)."""
        if self.options.get("scheduler_file"):
            self.address = _read_scheduler_file(Path(self.options["scheduler_file"]))

    def scheduler_address(self) -> str:
        """The address option, or the scheduler file's address read again."""
        if self.options.get("scheduler_file"):
            # read again: the scheduler may have been restarted since setup()
            self.address = _read_scheduler_file(Path(self.options["scheduler_file"]))
        if self.address is None:
            raise RuntimeError("start() before the address is known")
        return self.address

    def connect(self, address: str) -> Client:
        """A client, given up on when the server does not answer like a scheduler in time."""
        from distributed import Client

        return _connect(
            lambda: Client(
                address, timeout=self.timeout, set_as_default=True, security=self.security
            ),
            deadline=self.timeout + _GRACE,
            address=address,
        )

    def unreachable(self, address: str, reason: str) -> str:
        """Say how long it waited, and to check the scheduler."""
        return (
            f"cannot connect to the Dask scheduler at {address} within {self.timeout:g} s "
            f"({reason}); check that it is running and reachable from here"
        )

    def describe(self) -> dict[str, Any]:
        """Back-end, layout, options, the scheduler's address and the pool's workers."""
        info = super().describe()
        if self._client is not None:
            info.update(_pool(self._client))
        return info


#: Seconds beyond the connection timeout before a silent server is given up on.
_GRACE = 2.0


def _connect(make: Callable[[], Client], *, deadline: float, address: str) -> Client:
    """``make()`` in a thread of its own, given up after ``deadline`` seconds.

    A server that accepts the connection but never speaks Dask (an HTTP server on
    that port) keeps the client's handshake waiting far beyond its timeout, and
    the waiting main thread would not even see Ctrl-C; here it waits in short,
    interruptible steps and stops at the deadline.
    """
    out: dict[str, Any] = {}

    def target() -> None:
        try:
            out["client"] = make()
        except BaseException as exc:  # handed to the caller's thread below
            out["error"] = exc

    thread = threading.Thread(target=target, name="dask-bench-connect", daemon=True)
    thread.start()
    thread.join(deadline)
    if thread.is_alive():
        raise BackendError(
            f"the server at {address} accepted the connection but did not answer as a Dask "
            f"scheduler within {deadline:g} s; check the address and port (is another "
            "service listening there?)"
        )
    if "error" in out:
        raise out["error"]
    client: Client = out["client"]
    return client


def _timeout(value: Any) -> float:
    ok = isinstance(value, (int, float)) and not isinstance(value, bool)
    if not ok or not math.isfinite(value) or value <= 0:
        raise ConfigError(
            f"deployment.options.timeout must be a positive number of seconds, not {value!r}"
        )
    return float(value)


def _read_scheduler_file(path: Path) -> str:
    """The scheduler address in a file written by ``dask scheduler --scheduler-file``."""
    try:
        text = path.read_text()
    except FileNotFoundError:
        raise ConfigError(
            f"scheduler file {str(path)!r} does not exist; start the scheduler with "
            f"'dask scheduler --scheduler-file {path}' first, or fix deployment.options"
            ".scheduler_file"
        ) from None
    except OSError as exc:
        raise ConfigError(f"cannot read scheduler file {str(path)!r}: {exc.strerror}") from None
    try:
        data = json.loads(text)
    except ValueError:
        data = None
    address = data.get("address") if isinstance(data, dict) else None
    if not isinstance(address, str) or not address:
        raise ConfigError(
            f"scheduler file {str(path)!r} has no scheduler address; expected the JSON "
            "written by 'dask scheduler --scheduler-file' (is the scheduler still starting?)"
        )
    return address


def _pool(client: Client) -> dict[str, Any]:
    """How many workers the pool has and their memory limits, for the provenance."""
    try:
        workers = client.scheduler_info(n_workers=-1).get("workers", {})
    except Exception:  # provenance only: a busy or gone scheduler must not stop the record
        return {}
    memory = sorted({int(w.get("memory_limit") or 0) for w in workers.values()})
    return {"pool_workers": len(workers), "pool_memory_per_worker": memory}
