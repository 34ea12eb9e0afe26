"""The report's scenarios section: each scenario's figures and its timeline."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from dask_bench.report._scenario_rows import scenario_rows
from dask_bench.report.analysis.scenarios import scenario_summaries
from dask_bench.report.html._markup import esc
from dask_bench.store.schema import Run

_CLASSES = {"": "", "warn": ' class="warn"', "bad": ' class="bad"'}


def scenario_key(run: Run, name: str) -> str:
    """The figure name of a scenario's timeline (unique within a report)."""
    return f"scenario-{run.id}-{name}"


def scenarios_section(runs: Sequence[Run], figures: Mapping[str, str]) -> str:
    """The section, or ``""`` when no run has scenarios.

    Parameters
    ----------
    figures
        Rendered timeline figures (HTML) by :func:`scenario_key`.
    """
    parts = []
    for run in runs:
        for s in scenario_summaries(run):
            where = "" if len(runs) == 1 else f" (run {run.id})"
            rows = "".join(
                f"<tr><th>{esc(r.label)}</th><td{_CLASSES[r.level]}>{esc(r.text)}</td></tr>"
                for r in scenario_rows(s, run.confidence)
            )
            parts.append(
                f"<h3>{esc(s.name)}{esc(where)}: {esc(s.workload)}, {esc(s.event)} — "
                f'{esc(s.status)}</h3><table class="kv">{rows}</table>'
                f"{figures.get(scenario_key(run, s.name), '')}"
            )
    if not parts:
        return ""
    return (
        '<section id="scenarios"><h2>Scenarios</h2><p>Each pair runs the workload without '
        "the event (the control), then with it, on the same workers; figures are medians "
        "over the pairs whose event happened.</p>" + "".join(parts) + "</section>"
    )


def rounds_of(run: Run) -> dict[str, tuple[str, list[dict[str, dict[str, Any]]]]]:
    """Per scenario of ``run``: its kind and rounds (role -> seconds and figures), for figures."""
    out: dict[str, tuple[str, list[dict[str, dict[str, Any]]]]] = {}
    for row in run.scenarios:
        rounds: dict[int, dict[str, dict[str, Any]]] = {}
        for rep in row.repetitions:
            if rep.pair >= 0:
                rounds.setdefault(rep.pair, {})[rep.role] = {
                    "seconds": rep.seconds,
                    "figures": rep.figures,
                }
        out[row.name] = (row.kind, [rounds[k] for k in sorted(rounds)])
    return out
