"""The read-only commands (``list runs``, ``show``, ``export``): what they import, and how
they read in a terminal of 80 columns (a pipe, COLUMNS unset)."""

from __future__ import annotations

import importlib
import io
import json
import subprocess
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner
from rich.console import Console

from dask_bench.cli import cli
from dask_bench.report import runs_table
from dask_bench.report.console.runs import show_runs
from dask_bench.store import Store
from dask_bench.store.listing import list_runs
from tests.unit.report_data import add_run, full_environment

#: Long enough that the one-row-a-run table cut it short at 80 columns; short enough for a line.
LONG_NAME = "nightly-slurm-4-nodes-infiniband-before-kernel-upgrade-2024-06"
STUDY_ID = "3f9a1c2b7d4e"


@pytest.fixture
def database(tmp_path: Path) -> str:
    """Two runs (variants of one study) with a name longer than 80 columns allow a cell."""
    path = str(tmp_path / "r.db")
    store = Store(path, create=True)
    for name in (LONG_NAME, "second"):
        run = add_run(store, name=name, environment=full_environment())
        run.study_id, run.variant = STUDY_ID, f"variant-of-{name}"
    store.session.commit()
    store.close()
    return path


def render(renderable: object, width: int) -> str:
    console = Console(file=io.StringIO(), width=width, color_system=None)
    console.print(renderable)
    out = console.file.getvalue()  # type: ignore[attr-defined]
    assert isinstance(out, str)
    return out


def test_runs_table_keeps_names_and_study_ids_whole_at_80_columns(database: str) -> None:
    narrow = render(runs_table(list_runs(database)), 80)
    wide = render(runs_table(list_runs(database)), 250)
    assert "…" not in narrow
    assert LONG_NAME in narrow and STUDY_ID in narrow
    assert max(len(line) for line in narrow.splitlines()) <= 80
    assert "study 3f9a1c2b7d4e · complete · weak · local" in narrow
    # where it fits, one row a run as before
    assert "┃ id ┃ name" in wide and LONG_NAME in wide and "…" not in wide


def test_show_keeps_the_run_name_whole_at_80_columns(database: str) -> None:
    store = Store(database)
    try:
        out = render_show(store, 80)
    finally:
        store.close()
    assert "…" not in out
    assert f"│ run          {LONG_NAME}" in out
    assert f"{STUDY_ID}, variant variant-of-second" in out
    assert max(len(line) for line in out.splitlines()) <= 80


def render_show(store: Store, width: int) -> str:
    console = Console(file=io.StringIO(), width=width, color_system=None)
    show_runs(console, store, store.runs()[::-1])
    out = console.file.getvalue()  # type: ignore[attr-defined]
    assert isinstance(out, str)
    return out


@pytest.mark.parametrize("command", [["list", "runs"], ["show", "--study", STUDY_ID]])
def test_commands_in_a_pipe_without_columns_fit_80_columns(
    database: str, command: list[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("COLUMNS", raising=False)
    result = CliRunner().invoke(cli, [*command, "--db", database])
    assert result.exit_code == 0, result.output
    assert "…" not in result.output
    assert STUDY_ID in result.output and LONG_NAME in result.output


#: What each read-only command must not import: the report's figures, scipy, and for
#: the list of runs the frames, the provenance models and the database layer too.
NOT_IMPORTED = {
    "list runs": ["matplotlib", "scipy", "pandas", "numpy", "pydantic", "dask", "sqlalchemy"],
    "show": ["matplotlib", "scipy"],
    # the repetitions as CSV, read with sqlite3 alone
    "export": ["matplotlib", "scipy", "pandas", "numpy", "sqlalchemy"],
}


@pytest.mark.parametrize("name", list(NOT_IMPORTED))
def test_read_only_commands_import_no_heavy_library(
    database: str, tmp_path: Path, name: str
) -> None:
    args = {
        "list runs": ["list", "runs"],
        "show": ["show"],
        "export": ["export", "1", "--format", "csv", "-o", str(tmp_path / "x.csv")],
    }[name]
    script = (
        "import json, sys\n"
        "from dask_bench.cli import cli\n"
        f"cli.main({[*args, '--db', database]!r}, standalone_mode=False)\n"
        "print(json.dumps(sorted(m for m in sys.modules if '.' not in m)))\n"
    )
    # a fresh interpreter: this one has imported everything already
    done = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, check=True, timeout=120
    )
    loaded = set(json.loads(done.stdout.splitlines()[-1]))
    assert loaded.isdisjoint(NOT_IMPORTED[name]), loaded & set(NOT_IMPORTED[name])


@pytest.mark.parametrize("package", ["dask_bench.report", "dask_bench.store", "dask_bench.study"])
def test_every_lazily_exported_name_resolves(package: str) -> None:
    module = importlib.import_module(package)
    for name in module.__all__:
        assert getattr(module, name) is not None, name
    with pytest.raises(AttributeError, match="no attribute 'nope'"):
        module.nope  # noqa: B018
