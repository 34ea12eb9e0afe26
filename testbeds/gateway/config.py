# Configuration of the Dask Gateway test bed, loaded by `dask-gateway-server -f` (started by
# testbeds/gateway/start, which sets the DASK_BENCH_GATEWAY_* variables read below).
# Clusters run as local processes of the user who started the server; for testing only.
import os

from dask_gateway_server.options import Integer, Options

c = get_config()  # noqa: F821  # defined by traitlets when it loads this file

run_dir = os.environ["DASK_BENCH_GATEWAY_RUN_DIR"]
venv = os.environ["DASK_BENCH_GATEWAY_VENV"]
port = int(os.environ["DASK_BENCH_GATEWAY_PORT"])

# Public HTTP API (what clients use), scheduler proxy, private API: three local ports.
c.Proxy.address = f"127.0.0.1:{port}"
c.Proxy.tcp_address = f"127.0.0.1:{port + 1}"
c.DaskGateway.address = f"127.0.0.1:{port + 2}"

# UnsafeLocalBackend: processes of this user. Never LocalBackend here: it switches users and
# changes the owner of / on this machine.
c.DaskGateway.backend_class = "dask_gateway_server.backends.local.UnsafeLocalBackend"
# Basic authentication that accepts any user name, no password.
c.DaskGateway.authenticator_class = "dask_gateway_server.auth.SimpleAuthenticator"

# Current distributed has no dask-scheduler / dask-worker scripts (the defaults).
c.ClusterConfig.scheduler_cmd = [f"{venv}/bin/dask", "scheduler"]
c.ClusterConfig.worker_cmd = [f"{venv}/bin/dask", "worker"]
# A machine with 2 cores: a scale request above this is clamped by the server (and refused
# by dask-bench), like the resource limits of a shared gateway.
c.ClusterConfig.cluster_max_workers = 4
# The cluster working folders (certificates, scheduler and worker logs) stay under run/.
c.UnsafeLocalBackend.clusters_directory = os.path.join(run_dir, "clusters")
# Clusters stop with the server; with the default in-memory database nothing outlives it.
c.DBBackendBase.stop_clusters_on_shutdown = True
c.DBBackendBase.db_url = "sqlite:///:memory:"
# Notice dead schedulers and workers within seconds rather than the default 30 s.
c.DBBackendBase.cluster_status_period = 5
c.DBBackendBase.worker_status_period = 5

# The worker layout is set per cluster by the client. worker_threads defaults to
# worker_cores on the server; memory is in bytes (ClusterConfig.worker_memory's unit).
c.Backend.cluster_options = Options(
    Integer("worker_cores", default=1, min=1, max=8, label="Worker cores"),
    Integer("worker_threads", default=1, min=1, max=16, label="Worker threads"),
    Integer(
        "worker_memory", default=2**30, min=2**26, max=2**36, label="Worker memory (bytes)"
    ),
)
