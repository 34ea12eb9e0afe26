"""The study's Dask config as the cluster sees it: read back from every side, and checked.

The runner sets the study's ``config`` in this process for the whole sweep, and each
back-end hands it to its scheduler and workers as it can (see
:attr:`~dask_bench.deploy.Backend.dask_config_via`). What counts is what they report:
after every scale step, before any point at that size, each key is read back from the
client, the scheduler and every worker, recorded in the run's provenance
(``dask_config``), and a value that differs anywhere stops the run.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Any

from dask_bench._remote import config_values as config_values  # public here
from dask_bench._remote import plain as _plain
from dask_bench.errors import BackendError, ConfigMismatch
from dask_bench.study.dask_config import environment_assignment

if TYPE_CHECKING:
    from distributed import Client

    from dask_bench.deploy import Backend

#: Workers named in a mismatch before the rest are counted.
_NAMED = 3


def read_config(client: Client, keys: Sequence[str]) -> dict[str, Any]:
    """The keys' values on the client, the scheduler and every connected worker.

    Returns
    -------
    dict
        ``{"client": {key: value}, "scheduler": {...}, "workers": {address: {...}}}``.

    Raises
    ------
    BackendError
        When the scheduler or a worker cannot run the code that reads them.
    """
    keys = list(keys)
    try:
        scheduler = client.run_on_scheduler(config_values, keys)
        workers = client.run(config_values, keys)
    except Exception as exc:
        reason = " ".join(str(exc).split()) or type(exc).__name__
        raise BackendError(
            f"could not read the Dask config back from the cluster ({reason}); it must run "
            "dask-bench's code (distributed.scheduler.pickle: true), or leave 'config' out"
        ) from None
    return {
        "client": config_values(keys),
        "scheduler": dict(scheduler),
        "workers": {str(a): dict(v) for a, v in workers.items()},
    }


def merge_seen(old: Mapping[str, Any] | None, new: Mapping[str, Any]) -> dict[str, Any]:
    """What a later scale step read, with the workers seen at earlier steps kept."""
    if not old:
        return dict(new)
    return {**new, "workers": {**old.get("workers", {}), **new.get("workers", {})}}


def _sides(seen: Mapping[str, Any]) -> list[tuple[str, Mapping[str, Any]]]:
    sides = [("client", seen.get("client", {})), ("scheduler", seen.get("scheduler", {}))]
    sides += [(f"worker {a}", v) for a, v in sorted(seen.get("workers", {}).items())]
    return sides


def config_mismatches(
    requested: Mapping[str, Any], seen: Mapping[str, Any]
) -> list[dict[str, Any]]:
    """Where a key's value is not the one requested, grouped by key and value found.

    Returns
    -------
    list of dict
        ``{"setting", "expected", "found", "where": [side, ...]}`` (``setting`` is the
        key: a field called ``key`` would be hidden as a secret), and ``"unset": True``
        when the key is not set there at all; sides are ``client``, ``scheduler`` and
        ``worker <address>``.
    """
    out: dict[tuple[str, str], dict[str, Any]] = {}
    for key, want in requested.items():
        for side, values in _sides(seen):
            unset = key not in values
            found = None if unset else values[key]
            if not unset and _plain(found) == _plain(want):
                continue
            entry = out.setdefault(
                (key, "<unset>" if unset else repr(found)),
                {"setting": key, "expected": _plain(want), "found": found, "where": []},
            )
            if unset:
                entry["unset"] = True
            entry["where"].append(side)
    return list(out.values())


def _places(where: Sequence[str], workers: int) -> str:
    others = [w for w in where if not w.startswith("worker ")]
    addresses = [w.removeprefix("worker ") for w in where if w.startswith("worker ")]
    if addresses:
        named = ", ".join(addresses[:_NAMED])
        more = len(addresses) - _NAMED
        count = f"{len(addresses)} of {workers} worker{'s' if workers != 1 else ''}"
        others.append(f"{count} ({named}{f' and {more} more' if more > 0 else ''})")
    return " and ".join(others)


def mismatch_message(found: Sequence[Mapping[str, Any]], backend: Backend, workers: int) -> str:
    """One line on the first mismatch: key, expected, found, where, and what to do."""
    first = found[0]
    key, want = first["setting"], first["expected"]
    value = "not set" if first.get("unset") else f"{first['found']!r}"
    text = (
        f"Dask config {key} is {value} on the {_places(first['where'], workers)}, "
        f"not {want!r} as the study sets"
    )
    if backend.dask_config_via is None:
        text += (
            f"; the {backend.name} back-end does not start the cluster and cannot set it: "
            f"start the scheduler and workers with it (e.g. {environment_assignment(key, want)})"
        )
    else:
        text += (
            f"; the {backend.name} back-end sets it through {backend.dask_config_via}, so "
            "something overrides it there (a Dask config file, a DASK_* variable)"
        )
    more = len({m["setting"] for m in found}) - 1
    if more:
        keys = f"{more} more key differs" if more == 1 else f"{more} more keys differ"
        text += f" ({keys}; see the run's provenance)"
    return text


def require_config(found: Sequence[Mapping[str, Any]], backend: Backend, workers: int) -> None:
    """Stop the run when a key differs anywhere.

    Raises
    ------
    ConfigMismatch
        One line from :func:`mismatch_message`.
    """
    if found:
        raise ConfigMismatch(mismatch_message(found, backend, workers))
