"""Plain rows to CSV or JSON, with the standard library: the repetitions ``export`` writes.

Kept apart from pandas so that ``export`` of a run's repetitions starts at once. Values
are written as they are stored: integers stay integers (a missing value is an empty
cell or ``null``, not a float column), seconds keep every digit, times are ISO
(:data:`~dask_bench.report._files.ISO_FORMAT`), flags ``True``/``False`` (CSV) or
``true``/``false`` (JSON).
"""

from __future__ import annotations

import csv
import json
from collections.abc import Sequence
from datetime import datetime
from pathlib import Path
from typing import Any

from dask_bench.report._files import ISO_FORMAT, atomic_output

#: A cell starting with one of these is a formula to a spreadsheet (CSV injection).
FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def spreadsheet_cell(value: Any) -> Any:
    """``value``, quoted with ``'`` when it is text a spreadsheet would run as a formula.

    A run named ``=HYPERLINK(...)`` stays readable, but opens as text. Numbers are left
    alone (a negative number is not text).
    """
    return f"'{value}" if isinstance(value, str) and value.startswith(FORMULA_START) else value


def _plain(value: Any) -> Any:
    return value.strftime(ISO_FORMAT) if isinstance(value, datetime) else value


def write_rows(
    rows: Sequence[Sequence[Any]], columns: Sequence[str], kind: str, path: Path
) -> Path:
    """Write ``rows`` to ``path`` as ``csv`` (a header line) or ``json`` (a list of records).

    The file is replaced atomically; see :func:`~dask_bench.report._files.atomic_output`.
    """
    with atomic_output(path) as tmp:
        if kind == "csv":
            with tmp.open("w", encoding="utf-8", newline="") as f:
                out = csv.writer(f, lineterminator="\n")
                out.writerow(columns)
                out.writerows([spreadsheet_cell(_plain(v)) for v in row] for row in rows)
        else:
            records = [dict(zip(columns, map(_plain, row), strict=True)) for row in rows]
            tmp.write_text(json.dumps(records, indent=1) + "\n", encoding="utf-8")
    return path
