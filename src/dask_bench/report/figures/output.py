"""Figure files: a figure rendered to PNG, SVG or PDF bytes, or written to a file.

Output is reproducible: SVG and PDF carry no date and fixed ids, so the same figure
gives the same file from one run to the next.
"""

from __future__ import annotations

import io
import os
from pathlib import Path

from matplotlib import rc_context
from matplotlib.figure import Figure

from dask_bench.errors import ConfigError
from dask_bench.report._files import atomic_output, check_output

#: Formats a figure can be written in; the HTML page embeds the SVG.
FIGURE_FORMATS = ("png", "svg", "pdf")
#: Resolution of a PNG (sharp on high-density screens).
DPI = 150


def figure_bytes(fig: Figure, fmt: str = "png", dpi: int = DPI) -> bytes:
    """Render a figure to the bytes of a PNG, SVG or PDF file.

    Parameters
    ----------
    fig
        A figure of this package (or any Agg-renderable figure).
    fmt
        One of :data:`FIGURE_FORMATS`.
    dpi
        Resolution of raster output.

    Returns
    -------
    bytes
        The file's content.
    """
    buffer = io.BytesIO()
    # Fixed metadata and ids keep SVG and PDF output identical from one run to the next;
    # SVG text stays text (smaller, sharper and quicker to write than glyph outlines).
    metadata = {"Date": None} if fmt in ("svg", "pdf") else None
    with rc_context({"svg.fonttype": "none", "svg.hashsalt": "dask-bench"}):
        fig.savefig(buffer, format=fmt, dpi=dpi, metadata=metadata)
    return buffer.getvalue()


def figure_png(fig: Figure, dpi: int = DPI) -> bytes:
    """Render a figure to PNG bytes (see :func:`figure_bytes`)."""
    return figure_bytes(fig, "png", dpi)


def figure_format(path: str | os.PathLike[str]) -> str:
    """The format of a figure file from its suffix, once its folder is checked.

    Raises
    ------
    ConfigError
        For a suffix other than .png, .svg or .pdf, or a missing output folder.
    """
    fmt = Path(path).suffix.lower().lstrip(".")
    if fmt not in FIGURE_FORMATS:
        raise ConfigError(
            f"cannot tell the figure format of {os.fspath(path)!r}; end the file name with "
            f"{', '.join('.' + f for f in FIGURE_FORMATS)}"
        )
    check_output(path)
    return fmt


def save_figure(fig: Figure, path: str | os.PathLike[str]) -> Path:
    """Write a figure to ``path`` atomically, in the format its suffix names.

    Raises
    ------
    ConfigError
        As :func:`figure_format`.
    """
    fmt = figure_format(path)
    with atomic_output(path) as tmp:
        tmp.write_bytes(figure_bytes(fig, fmt))
    return Path(path)
