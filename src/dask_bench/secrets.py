"""Secrets never written: passwords, tokens and keys are found once and hidden everywhere.

A study carries secrets in back-end options (``password: ...``), in environment
variables given to workers (``env: {DB_PASSWORD: ...}``, Kubernetes ``env:`` lists of
``{name, value}``), in shell lines (``export API_TOKEN=...`` in a job script
prologue) and in URLs (``postgresql://user:pass@host/db``). :func:`find_secrets`
collects their values when the study is loaded; :func:`remember` keeps them for
the process, and :func:`scrub` hides them, and every value under a key that names
a secret, in anything about to be written: the database (every row, through one
hook in the store), reports and exports (which read the database), log and error
lines.
"""

from __future__ import annotations

import re
import threading
from collections.abc import Iterable, Mapping
from typing import Any

#: Parts of names whose values are secrets.
SECRET_WORDS = ("password", "passwd", "token", "secret", "key", "credential")
#: What a hidden secret is replaced by.
MASK = "***"
#: Values shorter than this are not searched for in text (too many false hits).
_MIN_LENGTH = 4
_URL_PASSWORD = re.compile(r"(?P<head>[a-zA-Z][\w+.-]*://[^:/@\s]*:)(?P<password>[^@\s/]+)@")
_ASSIGNMENT = re.compile(r"(?:^|[\s;])(?:export\s+)?(?P<name>[A-Za-z_]\w*)=(?P<value>\S+)")

_known: set[str] = set()
_lock = threading.Lock()


def is_secret_name(name: object) -> bool:
    """Whether a key or variable name names a secret (``DB_PASSWORD``, ``api_token``...)."""
    text = str(name).lower()
    return any(word in text for word in SECRET_WORDS)


def find_secrets(value: Any) -> set[str]:
    """The secret values inside ``value`` (mappings and lists at any depth, and strings).

    Parameters
    ----------
    value
        E.g. a study as loaded from its file.

    Returns
    -------
    set of str
        Values under secret-named keys, ``value`` of ``{name: SECRET_NAME, value: ...}``
        items, right-hand sides of ``SECRET_NAME=value`` in strings, passwords of URLs.
    """
    found: set[str] = set()
    _collect(value, found, secret=False)
    return {v for v in found if v and v != MASK}


def _collect(value: Any, found: set[str], *, secret: bool) -> None:
    if isinstance(value, Mapping):
        named = value.get("name")
        pair = isinstance(named, str) and is_secret_name(named) and "value" in value
        for k, v in value.items():
            _collect(v, found, secret=secret or is_secret_name(k) or (pair and k == "value"))
    elif isinstance(value, (list, tuple, set)):
        for item in value:
            _collect(item, found, secret=secret)
    elif isinstance(value, str):
        text = value
        if secret:
            found.add(text)
            return
        for match in _ASSIGNMENT.finditer(text):
            if is_secret_name(match["name"]):
                found.add(match["value"].strip("'\""))
        for match in _URL_PASSWORD.finditer(text):
            found.add(match["password"])


def remember(values: Iterable[str]) -> None:
    """Hide these values in everything :func:`scrub` sees from now on, in this process."""
    with _lock:
        _known.update(v for v in values if len(v) >= _MIN_LENGTH)


def forget_all() -> None:
    """Forget every remembered secret (tests)."""
    with _lock:
        _known.clear()


def scrub_text(text: str) -> str:
    """``text`` with remembered secrets and URL passwords replaced by ``***``."""
    if not text:
        return text
    with _lock:
        known = sorted(_known, key=len, reverse=True)  # longest first: no partial leftovers
    for secret in known:
        if secret in text:
            text = text.replace(secret, MASK)
    if "://" in text:
        text = _URL_PASSWORD.sub(lambda m: f"{m['head']}{MASK}@", text)
    return text


def scrub(value: Any) -> Any:
    """``value`` with secrets hidden: by key name at any depth, and by value in every string.

    Mappings and lists are copied, never changed in place; other values are returned
    as they are.
    """
    if isinstance(value, str):
        return scrub_text(value)
    if isinstance(value, Mapping):
        named = value.get("name")
        pair = isinstance(named, str) and is_secret_name(named)
        return {
            k: MASK if is_secret_name(k) or (pair and k == "value") else scrub(v)
            for k, v in value.items()
        }
    if isinstance(value, list):
        return [scrub(v) for v in value]
    if isinstance(value, tuple):
        return tuple(scrub(v) for v in value)
    return value
