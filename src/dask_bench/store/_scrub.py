"""One hook that hides secrets in every row the store writes (see :mod:`dask_bench.secrets`)."""

from __future__ import annotations

from typing import Any

from sqlalchemy import event, inspect
from sqlalchemy.orm import Session

from dask_bench.secrets import scrub


def scrub_before_flush(session: Session) -> None:
    """Scrub every text and JSON column of new and changed rows before they are written."""
    event.listen(session, "before_flush", _before_flush)


def _before_flush(session: Session, _context: Any, _instances: Any) -> None:
    for obj in [*session.new, *session.dirty]:
        for attr in inspect(obj).mapper.column_attrs:
            value = getattr(obj, attr.key)
            if isinstance(value, (str, dict, list)):
                cleaned = scrub(value)
                if cleaned != value:
                    setattr(obj, attr.key, cleaned)
