"""What ``show`` printed and ``export`` wrote, kept for the next identical request.

Reading a run the full way imports pandas and SQLAlchemy, a second or more on a small
machine, for tables that change only when the data does. Each output is therefore kept
in a cache folder under a key made of

- the digest of every stored row of the runs it shows (:mod:`dask_bench.store.fingerprint`),
  so any change to the data, in any table, makes a new key;
- what else shapes the output: the command and its options, and for ``show`` the
  terminal's width, colours and encoding;
- the code that makes it: the size and time of every file of dask-bench, and of the
  libraries that compute or draw it, so an upgrade never serves an old output.

``dask-bench run`` fills it with what it prints at the end, so the ``show`` that
follows reads it. The folder is ``$DASK_BENCH_CACHE_DIR``, else
``$XDG_CACHE_HOME/dask-bench``, else ``~/.cache/dask-bench``; it keeps the :data:`KEEP`
outputs used last, none over :data:`MAX_BYTES`. ``DASK_BENCH_CACHE=off`` turns it off. A
cache that cannot be read or written is skipped: the output is then made the full way,
never refused.
Nothing in it is a secret the database does not already hold in the same form.
"""

from __future__ import annotations

import contextlib
import hashlib
import importlib.util
import json
import os
import sys
import tempfile
from collections.abc import Iterable
from pathlib import Path

#: Outputs kept; older ones are removed when a new one is written.
KEEP = 64
#: An output larger than this (a very large export) is not kept.
MAX_BYTES = 32 * 2**20
#: Libraries whose version changes what is computed or drawn.
_LIBRARIES = ("rich", "pandas", "numpy", "scipy", "sqlalchemy")
_code_stamp: str | None = None


def enabled() -> bool:
    """False when ``DASK_BENCH_CACHE`` is ``off`` (or ``0``, ``no``, ``false``)."""
    return os.environ.get("DASK_BENCH_CACHE", "").strip().lower() not in ("off", "0", "no", "false")


def cache_dir() -> Path:
    """The folder outputs are kept in (see the module)."""
    given = os.environ.get("DASK_BENCH_CACHE_DIR")
    if given:
        return Path(given)
    base = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(base) / "dask-bench"


def code_stamp() -> str:
    """A digest of the size and time of every file of dask-bench and of :data:`_LIBRARIES`."""
    global _code_stamp
    if _code_stamp is None:
        h = hashlib.sha256(sys.version.encode())
        roots = [Path(__file__).resolve().parents[1]]  # the dask_bench package
        for name in _LIBRARIES:
            spec = importlib.util.find_spec(name)  # finds, does not import
            if spec is not None and spec.origin:
                roots.append(Path(spec.origin))
        for root in roots:
            for path in sorted(_sources(root)):
                st = path.stat()
                h.update(f"{path}\x00{st.st_size}\x00{st.st_mtime_ns}\n".encode())
        _code_stamp = h.hexdigest()
    return _code_stamp


def _sources(root: Path) -> Iterable[Path]:
    """dask-bench's own Python files; a library's ``__init__`` (its version moves it)."""
    if root.is_file():
        return [root]
    return root.rglob("*.py")


def key(kind: str, digest: str, *parts: object) -> str:
    """The key of one output: its kind, the data's digest, what else shapes it, the code."""
    text = json.dumps([kind, digest, [str(p) for p in parts], code_stamp()])
    return hashlib.sha256(text.encode()).hexdigest()


def load(name: str) -> bytes | None:
    """The output kept under ``name``, or None."""
    if not enabled():
        return None
    path = cache_dir() / name
    try:
        data = path.read_bytes()
    except OSError:
        return None
    with contextlib.suppress(OSError):
        os.utime(path)  # used now: pruning keeps the newest
    return data


def save(name: str, data: bytes) -> None:
    """Keep ``data`` under ``name`` (written whole or not at all), and prune old outputs."""
    if not enabled() or len(data) > MAX_BYTES:
        return
    folder = cache_dir()
    try:
        folder.mkdir(parents=True, exist_ok=True, mode=0o700)
        fd, tmp = tempfile.mkstemp(dir=folder, prefix=".tmp-")
        with os.fdopen(fd, "wb") as f:
            f.write(data)
        os.replace(tmp, folder / name)
        _prune(folder)
    except OSError:
        return  # a read-only or full cache costs speed, not the output


def _prune(folder: Path) -> None:
    """Remove all but the :data:`KEEP` newest outputs."""
    entries = sorted(
        (p for p in folder.iterdir() if len(p.name) == 64), key=lambda p: p.stat().st_mtime_ns
    )
    for old in entries[:-KEEP]:
        old.unlink(missing_ok=True)
