"""The layers of src/dask_bench: imports go one way, no circles, small modules.

The README's "Architecture" section states these rules; this test holds the code to
them by reading every module's imports (also those inside functions and under
``TYPE_CHECKING``, which are dependencies all the same).
"""

from __future__ import annotations

import ast
import itertools
from collections.abc import Iterator
from pathlib import Path

SRC = Path(__file__).parents[2] / "src" / "dask_bench"

#: Each top-level package or module of dask_bench, by floor: an import may only go
#: to a lower floor (or stay inside its own package).
FLOORS = {
    "__main__": 7,
    "cli": 6,
    "image": 5,
    "runner": 4,
    "report": 4,
    "envfile": 4,
    "deploy": 3,
    "workloads": 3,
    "store": 3,
    "study": 2,
    "errors": 1,
    "secrets": 1,
    "stats": 1,
    "_version": 1,
    "_defaults": 0,
    "_mounts": 0,
    "_flock": 0,
    "_remote": 0,
    "_kernels": 0,
}
#: Lines a module may have.
MAX_LINES = 400


def modules() -> Iterator[tuple[str, Path]]:
    for path in sorted(SRC.rglob("*.py")):
        parts = path.relative_to(SRC).with_suffix("").parts
        if parts[-1] == "__init__":
            parts = parts[:-1]
        yield ".".join(("dask_bench", *parts)), path


def imports(path: Path, *, top_level_only: bool = False) -> Iterator[str]:
    """The dask_bench modules ``path`` imports (each name of ``from dask_bench import x``)."""
    tree = ast.parse(path.read_text())
    nodes = tree.body if top_level_only else list(ast.walk(tree))
    for node in nodes:
        if isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            if node.module == "dask_bench":
                yield from (f"dask_bench.{a.name}" for a in node.names)
            elif node.module.startswith("dask_bench."):
                yield node.module
        elif isinstance(node, ast.Import):
            yield from (a.name for a in node.names if a.name.startswith("dask_bench."))


def floor(module: str) -> tuple[str, int]:
    top = module.split(".")[1]
    return top, FLOORS[top]


def test_every_package_has_a_floor() -> None:
    tops = {name.split(".")[1] for name, _ in modules() if name != "dask_bench"}
    assert tops <= FLOORS.keys(), f"give these a floor in FLOORS: {tops - FLOORS.keys()}"


def test_imports_only_go_down() -> None:
    upward = []
    for name, path in modules():
        if name == "dask_bench":
            continue  # the package's lazy re-exports of the public API
        here, level = floor(name)
        for target in imports(path):
            there, target_level = floor(target)
            if there != here and target_level >= level:
                upward.append(f"{name} -> {target}")
    assert upward == []


def test_no_circles_between_modules() -> None:
    known = dict(modules())
    graph = {
        name: {t for t in imports(path, top_level_only=True) if t in known and t != name}
        for name, path in known.items()
    }
    done: set[str] = set()
    circles: list[list[str]] = []

    def visit(node: str, trail: list[str]) -> None:
        if node in trail:
            circles.append([*trail[trail.index(node) :], node])
            return
        if node in done:
            return
        for nxt in sorted(graph[node]):
            visit(nxt, [*trail, node])
        done.add(node)

    for name in sorted(graph):
        visit(name, [])
    # a package importing its own submodules is how a package is made, not a circle
    real = [c for c in circles if not any(b.startswith(a + ".") for a, b in itertools.pairwise(c))]
    assert real == []


def test_no_module_is_over_the_limit() -> None:
    long = {
        str(path.relative_to(SRC)): n
        for _, path in modules()
        if (n := len(path.read_text().splitlines())) > MAX_LINES
    }
    assert long == {}


def test_the_floors_catch_an_upward_import(tmp_path: Path) -> None:
    # the check itself can fail: a study module that imported the runner would be caught
    bad = tmp_path / "bad.py"
    bad.write_text("from dask_bench.runner.plan import Plan\n")
    found = list(imports(bad))
    assert found == ["dask_bench.runner.plan"]
    assert floor(found[0])[1] >= FLOORS["study"]
