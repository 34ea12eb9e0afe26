"""The gateway back-end against a real dask-gateway-server (the test bed testbeds/gateway)."""

from __future__ import annotations

import importlib
import json
import signal
import socket
import sqlite3
import time
from pathlib import Path

import dask
import pytest
import yaml

from dask_bench.deploy.gateway.backend import GatewayBackend, _memory_value
from dask_bench.deploy.layout import WorkerLayout
from dask_bench.deploy.scaling import scale_to
from dask_bench.errors import BackendError, ConfigError
from dask_bench.runner import run_study
from dask_bench.runner.checks import build_study
from tests.integration.helpers import dask_bench, query, start_study, wait_gone

from ..testbeds import TESTBEDS, exports
from .conftest import USER, active_clusters, cluster_processes, gateway_api, run_script

pytestmark = pytest.mark.gateway

TESTBED = TESTBEDS / "gateway"
RUN_DIR = TESTBED / "run"
#: The options the test bed offers, as the back-end sets them for a 1 GiB, n-thread layout.
LAYOUT_OPTIONS = {"worker_cores": 1, "worker_threads": 1, "worker_memory": 2**30}


def _study(db: Path, testbed: dict[str, str], workers: list[int], **deployment) -> dict:
    """A tiny study on the test bed: one quick workload, few repetitions."""
    options = {
        "address": testbed["DASK_BENCH_GATEWAY_ADDRESS"],
        "proxy_address": testbed["DASK_BENCH_GATEWAY_PROXY"],
        "auth": {"type": "basic", "kwargs": {"username": USER, "password": "unused"}},
        **deployment.pop("options", {}),
    }
    return {
        "name": "gateway-tiny",
        "deployment": {
            "backend": "gateway",
            "workers": workers,
            "memory_per_worker": "1GiB",
            "startup_timeout": 90,
            "options": options,
            **deployment,
        },
        "suites": {"tasks": {"workloads": ["map-tiny"], "chunk_size": 10, "per_unit": 2}},
        # Measurement details do not concern the back-end: the quickest settings.
        "measurement": {
            "warmup": 0,
            "min_repeats": 2,
            "max_repeats": 3,
            "target_ci": 0.5,
            "breakdown": False,
            "hardware_baseline": False,
        },
        "database": str(db),
        "report": False,
    }


def _slow(spec: dict) -> dict:
    """The study made long enough to be stopped half-way (map-sleep, many repetitions)."""
    spec["suites"] = {
        "tasks": {
            "workloads": ["map-sleep"],
            "chunk_size": 10,
            "per_unit": 2,
            "options": {"sleep_seconds": 0.05},
        }
    }
    spec["measurement"].update(min_repeats=50, max_repeats=50, point_budget=300)
    return spec


def _deployment(db: Path) -> dict:
    """The run's recorded deployment provenance."""
    return json.loads(query(db, "select environment from runs")[0][0])["deployment"]


def _assert_gone(testbed: dict[str, str], name: str) -> None:
    """Cluster ``name`` is stopped and none of its processes remains."""
    address = testbed["DASK_BENCH_GATEWAY_ADDRESS"]
    assert name not in active_clusters(address)
    assert gateway_api(address, "GET", f"clusters/{name}")["status"] == "STOPPED"
    left = wait_gone(set(cluster_processes(RUN_DIR, name)), within=15)
    assert not left, [p.cmdline() for p in left]


def _recorded_cluster(db: Path) -> str | None:
    """The cluster's name once the study recorded it (after its first scale step)."""
    try:
        return _deployment(db).get("cluster")
    except (sqlite3.OperationalError, IndexError, KeyError, TypeError):  # not recorded yet
        return None


def _wait_for(condition, what: str, within: float = 120) -> None:
    deadline = time.monotonic() + within
    while not condition():
        assert time.monotonic() < deadline, f"timed out waiting for {what}"
        time.sleep(0.2)


def test_weak_study_through_the_gateway(gateway_testbed, tmp_path):
    db = tmp_path / "r.db"
    result = run_study(build_study(_study(db, gateway_testbed, [1, 2])))
    assert result.status == "complete" and result.failed_points == 0
    assert query(db, "select backend, status from runs") == [("gateway", "complete")]
    assert query(db, "select workload, workers, status from points order by id") == [
        ("map-tiny", 1, "ok"),
        ("map-tiny", 2, "ok"),
    ]
    env = _deployment(db)
    name = env["cluster"]
    events = query(db, "select requested, ok, details from scale_events order by id")
    assert [(e[0], e[1]) for e in events] == [(1, 1), (2, 1)]
    one, two = (json.loads(e[2]) for e in events)
    assert one["cluster"] == two["cluster"] == name  # one cluster, rescaled
    assert len(one["workers"]) == 1 and len(two["workers"]) == 2
    assert set(one["workers"]) <= set(two["workers"])
    assert env["gateway"] == gateway_testbed["DASK_BENCH_GATEWAY_ADDRESS"]
    assert env["cluster_options"] == LAYOUT_OPTIONS
    # gateway clusters always use TLS, with the gateway's own certificates
    assert env["scheduler"].startswith("tls://127.0.0.1:")
    assert env["scheduler_route"].endswith(f"/{name}") and "tls" in env
    assert env["options"]["auth"]["kwargs"] == {"username": USER, "password": "***"}
    _assert_gone(gateway_testbed, name)


def test_layout_from_the_command_line(gateway_testbed, tmp_path):
    db = tmp_path / "r.db"
    study = tmp_path / "study.yaml"
    study.write_text(yaml.safe_dump(_study(db, gateway_testbed, [1], threads_per_worker=2)))
    out = dask_bench("run", str(study), "--quiet", "--no-report")
    assert out.returncode == 0, out.stderr
    assert query(db, "select backend, status from runs") == [("gateway", "complete")]
    # 2-thread workers arrived: the scale step checks every worker's threads
    assert query(db, "select requested, ok from scale_events") == [(1, 1)]
    env = _deployment(db)
    assert env["cluster_options"] == {**LAYOUT_OPTIONS, "worker_cores": 2, "worker_threads": 2}
    _assert_gone(gateway_testbed, env["cluster"])


def test_unreachable_gateway_is_one_line(gateway_testbed, tmp_path):
    with socket.socket() as s:  # a port nobody listens on
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    spec = _study(tmp_path / "r.db", gateway_testbed, [1])
    spec["deployment"]["options"]["address"] = f"http://127.0.0.1:{port}"
    study = tmp_path / "study.yaml"
    study.write_text(yaml.safe_dump(spec))
    out = dask_bench("run", str(study), "--quiet", timeout=60)
    assert out.returncode == 1  # a BackendError
    lines = out.stderr.strip().splitlines()
    assert len(lines) == 1, out.stderr
    assert f"cannot reach the Dask Gateway at http://127.0.0.1:{port}: " in lines[0]
    assert "check deployment.options.address" in lines[0]


def test_unknown_cluster_option_lists_the_servers(gateway_testbed, tmp_path):
    address = gateway_testbed["DASK_BENCH_GATEWAY_ADDRESS"]
    spec = _study(tmp_path / "r.db", gateway_testbed, [1], options={"cluster_options": {"gpu": 1}})
    with pytest.raises(ConfigError) as info:
        run_study(build_study(spec))
    message = str(info.value)
    assert "\n" not in message
    assert f"the Dask Gateway at {address} offers no cluster option 'gpu'" in message
    assert "it offers: worker_cores, worker_memory, worker_threads" in message
    assert active_clusters(address) == []  # refused before any cluster was created


def test_address_and_auth_from_dask_config(gateway_testbed, tmp_path):
    # No deployment.options: dask-gateway's own settings, as for any Gateway() client.
    address = gateway_testbed["DASK_BENCH_GATEWAY_ADDRESS"]
    settings = {
        "gateway.address": address,
        "gateway.proxy-address": gateway_testbed["DASK_BENCH_GATEWAY_PROXY"],
        "gateway.auth.type": "basic",
        "gateway.auth.kwargs": {"username": USER},
        "gateway.cluster.options": {"gpu": 1},  # dask-gateway's defaults for new clusters
    }
    # dask-gateway adds its defaults to Dask's config when imported: import it before
    # dask.config.set, whose undo would otherwise remove them with our settings.
    importlib.import_module("dask_gateway")
    with dask.config.set(settings):
        backend = GatewayBackend(WorkerLayout(1, 2**30))
        assert backend.describe()["gateway"] == address
        try:
            # the server is asked (it exists), and refuses the configured default
            with pytest.raises(ConfigError, match=r"gateway.cluster.options \{'gpu': 1\}\): "):
                backend.start()
        finally:
            backend.close()
    assert active_clusters(address) == []


@pytest.mark.parametrize(
    ("options", "expected"),
    [
        ({"cluster_options": {"worker_memory": 2**31}}, "use 'deployment.memory_per_worker'"),
        ({"cluster_options": {"worker_threads": 2}}, "use 'deployment.threads_per_worker'"),
        ({"cluster_options": {"worker_cores": 2}}, "use 'deployment.threads_per_worker'"),
        ({"port": 1}, "unknown option(s) 'port' for the gateway back-end"),
        ({"address": "127.0.0.1:18000"}, "http:// or https:// address"),
        ({"auth": {"type": "basic", "user": "x"}}, "like Dask's gateway.auth setting"),
        ({"auth": 3}, "auth takes a name (basic, kerberos, jupyterhub, a class path)"),
        ({"auth": {"type": "basic", "kwargs": {"user": "x"}}}, "auth 'basic' is not usable"),
        ({"auth": "no.such.Auth"}, "auth 'no.such.Auth' is not usable"),
        ({"timeout": 0}, "positive number of seconds"),
    ],
)
def test_bad_options_are_one_line_errors(gateway_testbed, tmp_path, options, expected):
    db = tmp_path / "r.db"
    with pytest.raises(ConfigError) as info:
        run_study(build_study(_study(db, gateway_testbed, [1], options=options)))
    message = str(info.value)
    assert expected in message and "\n" not in message
    assert not db.exists()  # refused before anything was recorded


@pytest.mark.parametrize("memory", [2**30, 3 * 2**30, 1536 * 2**20, 10**9, 2**40])
def test_memory_in_the_forms_a_server_may_offer(memory):
    from dask_gateway_server.traitlets import MemoryLimit

    # an integer option: bytes, the unit of the server's ClusterConfig.worker_memory
    assert _memory_value(2**31, memory) == memory
    # a string option: the server's own suffixes (binary units), parsed back exactly
    text = _memory_value("2G", memory)
    assert isinstance(text, str) and MemoryLimit().validate(None, text) == memory
    # a float option: GiB, converted back as in dask-gateway's documented handler
    gib = _memory_value(2.0, memory)
    assert isinstance(gib, float) and abs(int(gib * 2**30) - memory) <= 1
    assert _memory_value(True, memory) is None and _memory_value(["x"], memory) is None


def test_tls_is_refused_with_the_reason(gateway_testbed, tmp_path):
    spec = _study(tmp_path / "r.db", gateway_testbed, [1])
    spec["security"] = {"tls": "auto"}
    with pytest.raises(ConfigError, match="own, issued per cluster by the gateway; remove"):
        build_study(spec)


def test_more_workers_than_the_gateway_allows(gateway_testbed, tmp_path):
    db = tmp_path / "r.db"
    # The test bed allows 4 workers per cluster (ClusterConfig.cluster_max_workers).
    with pytest.raises(BackendError, match=r"will not give cluster .* 5 workers: .*limit of 4"):
        run_study(build_study(_study(db, gateway_testbed, [5])))
    assert query(db, "select status from runs") == [("failed",)]
    assert query(db, "select requested, ok from scale_events") == [(5, 0)]
    # the cluster (its name is not recorded: no scale step succeeded) and its workers are gone
    assert active_clusters(gateway_testbed["DASK_BENCH_GATEWAY_ADDRESS"]) == []
    left = wait_gone(set(cluster_processes(RUN_DIR)), within=15)
    assert not left, [p.cmdline() for p in left]


def test_sigint_stops_the_cluster(gateway_testbed, tmp_path):
    db = tmp_path / "r.db"
    proc = start_study(tmp_path, _slow(_study(db, gateway_testbed, [1, 2])))
    try:
        _wait_for(lambda: _recorded_cluster(db), "the first scale step")
        name = _deployment(db)["cluster"]
        assert name in active_clusters(gateway_testbed["DASK_BENCH_GATEWAY_ADDRESS"])
        proc.send_signal(signal.SIGINT)
        _, err = proc.communicate(timeout=90)
    finally:
        if proc.poll() is None:
            proc.kill()
    assert proc.returncode == 130, err
    assert query(db, "select status from runs") == [("interrupted",)]
    _assert_gone(gateway_testbed, name)


def test_cleanup_stops_the_cluster_of_a_killed_study(gateway_testbed, tmp_path):
    address = gateway_testbed["DASK_BENCH_GATEWAY_ADDRESS"]
    db = tmp_path / "r.db"
    proc = start_study(tmp_path, _slow(_study(db, gateway_testbed, [1, 2])))
    try:
        _wait_for(lambda: _recorded_cluster(db), "the first scale step")
    finally:
        proc.kill()  # SIGKILL: nothing is closed
        proc.communicate(timeout=30)
    name = _deployment(db)["cluster"]
    assert name in active_clusters(address)  # the gateway keeps it running
    out = dask_bench("cleanup", "--db", str(db))
    assert out.returncode == 0, out.stderr
    assert f"gateway cluster {name}" in out.stdout
    assert query(db, "select status from runs") == [("failed",)]
    _assert_gone(gateway_testbed, name)


MISMATCH_CONFIG = """
import os
c = get_config()
load_subconfig(os.environ["TESTBED_CONFIG"])
# A gateway that offers no cluster options: every worker gets its defaults (2 GiB).
from dask_gateway_server.options import Options
c.Backend.cluster_options = Options()
"""


def test_workers_unlike_the_layout_fail_saying_what_the_server_gave(tmp_path):
    config = tmp_path / "config.py"
    config.write_text(MISMATCH_CONFIG)
    env = {
        "DASK_BENCH_GATEWAY_CONFIG": str(config),
        "DASK_BENCH_GATEWAY_DIR": str(tmp_path / "run"),
        "DASK_BENCH_GATEWAY_PORT": "18010",
        "TESTBED_CONFIG": str(TESTBED / "config.py"),
    }
    started = run_script("start", env)
    try:
        assert started.returncode == 0, started.stderr
        second = exports(started)
        assert second["DASK_BENCH_GATEWAY_ADDRESS"] == "http://127.0.0.1:18010"
        spec = _study(tmp_path / "r.db", second, [1])["deployment"]
        backend = GatewayBackend(WorkerLayout(1, 2**30), spec["options"])
        try:
            client = backend.start()
            assert backend.used_options == {}  # the server offers nothing to set
            scale_to(backend, client, 1, timeout=90)
            name = backend.cluster_name
            states = backend.job_states()
            assert states == f"gateway cluster {name} running, 1 of 1 workers connected"
            with pytest.raises(BackendError) as info:
                backend.step_details()
        finally:
            backend.close()
        message = str(info.value)
        assert "\n" not in message
        assert "gave worker" in message and "1 thread(s) and 2.00 GiB" in message
        assert "the layout asks for 1 and 1.00 GiB" in message
        assert "cluster options sent: none of worker_cores/worker_threads/worker_memory" in message
        assert "deployment.threads_per_worker/memory_per_worker" in message
        assert active_clusters(second["DASK_BENCH_GATEWAY_ADDRESS"]) == []
    finally:
        stopped = run_script("stop", env)
    assert stopped.returncode == 0, stopped.stderr
    assert not cluster_processes(tmp_path / "run")
