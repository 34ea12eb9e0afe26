"""The result of a check against performance references, as a terminal table.

One table per suite, a row per reference: pass in green, FAIL in red; the check
itself is :func:`dask_bench.report.analysis.check.check_run`.
"""

from __future__ import annotations

from operator import attrgetter

from rich.console import RenderableType
from rich.text import Text

from dask_bench.report.analysis.check import CheckResult, CheckRow
from dask_bench.report.console._fit import Column, Fitted, by_suite, tiered_table
from dask_bench.study.references import EFFICIENCY


def _figure(value: float, unit: str) -> str:
    if unit == EFFICIENCY:
        return f"{value * 100:.1f}%"
    # Four significant figures; tens of thousands and more short, so that cells stay narrow.
    magnitude = abs(value)
    if magnitude >= 1e6:
        return f"{value / 1e6:.4g}M"
    if magnitude >= 1e4:
        return f"{value / 1e3:.4g}k"
    return f"{value:,.0f}" if magnitude >= 1000 else f"{value:.4g}"


def format_value(value: float | None, unit: str) -> str:
    """A value in a reference unit: ``0.412 s``, ``1,234 tasks/s``, ``45.6k MB/s``, ``85.0%``.

    ``—`` when None.
    """
    if value is None:
        return "—"
    number = _figure(value, unit)
    return number if unit == EFFICIENCY else f"{number} {unit}"


def format_bounds(row: CheckRow) -> str:
    """The absolute bounds: ``0.38 .. 0.42 s``, ``≥ 120 MB/s``, ``≤ 0.44 s`` or ``any``."""
    low, high = row.lower, row.upper
    if low is not None and high is not None:
        return f"{_figure(low, row.unit)} .. {format_value(high, row.unit)}"
    if low is not None:
        return f"≥ {format_value(low, row.unit)}"
    return "any" if high is None else f"≤ {format_value(high, row.unit)}"


#: Short failure reasons of the table, spelled out in its legend.
_SHORT = {"below the lower bound": "low", "above the upper bound": "high"}
#: Columns of the check table; tier 0 fits 80 characters.
_CHECK_COLUMNS = [
    Column("workload"),
    Column("units", right=True),
    Column("metric", tier=3),
    Column("measured", right=True),
    Column("reference", right=True, tier=2, header="ref."),
    Column("bounds", right=True),
    Column("deviation", right=True, tier=1, header="dev."),
    Column("result"),
]


def result_label(row: CheckRow) -> str:
    """``pass``, ``FAIL low``, ``FAIL high`` or ``FAIL missing`` (not measured)."""
    return "pass" if row.passed else "FAIL " + _SHORT.get(row.reason, "missing")


def _check_cells(row: CheckRow) -> dict[str, Text]:
    deviation = "—" if row.deviation is None else f"{row.deviation:+.1f}%"
    return {
        "workload": Text(row.workload, style="bold"),
        "units": Text(str(row.units)),
        "metric": Text(row.metric),
        "measured": Text(format_value(row.measured, row.unit)),
        "reference": Text(format_value(row.reference, row.unit)),
        "bounds": Text(format_bounds(row)),
        "deviation": Text(deviation),
        "result": Text(result_label(row), style="green" if row.passed else "bold red"),
    }


def _check_legend(result: CheckResult, tier: int) -> Text:
    lines = ["measured: median time (s, ms), throughput (tasks/s, MB/s) or efficiency (%)"]
    if tier >= 1:
        lines.append("dev.: measured vs the reference value")
    labels = {result_label(r) for r in result.rows}
    if labels & {"FAIL low", "FAIL high"}:
        lines.append("FAIL low / high: below the lower / above the upper bound")
    for r in result.rows:
        if result_label(r) == "FAIL missing":
            where = f"{r.suite}/{r.workload} at {r.units} unit{'s' * (r.units != 1)}"
            lines.append(f"FAIL missing: {where}: {r.reason}")
    return Text("\n".join(lines), style="dim")


def check_table(result: CheckResult) -> RenderableType:
    """The result of a check: one table per suite, a row per reference, pass green, FAIL red.

    Parameters
    ----------
    result
        As returned by :func:`~dask_bench.report.analysis.check.check_run`.

    Returns
    -------
    rich renderable
        A title, the tables and a legend of their abbreviations. Workload, units,
        measured value, bounds and result fit 80 characters; the deviation, the
        reference value and the metric come as the width allows.
    """
    suites = by_suite(result.rows, attrgetter("suite"))

    def build(tier: int) -> list[RenderableType]:
        title = f"references of run {result.run_name} (id {result.run_id}), from {result.source}"
        tables = [
            tiered_table(suite, _CHECK_COLUMNS, [_check_cells(r) for r in rows], tier)
            for suite, rows in suites.items()
        ]
        return [Text(title), *tables, _check_legend(result, tier)]

    return Fitted(build, tiers=3)
