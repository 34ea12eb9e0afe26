"""The study's io.directory: a folder that exists and is writable, or null."""

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


def test_a_file_is_not_a_folder(tmp_path: Path):
    file = tmp_path / "results.txt"
    file.write_text("not a folder")
    with pytest.raises(ConfigError, match=r"io\.directory.*does not exist") as err:
        build_study({"io": {"directory": str(file)}})
    assert "\n" not in str(err.value)
