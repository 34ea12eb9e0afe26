"""A KubeCluster that reaches a ``tls://`` scheduler with the run's certificates.

The operator's ``KubeCluster`` (dask-kubernetes 2026.3) dials its scheduler at
``tcp://`` with a bare ``rpc``: against a TLS scheduler it would wait for ever. While
it starts, its ``rpc`` is given the client's TLS arguments and the address the
``tls://`` scheme; every later call goes through the connection made then.
"""

from __future__ import annotations

import contextlib
import functools
from collections.abc import Iterator
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from distributed.security import Security

#: dask-kubernetes modules whose ``rpc`` KubeCluster's start uses.
_MODULES = (
    "dask_kubernetes.operator.kubecluster.kubecluster",
    "dask_kubernetes.operator.networking",
)


@contextlib.contextmanager
def secured_rpc(security: Security) -> Iterator[None]:
    """While it lasts, dask-kubernetes' ``rpc`` connects with ``security``'s client TLS."""
    import importlib

    modules: list[Any] = [importlib.import_module(m) for m in _MODULES]
    saved = [m.rpc for m in modules]
    args = security.get_connection_args("client")
    try:
        for module, rpc in zip(modules, saved, strict=True):
            module.rpc = functools.partial(_tls_rpc, rpc, args)
        yield
    finally:
        for module, rpc in zip(modules, saved, strict=True):
            module.rpc = rpc


def _tls_rpc(rpc: Any, connection_args: dict[str, Any], address: str, **kwargs: Any) -> Any:
    address = "tls://" + str(address).split("://", 1)[-1]
    return rpc(address, connection_args=connection_args, **kwargs)


def tls_kubecluster(security: Security, **kwargs: Any) -> Any:
    """``KubeCluster(**kwargs)`` whose scheduler address and connections are ``tls://``."""
    from dask_kubernetes.operator import KubeCluster

    class TlsKubeCluster(KubeCluster):  # type: ignore[misc]
        async def _get_scheduler_address(self) -> str:
            address = str(await super()._get_scheduler_address())
            return "tls://" + address.split("://", 1)[-1]

    with secured_rpc(security):
        cluster = TlsKubeCluster(**kwargs)
    cluster.security = security  # Client(cluster) takes it from here
    return cluster
