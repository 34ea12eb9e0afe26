"""The notes column of the report's points table: full text once, numbers when repeated.

A point's notes are what to check about its result (:mod:`.plausibility`), what the
runner noted while measuring it (calibration, warm-ups, where its metrics came
from) and the repetitions left out as disturbed. The same runner note often holds
for every point of a suite; such notes are numbered in the rows and written out
once below the table; long ones fold under their first clause.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Mapping
from dataclasses import dataclass

import pandas as pd

from dask_bench.report._format import finite, table_rows
from dask_bench.report.analysis.plausibility import plausibility_notes, stored_notes
from dask_bench.report.html._markup import esc

#: Runner notes longer than this (characters) are folded under their first clause.
LONG = 90


@dataclass(frozen=True)
class TableNotes:
    """The notes of one table: per point ``(kind, text)``, and the numbers of repeated texts."""

    per_point: Mapping[int, list[tuple[str, str]]]
    numbers: Mapping[str, int]
    anchor: str

    def cell(self, point_id: int) -> str:
        """The point's notes cell: texts given once in full, repeated ones as ``[n]``."""
        items = []
        for kind, text in self.per_point.get(point_id, []):
            cls = ' class="check"' if kind == "check" else ""
            number = self.numbers.get(text)
            if number is None and kind == "runner" and len(text) > LONG:
                # Long remarks fold under their first clause; the full text is one click away.
                head = text.split(":")[0] if 0 < text.find(":") <= LONG else text[:LONG] + "…"
                items.append(
                    f"<li><details><summary>{esc(head)}</summary>{esc(text)}</details></li>"
                )
            elif number is None:
                items.append(f"<li{cls}>{esc(text)}</li>")
            else:
                link = f'<a href="#{esc(self.anchor)}-{number}">[{number}]</a>'
                label = text.split(":")[0] if kind == "check" else f"{kind} note"
                items.append(f"<li{cls}>{esc(label)} {link}</li>")
        return f'<td class="notes"><ul>{"".join(items)}</ul></td>' if items else "<td></td>"

    def listing(self) -> str:
        """The repeated notes, numbered, for below the table."""
        if not self.numbers:
            return ""
        items = "".join(
            f'<li id="{esc(self.anchor)}-{n}" value="{n}">{esc(text)}</li>'
            for text, n in self.numbers.items()
        )
        return f'<ol class="notes">{items}</ol>'


def table_notes(points: pd.DataFrame, anchor: str) -> TableNotes:
    """Gather the notes of a table's points (rows of ``run_summaries``).

    Parameters
    ----------
    points
        The points of the table.
    anchor
        Prefix of the ids of the listed notes, unique in the page (e.g. the suite).
    """
    checks = plausibility_notes(points)
    per_point: dict[int, list[tuple[str, str]]] = {}
    for row in table_rows(points):
        pid = int(row["point_id"])
        found = [("check", text) for text in checks.get(pid, [])]
        found += [("runner", text) for text in stored_notes(row)]
        disturbed = finite(row.get("n_disturbed"))
        if disturbed:
            what = row.get("disturbance")
            why = f" ({what})" if isinstance(what, str) and what else ""
            found.append(("disturbed", f"{int(disturbed)} repetitions left out as disturbed{why}"))
        if found:
            per_point[pid] = found
    counts = Counter(text for found in per_point.values() for _, text in found)
    numbers = {text: i + 1 for i, text in enumerate(t for t, c in counts.items() if c > 1)}
    return TableNotes(per_point, numbers, anchor)
