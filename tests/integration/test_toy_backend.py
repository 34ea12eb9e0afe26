"""A new back-end is one module whose class registers itself: nothing else changes.

The toy back-end below is written to a file outside the package, imported, and a study
naming it is checked, planned and run through the public entry points.
"""

from __future__ import annotations

import importlib
import sys

import pytest

from dask_bench.deploy import Launcher, backends, get_backend, make_backend, unregister_backend
from dask_bench.errors import ConfigError
from dask_bench.runner import run_study
from dask_bench.runner.checks import build_study
from dask_bench.runner.preview import preview_study

from .helpers import query, tiny_study

TOY = '''
"""A toy back-end: a LocalCluster whose workers are threads of this process."""

from distributed import Client, LocalCluster

from dask_bench.deploy import Backend, Launcher, register_backend


@register_backend("toy", "a LocalCluster of threads, for the registry's test")
class ToyBackend(Backend):
    launcher = Launcher.LOCAL_PROCESS
    owned_options = {"n_workers": "the study; use 'deployment.workers' instead"}

    def start(self):
        self.cluster = LocalCluster(
            n_workers=0,
            processes=False,
            threads_per_worker=self.layout.threads_per_worker,
            memory_limit=self.layout.memory_per_worker,
            dashboard_address="127.0.0.1:0",
        )
        self.client = Client(self.cluster)
        return self.client

    def request(self, workers):
        self.cluster.scale(workers)

    def close(self):
        for part in (getattr(self, "client", None), getattr(self, "cluster", None)):
            if part is not None:
                part.close()
        self.client = self.cluster = None
'''


@pytest.fixture
def toy(tmp_path, monkeypatch):
    """The toy back-end's module, imported from a file of its own; unregistered after."""
    (tmp_path / "toy_backend.py").write_text(TOY)
    monkeypatch.syspath_prepend(str(tmp_path))
    try:
        yield importlib.import_module("toy_backend")
    finally:
        unregister_backend("toy")
        sys.modules.pop("toy_backend", None)


def _spec(tmp_path, **options):
    spec = tiny_study(tmp_path / "r.db")
    spec["deployment"] = {"backend": "toy", "workers": [1], "memory_per_worker": "1GiB"}
    if options:
        spec["deployment"]["options"] = options
    spec["suites"] = {"tasks": {"workloads": ["map-tiny"], "chunk_size": 10}}
    spec["measurement"] = {"min_repeats": 3, "max_repeats": 3, "hardware_baseline": False}
    return spec


def test_unknown_before_its_module_is_imported(tmp_path):
    with pytest.raises(ConfigError, match="unknown back-end 'toy'"):
        build_study(_spec(tmp_path))


def test_a_toy_backend_is_one_module_and_its_registration(toy, tmp_path):
    assert get_backend("toy") is toy.ToyBackend and toy.ToyBackend.name == "toy"
    (entry,) = [b for b in backends() if b.name == "toy"]
    assert entry.launcher is Launcher.LOCAL_PROCESS and entry.installed()

    study = build_study(_spec(tmp_path))
    assert preview_study(study).backend == "toy"  # plan sees it
    with pytest.raises(ConfigError, match=r"'deployment\.options\.n_workers' is set by the study"):
        make_backend(build_study(_spec(tmp_path, n_workers=2)))

    result = run_study(study)
    assert result.status == "complete" and result.failed_points == 0
    assert query(tmp_path / "r.db", "select backend, status from runs") == [("toy", "complete")]
    assert query(tmp_path / "r.db", "select workload, workers, status from points") == [
        ("map-tiny", 1, "ok")
    ]


def test_unregistered_it_is_unknown_again(toy, tmp_path):
    unregister_backend("toy")
    with pytest.raises(ConfigError, match="unknown back-end 'toy'"):
        build_study(_spec(tmp_path))
