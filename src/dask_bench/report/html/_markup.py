"""Small HTML building blocks and the style sheet shared by every page of the report.

Every value goes through :func:`esc`: workload names, errors and run names come
from user code and must never be read as markup.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from html import escape
from typing import Any

#: The style sheet of every page, inline so that a page loads no external resource.
CSS = """
body { font-family: system-ui, sans-serif; margin: 2em auto; max-width: 1150px; color: #222;
       padding: 0 1em; }
h1 { margin-bottom: .2em; } h2 { margin-top: 2em; border-bottom: 1px solid #ccc; }
table { border-collapse: collapse; margin: .8em 0; font-size: 90%; }
th, td { border: 1px solid #ddd; padding: .25em .6em; text-align: left; vertical-align: top; }
th { background: #f3f3f3; }
td.num { text-align: right; font-variant-numeric: tabular-nums; }
table.kv th { width: 12em; }
.warning { background: #fff4d6; border: 1px solid #e0b000; padding: .5em 1em; margin: .4em 0; }
.warn { color: #a66f00; font-weight: bold; } .bad { color: #c00; font-weight: bold; }
.ok { color: #187a18; } .mismatch td, .mismatch th { background: #fff4d6; }
.high { color: #6a3d9a; font-weight: bold; } .high::after { content: " ?"; }
tr.imprecise td { background: #fffbea; } tr.imprecise td.n { color: #a66f00; font-weight: bold; }
td.notes { font-size: 85%; color: #444; min-width: 14em; max-width: 30em; }
td.notes ul { margin: 0; padding-left: 1.1em; } td.notes summary { cursor: pointer; }
ol.notes { font-size: 85%; color: #444; }
div.wide { overflow-x: auto; max-width: 100%; }
td.notes li.check { color: #6a3d9a; }
p.legend { font-size: 85%; color: #555; margin-top: 0; }
.summary { background: #f6f8fa; border-left: 4px solid #4a7ebb; padding: .4em 1em; }
figure { display: block; margin: .5em 0 1em 0; max-width: 100%; }
figure img { max-width: 100%; height: auto; display: block; }
figcaption { font-size: 85%; color: #555; }
nav a, figcaption a { margin-right: .8em; }
footer { margin-top: 3em; color: #777; font-size: 85%; }
"""


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
