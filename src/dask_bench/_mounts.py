"""Which file system holds a path: asked by the store (its journal) and the io suite (its notes)."""

from __future__ import annotations

from pathlib import Path


def filesystem_type(path: Path, mounts: list[tuple[str, str]] | None = None) -> str:
    """The type of the file system holding ``path`` (``""`` when unknown).

    Parameters
    ----------
    path
        Any path; the deepest mount point containing it decides.
    mounts
        ``(mount point, fs type)`` pairs; default: the machine's mount table.
    """
    if mounts is None:
        import psutil

        mounts = [(m.mountpoint, m.fstype) for m in psutil.disk_partitions(all=True)]
    target = str(path.resolve())
    best, kind = "", ""
    for point, fstype in mounts:
        inside = target == point or target.startswith(point.rstrip("/") + "/")
        if inside and len(point) > len(best):
            best, kind = point, fstype
    return kind
