"""``dask-bench image``: a container file pinning this client's Python and packages.

No container engine runs here, so the file is checked by parsing it (dockerfile-parse),
by shell-checking its RUN steps, and by running its version check with this interpreter.
"""

from __future__ import annotations

import io
import json
import platform
import re
import shlex
import shutil
import subprocess
import sys
from importlib import metadata
from pathlib import Path

import pytest
from click.testing import CliRunner
from dockerfile_parse import DockerfileParser
from packaging.requirements import Requirement
from packaging.utils import canonicalize_name

from dask_bench.cli import cli
from dask_bench.errors import ConfigError
from dask_bench.image import closure, containerfile, installed, pinned_requirements, source

ROOT = Path(__file__).parents[2]
DASK_BENCH = Path(sys.executable).parent / "dask-bench"
#: Instructions of the Dockerfile reference (plus the parser's COMMENT).
KNOWN = {
    "ADD", "ARG", "CMD", "COMMENT", "COPY", "ENTRYPOINT", "ENV", "EXPOSE", "FROM",
    "HEALTHCHECK", "LABEL", "MAINTAINER", "ONBUILD", "RUN", "SHELL", "STOPSIGNAL", "USER",
    "VOLUME", "WORKDIR",
}  # fmt: skip


def parse(text: str) -> DockerfileParser:
    return DockerfileParser(fileobj=io.BytesIO(text.encode()))


def steps(text: str, instruction: str) -> list[str]:
    return [s["value"] for s in parse(text).structure if s["instruction"] == instruction]


def pins(text: str) -> dict[str, str]:
    """name -> version of the `pip install --no-cache-dir` step of the requirements."""
    (step,) = [v for v in steps(text, "RUN") if v.startswith("pip install --no-cache-dir  ")]
    out = {}
    for arg in shlex.split(step)[3:]:
        name, version = arg.split("==")
        out[name] = version
    return out


def fake_dask_bench(tmp_path: Path, direct_url: dict | None = None, requires=()) -> dict:
    """This environment, with dask-bench's metadata copied to a dist-info of our own."""
    real = metadata.distribution("dask-bench")
    info = tmp_path / f"dask_bench-{real.version}.dist-info"
    info.mkdir()
    text = real.read_text("METADATA") or ""
    head, _, body = text.partition("\n\n")
    extra = "".join(f"\n{line}" for line in requires)
    (info / "METADATA").write_text(head + extra + "\n\n" + body)
    if direct_url is not None:
        (info / "direct_url.json").write_text(json.dumps(direct_url))
    env = installed()
    env[canonicalize_name("dask-bench")] = metadata.PathDistribution(info)
    return env


@pytest.fixture(scope="module")
def jobqueue_file() -> str:
    return containerfile(["jobqueue"])


def test_a_valid_container_file_from_the_exact_python(jobqueue_file):
    parsed = parse(jobqueue_file)
    kinds = [s["instruction"] for s in parsed.structure]
    assert set(kinds) <= KNOWN
    assert next(k for k in kinds if k != "COMMENT") == "FROM"
    assert kinds.count("FROM") == 1 and "ENTRYPOINT" not in kinds
    tag = re.fullmatch(r"(?:docker\.io/library/)?python:(\S+)-slim-bookworm", parsed.baseimage)
    assert tag and tag[1] == platform.python_version()
    assert f"must be the client's exactly: Python {platform.python_version()}" in jobqueue_file
    # Every RUN is valid shell, and the image does not run as root.
    for run in steps(jobqueue_file, "RUN"):
        assert subprocess.run(["sh", "-n", "-c", run]).returncode == 0, run
    assert steps(jobqueue_file, "USER") == ["1000:1000"]
    assert steps(jobqueue_file, "WORKDIR") == ["/home/dask"]


def test_every_pin_is_the_installed_version(jobqueue_file):
    pinned = pins(jobqueue_file)
    assert pinned == {name: metadata.version(name) for name in pinned}
    assert list(pinned) == sorted(pinned)
    for name in ("dask", "distributed", "numpy", "pandas"):
        assert pinned[name] == metadata.version(name)
    # What the version check compares comes out of the closure too.
    assert {"pyarrow", "cloudpickle", "msgpack", "toolz", "tornado"} <= set(pinned)
    labels = parse(jobqueue_file).labels
    assert labels["dask-bench.python"] == platform.python_version()
    assert labels["dask-bench.dask"] == metadata.version("dask")
    assert labels["dask-bench.distributed"] == metadata.version("distributed")
    assert labels["org.opencontainers.image.version"] == metadata.version("dask-bench")


def test_the_closure_is_closed_and_follows_markers():
    pinned = {canonicalize_name(n) for n in closure(["jobqueue"])}
    owners = [(metadata.distribution("dask-bench"), ["", "jobqueue"])]
    owners += [(metadata.distribution(n), [""]) for n in pinned]
    for dist, extras in owners:
        for line in dist.requires or []:
            req = Requirement(line)
            if req.marker is None or any(req.marker.evaluate({"extra": e}) for e in extras):
                assert canonicalize_name(req.name) in pinned | {"dask-bench"}, (dist, line)
    assert {"numpy", "pandas", "pyarrow"} <= pinned
    # A marker false here keeps a package out: click needs colorama on Windows only.
    if platform.system() != "Windows":
        assert "colorama" not in pinned


def test_the_extras_of_a_requirement_are_followed(tmp_path):
    # dask[diagnostics] brings bokeh, which nothing else in the base closure needs.
    env = fake_dask_bench(
        tmp_path,
        requires=["Provides-Extra: viz", "Requires-Dist: dask[diagnostics]; extra == 'viz'"],
    )
    assert "bokeh" not in closure(env=env)
    assert closure(["viz"], env=env)["bokeh"].version == metadata.version("bokeh")


def test_extras_add_their_packages():
    base = pins(containerfile())
    assert "dask-jobqueue" not in base and "dask-kubernetes" not in base
    assert pins(containerfile(["jobqueue"]))["dask-jobqueue"] == metadata.version("dask-jobqueue")
    kube = pins(containerfile(["kubernetes"]))
    assert {"dask-kubernetes", "kr8s", "jsonschema"} <= set(kube)
    assert set(base) < set(kube)


def test_editable_install_copies_this_source(jobqueue_file):
    src = source()
    assert src.kind == "folder" and src.context == ROOT
    copies = steps(jobqueue_file, "COPY")
    assert copies == ["pyproject.toml README.md /opt/dask-bench/", "src /opt/dask-bench/src/"]
    for item in ("pyproject.toml", "README.md", "src/dask_bench/image/__init__.py"):
        assert (ROOT / item).exists()
    assert "pip install --no-cache-dir --no-deps /opt/dask-bench" in steps(jobqueue_file, "RUN")
    assert f"podman build -f Containerfile -t dask-bench:{src.version} {ROOT}" in jobqueue_file
    assert "dask-bench==" not in jobqueue_file


def test_index_install_pins_dask_bench(tmp_path):
    env = fake_dask_bench(tmp_path)
    text = containerfile(["jobqueue"], env=env)
    version = metadata.version("dask-bench")
    assert source(env).kind == "index" and "COPY" not in text
    assert f"pip install --no-cache-dir --no-deps dask-bench=={version}" in steps(text, "RUN")
    assert f"-t dask-bench:{version} ." in text
    assert pins(text) == pins(containerfile(["jobqueue"]))


def test_vcs_and_wheel_installs(tmp_path):
    repo = "https://example.org/dask-bench.git"
    vcs = {"url": repo, "vcs_info": {"vcs": "git", "commit_id": "abc123"}}
    (tmp_path / "a").mkdir()
    text = containerfile(env=fake_dask_bench(tmp_path / "a", vcs))
    assert f"pip install --no-cache-dir --no-deps 'dask-bench @ git+{repo}@abc123'" in text
    wheel = tmp_path / "dist" / "dask_bench-0.1.0-py3-none-any.whl"
    wheel.parent.mkdir()
    wheel.write_bytes(b"")
    (tmp_path / "b").mkdir()
    env = fake_dask_bench(tmp_path / "b", {"url": wheel.as_uri(), "archive_info": {}})
    text = containerfile(env=env)
    assert steps(text, "COPY") == [f"{wheel.name} /opt/dask-bench/"]
    assert f"pip install --no-cache-dir --no-deps /opt/dask-bench/{wheel.name}" in text
    assert f" {wheel.parent}\n" in text  # the build context
    wheel.unlink()
    with pytest.raises(ConfigError, match="which is gone"):
        containerfile(env=env)


def local_dist(tmp_path: Path, name: str, version: str) -> metadata.Distribution:
    """An installed-looking distribution that came from a local folder (PEP 610)."""
    info = tmp_path / f"{name}-{version}.dist-info"
    info.mkdir()
    (info / "METADATA").write_text(f"Metadata-Version: 2.1\nName: {name}\nVersion: {version}\n")
    direct = {"url": f"file:///src/{name}", "dir_info": {}}
    (info / "direct_url.json").write_text(json.dumps(direct))
    return metadata.PathDistribution(info)


def test_a_dependency_from_a_local_folder(tmp_path):
    env = {**installed(), "toolz": local_dist(tmp_path, "toolz", "9.9.9")}
    with pytest.raises(ConfigError, match=r"toolz 9\.9\.9 is installed from file:///src/toolz"):
        containerfile(env=env)
    # Not needed by the closure: --all leaves it out, and says so.
    env = {**installed(), "local-thing": local_dist(tmp_path, "local-thing", "1.0")}
    kept, skipped = pinned_requirements(env=env, everything=True)
    assert skipped == ["local-thing 1.0"] and "local-thing" not in {p.name for p in kept}
    assert "not in the image: local-thing 1.0" in containerfile(everything=True, env=env)


def test_missing_requirements_say_how_to_fix(tmp_path):
    env = fake_dask_bench(
        tmp_path,
        requires=[
            "Provides-Extra: phantom",
            "Requires-Dist: surely-not-installed-xyz>=1; extra == 'phantom'",
        ],
    )
    assert "surely" not in containerfile(env=env)  # not asked for: no error
    with pytest.raises(ConfigError) as err:
        containerfile(["phantom"], env=env)
    msg = str(err.value)
    assert "surely-not-installed-xyz" in msg and "\n" not in msg
    assert "pip install 'dask-bench[phantom]'" in msg and "drop --extra phantom" in msg
    (tmp_path / "b").mkdir()
    env = fake_dask_bench(tmp_path / "b", requires=["Requires-Dist: surely-not-installed-xyz>=1"])
    fix = "install it (pip install 'surely-not-installed-xyz>=1')"
    with pytest.raises(ConfigError, match=re.escape(fix)):
        containerfile(env=env)


def test_all_pins_more_than_the_closure():
    everything = pins(containerfile(everything=True))
    closure_pins = pins(containerfile())
    assert set(closure_pins) < set(everything)
    assert {"pytest", "dask-jobqueue", "dockerfile-parse"} <= set(everything)
    assert everything == {name: metadata.version(name) for name in everything}
    assert not {"pip", "setuptools", "wheel", "dask-bench"} & set(everything)
    assert 'dask-bench.pins="all"' in containerfile(everything=True)


def test_base_override_and_determinism(jobqueue_file):
    assert containerfile(["jobqueue"]) == jobqueue_file
    assert containerfile(["jobqueue", "jobqueue"]) == jobqueue_file
    other = containerfile(["jobqueue"], base="registry.example/py:custom")
    assert parse(other).baseimage == "registry.example/py:custom"
    assert f"Python {platform.python_version()}." in other  # the reminder stays
    with pytest.raises(ConfigError, match="is not an image name"):
        containerfile(base="python 3.11")


def test_the_version_check_step_runs_and_can_fail(jobqueue_file):
    (check,) = [r for r in steps(jobqueue_file, "RUN") if r.startswith("python -c")]
    code = shlex.split(check)[2]
    assert "'dask-bench': " in code and f"'python': '{platform.python_version()}'" in code
    ok = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert ok.returncode == 0, ok.stderr
    wrong = code.replace(f"'dask': '{metadata.version('dask')}'", "'dask': '0.0.1'")
    bad = subprocess.run([sys.executable, "-c", wrong], capture_output=True, text=True)
    assert bad.returncode != 0 and "versions differ from the client" in bad.stderr
    assert "'dask': ('0.0.1'" in bad.stderr


# --- the command line ---


def test_cli_prints_the_file(jobqueue_file):
    result = CliRunner().invoke(cli, ["image", "--extra", "jobqueue"])
    assert result.exit_code == 0, result.output
    assert result.stdout == jobqueue_file


def test_cli_writes_the_file_atomically(tmp_path, jobqueue_file):
    out = tmp_path / "Containerfile"
    result = CliRunner().invoke(cli, ["image", "--extra", "jobqueue", "-o", str(out)])
    assert result.exit_code == 0, result.output
    assert out.read_text() == jobqueue_file.replace("-o Containerfile", f"-o {out}").replace(
        "-f Containerfile", f"-f {out}"
    )
    assert result.stdout.splitlines() == [
        f"wrote {out}",
        f"build: podman build -f {out} -t dask-bench:{metadata.version('dask-bench')} {ROOT}",
        f"   or: docker build -f {out} -t dask-bench:{metadata.version('dask-bench')} {ROOT}",
    ]
    assert sorted(p.name for p in tmp_path.iterdir()) == ["Containerfile"]


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--extra", "nope"], "error: unknown extra 'nope' for --extra; dask-bench has "),
        (["-o", "missing/Containerfile"], "error: folder missing does not exist;"),
        (["--base", ""], "error: --base '' is not an image name"),
    ],
)
def test_cli_bad_input_is_one_line_and_writes_nothing(tmp_path, args, message):
    result = CliRunner().invoke(cli, ["image", "-o", "Containerfile", *args])
    assert result.exit_code == 2
    assert result.stderr.startswith(message) and len(result.stderr.splitlines()) == 1
    assert list(tmp_path.iterdir()) == []  # the test's working directory


def test_the_installed_command_has_no_traceback(tmp_path):
    assert shutil.which(str(DASK_BENCH))
    proc = subprocess.run(
        [str(DASK_BENCH), "image", "--extra", "nope", "-o", str(tmp_path / "C")],
        capture_output=True,
        text=True,
    )
    assert proc.returncode == 2 and "Traceback" not in proc.stderr
    assert len(proc.stderr.strip().splitlines()) == 1 and not (tmp_path / "C").exists()
