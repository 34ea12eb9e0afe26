"""Show stored results: terminal tables, figures, an HTML report and file exports.

The report only reads the results database; it never runs or deploys anything.
"""

from dask_bench.report._plot import FIGURE_FORMATS, figure_bytes, figure_png
from dask_bench.report.build import build_report, default_report_dir
from dask_bench.report.check import CheckResult, check_run, check_table
from dask_bench.report.compare import Comparison, compare_runs, comparison_summary
from dask_bench.report.compare_view import comparison_html, comparison_table
from dask_bench.report.export import EXPORT_FORMATS, export_run, points_export
from dask_bench.report.figures import metric_figure
from dask_bench.report.heatmap import heatmap_figure, heatmaps_figure
from dask_bench.report.history import history_frame, history_table
from dask_bench.report.history_plot import history_figure
from dask_bench.report.overlay import overlay_figure, run_colors, startup_figure
from dask_bench.report.plausibility import plausibility_notes
from dask_bench.report.run_figures import (
    efficiency_figure,
    suite_figures,
    throughput_figure,
    walltime_figure,
)
from dask_bench.report.run_info import run_header, runs_table
from dask_bench.report.summary import suite_summary
from dask_bench.report.tables import suite_tables

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
