"""Reading a study file, applying overrides and one-line validation errors (for :mod:`config`)."""

from __future__ import annotations

from pathlib import Path
from typing import Any, get_args, get_origin

import yaml
from pydantic import BaseModel, ValidationError

from dask_bench.errors import ConfigError
from dask_bench.study._yaml import YamlRefused, load_yaml, read_text_file


def read_study_file(path: str | Path) -> dict[str, Any]:
    """Read a study file into a plain mapping (not yet validated)."""
    p = Path(path)
    try:
        text = read_text_file(p, "study file")
    except FileNotFoundError:
        raise ConfigError(f"study file {p} does not exist; check the path") from None
    except YamlRefused as exc:
        raise ConfigError(str(exc)) from None
    except (OSError, UnicodeDecodeError) as exc:
        raise ConfigError(f"cannot read study file {p}: {exc}") from None
    try:
        data = load_yaml(text)
    except YamlRefused as exc:
        raise ConfigError(f"{p}: {exc}") from None
    except RecursionError:
        raise ConfigError(f"{p} nests too deeply; write it out plainly") from None
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f" at line {mark.line + 1}, column {mark.column + 1}" if mark else ""
        problem = getattr(exc, "problem", None) or "invalid YAML"
        raise ConfigError(
            f"{p} is not valid YAML{where}: {problem}; fix the syntax (indentation, colons, quotes)"
        ) from None
    if data is None:
        return {}
    if not isinstance(data, dict):
        raise ConfigError(
            f"{p} must hold a mapping of study keys (name, mode, deployment, suites, ...), "
            f"not a {type(data).__name__}"
        )
    return data


def set_path(data: dict[str, Any], dotted: str, value: Any) -> None:
    """Set ``value`` at a dotted key (``deployment.workers``), creating mappings as needed."""
    *parents, last = dotted.split(".")
    node = data
    for key in parents:
        child = node.get(key)
        if not isinstance(child, dict):
            child = {}
            node[key] = child
        node = child
    node[last] = value


def deepcopy_data(value: Any) -> Any:
    """A copy of nested dicts and lists (the study mapping is changed by overrides)."""
    if isinstance(value, dict):
        return {k: deepcopy_data(v) for k, v in value.items()}
    if isinstance(value, list):
        return [deepcopy_data(v) for v in value]
    return value


def select_suites(raw: dict[str, Any], names: list[str], source: str) -> None:
    """Keep only the named suites (``--suite``), which the study must configure."""
    from dask_bench.study.catalogue import suite_names

    known = suite_names()
    for n in names:
        if n not in known:
            raise ConfigError(f"unknown suite {n!r}; expected one of {', '.join(known)}")
    current = raw.get("suites")
    if current is None:
        raw["suites"] = {n: {} for n in names}
        return
    if not isinstance(current, dict):
        return  # let validation report the wrong type
    missing = [n for n in names if n not in current]
    if missing:
        raise ConfigError(
            f"--suite {', '.join(missing)} is not configured in {source}; "
            f"it configures: {', '.join(current) or 'no suites'}"
        )
    raw["suites"] = {n: current[n] for n in names}


def select_variants(raw: dict[str, Any], names: list[str], source: str) -> None:
    """Keep only the named variants (``--variant``), in the order named (to check drift)."""
    current = raw.get("variants")
    if not isinstance(current, dict) or not current:
        raise ConfigError(
            f"--variant {', '.join(names)}: {source} defines no variants; "
            "add a 'variants' section or drop --variant"
        )
    missing = [n for n in names if n not in current]
    if missing:
        raise ConfigError(
            f"unknown variant {', '.join(map(repr, missing))} in {source}; "
            f"it defines: {', '.join(current)}"
        )
    raw["variants"] = {n: current[n] for n in dict.fromkeys(names)}


def _models_in(annotation: Any) -> list[type[BaseModel]]:
    """The models an annotation can hold: unions, Annotated and dict values unwrapped."""
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        return [annotation]
    return [m for arg in get_args(annotation) for m in _models_in(arg)]


def _known_keys(root: type[BaseModel], loc: tuple[int | str, ...]) -> list[str]:
    model: Any = root
    parts = list(loc[:-1])
    while parts:
        field = getattr(model, "model_fields", {}).get(parts.pop(0))
        if field is None:
            return []
        if get_origin(field.annotation) is dict and parts:
            parts.pop(0)  # the mapping's key, e.g. a variant's name
        models = _models_in(field.annotation)
        if not models:
            return []
        model = models[0]
    return list(getattr(model, "model_fields", {}))


def one_line(exc: ValidationError, source: str, root: type[BaseModel]) -> str:
    """All of a validation error on one line: where, what, and the keys known there."""
    msgs = []
    for err in exc.errors():
        loc = tuple(err["loc"])
        # "[key]" marks an error in a mapping key; the key itself names the place.
        # "<tag>" names the member of a tagged union, which the user never wrote.
        loc = tuple(p for p in loc if not str(p).startswith("<"))
        key = ".".join(str(p) for p in loc if p != "[key]") or "(top level)"
        if err["type"] == "extra_forbidden":
            known = _known_keys(root, loc)
            hint = f"; known keys here: {', '.join(known)}" if known else ""
            msgs.append(f"unknown key '{key}'{hint}")
        else:
            got = err.get("input")
            shown = "" if isinstance(got, (dict, list)) or got is None else f" (got {got!r})"
            text = str(err["msg"]).removeprefix("Value error, ")
            msgs.append(f"'{key}': {text}{shown}")
    more = f" (and {len(msgs) - 2} more)" if len(msgs) > 2 else ""
    return f"{source}: {'; '.join(msgs[:2])}{more}; see the study file reference in the README"
