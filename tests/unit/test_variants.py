"""Deployment variants and TLS settings: study file to the studies that run."""

from __future__ import annotations

import pytest

from dask_bench.deploy.existing import ExistingBackend
from dask_bench.deploy.layout import WorkerLayout
from dask_bench.deploy.local import LocalBackend
from dask_bench.deploy.tls import (
    certificates,
    dask_config,
    from_certificates,
    is_temporary,
    make_security,
)
from dask_bench.errors import ConfigError
from dask_bench.runner.checks import build_study

LAYOUT = WorkerLayout(threads_per_worker=1, memory_per_worker=2**30)


def study(**extra):
    base = {"deployment": {"workers": [1, 2], "options": {"processes": False}}}
    return build_study({**base, **extra})


def test_variants_share_sizes_and_layout_and_change_only_what_they_say():
    s = study(
        name="net",
        security={"tls": False},
        variants={
            "tcp": {},
            "tls": {"security": {"tls": "auto"}},
            "slow": {"deployment": {"startup_timeout": 5, "options": {"processes": True}}},
        },
    )
    tcp, tls, slow = s.variant_studies()
    assert [v.variant for v in (tcp, tls, slow)] == ["tcp", "tls", "slow"]
    assert [v.run_name for v in (tcp, tls, slow)] == ["net/tcp", "net/tls", "net/slow"]
    assert {v.deployment.workers == [1, 2] for v in (tcp, tls, slow)} == {True}
    assert tcp.security.kind == "off" and tls.security.kind == "auto"
    assert tcp.deployment.options == {"processes": False}
    assert slow.deployment.options == {"processes": True}  # replaced, not merged
    assert slow.deployment.startup_timeout == 5 and tcp.deployment.startup_timeout == 120
    assert all(not v.variants for v in (tcp, tls, slow))
    # without a study name, a run is named after its variant
    assert study(variants={"a": {}}).variant_studies()[0].run_name == "a"
    # without variants: the study itself
    plain = study()
    assert plain.variant_studies() == [plain] and plain.run_name == "local-weak"


def test_variant_selection_runs_in_the_order_named():
    s = build_study({"variants": {"a": {}, "b": {}, "c": {}}}, {"variants": ["c", "a", "c"]})
    assert list(s.variants) == ["c", "a"]  # reversed order: a check for drift
    with pytest.raises(ConfigError, match=r"unknown variant 'x' in study; it defines: a, b"):
        build_study({"variants": {"a": {}, "b": {}}}, {"variants": ["x"]})
    with pytest.raises(ConfigError, match="defines no variants; add a 'variants' section"):
        build_study({}, {"variants": ["a"]})


@pytest.mark.parametrize("key", ["workers", "threads_per_worker", "memory_per_worker"])
def test_a_variant_cannot_change_sizes_or_layout(key):
    with pytest.raises(ConfigError) as err:
        study(variants={"big": {"deployment": {key: 4}}})
    message = str(err.value)
    assert "\n" not in message
    assert f"a variant cannot set '{key}'" in message
    assert f"set 'deployment.{key}' at the top of the study" in message


def test_bad_variant_names_and_keys_are_one_line_errors():
    with pytest.raises(ConfigError, match="variant name 'a b' must be 1-64 letters"):
        study(variants={"a b": {}})
    with pytest.raises(ConfigError, match=r"unknown key 'variants.v.deployment.queue'"):
        study(variants={"v": {"deployment": {"queue": "debug"}}})


def test_tls_settings_are_checked_when_the_study_is_read(tmp_path):
    with pytest.raises(ConfigError, match=r"use tls: auto \(temporary certificates\) or"):
        study(security={"tls": True})
    missing = tmp_path / "nope.pem"
    with pytest.raises(ConfigError) as err:
        study(security={"tls": {"ca_file": str(missing), "cert": str(missing)}})
    assert f"certificate file {missing} does not exist" in str(err.value)
    assert "\n" not in str(err.value)
    pem = tmp_path / "ca.pem"
    pem.write_text("x")
    with pytest.raises(ConfigError, match=r"^study: unknown key 'security\.tls\.certificate'"):
        study(security={"tls": {"ca_file": str(pem), "cert": str(pem), "certificate": "b"}})
    with pytest.raises(ConfigError, match=r"'security\.tls': Input should be False or 'auto'"):
        study(security={"tls": "yes"})


def test_a_backend_that_cannot_do_tls_is_refused_naming_the_variant():
    with pytest.raises(ConfigError) as err:
        study(
            variants={
                "k": {"deployment": {"backend": "gateway", "options": {}}},
                "plain": {},
            },
            security={"tls": "auto"},
        )
    message = str(err.value)
    assert "variant 'k' back-end 'gateway' cannot use security.tls" in message
    assert message.endswith("remove security.tls from variant 'k'")


def test_mpi_cannot_share_an_mpi_job_with_other_variants():
    with pytest.raises(ConfigError, match=r"run it alone: mpirun .* --variant m"):
        study(variants={"m": {"deployment": {"backend": "mpi", "options": {}}}, "l": {}})


def _pem_files(tmp_path):
    """The temporary certificates of a Security written out as PEM files."""
    sec = make_security(study(security={"tls": "auto"}).security)
    assert sec is not None
    values = certificates(sec)
    ca, cert, key = tmp_path / "ca.pem", tmp_path / "cert.pem", tmp_path / "key.pem"
    ca.write_text(values["tls_ca_file"])
    cert.write_text(values["tls_worker_cert"])
    key.write_text(values["tls_worker_key"])
    return ca, cert, key


def test_security_from_auto_and_from_files(tmp_path):
    assert make_security(study().security) is None
    auto = make_security(study(security={"tls": "auto"}).security)
    assert auto is not None and auto.require_encryption and is_temporary(auto)
    ca, cert, key = _pem_files(tmp_path)
    files = make_security(
        study(security={"tls": {"ca_file": str(ca), "cert": str(cert), "key": str(key)}}).security
    )
    assert files is not None and not is_temporary(files) and files.require_encryption
    assert files.tls_ca_file == str(ca)
    assert {files.tls_scheduler_cert, files.tls_worker_cert, files.tls_client_cert} == {str(cert)}
    # what MPI ranks receive rebuilds the same settings, and maps onto Dask's config keys
    assert certificates(from_certificates(certificates(auto))) == certificates(auto)
    config = dask_config(files)
    assert config["distributed.comm.tls.ca-file"] == str(ca)
    assert config["distributed.comm.tls.worker.key"] == str(key)
    assert config["distributed.comm.tls.scheduler.cert"] == str(cert)
    assert config["distributed.comm.require-encryption"] is True
    assert len(config) == 8


def test_existing_cluster_needs_its_own_certificates_and_local_refuses_security_option():
    auto = make_security(study(security={"tls": "auto"}).security)
    with pytest.raises(ConfigError, match="the running cluster does not trust; give its ca_file"):
        ExistingBackend(LAYOUT, {"address": "tls://127.0.0.1:1"}, security=auto)
    expected = r"'deployment\.options\.security' is set by the study; use 'security\.tls'"
    with pytest.raises(ConfigError, match=expected):
        LocalBackend(LAYOUT, {"security": True})
