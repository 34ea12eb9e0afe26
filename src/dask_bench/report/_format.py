"""How values are written: shared by the terminal tables, the HTML report and the exports.

One place for every number's format, so that ``show``, the report and ``history``
print the same median, interval and efficiency the same way.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from datetime import datetime
from typing import Any

from dask_bench.store.schema import Ending, Run

#: Efficiency below these fractions is flagged (yellow, then red).
WARN_EFFICIENCY = 0.80
BAD_EFFICIENCY = 0.50
#: Efficiency above this is implausible: never shown as good (green), always explained.
HIGH_EFFICIENCY = 1.10
#: Longest error text shown in a table cell; the full text stays in the database.
ERROR_WIDTH = 60
#: How each way a point can end is named in tables (see :class:`Ending`).
ENDING_SHORT = {
    Ending.PRECISION: "precise",
    Ending.BUDGET: "budget",
    Ending.TIME_BUDGET: "time budget",
    Ending.MAX_REPEATS: "max repeats",
    Ending.DISTURBED: "disturbed",
    Ending.FAILURE: "failed",
}


def is_missing(value: Any) -> bool:
    """Whether a cell value is absent (None, NaN or pandas' NA)."""
    if value is None:
        return True
    try:
        return bool(value != value)  # NaN and NaT are the values unequal to themselves
    except (TypeError, ValueError):  # pandas.NA refuses to be a bool
        return True


def _time_scale(seconds: float) -> tuple[float, str]:
    # One unit per value keeps three significant figures readable across µs..minutes.
    magnitude = abs(seconds)
    if magnitude >= 1 or magnitude == 0:
        return 1.0, "s"
    if magnitude >= 1e-3:
        return 1e3, "ms"
    return 1e6, "µs"


def format_seconds(seconds: float | None, like: float | None = None) -> str:
    """A duration such as ``1.234 s`` or ``56.7 ms``; ``—`` when unknown.

    Parameters
    ----------
    seconds
        The duration.
    like
        Use the unit that suits this value instead (so an interval is shown in the
        unit of its median).
    """
    if seconds is None or is_missing(seconds):
        return "—"
    scale, unit = _time_scale(seconds if like is None or is_missing(like) else like)
    digits = 3 if unit == "s" else 1
    return f"{seconds * scale:.{digits}f} {unit}"


def format_interval(low: Any, high: Any, like: Any) -> str:
    """A time interval in the unit of ``like`` (its median), e.g. ``[431.0, 470.0] ms``.

    ``—`` when either end is unknown (too few repetitions for an interval).
    """
    if is_missing(low) or is_missing(high):
        return "—"
    scale, unit = _time_scale(float(high if is_missing(like) else like))
    digits = 3 if unit == "s" else 1
    return f"[{float(low) * scale:.{digits}f}, {float(high) * scale:.{digits}f}] {unit}"


def format_efficiency(value: float | None) -> str:
    """Efficiency as a whole percentage, e.g. ``97%``; ``—`` when unknown."""
    if value is None or is_missing(value):
        return "—"
    return f"{value * 100:.0f}%"


def format_ratio_interval(low: Any, high: Any, percent: bool = True) -> str:
    """An efficiency (``[80%, 95%]``) or speedup (``[1.71x, 1.93x]``) interval; ``—`` if unknown."""
    if is_missing(low) or is_missing(high):
        return "—"
    if percent:
        return f"[{format_efficiency(low)}, {format_efficiency(high)}]"
    return f"[{float(low):.2f}x, {float(high):.2f}x]"


def format_bytes(nbytes: Any) -> str:
    """A byte count in binary units, e.g. ``4.0 GiB``; ``—`` when unknown."""
    if is_missing(nbytes) or not isinstance(nbytes, (int, float)):
        return "—"
    value = float(nbytes)
    if abs(value) < 1024:
        return f"{value:.0f} B"
    for unit in ("KiB", "MiB", "GiB"):
        value /= 1024
        if abs(value) < 1024:
            return f"{value:.1f} {unit}"
    return f"{value / 1024:.1f} TiB"


def format_bandwidth(bytes_per_second: Any) -> str:
    """A bandwidth in binary units, e.g. ``4.2 GiB/s``; ``—`` when unknown."""
    if is_missing(bytes_per_second) or not isinstance(bytes_per_second, (int, float)):
        return "—"
    return f"{format_bytes(bytes_per_second)}/s"


def format_throughput(value: float | None, unit: str) -> str:
    """Throughput with its unit, e.g. ``1,234 tasks/s``; ``—`` when unknown."""
    if value is None or is_missing(value):
        return "—"
    number = f"{value:,.0f}" if abs(value) >= 100 else f"{value:.3g}"
    return f"{number} {unit}".strip()


def efficiency_level(value: float | None) -> str:
    """How an efficiency is flagged.

    ``ok``; ``warn`` below 80 %; ``bad`` below 50 %; ``high`` above 110 % (too good
    to be true: never shown as good); ``none`` when unknown.
    """
    if value is None or is_missing(value):
        return "none"
    if value > HIGH_EFFICIENCY:
        return "high"
    if value < BAD_EFFICIENCY:
        return "bad"
    if value < WARN_EFFICIENCY:
        return "warn"
    return "ok"


def error_text(error: Any) -> str | None:
    """A stored error as text; None when absent (pandas turns a missing one into NaN)."""
    return None if is_missing(error) or error == "" else str(error)


def short_error(error: Any, width: int = ERROR_WIDTH) -> str:
    """The first line of an error, cut to ``width`` characters."""
    error = error_text(error)
    if error is None:
        return ""
    line = next((ln.strip() for ln in str(error).splitlines() if ln.strip()), "")
    return line if len(line) <= width else line[: width - 1] + "…"


def point_status(row: Mapping[str, Any]) -> str:
    """A point's status as shown: ``ok``, ``failed: <error>``, with failed repetitions."""
    status = str(row.get("status") or "unknown")
    error = short_error(row.get("error"))
    n_failed = int(row.get("n_failed") or 0)
    if status == "ok" and n_failed:
        return f"ok ({n_failed} failed rep.)"
    if status != "ok" and error:
        return f"{status}: {error}"
    return status


def ending(row: Mapping[str, Any]) -> str:
    """How a point ended, in a word or two: ``precise``, ``budget``, ``max repeats``, ...

    Points stored before the ending was recorded fall back to their status.
    """
    stopped = row.get("stopped_by")
    if isinstance(stopped, str) and stopped:
        try:
            return ENDING_SHORT[Ending(stopped)]
        except ValueError:
            return stopped.replace("_", " ")
    status = str(row.get("status") or "")
    return "failed" if status == "failed" else (status if status not in ("", "ok") else "—")


def ending_text(row: Mapping[str, Any]) -> str:
    """:func:`ending`, with the repetitions left out as disturbed, e.g. ``budget, 2 disturbed``."""
    text = ending(row)
    disturbed = finite(row.get("n_disturbed"))
    count = 0 if disturbed is None else int(disturbed)
    if count and text != ENDING_SHORT[Ending.DISTURBED]:
        return f"{text}, {count} disturbed"
    if count:
        return f"{text} ({count})"
    return text


def is_imprecise(row: Mapping[str, Any]) -> bool:
    """Whether a measured point missed its precision target (its interval is too wide)."""
    n = finite(row.get("n"))
    if n is None or n == 0:
        return False
    precise = row.get("precise")
    if precise is not None and not is_missing(precise):
        return not bool(precise)
    return row.get("stopped_by") not in (None, Ending.PRECISION.value)


#: The columns a table of points shows (narrow frames are much quicker to turn into rows).
TABLE_COLUMNS = (
    "run_id", "point_id", "suite", "workload", "units", "workers", "threads_per_worker",
    "mode", "status", "n", "n_failed", "n_disturbed", "disturbance", "precise", "stopped_by",
    "median", "ci_low", "ci_high", "ci_rel", "throughput", "throughput_unit", "speedup",
    "efficiency", "efficiency_low", "efficiency_high", "dominant", "dominant_share", "error",
    "notes", "metrics_note",
)  # fmt: skip


def table_rows(points: Any) -> list[dict[str, Any]]:
    """The rows of a point frame as dicts, with the :data:`TABLE_COLUMNS` it has."""
    records: list[dict[str, Any]] = points[[c for c in TABLE_COLUMNS if c in points]].to_dict(
        "records"
    )
    return records


def confidence_of(run: Run) -> float:
    """The confidence level of a run's intervals (its study's ``measurement.confidence``)."""
    study = run.study if isinstance(run.study, Mapping) else {}
    value = nested(study, "measurement", "confidence")
    return float(value) if isinstance(value, (int, float)) else 0.95


def ci_label(confidence: float) -> str:
    """The header of an interval column, e.g. ``95% CI``."""
    return f"{confidence * 100:g}% CI"


def format_date(value: datetime | None) -> str:
    """A stored UTC time as ``YYYY-MM-DD HH:MM:SS UTC``; ``—`` when unknown."""
    if value is None:
        return "—"
    return f"{value:%Y-%m-%d %H:%M:%S} UTC"


def format_layout(layout: Mapping[str, Any] | None) -> str:
    """A worker layout, e.g. ``2 threads, 4.0 GiB per worker``."""
    layout = layout or {}
    threads = layout.get("threads_per_worker")
    memory = layout.get("memory_per_worker")
    threads_text = "? threads" if threads is None else f"{threads} thread{'s' * (threads != 1)}"
    return f"{threads_text}, {format_bytes(memory)} per worker"


def nested(mapping: Any, *keys: str) -> Any:
    """``mapping[k1][k2]...`` or None when any level is missing (provenance may be partial)."""
    for key in keys:
        if not isinstance(mapping, Mapping):
            return None
        mapping = mapping.get(key)
    return mapping


def package_version(run: Run, package: str) -> str:
    """A package's version on the client, as recorded; ``unknown`` when not recorded."""
    version = nested(run.environment, "versions", "client", package)
    return str(version) if version else "unknown"


def finite(value: Any) -> float | None:
    """``value`` as a finite float, or None (missing, NaN or infinite)."""
    if is_missing(value):
        return None
    try:
        number = float(value)
    except (TypeError, ValueError):
        return None
    return number if math.isfinite(number) else None


def printable(text: str) -> str:
    """``text`` for a terminal: control characters (ANSI sequences, bells) shown escaped.

    Run names, errors and options come from users and files; a terminal must
    display them, never obey them.
    """
    if text.isprintable():
        return text
    return "".join(c if c.isprintable() else f"\\x{ord(c):02x}" for c in text)
