"""How the terminal tables colour their cells, and how a stored text becomes a safe cell."""

from __future__ import annotations

from rich.text import Text

from dask_bench.report._format import printable
from dask_bench.store.states import PointStatus, RunStatus

#: Colour of each run or point status.
STATUS_STYLES: dict[str, str] = {
    RunStatus.COMPLETE: "green",
    PointStatus.OK: "green",
    RunStatus.RUNNING: "yellow",
    RunStatus.INTERRUPTED: "yellow",
    RunStatus.FAILED: "red",
}
#: Terminal style of each efficiency level (see ``efficiency_level``); "ok" stays plain.
EFFICIENCY_STYLES = {"bad": "red", "warn": "yellow", "high": "magenta"}


def styled(text: str, style: str = "") -> Text:
    """A table cell of ``text``: control characters escaped, never read as rich markup.

    Text cells, not markup strings: a name or an error such as ``[x]`` must show as written.
    """
    return Text(printable(text), style=style)
