"""How the report writes a file: its folder checked first, the file replaced atomically.

Shared by the exports, the figure files, the comparison page and the CLI's own files.
"""

from __future__ import annotations

import contextlib
import os
import tempfile
from collections.abc import Iterator
from pathlib import Path

from dask_bench.errors import ConfigError

#: How dates are written in CSV, matching the ISO dates of the JSON export.
ISO_FORMAT = "%Y-%m-%dT%H:%M:%S.%f"


def check_output(path: str | os.PathLike[str]) -> Path:
    """Check that an output file can be placed at ``path``.

    Raises
    ------
    ConfigError
        When the parent folder is missing or not a folder, or ``path`` is a folder.
    """
    target = Path(path).expanduser()
    parent = target.parent
    if not parent.exists():
        raise ConfigError(
            f"folder {parent} does not exist; create it or choose another output path"
        )
    if not parent.is_dir():
        raise ConfigError(f"{parent} is not a folder; choose another output path")
    if target.is_dir():
        raise ConfigError(f"{target} is a folder; give a file name such as {target}/run.csv")
    return target


@contextlib.contextmanager
def atomic_output(path: str | os.PathLike[str]) -> Iterator[Path]:
    """Yield a temporary path next to ``path``, moved onto ``path`` only on success.

    The temporary file lives in the same folder so that :func:`os.replace` is an
    atomic rename: readers see the old file or the complete new one, never a
    partial one, and a failure leaves no temporary file behind.

    Raises
    ------
    ConfigError
        As :func:`check_output`.
    """
    target = check_output(path)
    fd, tmp_name = tempfile.mkstemp(dir=target.parent, prefix=f".{target.name}.", suffix=".tmp")
    os.close(fd)
    tmp = Path(tmp_name)
    try:
        yield tmp
        # mkstemp creates the file 0600; an export should be readable like any written file.
        tmp.chmod(0o644)
        os.replace(tmp, target)
    finally:
        tmp.unlink(missing_ok=True)
