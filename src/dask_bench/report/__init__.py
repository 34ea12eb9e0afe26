"""Show stored results: terminal tables, figures, an HTML report and file exports.

The report only reads the results database; it never runs or deploys anything. It
is split by what it produces: ``console`` (rich tables), ``figures`` (matplotlib),
``html`` (the report folder), over ``analysis`` (data and verdicts, no output
format); :mod:`.export` writes data files and :mod:`.summarise` ties the terminal
and the report together for the CLI. These are the names the CLI and callers use.
"""

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
from dask_bench.report.console.run_info import run_header, runs_table
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
from dask_bench.report.html.compare import comparison_html, comparison_page, save_comparison_page
from dask_bench.report.summarise import summarise_runs

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
