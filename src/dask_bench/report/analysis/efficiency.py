"""How good an efficiency is: the thresholds that flag it, and its level."""

from __future__ import annotations

from dask_bench.report._values import is_missing

#: Efficiency below these fractions is flagged (yellow, then red).
WARN_EFFICIENCY = 0.80
BAD_EFFICIENCY = 0.50
#: Efficiency above this is implausible: never shown as good (green), always explained.
HIGH_EFFICIENCY = 1.10


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
