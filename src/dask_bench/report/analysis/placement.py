"""Where each point's tasks ran, by worker group (from ``points.placement``)."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from dask_bench.store.schema import Run


@dataclass(frozen=True)
class PlacementRow:
    """One task prefix of one point.

    Attributes
    ----------
    workload, units
        The point.
    prefix
        The task prefix (the function's name, as Dask groups tasks).
    needs
        The resources its tasks need (``BIGMEM=1``), or ``""``.
    ran
        Tasks per worker group, e.g. ``big 18, small 0``.
    wrong
        Whether some of them ran on workers lacking what they need.
    """

    workload: str
    units: int
    prefix: str
    needs: str
    ran: str
    wrong: bool


def placement_rows(run: Run) -> list[PlacementRow]:
    """Every recorded task prefix of the run's points, in sweep order."""
    rows = []
    groups = [str(g.get("name")) for g in (run.layout or {}).get("groups") or []]
    for point in sorted(run.points, key=lambda p: (p.suite, p.workload, p.units)):
        doc: Mapping[str, Any] = point.placement or {}
        required: Mapping[str, Mapping[str, float]] = doc.get("required") or {}
        bad = " ".join(doc.get("violations") or [])
        for prefix, by_group in sorted((doc.get("groups") or {}).items()):
            names = groups + sorted(set(by_group) - set(groups))
            needs = required.get(prefix) or {}
            rows.append(
                PlacementRow(
                    workload=f"{point.suite}/{point.workload}",
                    units=point.units,
                    prefix=prefix,
                    needs=", ".join(f"{k}={v:g}" for k, v in needs.items()),
                    ran=", ".join(f"{g} {by_group.get(g, 0)}" for g in names),
                    wrong=f"'{prefix}'" in bad,
                )
            )
    return rows
