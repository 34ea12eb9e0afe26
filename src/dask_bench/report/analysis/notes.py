"""The notes of a table of points: what to check, what the runner noted, what was left out.

A point's notes are what to check about its result (:mod:`.plausibility`), what the
runner noted while measuring it (calibration, warm-ups, where its metrics came
from) and the repetitions left out as disturbed. The same runner note often holds
for every point of a suite: such notes are numbered, to be written out once.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Mapping
from dataclasses import dataclass

import pandas as pd

from dask_bench.report._values import finite, table_rows
from dask_bench.report.analysis.plausibility import plausibility_notes, stored_notes


@dataclass(frozen=True)
class TableNotes:
    """The notes of one table: per point ``(kind, text)``, and the numbers of repeated texts.

    ``kind`` is ``check`` (a plausibility note), ``runner`` or ``disturbed``.
    """

    per_point: Mapping[int, list[tuple[str, str]]]
    numbers: Mapping[str, int]


def table_notes(points: pd.DataFrame) -> TableNotes:
    """Gather the notes of a table's points (rows of ``run_summaries``).

    Parameters
    ----------
    points
        The points of the table.

    Returns
    -------
    TableNotes
        Texts given for more than one point are numbered from 1, in order of first use.
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
    return TableNotes(per_point=per_point, numbers=numbers)
