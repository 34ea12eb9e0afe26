"""With TLS, the scheduler's HTTP server (the dashboard) speaks TLS with the run's certificates."""

from __future__ import annotations

import os
import ssl
import urllib.error
import urllib.request
from pathlib import Path

import pytest
from distributed import Client, LocalCluster
from distributed.security import Security

from dask_bench.deploy.tls import dashboard_tls
from dask_bench.runner.provenance import http_listeners

pytest.importorskip("cryptography")


def _get(url: str, context: ssl.SSLContext | None = None) -> str:
    with urllib.request.urlopen(url, timeout=10, context=context) as answer:
        return str(answer.read().decode())


def test_temporary_certificates_serve_the_dashboard_over_https(tmp_path: Path) -> None:
    security = Security.temporary()
    seen_folders: list[str] = []
    with dashboard_tls(security):
        import dask

        cert = dask.config.get("distributed.scheduler.dashboard.tls.cert")
        key = dask.config.get("distributed.scheduler.dashboard.tls.key")
        seen_folders.append(os.path.dirname(cert))
        # the key file is the owner's only
        assert os.stat(key).st_mode & 0o077 == 0
        cluster = LocalCluster(
            n_workers=0, processes=False, dashboard_address="127.0.0.1:0", security=security
        )
    # the certificate files are gone once the server has loaded them
    assert not os.path.exists(seen_folders[0])
    with cluster, Client(cluster, security=security) as client:
        (listener,) = http_listeners(client)
        assert listener.startswith("https://127.0.0.1:")
        trust = ssl.create_default_context(cadata=security.tls_ca_file)
        trust.check_hostname = False
        assert _get(f"{listener}/health", trust) == "ok"
        plain = listener.replace("https://", "http://")
        with pytest.raises((urllib.error.URLError, ConnectionError)):
            _get(f"{plain}/health")


def test_without_tls_nothing_changes() -> None:
    import dask

    with dashboard_tls(None):
        assert dask.config.get("distributed.scheduler.dashboard.tls.cert") is None
        cluster = LocalCluster(n_workers=0, processes=False, dashboard_address="127.0.0.1:0")
        with cluster, Client(cluster) as client:
            (listener,) = http_listeners(client)
            assert listener.startswith("http://127.0.0.1:")
            assert _get(f"{listener}/health") == "ok"
