"""Container files for scheduler and workers whose Python and packages match the client's.

Dask needs the same Python and package versions everywhere, and workers import
``dask_bench`` to run the workloads. :func:`containerfile` pins the official Python image
of this interpreter, every distribution of the runtime closure of dask-bench (with the
chosen extras; or every installed one) at the installed version, and dask-bench itself:
from the index, or from the very source folder it was installed from. Pure functions of
the installed environment: the same environment gives the same file.

:mod:`._pins` finds the installed distributions, the closure, their pins and where
dask-bench comes from; :mod:`._containerfile` writes the file and its build command.
"""

from __future__ import annotations

from dask_bench.image._containerfile import build_command, containerfile
from dask_bench.image._pins import closure, installed, pinned_requirements, source

__all__ = [
    "build_command",
    "closure",
    "containerfile",
    "installed",
    "pinned_requirements",
    "source",
]
