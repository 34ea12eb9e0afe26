"""TLS for every connection: temporary certificates or the user's own PEM files.

A :class:`distributed.security.Security` is made once per run and handed to the
back-end, which passes it on to its workers as its deployer requires: LocalCluster
takes it as is, dask-jobqueue writes temporary certificates to its
``shared_temp_directory`` for the job scripts, and under MPI every rank receives
rank 0's certificates (see :mod:`dask_bench.deploy.mpi`).
"""

from __future__ import annotations

import contextlib
import os
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING, Any

from dask_bench.errors import ConfigError

if TYPE_CHECKING:
    from distributed.security import Security

    from dask_bench.study import SecuritySettings

#: Security fields that hold certificates or keys (paths, or PEM text when temporary).
_FIELDS = (
    "tls_ca_file",
    *(
        f"tls_{role}_{part}"
        for role in ("client", "scheduler", "worker")
        for part in ("cert", "key")
    ),
)


def make_security(settings: SecuritySettings) -> Security | None:
    """The run's TLS settings; ``None`` for plain TCP.

    Parameters
    ----------
    settings
        The study's ``security`` section.

    Raises
    ------
    ConfigError
        When ``cryptography`` (needed for temporary certificates) is missing, or a
        certificate file cannot be read.
    """
    from distributed.security import Security

    tls = settings.tls
    if tls is False:
        return None
    if tls == "auto":
        try:
            temporary: Security = Security.temporary()
        except ImportError:
            raise ConfigError(
                "security.tls: auto needs the 'cryptography' package; "
                "install it with: pip install cryptography"
            ) from None
        return temporary
    paths = {name: str(Path(p).expanduser()) for name, p in tls.model_dump().items() if p}
    for name, path in paths.items():
        try:
            Path(path).read_bytes()
        except OSError as exc:
            raise ConfigError(
                f"security.tls.{name}: cannot read {path} ({exc.strerror}); "
                "give a readable PEM file"
            ) from None
    cert, key = paths["cert"], paths.get("key")
    kwargs: dict[str, Any] = {"tls_ca_file": paths["ca_file"], "require_encryption": True}
    for role in ("client", "scheduler", "worker"):
        kwargs[f"tls_{role}_cert"] = cert
        kwargs[f"tls_{role}_key"] = key
    return Security(**kwargs)


def is_temporary(security: Security) -> bool:
    """Whether the certificates live in memory only (``tls: auto``), not in files."""
    return any("\n" in (getattr(security, f, None) or "") for f in _FIELDS)


def certificates(security: Security) -> dict[str, str | None]:
    """Every certificate field of ``security`` (PEM text or paths), e.g. to send to other ranks."""
    return {f: getattr(security, f, None) for f in _FIELDS}


def from_certificates(values: dict[str, str | None]) -> Security:
    """The :class:`~distributed.security.Security` of :func:`certificates`' output."""
    from distributed.security import Security

    return Security(**values, require_encryption=True)


def dask_config(security: Security) -> dict[str, Any]:
    """Dask configuration equivalent to ``security``, for deployers that read only the config.

    ``dask_mpi.initialize`` starts scheduler and workers with the default security,
    which comes from ``distributed.comm.tls.*``; PEM text is accepted there too.
    """
    config: dict[str, Any] = {"distributed.comm.require-encryption": True}
    for field, value in certificates(security).items():
        # tls_ca_file -> ca-file, tls_worker_cert -> worker.cert
        parts = field.removeprefix("tls_").split("_")
        key = "ca-file" if parts == ["ca", "file"] else ".".join(parts)
        config[f"distributed.comm.tls.{key}"] = value
    return config


@contextlib.contextmanager
def dashboard_tls(security: Security | None) -> Iterator[None]:
    """Serve the scheduler's HTTP server (the dashboard) over TLS with the run's certificates.

    For as long as the context lasts, Dask's ``distributed.scheduler.dashboard.tls.*``
    settings name the scheduler's certificate and key: a scheduler started in this
    process inside it listens on ``https://``. Temporary certificates live in memory,
    and Python's ``ssl`` loads only files: they are written to a private folder (0700)
    for the moment the server loads them, and removed when the context ends.
    Without ``security`` it changes nothing.
    """
    if security is None:
        yield
        return
    import dask

    fields = certificates(security)
    cert, key = fields["tls_scheduler_cert"], fields["tls_scheduler_key"]
    ca_file = fields["tls_ca_file"]
    with contextlib.ExitStack() as stack:
        if is_temporary(security):
            folder = stack.enter_context(tempfile.TemporaryDirectory(prefix="dask-bench-tls-"))
            cert, key, ca_file = (
                _private_file(folder, name, text)
                for name, text in (("cert.pem", cert), ("key.pem", key), ("ca.pem", ca_file))
            )
        stack.enter_context(
            dask.config.set(
                {
                    "distributed.scheduler.dashboard.tls.cert": cert,
                    "distributed.scheduler.dashboard.tls.key": key,
                    "distributed.scheduler.dashboard.tls.ca-file": ca_file,
                }
            )
        )
        yield


def _private_file(folder: str, name: str, text: str | None) -> str | None:
    if text is None:
        return None
    path = os.path.join(folder, name)
    # created readable by the owner only, before a byte of the key is written
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "w") as out:
        out.write(text)
    return path
