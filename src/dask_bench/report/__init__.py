"""Show stored results: terminal tables, figures, an HTML report and file exports.

The report only reads the results database; it never runs or deploys anything. It
is split by what it produces: ``console`` (rich tables), ``figures`` (matplotlib),
``html`` (the report folder), over ``analysis`` (data and verdicts, no output
format); :mod:`.export` writes data files and :mod:`.summarise` ties the terminal
and the report together for the CLI. These are the names the CLI and callers use.

Names are loaded on first use (PEP 562): ``list runs`` needs one table and ``show`` no
figures, so the command line reads results without importing matplotlib or scipy.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from dask_bench.report._files import atomic_output, check_output
    from dask_bench.report._format import printable
    from dask_bench.report.analysis.check import CheckResult, check_run
    from dask_bench.report.analysis.compare import Comparison, compare_runs
    from dask_bench.report.analysis.compare_text import comparison_summary
    from dask_bench.report.analysis.export import points_export
    from dask_bench.report.analysis.history import history_frame
    from dask_bench.report.analysis.plausibility import plausibility_notes
    from dask_bench.report.analysis.summary import suite_summary
    from dask_bench.report.console.check import check_table
    from dask_bench.report.console.compare import comparison_table
    from dask_bench.report.console.history import history_table
    from dask_bench.report.console.run_info import run_header
    from dask_bench.report.console.runs_list import runs_table
    from dask_bench.report.console.tables import suite_tables
    from dask_bench.report.export import EXPORT_FORMATS, export_run
    from dask_bench.report.figures._plot import run_colors
    from dask_bench.report.figures.heatmap import heatmap_figure, heatmaps_figure
    from dask_bench.report.figures.history import history_figure
    from dask_bench.report.figures.output import (
        FIGURE_FORMATS,
        figure_bytes,
        figure_format,
        figure_png,
        save_figure,
    )
    from dask_bench.report.figures.per_run import (
        efficiency_figure,
        suite_figures,
        throughput_figure,
        walltime_figure,
    )
    from dask_bench.report.figures.scaling import metric_figure, overlay_figure
    from dask_bench.report.figures.startup import startup_figure
    from dask_bench.report.html.build import build_report, default_report_dir
    from dask_bench.report.html.compare import (
        comparison_html,
        comparison_page,
        save_comparison_page,
    )
    from dask_bench.report.summarise import summarise_runs

_EXPORTS = {
    "CheckResult": "dask_bench.report.analysis.check",
    "Comparison": "dask_bench.report.analysis.compare",
    "EXPORT_FORMATS": "dask_bench.report.export",
    "FIGURE_FORMATS": "dask_bench.report.figures.output",
    "atomic_output": "dask_bench.report._files",
    "build_report": "dask_bench.report.html.build",
    "check_output": "dask_bench.report._files",
    "check_run": "dask_bench.report.analysis.check",
    "check_table": "dask_bench.report.console.check",
    "compare_runs": "dask_bench.report.analysis.compare",
    "comparison_html": "dask_bench.report.html.compare",
    "comparison_page": "dask_bench.report.html.compare",
    "comparison_summary": "dask_bench.report.analysis.compare_text",
    "comparison_table": "dask_bench.report.console.compare",
    "default_report_dir": "dask_bench.report.html.build",
    "efficiency_figure": "dask_bench.report.figures.per_run",
    "export_run": "dask_bench.report.export",
    "figure_bytes": "dask_bench.report.figures.output",
    "figure_format": "dask_bench.report.figures.output",
    "figure_png": "dask_bench.report.figures.output",
    "heatmap_figure": "dask_bench.report.figures.heatmap",
    "heatmaps_figure": "dask_bench.report.figures.heatmap",
    "history_figure": "dask_bench.report.figures.history",
    "history_frame": "dask_bench.report.analysis.history",
    "history_table": "dask_bench.report.console.history",
    "metric_figure": "dask_bench.report.figures.scaling",
    "overlay_figure": "dask_bench.report.figures.scaling",
    "plausibility_notes": "dask_bench.report.analysis.plausibility",
    "points_export": "dask_bench.report.analysis.export",
    "printable": "dask_bench.report._format",
    "run_colors": "dask_bench.report.figures._plot",
    "run_header": "dask_bench.report.console.run_info",
    "runs_table": "dask_bench.report.console.runs_list",
    "save_comparison_page": "dask_bench.report.html.compare",
    "save_figure": "dask_bench.report.figures.output",
    "startup_figure": "dask_bench.report.figures.startup",
    "suite_figures": "dask_bench.report.figures.per_run",
    "suite_summary": "dask_bench.report.analysis.summary",
    "suite_tables": "dask_bench.report.console.tables",
    "summarise_runs": "dask_bench.report.summarise",
    "throughput_figure": "dask_bench.report.figures.per_run",
    "walltime_figure": "dask_bench.report.figures.per_run",
}

__all__ = [
    "EXPORT_FORMATS",
    "FIGURE_FORMATS",
    "CheckResult",
    "Comparison",
    "atomic_output",
    "build_report",
    "check_output",
    "check_run",
    "check_table",
    "compare_runs",
    "comparison_html",
    "comparison_page",
    "comparison_summary",
    "comparison_table",
    "default_report_dir",
    "efficiency_figure",
    "export_run",
    "figure_bytes",
    "figure_format",
    "figure_png",
    "heatmap_figure",
    "heatmaps_figure",
    "history_figure",
    "history_frame",
    "history_table",
    "metric_figure",
    "overlay_figure",
    "plausibility_notes",
    "points_export",
    "printable",
    "run_colors",
    "run_header",
    "runs_table",
    "save_comparison_page",
    "save_figure",
    "startup_figure",
    "suite_figures",
    "suite_summary",
    "suite_tables",
    "summarise_runs",
    "throughput_figure",
    "walltime_figure",
]


def __getattr__(name: str) -> Any:
    module = _EXPORTS.get(name)
    if module is None:
        raise AttributeError(f"module 'dask_bench.report' has no attribute {name!r}")
    return getattr(importlib.import_module(module), name)
