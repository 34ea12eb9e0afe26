"""The back-end registry: classes registered by name with :func:`register_backend`.

A back-end is one module with one decorated class: its name and description are
written once, on the class. The modules of :mod:`dask_bench.deploy` are imported
(and so registered) the first time a back-end is looked up; they import their
optional dependencies only when used, so that a back-end whose extra is missing
is still listed, and looking it up says what to install.
"""

from __future__ import annotations

import importlib
import importlib.util
import pkgutil
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, TypeVar

from dask_bench.deploy.base import Launcher
from dask_bench.errors import BackendError, ConfigError

if TYPE_CHECKING:
    from dask_bench.deploy.base import Backend

B = TypeVar("B", bound="type[Backend]")


@dataclass(frozen=True)
class BackendEntry:
    """A registered back-end: its class, what it is and what it needs."""

    name: str
    cls: type[Backend]
    description: str
    extra: str | None = None  # pip extra that installs its dependencies
    requires: tuple[str, ...] = ()  # modules of that extra

    @property
    def launcher(self) -> Launcher:
        """How the back-end starts its workers."""
        return self.cls.launcher

    def missing(self) -> str | None:
        """The first required module that is not installed, or None."""
        return next((m for m in self.requires if importlib.util.find_spec(m) is None), None)

    def installed(self) -> bool:
        """Whether its dependencies are installed."""
        return self.missing() is None

    def load(self) -> type[Backend]:
        """The back-end class, once its dependencies are known to be installed.

        Raises
        ------
        BackendError
            Naming the missing package and the pip extra that installs it.
        """
        missing = self.missing()
        if missing is not None:
            hint = (
                f"pip install 'dask-bench[{self.extra}]'" if self.extra else "reinstall dask-bench"
            )
            raise BackendError(f"back-end {self.name!r} needs {missing}; install it with: {hint}")
        return self.cls


_REGISTRY: dict[str, BackendEntry] = {}
_found = False


def register_backend(
    name: str, description: str, *, extra: str | None = None, requires: tuple[str, ...] = ()
) -> Callable[[B], B]:
    """Class decorator: make a back-end available as ``deployment.backend: NAME``.

    Parameters
    ----------
    name
        The name studies use; set as the class's ``name``.
    description
        One line for ``dask-bench list backends``.
    extra
        The pip extra of dask-bench that installs its dependencies, if any.
    requires
        The modules of that extra, checked when the back-end is looked up.

    Raises
    ------
    TypeError
        When the class does not set its ``launcher``.
    ValueError
        When another class is registered under ``name`` already.
    """

    def register(cls: B) -> B:
        if not isinstance(getattr(cls, "launcher", None), Launcher):
            raise TypeError(f"{_qualified(cls)} must say how its workers start: set launcher")
        known = _REGISTRY.get(name)
        if known is not None and _qualified(known.cls) != _qualified(cls):
            raise ValueError(f"back-end {name!r} is registered already, by {_qualified(known.cls)}")
        cls.name = name
        _REGISTRY[name] = BackendEntry(name, cls, description, extra, requires)
        return cls

    return register


def unregister_backend(name: str) -> None:
    """Forget back-end ``name`` (a no-op when it is not registered)."""
    _REGISTRY.pop(name, None)


def backends() -> list[BackendEntry]:
    """Every registered back-end, by name."""
    _find()
    return sorted(_REGISTRY.values(), key=lambda e: e.name)


def get_backend(name: str) -> type[Backend]:
    """Return the back-end class called ``name``.

    Raises
    ------
    ConfigError
        When no back-end has that name.
    BackendError
        When its optional dependencies are not installed.
    """
    _find()
    entry = _REGISTRY.get(name)
    if entry is None:
        known = ", ".join(sorted(_REGISTRY))
        raise ConfigError(
            f"unknown back-end {name!r}; known: {known} (see 'dask-bench list backends')"
        )
    return entry.load()


def _find() -> None:
    """Import every public module of :mod:`dask_bench.deploy` once: their classes register."""
    global _found
    if _found:
        return
    package = __name__.rpartition(".")[0]  # this module's own package
    for module in pkgutil.walk_packages([str(Path(__file__).parent)], f"{package}."):
        if not any(part.startswith("_") for part in module.name.split(".")):
            importlib.import_module(module.name)
    _found = True


def _qualified(cls: type) -> str:
    return f"{cls.__module__}.{cls.__qualname__}"
