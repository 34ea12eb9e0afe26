"""The notes column of the report's points table: full text once, numbers when repeated.

The notes are gathered by :func:`dask_bench.report.analysis.notes.table_notes`; a text
given for several points is numbered in the rows and written out once below the table,
and long runner notes fold under their first clause.
"""

from __future__ import annotations

from dask_bench.report.analysis.notes import TableNotes
from dask_bench.report.html._markup import esc

#: Runner notes longer than this (characters) are folded under their first clause.
LONG = 90


def notes_cell(notes: TableNotes, point_id: int, anchor: str) -> str:
    """The point's notes cell: texts given once in full, repeated ones as ``[n]``.

    ``anchor`` prefixes the ids of the listed notes (see :func:`notes_listing`).
    """
    items = []
    for kind, text in notes.per_point.get(point_id, []):
        cls = ' class="check"' if kind == "check" else ""
        number = notes.numbers.get(text)
        if number is None and kind == "runner" and len(text) > LONG:
            # Long remarks fold under their first clause; the full text is one click away.
            head = text.split(":")[0] if 0 < text.find(":") <= LONG else text[:LONG] + "…"
            items.append(f"<li><details><summary>{esc(head)}</summary>{esc(text)}</details></li>")
        elif number is None:
            items.append(f"<li{cls}>{esc(text)}</li>")
        else:
            link = f'<a href="#{esc(anchor)}-{number}">[{number}]</a>'
            label = text.split(":")[0] if kind == "check" else f"{kind} note"
            items.append(f"<li{cls}>{esc(label)} {link}</li>")
    return f'<td class="notes"><ul>{"".join(items)}</ul></td>' if items else "<td></td>"


def notes_listing(notes: TableNotes, anchor: str) -> str:
    """The repeated notes, numbered, for below the table; ids are ``<anchor>-<n>``."""
    if not notes.numbers:
        return ""
    items = "".join(
        f'<li id="{esc(anchor)}-{n}" value="{n}">{esc(text)}</li>'
        for text, n in notes.numbers.items()
    )
    return f'<ol class="notes">{items}</ol>'
