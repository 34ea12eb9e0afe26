"""Show stored results: terminal tables, figures, an HTML report and file exports.

The report only reads the results database; it never runs or deploys anything.
"""

from dask_bench.report.analysis.check import CheckResult, check_run, check_table
from dask_bench.report.analysis.compare import Comparison, compare_runs, comparison_summary
from dask_bench.report.analysis.plausibility import plausibility_notes
from dask_bench.report.analysis.summary import suite_summary
from dask_bench.report.console.compare import comparison_html, comparison_table
from dask_bench.report.console.history import history_frame, history_table
from dask_bench.report.console.run_info import run_header, runs_table
from dask_bench.report.console.tables import suite_tables
from dask_bench.report.export import EXPORT_FORMATS, export_run, points_export
from dask_bench.report.figures._plot import FIGURE_FORMATS, figure_bytes, figure_png
from dask_bench.report.figures.heatmap import heatmap_figure, heatmaps_figure
from dask_bench.report.figures.history import history_figure
from dask_bench.report.figures.per_run import (
    efficiency_figure,
    suite_figures,
    throughput_figure,
    walltime_figure,
)
from dask_bench.report.figures.scaling import metric_figure
from dask_bench.report.figures.startup import overlay_figure, run_colors, startup_figure
from dask_bench.report.html.build import build_report, default_report_dir

__all__ = [
    "EXPORT_FORMATS",
    "FIGURE_FORMATS",
    "CheckResult",
    "Comparison",
    "build_report",
    "check_run",
    "check_table",
    "compare_runs",
    "comparison_html",
    "comparison_summary",
    "comparison_table",
    "default_report_dir",
    "efficiency_figure",
    "export_run",
    "figure_bytes",
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
    "run_colors",
    "run_header",
    "runs_table",
    "startup_figure",
    "suite_figures",
    "suite_summary",
    "suite_tables",
    "throughput_figure",
    "walltime_figure",
]
