"""The study's io.directory: a folder that exists and is writable, or null."""

import os
from pathlib import Path

import pytest

from dask_bench.errors import ConfigError
from dask_bench.study import build_study


def test_default_is_the_temporary_folder():
    assert build_study({}).io.directory is None


def test_an_existing_folder_is_kept_absolute(tmp_path: Path):
    assert build_study({"io": {"directory": str(tmp_path)}}).io.directory == str(tmp_path)


def test_a_missing_folder_is_one_line(tmp_path: Path):
    with pytest.raises(ConfigError, match=r"io\.directory.*does not exist") as err:
        build_study({"io": {"directory": str(tmp_path / "nope")}})
    assert "\n" not in str(err.value)


@pytest.mark.skipif(os.geteuid() == 0, reason="root writes everywhere")
def test_a_read_only_folder_is_refused(tmp_path: Path):
    tmp_path.chmod(0o500)
    try:
        with pytest.raises(ConfigError, match="not writable"):
            build_study({"io": {"directory": str(tmp_path)}})
    finally:
        tmp_path.chmod(0o700)
