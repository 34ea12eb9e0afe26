"""The seed tool's ``.env`` file, mapped onto study keys (``dask-bench run --env-file``).

:func:`study_from_env` maps the file and says which keys were applied and which ignored
and why; :func:`merge_env` places them between the study file and the command-line flags
(flags > ``.env`` > study file). The README section "The seed's .env file" is the table.
"""

from __future__ import annotations

import copy
import io
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field, replace
from pathlib import Path, PurePath
from typing import Any

from dask.utils import format_bytes, parse_bytes

from dask_bench.deploy import Launcher, backends, get_backend
from dask_bench.deploy.scaling import POLL_SECONDS
from dask_bench.envfile._certs import CERT_NAMES as CERT_NAMES  # re-exported
from dask_bench.envfile._certs import find_certificates
from dask_bench.errors import ConfigError, DaskBenchError
from dask_bench.study import default_suite_names, default_workers, set_path
from dask_bench.study._yaml import YamlRefused, read_text_file

#: KEY -> option of the kubernetes back-end (applied when KUBE is true).
KUBERNETES_KEYS = {"KUBE_NAMESPACE": "namespace", "CONTAINER_IMAGE": "image"}
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
_SOURCE = (lambda t: [f"source {t}"], "a file to source")  # unquoted: ~ and $VARS expand
_MEMORY = (_positive(lambda t: int(parse_bytes(t))), "a memory size")
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
            "USE_SSL", "CERT_DIR", "RES_DIR", "RES_FILE_NAME", "KUBE_NAMESPACE",
            "CONTAINER_IMAGE")  # fmt: skip


@dataclass
class EnvMapping:
    """What a ``.env`` file sets in the study, and what it leaves out.

    ``overrides`` holds dotted study keys and values (``{"deployment.workers": [1, 4]}``),
    ``applied`` the ``(KEY, dotted study key)`` pairs, ``ignored`` the ``(KEY, reason)``
    pairs, and ``notes`` a remark per study key shown after its value.
    """

    path: str
    overrides: dict[str, Any] = field(default_factory=dict)
    applied: list[tuple[str, str]] = field(default_factory=list)
    ignored: list[tuple[str, str]] = field(default_factory=list)
    notes: dict[str, str] = field(default_factory=dict)

    def _apply(self, key: str, study_key: str, value: Any, note: str | None = None) -> None:
        self.overrides[study_key] = value
        self.applied.append((key, study_key))
        if note:
            self.notes[study_key] = note

    def lines(self, quiet: bool = False) -> list[str]:
        """Plain-text lines for the user; ``quiet`` keeps only the ignored keys."""
        sources: dict[str, list[str]] = {}
        for key, study_key in [] if quiet else self.applied:
            sources.setdefault(study_key, []).append(key)
        out = [
            f"from .env: {', '.join(keys)} -> {study_key} = {self.overrides[study_key]!r}"
            + (f" ({self.notes[study_key]})" if study_key in self.notes else "")
            for study_key, keys in sources.items()
        ]
        return out + [f"ignored: {key} ({reason})" for key, reason in self.ignored]


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
    node_memory = get("MEM_PER_NODE", _MEMORY, "64GB")
    if node_memory is not None and cores is None:
        m.ignored.append(("MEM_PER_NODE", "needs CORES_PER_NODE to split it over the workers"))
    elif node_memory is not None:
        if node_memory // cores <= 0:
            raise bad("MEM_PER_NODE", f"enough for {cores} workers (CORES_PER_NODE)", "64GB")
        note = f"{values['MEM_PER_NODE']} / {cores} cores = {format_bytes(node_memory // cores)}"
        m._apply("MEM_PER_NODE", "deployment.memory_per_worker", node_memory // cores, note)

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
    for key in values:
        if key in _IGNORED:
            m.ignored.append((key, _IGNORED[key]))
        elif key.startswith("SCHEDULER_"):
            m.ignored.append((key, SCHEDULER))
        elif key not in _DIRECT and key not in _HANDLED:
            m.ignored.append((key, UNKNOWN))
    return m


def _tls(env: Path, values: Mapping[str, str], tls: bool | None, m: EnvMapping) -> None:
    """USE_SSL and CERT_DIR: the certificates in CERT_DIR, else temporary ones."""
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


def merge_env(
    data: Mapping[str, Any] | None, env: EnvMapping, flags: Mapping[str, Any]
) -> tuple[dict[str, Any], EnvMapping]:
    """Apply a ``.env`` mapping to a raw study mapping, below the command-line flags.

    Parameters
    ----------
    data
        The study file's mapping (not validated yet).
    env
        What :func:`study_from_env` read.
    flags
        The dotted-key overrides of the command-line flags (``None`` = flag not given);
        :func:`dask_bench.study.build_study` applies them afterwards.

    Returns
    -------
    tuple
        The study mapping with the ``.env`` values set, and the mapping with what was
        dropped (a flag sets the key, a suite not run, batch-job options of a back-end
        that takes none, Kubernetes options of another back-end) moved to ``ignored``.

    Raises
    ------
    ConfigError
        When ``USE_SSL`` asks for TLS and the back-end cannot use it.
    """
    raw: dict[str, Any] = copy.deepcopy(dict(data or {}))
    deployment = raw.get("deployment")
    deployment = deployment if isinstance(deployment, dict) else {}
    study_backend = deployment.get("backend", "local")
    env_backend = env.overrides.get("deployment.backend")
    backend = flags.get("deployment.backend") or env_backend or study_backend
    ignored = list(env.ignored)
    if backend == env_backend != study_backend and deployment.get("options"):
        # The study file's options were written for another back-end.
        del deployment["options"]
        ignored.append(("deployment.options of the study file", f"for back-end {study_backend!r}"))
    dropped: dict[str, str] = {}
    for key, value in env.overrides.items():
        if flags.get(key) is not None:
            dropped[key] = f"a command-line flag sets {key}"
        elif key.startswith("deployment.options.") and (why := _option_unused(key, backend)):
            dropped[key] = why
        elif key.startswith("suites."):
            name = key.split(".")[1]
            # An omitted section means every installed suite: keep that when setting one.
            suites = raw.get("suites")
            suites = {n: {} for n in default_suite_names()} if suites is None else suites
            if flags.get("suites") is not None and name not in flags["suites"]:
                dropped[key] = f"--suite leaves out the {name} suite"
            elif not isinstance(suites, dict) or not isinstance(suites.get(name), dict):
                dropped[key] = f"the study does not run the {name} suite"
            else:
                raw["suites"] = suites
                set_path(raw, key, value)
        else:
            set_path(raw, key, value)
    if "security.tls" not in dropped and env.overrides.get("security.tls") not in (None, False):
        _check_tls(env.path, backend, raw)
    for k, study_key in env.applied:
        if study_key in dropped and (k, dropped[study_key]) not in ignored:
            ignored.append((k, dropped[study_key]))
    return raw, replace(
        env,
        overrides={k: v for k, v in env.overrides.items() if k not in dropped},
        applied=[(k, s) for k, s in env.applied if s not in dropped],
        ignored=ignored,
    )


def _option_unused(key: str, backend: str) -> str:
    """Why the back-end takes no ``deployment.options`` key of the ``.env`` ('' if it does)."""
    kubernetes = key.removeprefix("deployment.options.") in KUBERNETES_KEYS.values()
    launcher = next((b.launcher for b in backends() if b.name == backend), None)
    if kubernetes and launcher is not Launcher.OPERATOR:
        return f"a Kubernetes option; back-end {backend!r} takes none"
    if not kubernetes and launcher is not Launcher.BATCH_JOB:
        return f"a batch-job option; back-end {backend!r} takes none"
    return ""


def _check_tls(env: str, backend: str, raw: Mapping[str, Any]) -> None:
    """Refuse USE_SSL for a back-end without TLS, naming the .env key rather than the study's."""
    if raw.get("variants"):
        return  # variants may change back-end and security; the study validation checks each
    try:
        cls = get_backend(backend)
    except DaskBenchError:
        return  # an unknown or missing back-end: the study validation says so
    if not cls.supports_tls:
        raise ConfigError(
            f"{env}: USE_SSL=true asks for TLS, which back-end {backend!r} cannot use "
            f"({cls.tls_note}); set USE_SSL=false, or run with --no-tls"
        )
