"""Installed distributions, the runtime closure of dask-bench, their pins, and its source.

Pure functions of the installed environment (``env``, by default this one's).
"""

from __future__ import annotations

import json
import shlex
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from importlib import metadata
from pathlib import Path
from urllib.parse import unquote, urlparse
from urllib.request import url2pathname

from packaging.markers import UndefinedComparison, UndefinedEnvironmentName
from packaging.requirements import InvalidRequirement, Requirement
from packaging.utils import NormalizedName, canonicalize_name

from dask_bench.errors import ConfigError

#: The distribution this package builds images for.
DIST = canonicalize_name("dask-bench")
#: Installers that the base image brings; ``everything`` leaves them out unless required.
TOOLING = frozenset({"pip", "setuptools", "wheel"})
#: Folder in the image where a local dask-bench source (or wheel) is copied.
SOURCE_IN_IMAGE = "/opt/dask-bench"
#: Files of a source folder that building dask-bench needs, besides ``src``.
_SOURCE_FILES = ("pyproject.toml", "README.md")
_LICENSE_GLOBS = ("LICEN[CS]E*", "COPYING*", "NOTICE*", "AUTHORS*")

Environment = Mapping[NormalizedName, metadata.Distribution]


@dataclass(frozen=True)
class Pin:
    """One distribution installed in the image: ``spec`` is what pip is given."""

    name: NormalizedName
    version: str
    spec: str


@dataclass(frozen=True)
class Source:
    """How dask-bench itself gets into the image.

    ``kind`` is ``index`` (a released version), ``url`` (a VCS or remote archive),
    ``folder`` (a local source folder, e.g. editable) or ``file`` (a local wheel or sdist).
    For the local kinds, ``context`` is the build context and ``copies`` the paths in it
    that are copied; ``spec`` is what pip installs, without its dependencies.
    """

    kind: str
    spec: str
    version: str
    context: Path | None = None
    copies: tuple[str, ...] = ()


def installed() -> dict[NormalizedName, metadata.Distribution]:
    """Every installed distribution by normalized name, the one Python imports first winning."""
    found: dict[NormalizedName, metadata.Distribution] = {}
    for dist in metadata.distributions():  # in sys.path order
        name = dist.metadata["Name"]
        if name:
            found.setdefault(canonicalize_name(name), dist)
    return found


def _dist(env: Environment, name: str) -> metadata.Distribution:
    dist = env.get(canonicalize_name(name))
    if dist is None:
        raise ConfigError(
            f"{name} is not installed as a distribution here; install it "
            "(pip install -e <dask-bench source folder>, or pip install dask-bench)"
        )
    return dist


def _check_extras(env: Environment, extras: Iterable[str]) -> list[str]:
    declared = _dist(env, DIST).metadata.get_all("Provides-Extra") or []
    known = sorted({canonicalize_name(e) for e in declared})
    chosen: list[str] = sorted({canonicalize_name(e) for e in extras})
    for extra in chosen:
        if extra not in known:
            raise ConfigError(
                f"unknown extra {extra!r} for --extra; dask-bench has {', '.join(known)}"
            )
    return chosen


def _requirements(dist: metadata.Distribution, extra: str) -> list[Requirement]:
    """The requirements of ``dist`` that apply here, for one of its extras ("" = base)."""
    out = []
    for line in dist.requires or []:
        try:
            req = Requirement(line)
            if req.marker is None or req.marker.evaluate({"extra": extra}):
                out.append(req)
        except (InvalidRequirement, UndefinedComparison, UndefinedEnvironmentName) as exc:
            raise ConfigError(
                f"cannot read requirement {line!r} of {dist.metadata['Name']} ({exc}); "
                "upgrade or reinstall that package"
            ) from None
    return out


def _missing(req: Requirement, parent: str, extra: str | None) -> ConfigError:
    extras = f"[{','.join(sorted(req.extras))}]" if req.extras else ""
    bare = f"{req.name}{extras}{req.specifier}"  # without its marker
    what = f"{req.name}, required by {parent} ({bare}),"
    if extra is None:
        return ConfigError(
            f"{what} is not installed here, so its version cannot be pinned; "
            f"install it (pip install {shlex.quote(bare)}) and run again"
        )
    return ConfigError(
        f"--extra {extra} needs {what} which is not installed here; "
        f"install it with pip install 'dask-bench[{extra}]' or drop --extra {extra}"
    )


def closure(
    extras: Iterable[str] = (), env: Environment | None = None
) -> dict[NormalizedName, metadata.Distribution]:
    """Every distribution dask-bench needs at run time, with the given extras (not itself).

    Requirements are followed recursively, with the extras each one names, and their
    markers are evaluated for this environment.

    Raises
    ------
    ConfigError
        For an unknown extra, or a requirement that is not installed here.
    """
    env = installed() if env is None else env
    chosen = _check_extras(env, extras)
    found: dict[NormalizedName, metadata.Distribution] = {}
    done: set[tuple[NormalizedName, str]] = set()
    # Base requirements first, so that a missing one is blamed on the base, not an extra.
    for origin in [None, *chosen]:
        todo: list[tuple[NormalizedName, str]] = [(DIST, origin or "")]
        while todo:
            name, extra = todo.pop(0)
            if (name, extra) in done:
                continue
            done.add((name, extra))
            dist = env[name]
            for req in _requirements(dist, extra):
                dep = canonicalize_name(req.name)
                if dep not in env:
                    raise _missing(req, dist.metadata["Name"], origin)
                if dep != DIST:
                    found[dep] = env[dep]
                todo.append((dep, ""))
                todo.extend((dep, canonicalize_name(e)) for e in sorted(req.extras))
    return dict(sorted(found.items()))


def _direct_url(dist: metadata.Distribution) -> dict[str, object] | None:
    """PEP 610 ``direct_url.json``: None when the distribution came from an index."""
    data = json.loads(dist.read_text("direct_url.json") or "null")
    return data if isinstance(data, dict) else None


def _local_path(url: str) -> Path | None:
    parsed = urlparse(url)
    return Path(url2pathname(unquote(parsed.path))) if parsed.scheme == "file" else None


def _remote_spec(name: str, direct: Mapping[str, object]) -> str | None:
    """A PEP 508 direct reference for a VCS or remote-archive install, else None."""
    url = str(direct.get("url", ""))
    vcs = direct.get("vcs_info")
    if isinstance(vcs, dict) and _local_path(url) is None:
        ref = f"{vcs.get('vcs', 'git')}+{url}@{vcs.get('commit_id', '')}"
        sub = direct.get("subdirectory")
        return f"{name} @ {ref}" + (f"#subdirectory={sub}" if sub else "")
    if url.startswith(("http://", "https://")):
        return f"{name} @ {url}"
    return None


def pin(name: NormalizedName, dist: metadata.Distribution) -> Pin:
    """How one installed distribution is installed in the image, at the same version.

    Raises
    ------
    ConfigError
        When it was installed from a local folder or file, which the image cannot reach.
    """
    direct = _direct_url(dist)
    if direct is None:
        return Pin(name, dist.version, f"{name}=={dist.version}")
    spec = _remote_spec(name, direct)
    if spec is None:
        raise ConfigError(
            f"{name} {dist.version} is installed from {direct.get('url')}, which the image "
            f"cannot reach; install a released version (pip install '{name}=={dist.version}' "
            "if it exists) or from a URL (pip install 'git+https://...')"
        )
    return Pin(name, dist.version, spec)


def pinned_requirements(
    extras: Iterable[str] = (), *, everything: bool = False, env: Environment | None = None
) -> tuple[list[Pin], list[str]]:
    """The pins of the image, sorted by name, and what ``everything`` had to leave out.

    Parameters
    ----------
    extras
        Extras of dask-bench whose requirements are pinned too.
    everything
        Pin every installed distribution instead of the closure, except pip, setuptools
        and wheel (the base image brings its own) unless the closure needs them;
        distributions installed from a local path are left out and listed.
    env
        The installed distributions (default: this environment's).

    Raises
    ------
    ConfigError
        For an unknown extra, a requirement not installed here, or one of the closure
        installed from a local path.
    """
    env = installed() if env is None else env
    needed = closure(extras, env)
    pins = {name: pin(name, dist) for name, dist in needed.items()}
    skipped = []
    if everything:
        for name, dist in env.items():
            if name in pins or name in TOOLING or name == DIST:
                continue
            try:
                pins[name] = pin(name, dist)
            except ConfigError:
                skipped.append(f"{name} {dist.version}")
    return [pins[n] for n in sorted(pins)], sorted(skipped)


def source(env: Environment | None = None) -> Source:
    """How dask-bench gets into the image: from the index, a URL, or its local source.

    Raises
    ------
    ConfigError
        When dask-bench is not installed, or its local source folder or file is gone.
    """
    dist = _dist(installed() if env is None else env, DIST)
    version = dist.version
    direct = _direct_url(dist)
    if direct is None:
        return Source("index", f"dask-bench=={version}", version)
    remote = _remote_spec("dask-bench", direct)
    if remote is not None:
        return Source("url", remote, version)
    path = _local_path(str(direct.get("url", "")))
    if path is None:
        raise ConfigError(f"cannot tell where dask-bench came from ({direct.get('url')})")
    if isinstance(direct.get("dir_info"), dict):
        if not (path / "pyproject.toml").is_file() or not (path / "src").is_dir():
            raise ConfigError(
                f"dask-bench was installed from {path}, which has no pyproject.toml and src/ "
                "any more; reinstall it from its source folder (pip install -e SOURCE)"
            )
        files = [f for f in _SOURCE_FILES if (path / f).is_file()]
        licenses = {p.name for g in _LICENSE_GLOBS for p in path.glob(g) if p.is_file()}
        copies = (*files, *sorted(licenses), "src")
        return Source("folder", SOURCE_IN_IMAGE, version, path, copies)
    if not path.is_file():
        raise ConfigError(
            f"dask-bench was installed from {path}, which is gone; reinstall dask-bench"
        )
    return Source("file", f"{SOURCE_IN_IMAGE}/{path.name}", version, path.parent, (path.name,))
