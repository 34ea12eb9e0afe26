"""How values are written, shared by the terminal tables, figures, HTML report and exports.

One place for every number's format, so that ``show``, the report and ``history``
print the same median, interval and efficiency the same way; and for the short names
of the breakdown categories, which the terminal tables, the page and the figures share.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping
from datetime import datetime
from typing import Any

from dask_bench.report._values import finite, is_missing
from dask_bench.store.states import BREAKDOWN_CATEGORIES, BREAKDOWN_LABELS, Ending, PointStatus

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
    if status == PointStatus.OK and n_failed:
        return f"ok ({n_failed} failed rep.)"
    if status != PointStatus.OK and error:
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
    return status if status not in ("", PointStatus.OK) else "—"


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


def ci_label(confidence: float) -> str:
    """The header of an interval column, e.g. ``95% CI``."""
    return f"{confidence * 100:g}% CI"


def format_date(value: datetime | None) -> str:
    """A stored UTC time as ``YYYY-MM-DD HH:MM:SS UTC``; ``—`` when unknown."""
    if value is None:
        return "—"
    return f"{value:%Y-%m-%d %H:%M:%S} UTC"


def format_layout(layout: Mapping[str, Any] | None, short: bool = False) -> str:
    """A worker layout, e.g. ``2 threads, 4.0 GiB per worker``.

    With worker groups, each group's count and shape; ``short`` (figure titles): each
    group's count and resources only.
    """
    layout = layout or {}
    threads = layout.get("threads_per_worker")
    memory = layout.get("memory_per_worker")
    threads_text = "? threads" if threads is None else f"{threads} thread{'s' * (threads != 1)}"
    groups = layout.get("groups")
    if groups and short:
        return "groups: " + " + ".join(_group_short(g) for g in groups)
    if groups:
        return "groups: " + " + ".join(_group(g) for g in groups)
    return f"{threads_text}, {format_bytes(memory)} per worker"


def _group_short(group: Mapping[str, Any]) -> str:
    """``big (1, BIGMEM=1)``; the swept group says ``swept``."""
    what = ["swept" if group.get("workers") is None else str(group["workers"])]
    what += [f"{k}={float(v):g}" for k, v in (group.get("resources") or {}).items()]
    return f"{group.get('name')} ({', '.join(what)})"


def _group(group: Mapping[str, Any]) -> str:
    """``big (1 x 2 threads, 1.00 GiB, BIGMEM=1)``; the swept group says ``swept``."""
    count = "swept" if group.get("workers") is None else f"{group['workers']} x"
    threads = int(group.get("threads_per_worker", 1))
    what = [f"{count}{',' if count == 'swept' else ''} {threads} thread{'s' * (threads != 1)}"]
    what.append(format_bytes(group.get("memory_per_worker")))
    what += [f"{k}={float(v):g}" for k, v in (group.get("resources") or {}).items()]
    return f"{group.get('name')} ({', '.join(what)})"


def printable(text: str) -> str:
    """``text`` for a terminal: control characters (ANSI sequences, bells) shown escaped.

    Run names, errors and options come from users and files; a terminal must
    display them, never obey them.
    """
    if text.isprintable():
        return text
    return "".join(c if c.isprintable() else f"\\x{ord(c):02x}" for c in text)


#: Short names of the breakdown categories in terminal tables and figure legends.
BREAKDOWN_SHORT = {
    "compute-cpu": "cpu",
    "compute-other": "noncpu",
    "transfer": "xfer",
    "shuffle": "shuffle",
    "serialization": "serde",
    "spill": "spill",
    "overhead": "ovhd",
    "idle": "idle",
}


def dominant_text(row: Mapping[str, object]) -> str:
    """``xfer 45%``: the category that took most of a point's worker time."""
    name, share = row.get("dominant"), row.get("dominant_share")
    if not isinstance(name, str) or not isinstance(share, float) or math.isnan(share):
        return "—"
    return f"{BREAKDOWN_SHORT.get(name, name)} {share * 100:.0f}%"


def breakdown_legend(names: Iterable[str] | None = None) -> str:
    """What each short category name stands for, e.g. ``cpu = task compute, CPU; ...``.

    Parameters
    ----------
    names
        The categories to explain (default: all of them), in any order.
    """
    wanted = set(BREAKDOWN_CATEGORIES if names is None else names)
    return "; ".join(
        f"{BREAKDOWN_SHORT[c]} = {BREAKDOWN_LABELS[c]}" for c in BREAKDOWN_CATEGORIES if c in wanted
    )


def format_allocation(deployment: Any) -> str | None:
    """The batch job a study ran inside, e.g. ``Slurm job 141 on node[1-3], queued 2 s; ...``.

    None when the run did not record one (its back-end was not ``slurm-allocation`` or
    ``pbs-allocation``).
    """
    found = deployment.get("allocation") if isinstance(deployment, Mapping) else None
    if not isinstance(found, Mapping):
        return None
    text = f"{found.get('batch_system', 'batch')} job {found.get('job_id', '?')}"
    if found.get("nodes"):
        text += f" on {found['nodes']}"
    if found.get("queue_seconds") is not None:
        text += f", queued {format_seconds(found['queue_seconds'])}"
    places = []
    for who in ("scheduler", "client"):
        place = found.get(who)
        if isinstance(place, Mapping):
            step = f" step {place['step']}" if place.get("step") else ""
            name = "study" if who == "client" else who
            places.append(f"{name} on {place.get('node', '?')}{step}")
    if found.get("worker_steps"):
        places.append(f"workers in step {', '.join(map(str, found['worker_steps']))}")
    return "; ".join([text, *places])
