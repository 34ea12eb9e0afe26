"""The container file itself: base image, header, version check step, build command."""

from __future__ import annotations

import json
import platform
import shlex
from collections.abc import Iterable, Sequence

from packaging.utils import canonicalize_name

from dask_bench.errors import ConfigError
from dask_bench.image._pins import (
    DIST,
    SOURCE_IN_IMAGE,
    Environment,
    Pin,
    Source,
    _check_extras,
    installed,
    pinned_requirements,
    source,
)
from dask_bench.runner.provenance import PACKAGES

#: Non-root user of the image; numeric so Kubernetes' runAsNonRoot can verify it.
UID = 1000

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
