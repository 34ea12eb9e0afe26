"""How the gateway back-end talks to a Dask Gateway server.

Connection settings checked the way dask-gateway reads them, a dask-gateway client that
closes once, and requests run with a time limit whose failures are one-line errors.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Coroutine, Mapping
from typing import TYPE_CHECKING, Any, TypeVar

from dask_bench.errors import BackendError, ConfigError

if TYPE_CHECKING:
    from dask_gateway import Gateway

_T = TypeVar("_T")
#: Seconds to wait for the gateway to answer a request (not for a cluster to start).
DEFAULT_TIMEOUT = 30.0


class GatewaySettings:
    """The gateway connection options of ``deployment.options`` (the rest is ignored), checked."""

    def __init__(self, options: Mapping[str, Any]) -> None:
        self.address = _address(options.get("address"))
        for key, types in (("proxy_address", (str, int)), ("public_address", (str,))):
            if options.get(key) is not None and type(options[key]) not in types:
                raise ConfigError(
                    f"deployment.options.{key} must be an address (proxy_address: or a "
                    f"port), not {options[key]!r}"
                )
        self.proxy_address = options.get("proxy_address")
        self.public_address = options.get("public_address")
        self.auth = _auth(options.get("auth"))
        timeout = options.get("timeout", DEFAULT_TIMEOUT)
        if type(timeout) not in (int, float) or not 0 < timeout < float("inf"):
            raise ConfigError(
                f"deployment.options.timeout must be a positive number of seconds, not {timeout!r}"
            )
        self.timeout = float(timeout)

    def gateway(self) -> Gateway:
        """A dask-gateway client for these settings (starts its event-loop thread)."""
        from dask_gateway import Gateway

        class _Gateway(Gateway):  # type: ignore[misc]
            # dask-gateway's Gateway.close() fails when called again (its __del__ does) once
            # the loop stopped, printing a traceback at exit: close once only.
            _closed = False

            def close(self) -> None:
                if not self._closed:
                    self._closed = True
                    super().close()

        gateway: Gateway = _Gateway(
            self.address,
            proxy_address=self.proxy_address,
            public_address=self.public_address,
            auth=self.auth,
        )
        return gateway

    def call(self, gateway: Gateway, request: Coroutine[Any, Any, _T]) -> _T:
        """Run ``request`` on ``gateway``'s event loop within :attr:`timeout`.

        ``request`` is a coroutine of ``gateway`` (its ``_``-prefixed methods, which its
        public methods run with no time limit). Failures to reach or use the gateway
        become one-line errors; the server's ``ValueError`` (HTTP 404, 422) is the
        caller's to explain.
        """
        import aiohttp
        from dask_gateway import GatewayClusterError, GatewayServerError

        async def bounded() -> _T:
            return await asyncio.wait_for(request, self.timeout)

        try:
            result: _T = gateway.sync(bounded)
        except aiohttp.ClientResponseError as exc:
            hint = "auth" if exc.status in (401, 403) else "address"
            raise BackendError(
                f"the Dask Gateway at {self.address} answered HTTP {exc.status} "
                f"{exc.message}; check deployment.options.{hint}"
            ) from None
        except (OSError, aiohttp.ClientError) as exc:  # TimeoutError included
            reason = one_line(exc) if str(exc) else f"no answer within {self.timeout:g} s"
            raise BackendError(
                f"cannot reach the Dask Gateway at {self.address}: {reason}; "
                "check deployment.options.address and that the server runs"
            ) from None
        except (GatewayClusterError, GatewayServerError) as exc:  # HTTP 409, 500
            raise BackendError(
                f"the Dask Gateway at {self.address} failed: {one_line(exc)}"
            ) from None
        return result


def _address(value: Any) -> str:
    """The gateway address from the options or, like dask-gateway, Dask's configuration."""
    import dask
    from dask_gateway.utils import format_template

    where = "deployment.options.address"
    if value is None:
        value = format_template(dask.config.get("gateway.address", None))
        where = "Dask's gateway.address setting"
    if value is None:
        raise ConfigError(
            "no Dask Gateway address: set deployment.options.address (e.g. "
            "http://gateway.example.org:8000) or Dask's gateway.address setting"
        )
    if not isinstance(value, str) or not value.startswith(("http://", "https://")):
        raise ConfigError(
            f"{where} must be the gateway's http:// or https:// address, not {value!r}"
        )
    return value.rstrip("/")


def _auth(value: Any) -> Any:
    """A dask-gateway auth object for ``auth`` (None: dask-gateway reads its configuration)."""
    import dask
    from dask_gateway.auth import get_auth

    if value is None:
        return None
    kind: Any = value if isinstance(value, str) else None
    kwargs: Any = None
    if isinstance(value, Mapping):
        kind, kwargs = value.get("type"), value.get("kwargs") or {}
        if set(value) - {"type", "kwargs"} or not isinstance(kwargs, Mapping):
            kind = None
    if not isinstance(kind, str):
        raise ConfigError(
            "deployment.options.auth takes a name (basic, kerberos, jupyterhub, a class path) "
            "or, like Dask's gateway.auth setting, {type: basic, kwargs: {username: alice}}"
        )
    try:
        if kwargs is None:  # like dask-gateway: kwargs from Dask's gateway.auth.kwargs
            return get_auth(kind)
        with dask.config.set({"gateway.auth.kwargs": dict(kwargs)}):
            return get_auth(kind)
    except (ImportError, TypeError, ValueError) as exc:
        raise ConfigError(
            f"deployment.options.auth {kind!r} is not usable: {one_line(exc)}; use basic, "
            "kerberos, jupyterhub or a GatewayAuth class path, with its kwargs"
        ) from None


def wait_for(
    settings: GatewaySettings, gateway: Gateway, name: str, states: tuple[str, ...], until: float
) -> Any:
    """Cluster ``name``'s report once its status is one of ``states`` (or at ``until``)."""
    while True:
        report = settings.call(gateway, gateway._cluster_report(name))
        if report.status.name in states or time.monotonic() > until:
            return report
        time.sleep(0.1)


async def scale(gateway: Gateway, name: str, workers: int) -> str | None:
    """Scale ``name``; the server's message when it clamps the request to its limit."""
    response = await gateway._request(
        "POST", f"{gateway.address}/api/v1/clusters/{name}/scale", json={"count": workers}
    )
    try:
        answer = await response.json()
    except Exception:  # an older server answers with no body
        return None
    if isinstance(answer, dict) and not answer.get("ok", True) and answer.get("msg"):
        return str(answer["msg"])
    return None


def stop(settings: GatewaySettings, gateway: Gateway, name: str, within: float) -> None:
    """Stop cluster ``name`` and wait (a bounded time) until the gateway reports it stopped."""
    settings.call(gateway, gateway._stop_cluster(name))
    wait_for(settings, gateway, name, ("STOPPED", "FAILED"), time.monotonic() + within)


def cluster_tag(settings: GatewaySettings, gateway: Gateway, name: str, key: str) -> Any:
    """The dask-bench tag in the scheduler of a running cluster (None when it has none)."""
    from distributed import Client

    report = settings.call(gateway, gateway._cluster_report(name))
    if report.scheduler_address is None:
        return None
    with Client(
        report.scheduler_address,
        security=report.security,
        set_as_default=False,
        timeout=settings.timeout,
    ) as client:
        return client.get_metadata(key, default=None)


def one_line(exc: BaseException | Warning | str) -> str:
    """A message on one line, whatever the library put in it."""
    return " ".join(str(exc).split()) or type(exc).__name__
