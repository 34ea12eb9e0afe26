"""The seed tool's ``.env`` file, mapped onto study keys (``dask-bench run --env-file``).

:func:`study_from_env` maps the file and says which keys were applied and which ignored
and why; :func:`merge_env` places them between the study file and the command-line flags
(flags > ``.env`` > study file). The README section "The seed's .env file" is the table.
"""

from __future__ import annotations

import io
from collections.abc import Callable, Mapping
from pathlib import Path, PurePath
from typing import Any

from dask.utils import format_bytes

from dask_bench.deploy.scaling import POLL_SECONDS
from dask_bench.envfile._certs import CERT_NAMES as CERT_NAMES  # re-exported
from dask_bench.envfile._certs import cert_folder, find_certificates, holds_certificates
from dask_bench.envfile._mapping import KUBERNETES_KEYS as KUBERNETES_KEYS  # re-exported
from dask_bench.envfile._mapping import EnvMapping as EnvMapping  # re-exported
from dask_bench.envfile._merge import merge_env as merge_env  # re-exported
from dask_bench.envfile._seed import node_memory, scheduler_pod, source_lines, write_certificates
from dask_bench.errors import ConfigError
from dask_bench.study import default_workers
from dask_bench.study._yaml import YamlRefused, read_text_file

NOT_KUBE = "a Kubernetes key; KUBE is not true"
SCHEDULER = (
    "the scheduler runs inside the dask-bench process (dask-jobqueue); "
    "its resources are not requested separately"
)
UNKNOWN = "not a key of the seed's .env"


def _positive(convert: Callable[[str], Any]) -> Callable[[str], Any]:
    def check(text: str) -> Any:
        value = convert(text)
        if not value > 0:  # also refuses nan
            raise ValueError(text)
        return value

    return check


_BOOLEANS = dict.fromkeys(("true", "1", "yes", "on"), True) | dict.fromkeys(
    ("false", "0", "no", "off"), False
)
_COUNT = (_positive(int), "a positive whole number")
_BOOLEAN = (lambda t: _BOOLEANS[t.lower()], "a boolean (true/false, 1/0, yes/no)")
_TEXT = (str, "text")
_SOURCE = (source_lines, "a virtual environment folder or a file to source")
_SECONDS = (_positive(float), "a positive number of seconds")

# KEY -> (study key, (converter, what it expects), example, remark shown with the value)
_DIRECT: dict[str, tuple[str, tuple[Callable[[str], Any], str], str, str | None]] = {
    "CORES_PER_NODE": ("deployment.cores_per_node", _COUNT, "24", None),
    "NET_INTERFACE": ("deployment.options.interface", _TEXT, "ib0", None),
    "ACCOUNT": ("deployment.options.account", _TEXT, "myproject", None),
    "PARTITION": ("deployment.options.queue", _TEXT, "normal", None),
    "TIME_LIMIT": ("deployment.options.walltime", _TEXT, "01:00:00", None),
    "OUT_DIR": ("deployment.options.log_directory", _TEXT, "logs", None),
    "ENV_TO_SOURCE": ("deployment.options.job_script_prologue", _SOURCE, "env.sh", None),
    "TIMEOUT": ("deployment.startup_timeout", _SECONDS, "120", "seconds"),
    "PROBLEM_SIZE_ARRAY": ("suites.arrays.chunk_size", _COUNT, "1000", "edge of a square block"),
    "PROBLEM_SIZE_DATAFRAMES": ("suites.dataframes.chunk_size", _COUNT, "20000",
                                "rows per partition"),
}  # fmt: skip
# KEY -> why it sets nothing, whatever its value.
_IGNORED = {
    "POLL_INTERVAL": "workers are awaited by polling the scheduler every "
    f"{POLL_SECONDS * 1000:g} ms",
    "VERBOSE": "progress is always shown; use --quiet to hide it",
}
_HANDLED = ("KUBE", "MAX_N_CORES", "STEP_BY", "OBS_PER_ITER", "MEM_PER_NODE",
            "USE_SSL", "CERT_DIR", "RES_DIR", "RES_FILE_NAME", *KUBERNETES_KEYS)  # fmt: skip


def read_env_file(path: str | Path) -> dict[str, str | None]:
    """The keys and values of a ``.env`` file, in file order (``None`` for a bare ``KEY``)."""
    from dotenv import dotenv_values

    p = Path(path)
    if not p.exists():
        raise ConfigError(f".env file {p} does not exist; check the --env-file path")
    if not p.is_file():
        raise ConfigError(f".env file {p} is not a file; give the path of the seed's .env file")
    try:
        text = read_text_file(p, ".env file")  # never blocks on a FIFO, bounded in size
    except YamlRefused as exc:
        raise ConfigError(str(exc)) from None
    except (OSError, UnicodeDecodeError) as exc:
        raise ConfigError(f"cannot read .env file {p}: {exc}") from None
    return dict(dotenv_values(stream=io.StringIO(text)))


def study_from_env(path: str | Path) -> EnvMapping:
    """Map the seed's ``.env`` file onto dotted study keys.

    Parameters
    ----------
    path
        The ``.env`` file.

    Returns
    -------
    EnvMapping
        The overrides, with the keys applied and the keys ignored (and why).

    Raises
    ------
    ConfigError
        With a one-line message when the file is missing or a value is invalid.
    """
    raw = read_env_file(path)
    m = EnvMapping(str(path))
    values = {k: s.strip() for k, s in raw.items() if s and s.strip()}
    m.ignored += [(k, "empty value") for k in raw if k not in values and k != "KUBE"]

    def bad(key: str, expected: str, example: str) -> ConfigError:
        return ConfigError(
            f"{path}: {key}={values[key]!r} is not {expected}; write e.g. {key}={example}"
        )

    def get(key: str, kind: tuple[Callable[[str], Any], str], example: str) -> Any:
        try:
            return kind[0](values[key]) if key in values else None
        except (ValueError, KeyError):
            raise bad(key, kind[1], example) from None

    kube = get("KUBE", _BOOLEAN, "false")
    if kube:
        note = None
        if "CONTAINER_IMAGE" not in values:  # no image is invented: the back-end asks for one
            note = (
                "no CONTAINER_IMAGE: the back-end needs an image, built with 'dask-bench image "
                "--extra kubernetes'; set CONTAINER_IMAGE, or deployment.options.image in a "
                "kubernetes study file"
            )
        m._apply("KUBE", "deployment.backend", "kubernetes", note)
    else:
        note = None if "KUBE" in values else "KUBE empty or not set: Slurm, as in the seed"
        m._apply("KUBE", "deployment.backend", "slurm", note)

    max_cores, step = get("MAX_N_CORES", _COUNT, "64"), get("STEP_BY", _COUNT, "4")
    if max_cores is not None:
        sizes = sorted({1, *range(step, max_cores + 1, step), max_cores}) if step else None
        note = None if step else "no STEP_BY: powers of two, then MAX_N_CORES"
        m._apply("MAX_N_CORES", "deployment.workers", sizes or default_workers(max_cores), note)
        m.applied += [("STEP_BY", "deployment.workers")] if step else []
        # The seed's processing units were cores: one thread per worker keeps workers = cores.
        m._apply("MAX_N_CORES", "deployment.threads_per_worker", 1, "workers = cores")
    elif step is not None:
        m.ignored.append(("STEP_BY", "needs MAX_N_CORES; the study's worker counts are kept"))

    for key, (study_key, kind, example, note) in _DIRECT.items():
        value = get(key, kind, example)
        if value is not None:
            m._apply(key, study_key, value, note)

    cores = m.overrides.get("deployment.cores_per_node")
    memory, unit = None, None
    if "MEM_PER_NODE" in values:
        try:
            memory, unit = node_memory(values["MEM_PER_NODE"], bool(kube))
        except ValueError:
            raise bad(
                "MEM_PER_NODE", "a memory size", "300 (GB on Slurm, Gi on Kubernetes)"
            ) from None
        if memory <= 0:
            raise bad("MEM_PER_NODE", "a positive memory size", "300")
    if memory is not None and cores is None:
        m.ignored.append(("MEM_PER_NODE", "needs CORES_PER_NODE to split it over the workers"))
    elif memory is not None and cores is not None:
        if memory // cores <= 0:
            raise bad("MEM_PER_NODE", f"enough for {cores} workers (CORES_PER_NODE)", "64GB")
        for on_kube in (bool(kube), not kube):
            memory, unit = node_memory(values["MEM_PER_NODE"], on_kube)
            where = "Kubernetes" if on_kube else "Slurm"
            given = values["MEM_PER_NODE"] + (
                f" {unit} (the seed's unit on {where})" if unit else ""
            )
            note = f"{given} / {cores} cores = {format_bytes(memory // cores)}"
            if on_kube == bool(kube):
                m._apply("MEM_PER_NODE", "deployment.memory_per_worker", memory // cores, note)
            elif unit:  # a bare number means another size on the other kind of back-end
                m.if_other_kind["deployment.memory_per_worker"] = (memory // cores, note)

    obs = get("OBS_PER_ITER", _COUNT, "10")
    if obs is not None and obs < 2:
        raise bad("OBS_PER_ITER", "at least 2 (a spread needs two timed repetitions)", "10")
    if obs is not None:
        m._apply("OBS_PER_ITER", "measurement.min_repeats", obs)
        m._apply("OBS_PER_ITER", "measurement.max_repeats", obs, "exactly that many repetitions")

    _tls(Path(path), values, get("USE_SSL", _BOOLEAN, "false"), m)
    _database(values, m)
    for key, option in KUBERNETES_KEYS.items():
        if key in values and kube:
            m._apply(key, f"deployment.options.{option}", values[key])
        elif key in values:
            m.ignored.append((key, NOT_KUBE))
    pod = {}
    if kube:
        try:
            pod = scheduler_pod(values)
        except ValueError as exc:
            raise bad(str(exc), "a positive number", "8") from None
    for option, value in pod.items():
        keys = [k for k in ("SCHEDULER_HOST", "SCHEDULER_CORES", "SCHEDULER_MEM") if k in values]
        m.overrides[f"deployment.options.{option}"] = value
        m.applied += [(k, f"deployment.options.{option}") for k in keys if _sets(k, option)]
    for key in values:
        if key in _IGNORED:
            m.ignored.append((key, _IGNORED[key]))
        elif key.startswith("SCHEDULER_") and not (kube and key in _POD_KEYS):
            m.ignored.append((key, SCHEDULER))
        elif key not in _DIRECT and key not in _HANDLED and key not in _POD_KEYS:
            m.ignored.append((key, UNKNOWN))
    return m


#: The SCHEDULER_* keys that shape the scheduler pod on Kubernetes.
_POD_KEYS = ("SCHEDULER_HOST", "SCHEDULER_CORES", "SCHEDULER_MEM")


def _sets(key: str, option: str) -> bool:
    # SCHEDULER_HOST picks the node; SCHEDULER_CORES and SCHEDULER_MEM the resources
    return (key == "SCHEDULER_HOST") == (option == "scheduler_node_selector")


def _tls(env: Path, values: Mapping[str, str], tls: bool | None, m: EnvMapping) -> None:
    """USE_SSL and CERT_DIR: the certificates in CERT_DIR, else temporary ones.

    The seed generated its certificates in CERT_DIR: an empty or missing folder gets
    them when the run starts (:func:`make_certificates`); ``plan`` writes nothing. On
    Kubernetes they then go into the pods' Secret.
    """
    if tls and "CERT_DIR" in values:
        folder = cert_folder(values["CERT_DIR"], env)
        if not holds_certificates(folder):
            note = f"no certificates in {folder}: made there when the run starts, as the seed did"
            m._apply("USE_SSL", "security.tls", "auto", note)
            m.applied.append(("CERT_DIR", "security.tls"))
            m.certificates_to_make = str(folder)
            return
    if tls and "CERT_DIR" in values:
        files = find_certificates(values["CERT_DIR"], env)
        m._apply("USE_SSL", "security.tls", files, "PEM files found in CERT_DIR")
        m.applied.append(("CERT_DIR", "security.tls"))
        return
    if tls is not None:
        note = "no CERT_DIR: temporary certificates made for the run" if tls else "TLS off"
        m._apply("USE_SSL", "security.tls", "auto" if tls else False, note)
    if "CERT_DIR" in values:
        m.ignored.append(("CERT_DIR", "unused: TLS is off, USE_SSL is not true"))


def _database(values: Mapping[str, str], m: EnvMapping) -> None:
    folder, name = values.get("RES_DIR"), values.get("RES_FILE_NAME")
    if folder is None and name is None:
        return
    file, note = PurePath(name or "dask-bench.db"), None
    if file.suffix.lower() == ".csv":
        file, note = file.with_suffix(".db"), ".csv replaced by .db: results go to SQLite"
    elif not file.suffix:
        file, note = file.with_suffix(".db"), ".db added: results go to SQLite"
    m.applied += [(k, "database") for k in ("RES_DIR", "RES_FILE_NAME") if k in values]
    m.overrides["database"] = str(PurePath(folder) / file if folder else file)
    if note:
        m.notes["database"] = note


def make_certificates(raw: dict[str, Any], env: EnvMapping) -> dict[str, Any]:
    """Make the certificates a ``.env`` asked for in ``CERT_DIR``, and use them.

    Only when the study still asks for ``tls: auto`` from the ``.env`` (``--no-tls`` or
    ``--tls`` flags take precedence); the study is returned unchanged otherwise.
    """
    folder = env.certificates_to_make
    security = raw.get("security")
    if folder is None or not isinstance(security, dict) or security.get("tls") != "auto":
        return raw
    if holds_certificates(Path(folder)):  # made by another run meanwhile: use them
        files: dict[str, str | None] = find_certificates(folder, Path(env.path))
    else:
        files = dict(write_certificates(folder))
    return {**raw, "security": {**security, "tls": files}}
