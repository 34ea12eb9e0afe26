"""Show stored results: terminal tables, figures, an HTML report and file exports.

The report only reads the results database; it never runs or deploys anything.
"""

from dask_bench.report.export import EXPORT_FORMATS, export_run
from dask_bench.report.figures import (
    efficiency_figure,
    figure_png,
    suite_figures,
    throughput_figure,
)
from dask_bench.report.html import default_report_path, render_report, write_report
from dask_bench.report.tables import run_header, runs_table, suite_tables

__all__ = [
    "EXPORT_FORMATS",
    "default_report_path",
    "efficiency_figure",
    "export_run",
    "figure_png",
    "render_report",
    "run_header",
    "runs_table",
    "suite_figures",
    "suite_tables",
    "throughput_figure",
    "write_report",
]
