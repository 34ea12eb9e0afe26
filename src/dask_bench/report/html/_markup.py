"""Small HTML building blocks shared by every section of the report.

Every value goes through :func:`esc`: workload names, errors and run names come
from user code and must never be read as markup.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from html import escape
from typing import Any


def esc(value: Any) -> str:
    """Escape any value for HTML text or a quoted attribute (None shows as an em dash)."""
    return escape("—" if value is None else str(value), quote=True)


def kv_table(rows: Iterable[tuple[str, Any]]) -> str:
    """A two-column key/value table."""
    body = "".join(f"<tr><th>{esc(k)}</th><td>{esc(v)}</td></tr>" for k, v in rows)
    return f'<table class="kv">{body}</table>'


def table(headers: Sequence[str], rows: Iterable[str], cls: str = "") -> str:
    """A table with a header row; ``rows`` are complete ``<tr>`` strings."""
    head = "".join(f"<th>{esc(h)}</th>" for h in headers)
    attrs = f' class="{esc(cls)}"' if cls else ""
    return f"<table{attrs}><thead><tr>{head}</tr></thead><tbody>{''.join(rows)}</tbody></table>"


def td(value: Any, cls: str = "", title: str | None = None) -> str:
    """One escaped table cell, with an optional class and hover text."""
    attrs = f' class="{esc(cls)}"' if cls else ""
    attrs += f' title="{esc(title)}"' if title else ""
    return f"<td{attrs}>{esc(value)}</td>"
