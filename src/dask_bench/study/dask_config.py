"""The Dask configuration a study (or one of its variants) sets: parsed, checked, merged.

A study file writes it as nested mappings (``dataframe: {shuffle: {method: p2p}}``) or with
dotted keys (``dataframe.shuffle.method: p2p``), as ``dask.config.set`` takes it. It is
kept flat: dotted key -> value, values being scalars or lists of scalars. Keys are checked
against Dask's own defaults as far as that is possible: a section Dask knows must not have a
key that looks like a misspelt one of its own (``dataframe.shufle``), and a key cannot go
below a value; sections Dask does not know (a plugin's, which only importing it would
define) are taken as written.
"""

from __future__ import annotations

import difflib
import math
import shlex
from collections.abc import Mapping
from typing import Annotated, Any

from pydantic import BeforeValidator

#: The types a configuration value (or an item of a list value) may have.
_SCALARS = (str, int, float, bool, type(None))
#: How close a key must be to a known one to be taken for a misspelling of it.
_CLOSE = 0.8


def _flatten(value: Mapping[Any, Any], prefix: str, out: dict[str, Any]) -> None:
    for key, item in value.items():
        if not isinstance(key, str) or not key.strip() or any(not p for p in key.split(".")):
            raise ValueError(
                f"key {key!r}{f' under {prefix!r}' if prefix else ''} is not a Dask config "
                "key; use names such as dataframe.shuffle.method"
            )
        dotted = f"{prefix}.{key}" if prefix else key
        if isinstance(item, Mapping):
            if not item:
                raise ValueError(f"'{dotted}' is an empty mapping; give its keys and values")
            _flatten(item, dotted, out)
            continue
        _check_value(dotted, item)
        if dotted in out:
            raise ValueError(f"'{dotted}' is given twice (once dotted, once nested)")
        out[dotted] = list(item) if isinstance(item, list | tuple) else item


def _check_value(key: str, value: Any) -> None:
    items = value if isinstance(value, list | tuple) else [value]
    for item in items:
        if not isinstance(item, _SCALARS):
            what = "a list inside a list" if isinstance(item, list) else type(item).__name__
            raise ValueError(
                f"'{key}' must be a text, number, true/false, null or a list of those, not {what}"
            )
        if isinstance(item, float) and math.isnan(item):
            raise ValueError(f"'{key}' is not a number (nan); give a number")


def _conflicts(flat: Mapping[str, Any]) -> None:
    """Refuse a key that is also a section of another (``a.b: 1`` with ``a.b.c: 2``)."""
    for key in flat:
        for other in flat:
            if other.startswith(key + "."):
                raise ValueError(f"'{key}' is set as a value and also has the key '{other}'")


def _known() -> dict[str, Any]:
    """Dask's configuration as defined by dask and distributed (defaults and user files)."""
    import dask.config
    import distributed  # noqa: F401  (defines the distributed.* defaults)

    merged: dict[str, Any] = dask.config.merge(*dask.config.defaults, dask.config.config)
    return merged


def _canonical(key: str, known: Mapping[str, Any]) -> str:
    """``key`` with the spelling Dask uses for its parts ('-' or '_'), checked as far as known."""
    node: Any = known
    parts: list[str] = []
    for index, part in enumerate(key.split(".")):
        if not isinstance(node, Mapping):
            if node is not None:  # a value; None may stand for a section left empty
                raise ValueError(
                    f"'{'.'.join(parts)}' is a value in Dask's configuration, not a section: "
                    f"'{key}' cannot be set"
                )
            return ".".join([*parts, *key.split(".")[index:]])
        for spelling in (part, part.replace("_", "-"), part.replace("-", "_")):
            if spelling in node:
                parts.append(spelling)
                node = node[spelling]
                break
        else:
            names = [str(k) for k in node]
            close = difflib.get_close_matches(part, names, n=1, cutoff=_CLOSE)
            if close:
                meant = ".".join([*parts, close[0], *key.split(".")[index + 1 :]])
                raise ValueError(f"unknown Dask config key '{key}' (Dask has '{meant}')")
            # a key Dask has no default for (a plugin's section, a free-form mapping)
            return ".".join([*parts, *key.split(".")[index:]])
    return ".".join(parts)


def parse_config(value: Any) -> dict[str, Any]:
    """A study's ``config``: dotted key -> value, checked against Dask's configuration.

    Parameters
    ----------
    value
        A mapping of dotted keys or nested mappings, as in a study file; ``None`` is
        no configuration.

    Returns
    -------
    dict
        Flat, with each key spelt as Dask spells it (``worker_saturation`` becomes
        ``worker-saturation``).

    Raises
    ------
    ValueError
        One sentence: input that is not a mapping, a key that is misspelt or set twice,
        a value that is not a scalar or a list of scalars.
    """
    if value is None:
        return {}
    if not isinstance(value, Mapping):
        raise ValueError(
            "must be a mapping of Dask config keys to values, e.g. "
            "{dataframe.shuffle.method: p2p}, not "
            + ("a list" if isinstance(value, list) else "a single value")
        )
    flat: dict[str, Any] = {}
    _flatten(value, "", flat)
    if not flat:
        return {}
    known = _known()
    out: dict[str, Any] = {}
    for key, item in flat.items():
        name = _canonical(key, known)
        if name in out:
            raise ValueError(f"'{key}' is given twice (as '{name}' too)")
        out[name] = item
    _conflicts(out)
    return out


def merge_config(base: Mapping[str, Any], changes: Mapping[str, Any]) -> dict[str, Any]:
    """``base`` updated by ``changes``, key by key (a variant's config over the study's).

    A key of ``changes`` also replaces the keys of ``base`` below or above it
    (``a.b`` replaces ``a.b.c``, and ``a.b.c`` replaces ``a.b``).
    """
    kept = {
        k: v
        for k, v in base.items()
        if not any(k == c or k.startswith(c + ".") or c.startswith(k + ".") for c in changes)
    }
    return {**kept, **changes}


def environment_name(key: str) -> str:
    """The environment variable Dask reads ``key`` from: ``DASK_DATAFRAME__SHUFFLE__METHOD``.

    Dask lower-cases the name and treats ``_`` and ``-`` alike, so ``-`` becomes ``_``.
    """
    return "DASK_" + "__".join(p.replace("-", "_").upper() for p in key.split("."))


def environment_value(value: Any) -> str:
    """``value`` as Dask reads it back from an environment variable (``ast.literal_eval``).

    Python literal syntax, so that the text ``"true"`` stays a text and ``1.5`` a number;
    infinity is written ``1e999``, which ``literal_eval`` reads as ``inf``.
    """
    if isinstance(value, float) and math.isinf(value):
        return "1e999" if value > 0 else "-1e999"
    if isinstance(value, list):
        return "[" + ", ".join(environment_value(v) for v in value) + "]"
    return repr(value)


def config_environment(config: Mapping[str, Any]) -> dict[str, str]:
    """The environment variables that give a Dask process ``config`` when it starts."""
    return {environment_name(k): environment_value(v) for k, v in config.items()}


def environment_assignment(key: str, value: Any) -> str:
    """``NAME=value`` for a shell, e.g. ``DASK_DATAFRAME__SHUFFLE__METHOD="'p2p'"``."""
    text = environment_value(value)
    # double quotes read best; anything the shell would expand inside them is quoted fully
    quoted = f'"{text}"' if not set(text) & set('"$`\\!') else shlex.quote(text)
    return f"{environment_name(key)}={quoted}"


def describe_config(config: Mapping[str, Any]) -> str:
    """One line: ``dataframe.shuffle.method=p2p, array.rechunk.method=tasks``."""
    return ", ".join(f"{k}={v}" for k, v in config.items())


#: A study's (or a variant's) ``config`` field.
DaskConfig = Annotated[dict[str, Any], BeforeValidator(parse_config)]
