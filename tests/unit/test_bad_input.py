"""Bad input of every kind: one line on stderr, a non-zero exit, no traceback, nothing written.

Each case runs the real command line in-process (click's runner) in a fresh folder
holding a valid results database, and compares every file of the folder before and
after: a refused input never creates or changes a file.
"""

from __future__ import annotations

import hashlib
import os
import shutil
import sqlite3
from collections.abc import Callable
from pathlib import Path

import pytest
from click.testing import CliRunner

from dask_bench import secrets
from dask_bench.cli import cli
from tests.unit.report_data import add_run, build_store

#: A valid database, built once and copied into every case's folder.
_TEMPLATE: dict[str, Path] = {}

BOMB = "a: &a [x, x, x, x, x, x, x, x, x]\n" + "".join(
    f"{n}: &{n} [{', '.join(['*' + p] * 9)}]\n" for p, n in zip("abcdefgh", "bcdefghi", strict=True)
)

#: The start of a worker-loss scenario, completed by each case.
_LOSS = "scenarios: {s: {kind: worker-loss, workload: tasks/map-sleep, workers: 2, "
_EXISTING = "deployment: {backend: existing, options: {address: 'tcp://127.0.0.1:1'}}\n"

#: Study files that must be refused: (id, YAML text, words the message must hold).
BAD_STUDIES: list[tuple[str, str, str]] = [
    ("list", "- 1\n- 2\n", "mapping"),
    ("number", "42\n", "mapping"),
    ("string", "'text'\n", "mapping"),
    ("unclosed", "name: [1, 2\n", "not valid YAML"),
    ("tab", "name:\n\t- x\n", "not valid YAML"),
    ("nested-colon", "a: b: c\n", "not valid YAML"),
    ("duplicate", "name: a\nname: b\n", "appears twice"),
    ("duplicate-nested", "deployment:\n  workers: [1]\n  workers: [2]\n", "appears twice"),
    ("self-alias", "a: &x [1, *x]\n", "refers to itself"),
    ("bomb", BOMB, "expands"),
    ("unknown-key", "nmae: x\n", "nmae"),
    ("mode", "mode: sideways\n", "mode"),
    ("workers-empty", "deployment: {workers: []}\n", "workers"),
    ("workers-zero", "deployment: {workers: [0]}\n", "workers"),
    ("workers-negative", "deployment: {workers: [-1]}\n", "workers"),
    ("workers-text", "deployment: {workers: [two]}\n", "workers"),
    ("workers-huge", "deployment: {workers: [1e23]}\n", "workers"),
    ("workers-huge-int", "deployment: {workers: [100000000000000000000000]}\n", "workers"),
    ("workers-string", "deployment: {workers: '1,2'}\n", "workers"),
    ("threads-zero", "deployment: {threads_per_worker: 0}\n", "threads_per_worker"),
    ("threads-text", "deployment: {threads_per_worker: many}\n", "threads_per_worker"),
    ("memory-text", "deployment: {memory_per_worker: lots}\n", "memory_per_worker"),
    ("memory-tiny", "deployment: {memory_per_worker: 1000}\n", "64 MiB"),
    ("memory-negative", "deployment: {memory_per_worker: '-1GiB'}\n", "memory_per_worker"),
    (
        "kube-memory-auto",
        "deployment: {backend: kubernetes, options: {image: x}}\n",
        "memory_per_worker: auto divides the memory of the machine that runs dask-bench",
    ),
    (
        "groups-no-sweep",
        "deployment: {groups: {a: {workers: 1}, b: {workers: 2}}}\n",
        "exactly one group",
    ),
    ("groups-two-sweeps", "deployment: {groups: {a: {}, b: {}}}\n", "found a, b"),
    ("groups-bad-name", "deployment: {groups: {'big-mem': {}}}\n", "group name"),
    (
        "groups-bad-resource",
        "deployment: {groups: {a: {resources: {'GPU=1': 1}}}}\n",
        "not a resource name",
    ),
    (
        "groups-negative-resource",
        "deployment: {groups: {a: {resources: {GPU: -1}}}}\n",
        "resources",
    ),
    ("groups-zero-workers", "deployment: {groups: {a: {}, b: {workers: 0}}}\n", "workers"),
    (
        "groups-memory-text",
        "deployment: {groups: {a: {memory_per_worker: lots}}}\n",
        "not a memory size",
    ),
    (
        "groups-owned-option",
        "deployment: {groups: {a: {options: {nthreads: 2}}}}\n",
        "deployment.groups.a.options.nthreads",
    ),
    (
        "groups-gateway",
        "deployment: {backend: gateway, groups: {a: {}}}\n",
        "cannot deploy worker groups",
    ),
    (
        "groups-in-variant",
        "variants: {v: {deployment: {groups: {a: {}}}}}\n",
        "cannot set 'groups'",
    ),
    (
        "groups-scenario",
        "deployment: {groups: {a: {}}}\n" + _LOSS + "at_progress: 0.5}}\n",
        "one kind of worker",
    ),
    ("memory-zero", "deployment: {memory_per_worker: '0'}\n", "memory_per_worker"),
    ("backend", "deployment: {backend: nope}\n", "nope"),
    ("startup-zero", "deployment: {startup_timeout: 0}\n", "startup_timeout"),
    ("startup-text", "deployment: {startup_timeout: soon}\n", "startup_timeout"),
    ("options-owned", "deployment: {options: {n_workers: 3}}\n", "n_workers"),
    ("suite", "suites: {nosuch: {}}\n", "nosuch"),
    ("workload", "suites: {tasks: {workloads: [nosuch]}}\n", "nosuch"),
    ("per-unit", "suites: {tasks: {per_unit: 0}}\n", "per_unit"),
    ("chunk-size", "suites: {arrays: {chunk_size: -1}}\n", "chunk_size"),
    ("option-negative", "suites: {tasks: {options: {sleep_seconds: -1}}}\n", "sleep_seconds"),
    ("option-text", "suites: {tasks: {options: {sleep_seconds: long}}}\n", "sleep_seconds"),
    ("option-nan", "suites: {tasks: {options: {sleep_seconds: .nan}}}\n", "sleep_seconds"),
    ("option-count-zero", "suites: {tasks: {options: {steps: 0}}}\n", "steps"),
    ("option-count-float", "suites: {tasks: {options: {steps: 2.5}}}\n", "steps"),
    ("option-window", "suites: {dataframes: {options: {window: -3}}}\n", "window"),
    ("option-choice", "suites: {climate: {options: {chunking: diagonal}}}\n", "one of temporal"),
    ("target-zero", "measurement: {target_ci: 0}\n", "target_ci"),
    ("target-negative", "measurement: {target_ci: -0.1}\n", "target_ci"),
    ("confidence-high", "measurement: {confidence: 1.5}\n", "confidence"),
    ("confidence-zero", "measurement: {confidence: 0}\n", "confidence"),
    ("min-repeats", "measurement: {min_repeats: 1}\n", "min_repeats"),
    ("repeats-order", "measurement: {min_repeats: 10, max_repeats: 5}\n", "max_repeats"),
    ("warmup-negative", "measurement: {warmup: -1}\n", "warmup"),
    ("warmup-order", "measurement: {warmup: 3, max_warmup: 1}\n", "max_warmup"),
    ("time-budget-text", "measurement: {time_budget: soon}\n", "time_budget"),
    ("time-budget-negative", "measurement: {time_budget: '-5m'}\n", "time_budget"),
    ("point-budget", "measurement: {point_budget: 0}\n", "point_budget"),
    ("rep-timeout", "measurement: {repetition_timeout: -1}\n", "repetition_timeout"),
    ("min-rep-seconds", "measurement: {min_repetition_seconds: 0}\n", "min_repetition_seconds"),
    ("max-disturbed", "measurement: {max_disturbed: -1}\n", "max_disturbed"),
    ("measurement-unknown", "measurement: {repeats: 3}\n", "repeats"),
    ("tls", "security: {tls: maybe}\n", "tls"),
    ("tls-files", "security: {tls: {ca_file: /nonexistent.pem, cert: /x.pem}}\n", "does not"),
    ("suites-list", "suites: [tasks]\n", "suites"),
    ("deployment-list", "deployment: [1]\n", "deployment"),
    ("variants-list", "variants: 3\n", "variants"),
    (
        "scenario-kind",
        "scenarios: {s: {kind: earthquake, workload: tasks/map-sleep, workers: 2}}\n",
        "worker-loss",
    ),
    (
        "scenario-lose-all",
        _LOSS + "lose: 2}}\n",
        "fewer than workers",
    ),
    (
        "scenario-two-triggers",
        _LOSS + "at_progress: 0.5, at_seconds: 1}}\n",
        "not both",
    ),
    (
        "scenario-progress-1",
        _LOSS + "at_progress: 1}}\n",
        "at_progress",
    ),
    (
        "scenario-workload-key",
        "scenarios: {s: {kind: worker-loss, workload: map-sleep, workers: 2}}\n",
        "<suite>/<workload>",
    ),
    (
        "scenario-suite",
        "scenarios: {s: {kind: worker-loss, workload: nope/x, workers: 2}}\n",
        "unknown suite",
    ),
    (
        "scenario-workload",
        "scenarios: {s: {kind: worker-loss, workload: tasks/nope, workers: 2}}\n",
        "unknown workload",
    ),
    (
        "scenario-option",
        _LOSS + "options: {colour: red}}}\n",
        "colour",
    ),
    (
        "scenario-option-value",
        _LOSS + "options: {sleep_seconds: -1}}}\n",
        "sleep_seconds",
    ),
    (
        "scenario-repeats",
        _LOSS + "repeats: 1}}\n",
        "repeats",
    ),
    (
        "scenario-name",
        "scenarios: {'a b': {kind: worker-loss, workload: tasks/map-sleep, workers: 2}}\n",
        "scenario name",
    ),
    (
        "scenario-backend",
        _EXISTING + _LOSS + "lose: 1}}\n",
        "cannot produce",
    ),
    (
        "scenario-threads",
        "deployment: {options: {processes: false}}\n" + _LOSS + "lose: 1}}\n",
        "processes",
    ),
    ("config-list", "config: [p2p]\n", "'config': must be a mapping"),
    ("config-scalar", "config: p2p\n", "'config': must be a mapping"),
    ("config-typo", "config: {dataframe.shufle.method: p2p}\n", "dataframe.shuffle.method"),
    ("config-below-value", "config: {dataframe.backend.x: 1}\n", "not a section"),
    ("config-nested-list", "config: {a: [[1]]}\n", "inside a list"),
    ("config-empty-section", "config: {a: {}}\n", "empty mapping"),
    ("variant-config", "variants: {a: {config: 3}}\n", "variants.a.config"),
]

#: Studies refused by the local back-end before anything starts (``run`` only).
BAD_LOCAL: list[tuple[str, str, str]] = [
    ("workers-100000", "deployment: {workers: [100000]}\n", "cannot run"),
    ("memory-1PB", "deployment: {workers: [1], memory_per_worker: 1PB}\n", "more than"),
]


def _fingerprint(folder: Path) -> dict[str, tuple[int, str]]:
    out = {}
    for p in sorted(folder.rglob("*")):
        if p.is_file() and not p.is_fifo():
            out[str(p.relative_to(folder))] = (p.stat().st_size, _digest(p))
        elif p.is_fifo():
            out[str(p.relative_to(folder))] = (0, "fifo")
    return out


def _digest(p: Path) -> str:
    return hashlib.sha1(p.read_bytes()).hexdigest()


@pytest.fixture
def folder(tmp_path_factory: pytest.TempPathFactory, tmp_path: Path) -> Path:
    if "db" not in _TEMPLATE:
        base = tmp_path_factory.mktemp("template")
        store, _ = build_store(base)
        add_run(store, name="second", scale=1.1)  # compare needs two runs
        store.close()
        (db,) = [p for p in base.iterdir() if p.suffix == ".db"]
        _TEMPLATE["db"] = db
    shutil.copy(_TEMPLATE["db"], tmp_path / "r.db")
    return tmp_path


def refused(folder: Path, args: list[str], words: str, code: int | None = None) -> None:
    """Run the CLI; assert one line, the words, a non-zero exit, no traceback, no change."""
    before = _fingerprint(folder)
    cwd = os.getcwd()
    os.chdir(folder)  # a default database or report would land here
    try:
        result = CliRunner().invoke(cli, args)
    finally:
        os.chdir(cwd)
        secrets.forget_all()
    assert result.exception is None or isinstance(result.exception, SystemExit), (
        repr(result.exception),
        result.output,
    )
    assert result.exit_code != 0, result.output
    if code is not None:
        assert result.exit_code == code, result.output
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    assert "Traceback" not in result.output
    assert words.lower() in lines[0].lower(), lines[0]
    assert _fingerprint(folder) == before, "a refused input changed or created a file"


def _write(folder: Path, text: str) -> str:
    path = folder / "study.yaml"
    path.write_text(text)
    return str(path)


@pytest.mark.parametrize(("name", "text", "words"), BAD_STUDIES, ids=[c[0] for c in BAD_STUDIES])
@pytest.mark.parametrize("command", ["run", "plan"])
def test_bad_study_file(folder: Path, command: str, name: str, text: str, words: str) -> None:
    study = _write(folder, text)
    extra = ["--db", str(folder / "new.db")] if command == "run" else []
    refused(folder, [command, study, *extra], words, code=2)


@pytest.mark.parametrize(("name", "text", "words"), BAD_LOCAL, ids=[c[0] for c in BAD_LOCAL])
def test_impossible_local_layout(folder: Path, name: str, text: str, words: str) -> None:
    refused(folder, ["run", _write(folder, text), "--db", str(folder / "new.db")], words, code=2)


def _fifo(folder: Path) -> str:
    path = folder / "study.fifo"
    os.mkfifo(path)
    return str(path)


def _huge(folder: Path) -> str:
    path = folder / "huge.yaml"
    path.write_text("# padding\n" * 200_000)
    return str(path)


def _binary(folder: Path) -> str:
    path = folder / "binary.yaml"
    path.write_bytes(b"\xff\xfe\x00garbage\x80")
    return str(path)


PATHOLOGICAL: list[tuple[str, Callable[[Path], str], str]] = [
    ("fifo", _fifo, "not a regular file"),
    ("dev-zero", lambda f: "/dev/zero", "not a regular file"),
    ("directory", lambda f: str(f), "directory"),
    ("missing", lambda f: str(f / "nope.yaml"), "does not exist"),
    ("huge", _huge, "bytes"),
    ("binary", _binary, "cannot read"),
]


@pytest.mark.parametrize(("name", "make", "words"), PATHOLOGICAL, ids=[c[0] for c in PATHOLOGICAL])
@pytest.mark.parametrize("command", ["run", "plan"])
def test_pathological_study_file(
    folder: Path, command: str, name: str, make: Callable[[Path], str], words: str
) -> None:
    extra = ["--db", str(folder / "new.db")] if command == "run" else []
    refused(folder, [command, make(folder), *extra], words)


BAD_FLAGS: list[tuple[list[str], str]] = [
    (["--workers", "0"], "workers"),
    (["--workers", "a,b"], "workers"),
    (["--workers", "-1"], "workers"),
    (["--workers", "1e23"], "workers"),
    (["--mode", "sideways"], "mode"),
    (["--threads-per-worker", "0"], "threads"),
    (["--time-budget", "soon"], "time"),
    (["--time-budget", "-5m"], "time"),
    (["--suite", "nosuch"], "nosuch"),
    (["--backend", "nope"], "nope"),
    (["--variant", "nosuch"], "nosuch"),
    (["--no-such-flag"], "no-such-flag"),
]


@pytest.mark.parametrize(("flags", "words"), BAD_FLAGS, ids=[" ".join(f) for f, _ in BAD_FLAGS])
def test_bad_run_flags(folder: Path, flags: list[str], words: str) -> None:
    refused(folder, ["run", "--db", str(folder / "new.db"), *flags], words)


def _text_db(folder: Path) -> str:
    (folder / "text.db").write_text("just some notes\n")
    return str(folder / "text.db")


def _empty_db(folder: Path) -> str:
    (folder / "empty.db").touch()
    return str(folder / "empty.db")


def _truncated_db(folder: Path) -> str:
    data = (folder / "r.db").read_bytes()
    (folder / "cut.db").write_bytes(data[: len(data) // 3])
    return str(folder / "cut.db")


def _header_only(folder: Path) -> str:
    (folder / "header.db").write_bytes(b"SQLite format 3\x00" + os.urandom(3000))
    return str(folder / "header.db")


def _foreign_db(folder: Path) -> str:
    path = folder / "foreign.db"
    con = sqlite3.connect(path)
    con.execute("create table customers (id integer primary key, name text)")
    con.commit()
    con.close()
    return str(path)


def _garbage_version(folder: Path) -> str:
    path = folder / "garbage.db"
    shutil.copy(folder / "r.db", path)
    _update(path, "update meta set value = 'five-ish' where key = 'schema_version'")
    return str(path)


def _newer_version(folder: Path) -> str:
    path = folder / "newer.db"
    shutil.copy(folder / "r.db", path)
    _update(path, "update meta set value = '999' where key = 'schema_version'")
    return str(path)


def _update(path: Path, sql: str) -> None:
    con = sqlite3.connect(path)  # closed: no write-ahead log left behind, as after a run
    con.execute(sql)
    con.commit()
    con.close()


BAD_DATABASES: list[tuple[str, Callable[[Path], str], str]] = [
    ("text", _text_db, "not a SQLite database"),
    ("empty", _empty_db, "empty file"),
    ("truncated", _truncated_db, "damaged"),
    ("header-only", _header_only, "damaged"),
    ("foreign", _foreign_db, "not a dask-bench database"),
    ("garbage-version", _garbage_version, "schema version"),
    ("newer-version", _newer_version, "newer"),
    ("missing", lambda f: str(f / "nope.db"), "no results database"),
    ("url", lambda f: "nosuchdialect://u:hunter22@h/db", "database"),
]

READERS: list[list[str]] = [
    ["show"],
    ["list", "runs"],
    ["export", "1", "--format", "csv", "-o", "out.csv"],
    ["report", "1", "-o", "rep"],
    ["history"],
    ["check", "1"],
]


@pytest.mark.parametrize(
    ("name", "make", "words"), BAD_DATABASES, ids=[c[0] for c in BAD_DATABASES]
)
@pytest.mark.parametrize(
    "reader", READERS, ids=[r[0] + ("-" + r[1] if r[0] == "list" else "") for r in READERS]
)
def test_bad_database(
    folder: Path, reader: list[str], name: str, make: Callable[[Path], str], words: str
) -> None:
    db = make(folder)
    refused(folder, [*reader, "--db", db], words)


BAD_OUTPUTS: list[tuple[list[str], str]] = [
    (["export", "1", "--format", "csv", "-o", "/proc/nope.csv"], "choose another"),
    (["export", "1", "--format", "json", "-o", "{db}/sub.json"], "choose another"),
    (["export", "1", "--format", "csv", "-o", "{db}/sub.csv"], "choose another"),
    (
        ["export", "1", "--level", "points", "--format", "csv", "-o", "/proc/p.csv"],
        "choose another",
    ),
    (["report", "1", "-o", "/proc/nope"], "choose another"),
    (["report", "1", "-o", "{db}/sub"], "choose another"),
    (["compare", "1", "2", "-o", "/proc/nope.html"], "choose another"),
    (["compare", "1", "2", "-o", "{db}/c.html"], "choose another"),
    (["history", "map-sleep", "-o", "/proc/nope.png"], "choose another"),
    (["history", "map-sleep", "-o", "{db}/h.png"], "choose another"),
]


@pytest.mark.parametrize(("args", "words"), BAD_OUTPUTS, ids=[" ".join(a) for a, _ in BAD_OUTPUTS])
def test_unwritable_output(folder: Path, args: list[str], words: str) -> None:
    db = str(folder / "r.db")
    refused(folder, [*(a.replace("{db}", db) for a in args), "--db", db], words)


def test_a_password_in_a_database_url_is_never_echoed(folder: Path) -> None:
    result = CliRunner().invoke(cli, ["show", "--db", "nosuchdialect://bench:hunter22@h/db"])
    assert result.exit_code != 0 and "hunter22" not in result.output


def test_control_characters_in_a_run_name_are_shown_never_obeyed(folder: Path) -> None:
    db = str(folder / "r.db")
    result = CliRunner().invoke(cli, ["show", "\x1b[31mevil\x07" + "x" * 200, "--db", db])
    assert result.exit_code == 2
    assert "\x1b" not in result.stderr and "\x07" not in result.stderr
    assert "\\x1b[31mevil" in result.stderr
    assert len(result.stderr) < 400  # the long name is shortened


def test_a_formula_as_run_name_opens_as_text_in_a_spreadsheet(tmp_path: Path) -> None:
    from dask_bench.store import Store

    store = Store(str(tmp_path / "f.db"), create=True)
    add_run(store, name='=HYPERLINK("http://evil.example","click")')
    store.close()
    out = tmp_path / "m.csv"
    args = ["export", "1", "--format", "csv", "-o", str(out), "--db", str(tmp_path / "f.db")]
    result = CliRunner().invoke(cli, args)
    assert result.exit_code == 0, result.output
    text = out.read_text()
    assert "'=HYPERLINK(" in text and ",=HYPERLINK(" not in text


def test_a_run_name_with_ansi_sequences_is_displayed_not_obeyed(tmp_path: Path) -> None:
    from dask_bench.store import Store

    store = Store(str(tmp_path / "a.db"), create=True)
    add_run(store, name="\x1b[2J\x1b[31mEVIL\x07")
    store.close()
    for args in (["list", "runs"], ["show", "1"]):
        result = CliRunner().invoke(cli, [*args, "--db", str(tmp_path / "a.db")])
        assert result.exit_code == 0, result.output
        assert "\x1b" not in result.output and "\x07" not in result.output
        assert "\\x1b[2J" in result.output  # shown, escaped
