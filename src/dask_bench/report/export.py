"""Export every repetition of a run to CSV, Parquet or JSON, for analysis elsewhere."""

from __future__ import annotations

import contextlib
import os
import tempfile
from collections.abc import Iterator
from pathlib import Path

from dask_bench.errors import ConfigError
from dask_bench.store import Store, measurements_frame
from dask_bench.store.schema import Run

#: Formats :func:`export_run` writes.
EXPORT_FORMATS = ("csv", "parquet", "json")
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


def export_run(store: Store, run: Run, fmt: str, path: str | os.PathLike[str]) -> Path:
    """Write every repetition of a run (warm-ups flagged) to a file.

    Parameters
    ----------
    store
        The results database.
    run
        The run to export.
    fmt
        ``csv``, ``parquet`` or ``json`` (records, ISO dates).
    path
        The output file; an existing file is replaced atomically.

    Returns
    -------
    Path
        The file written.

    Raises
    ------
    ConfigError
        For an unknown format or a missing output folder.
    """
    kind = fmt.lower().lstrip(".")
    if kind not in EXPORT_FORMATS:
        raise ConfigError(
            f"unknown export format {fmt!r}; choose one of {', '.join(EXPORT_FORMATS)}"
        )
    target = check_output(path)
    frame = measurements_frame(store, run)
    with atomic_output(target) as tmp:
        if kind == "csv":
            frame.to_csv(tmp, index=False, date_format=ISO_FORMAT)
        elif kind == "parquet":
            frame.to_parquet(tmp, index=False)
        else:
            text = frame.to_json(orient="records", date_format="iso", date_unit="us", indent=1)
            tmp.write_text(text + "\n", encoding="utf-8")
    return target
