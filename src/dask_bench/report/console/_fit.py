"""Terminal tables that fit the console: the richest layout that fits, tier by tier.

Shared by the tables of ``check``, ``compare`` and ``history``: each describes its
columns with the lowest tier that shows them, and :class:`Fitted` picks the
richest layout whose tables fit the width (tier 0 always fits 80 columns).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import TypeVar

from rich.console import Console, ConsoleOptions, RenderableType, RenderResult
from rich.measure import Measurement
from rich.table import Table
from rich.text import Text

R = TypeVar("R")


class Fitted:
    """The richest of several layouts of some tables that fits the console's width.

    ``build(tier)`` returns the renderables of a layout, richer as ``tier`` grows
    from 0 (the most compact) to ``tiers``; the richest whose every table fits is
    shown, else tier 0. Shared by the tables of ``check``, ``compare`` and ``history``.
    """

    def __init__(self, build: Callable[[int], list[RenderableType]], tiers: int) -> None:
        self.build, self.tiers = build, tiers

    def __rich_console__(self, console: Console, options: ConsoleOptions) -> RenderResult:
        # Measured unconstrained: no_wrap cells report their full width only then.
        wide = options.update_width(10_000)
        for tier in range(self.tiers, -1, -1):
            parts = self.build(tier)
            tables = [p for p in parts if isinstance(p, Table)]
            if all(Measurement.get(console, wide, t).maximum <= options.max_width for t in tables):
                break
        yield from parts


@dataclass(frozen=True)
class Column:
    """A column of a table that :class:`Fitted` lays out.

    Attributes
    ----------
    key
        The cell of each row shown in this column.
    right
        Whether its cells are right-justified.
    tier
        The lowest tier of :class:`Fitted` that shows it.
    header
        Its header, when it is not the key (``{}`` is filled in by the table's owner).
    """

    key: str
    right: bool = False
    tier: int = 0
    header: str | None = None

    @property
    def title(self) -> str:
        """The header shown."""
        return self.key if self.header is None else self.header


def tiered_table(
    title: str, columns: Sequence[Column], rows: Sequence[Mapping[str, Text]], tier: int
) -> Table:
    """A table of the columns shown at ``tier``; each row holds a cell for every column's key.

    The first column is a group's name (a workload): shown on the first row of the
    group only, like the tables of ``dask-bench show``, so that groups scan easily.
    """
    shown = [c for c in columns if c.tier <= tier]
    table = Table(title=Text(title), title_justify="left")
    for column in shown:
        table.add_column(column.title, justify="right" if column.right else "left", no_wrap=True)
    first = columns[0].key
    for n, cells in enumerate(rows):
        repeated = n > 0 and cells[first].plain == rows[n - 1][first].plain
        table.add_row(*(Text("") if c.key == first and repeated else cells[c.key] for c in shown))
    return table


def by_suite(rows: Iterable[R], suite: Callable[[R], str]) -> dict[str, list[R]]:
    """Rows grouped by suite, suites in order of first appearance (a table each)."""
    out: dict[str, list[R]] = {}
    for row in rows:
        out.setdefault(suite(row), []).append(row)
    return out
