"""Container files for scheduler and workers whose Python and packages match the client's.

Dask needs the same Python and package versions everywhere, and workers import
``dask_bench`` to run the workloads. :func:`containerfile` pins the official Python image
of this interpreter, every distribution of the runtime closure of dask-bench (with the
chosen extras; or every installed one) at the installed version, and dask-bench itself:
from the index, or from the very source folder it was installed from. Pure functions of
the installed environment: the same environment gives the same file.
"""

from __future__ import annotations

import json
import platform
import shlex
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from importlib import metadata
from pathlib import Path
from urllib.parse import unquote, urlparse
from urllib.request import url2pathname

from packaging.markers import UndefinedComparison, UndefinedEnvironmentName
from packaging.requirements import InvalidRequirement, Requirement
from packaging.utils import NormalizedName, canonicalize_name

from dask_bench.errors import ConfigError
from dask_bench.runner.provenance import PACKAGES

#: The distribution this module builds images for.
DIST = canonicalize_name("dask-bench")
#: Installers that the base image brings; ``everything`` leaves them out unless required.
TOOLING = frozenset({"pip", "setuptools", "wheel"})
#: Folder in the image where a local dask-bench source (or wheel) is copied.
SOURCE_IN_IMAGE = "/opt/dask-bench"
#: Files of a source folder that building dask-bench needs, besides ``src``.
_SOURCE_FILES = ("pyproject.toml", "README.md")
_LICENSE_GLOBS = ("LICEN[CS]E*", "COPYING*", "NOTICE*", "AUTHORS*")
#: Non-root user of the image; numeric so Kubernetes' runAsNonRoot can verify it.
UID = 1000

Environment = Mapping[NormalizedName, metadata.Distribution]

#: Fixed steps around the version check: command shims before, the non-root user after.
_RUNTIME = (
    [
        "# The dask-kubernetes operator runs dask-scheduler and dask-worker (as arguments: no",
        "# ENTRYPOINT here); newer distributed only has `dask scheduler` and `dask worker`.",
        "RUN for c in scheduler worker; do \\",
        "      command -v dask-$c >/dev/null || \\",
        "      { printf '#!/bin/sh\\nexec dask %s \"$@\"\\n' $c > /usr/local/bin/dask-$c && \\",
        "        chmod 755 /usr/local/bin/dask-$c; }; \\",
        "    done",
        "",
        "# Fail the build if anything differs from the client.",
    ],
    [
        "# Not root; dask worker writes its local directory under the home folder or /tmp.",
        f"RUN groupadd --gid {UID} dask && useradd --create-home --uid {UID} --gid {UID} dask",
        f"USER {UID}:{UID}",
        "WORKDIR /home/dask",
    ],
)


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


def python_version() -> str:
    """The running interpreter's version, as the official images tag it (e.g. ``3.11.7``)."""
    return platform.python_version()


def default_base() -> str:
    """The official Python image of exactly the running interpreter.

    Raises
    ------
    ConfigError
        When the interpreter is not CPython (no official image to match it).
    """
    if platform.python_implementation() != "CPython":
        raise ConfigError(
            f"the client runs {platform.python_implementation()}, which has no official "
            "image of the same version; give a base image with --base IMAGE"
        )
    # Fully qualified, so that podman needs no short-name resolution.
    return f"docker.io/library/python:{python_version()}-slim-bookworm"


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


def build_command(filename: str, src: Source, engine: str = "podman") -> str:
    """The command that builds the image from ``filename`` (``engine``: podman or docker)."""
    context = "." if src.context is None else str(src.context)  # "." when nothing is copied
    q = shlex.quote
    return f"{engine} build -f {q(filename)} -t dask-bench:{q(src.version)} {q(context)}"


def _continued(first: str, items: Sequence[str]) -> list[str]:
    """One instruction split over lines, one item a line, with backslash continuations."""
    lines = [f"{first} \\"] + [f"    {item} \\" for item in items]
    lines[-1] = lines[-1].removesuffix(" \\")
    return lines


def _check_step(src: Source, pins: Sequence[Pin]) -> list[str]:
    """A step that fails the build unless Python and the compared packages match the client."""
    have = {p.name: p.version for p in pins} | {DIST: src.version}
    want = {"python": python_version()}
    # The packages that dask-bench's version check compares, when they are installed.
    want |= {n: have[n] for n in map(canonicalize_name, PACKAGES) if n in have}
    body = [
        '"import platform, importlib.metadata as m, dask_bench, distributed;',
        f"want = {want!r};",
        "have = {k: platform.python_version() if k == 'python' else m.version(k) for k in want};",
        "bad = {k: (want[k], have[k]) for k in want if have[k] != want[k]};",
        "assert not bad, f'versions differ from the client (client, image): {bad}'\"",
        "&& pip check && dask-scheduler --version && dask-worker --version",
    ]
    return _continued("RUN python -c", body)


def _header(src: Source, n: int, extras: str, everything: bool, written_by: str) -> list[str]:
    what = "every installed one but pip, setuptools, wheel" if everything else "the runtime"
    what += "" if everything else " closure of dask-bench"
    out = [
        f"# Scheduler and workers for dask-bench {src.version}, matching the client that wrote",
        f"# this file: Python {python_version()} and {n} distributions at the client's versions,",
        f"# {what} (extras: {extras or 'none'}).",
        "# Dask needs the same versions on client, scheduler and workers.",
        f"# Written by: {written_by}",
        "#",
    ]
    if src.context is None:
        out.append("# Build it (nothing is copied in, so any folder will do as build context):")
    else:
        out.append(f"# Build it; the build context must be {src.context}, where dask-bench")
        out.append("# was installed from, since its files are copied into the image:")
    return out


def containerfile(
    extras: Iterable[str] = (),
    *,
    everything: bool = False,
    base: str | None = None,
    filename: str = "Containerfile",
    env: Environment | None = None,
) -> str:
    """The text of a container file for scheduler and workers matching this client.

    Parameters
    ----------
    extras
        Extras of dask-bench whose requirements are pinned too (e.g. ``kubernetes``).
    everything
        Pin every installed distribution, as :func:`pinned_requirements`.
    base
        Base image; default :func:`default_base`. Its Python must be the client's.
    filename
        Name the file is saved under, shown in the build command of its header.
    env
        The installed distributions (default: this environment's).

    Returns
    -------
    str
        The file, identical for the same environment and arguments (no timestamps).

    Raises
    ------
    ConfigError
        As :func:`pinned_requirements` and :func:`source`, or for an empty ``base``.
    """
    env = installed() if env is None else env
    chosen = _check_extras(env, extras)
    if base is not None and (not base.strip() or any(c.isspace() for c in base)):
        raise ConfigError(f"--base {base!r} is not an image name; give e.g. {default_base()}")
    image = base or default_base()
    pins, skipped = pinned_requirements(chosen, everything=everything, env=env)
    src, py, q = source(env), python_version(), shlex.quote
    by_name: dict[str, str] = {p.name: p.version for p in pins}
    written_by = " ".join(
        ["dask-bench image", *(f"--extra {e}" for e in chosen)]
        + ["--all"] * everything
        + ([f"--base {q(base)}"] if base else [])
        + [f"-o {q(filename)}"]
    )
    out = _header(src, len(pins), ", ".join(chosen), everything, written_by)
    out += [f"#   {build_command(filename, src, e)}" for e in ("podman", "docker")]
    if skipped:
        out.append(f"# Installed from a local path, so not in the image: {', '.join(skipped)}")
    out += ["", f"# The interpreter must be the client's exactly: Python {py}."]
    out += [f"FROM {image}", ""]
    labels = {
        "org.opencontainers.image.title": "dask-bench",
        "org.opencontainers.image.description": f"Dask for dask-bench {src.version}, Python {py}",
        "org.opencontainers.image.version": src.version,
        "org.opencontainers.image.base.name": image,
        "dask-bench.python": py,
        "dask-bench.dask": by_name.get("dask", ""),
        "dask-bench.distributed": by_name.get("distributed", ""),
        "dask-bench.extras": ",".join(chosen),
        "dask-bench.pins": "all" if everything else "closure",
    }
    # JSON strings are Dockerfile strings here: plain text, only quotes and backslashes escaped.
    out += _continued("LABEL", [f"{k}={json.dumps(v)}" for k, v in labels.items()])
    out += ["ENV PYTHONUNBUFFERED=1 PIP_DISABLE_PIP_VERSION_CHECK=1 PIP_ROOT_USER_ACTION=ignore"]
    pip = env.get(canonicalize_name("pip"))
    if pip is not None:
        out += ["", "# The installer the client has (the base image's may be older)."]
        out += [f"RUN python -m pip install --no-cache-dir pip=={pip.version}"]
    out += ["", "# Every requirement at the client's version (pip checks they fit together)."]
    out += _continued("RUN pip install --no-cache-dir", [q(p.spec) for p in pins])
    out.append("")
    if src.context is not None:
        out.append(f"# dask-bench exactly as the client has it: its {src.kind} at {src.context}.")
        out.append(f"COPY {' '.join(c for c in src.copies if c != 'src')} {SOURCE_IN_IMAGE}/")
        out += [f"COPY src {SOURCE_IN_IMAGE}/src/"] if "src" in src.copies else []
    else:
        out.append(f"# dask-bench {src.version}, the client's version.")
    out += [f"RUN pip install --no-cache-dir --no-deps {q(src.spec)}", "", *_RUNTIME[0]]
    out += [*_check_step(src, pins), "", *_RUNTIME[1], ""]
    return "\n".join(out)
