"""Sizes worth timing: grow default-sized workloads until a repetition lasts long enough.

A repetition of a few tens of milliseconds mostly measures scheduling jitter. For a
suite whose sizes the study leaves at their defaults, the first (smallest) size
of the sweep calibrates every workload: while a warm-up is shorter than
``measurement.min_repetition_seconds``, the workload's chunk count is multiplied
(more chunks per processing unit in weak scaling, a larger total in strong
scaling) and the trial prepared again. The factor found is kept for every later
size, so the work per unit stays constant in weak scaling. Sizes set in the study
are never changed; points shorter than the minimum get a note instead.
"""

from __future__ import annotations

import dataclasses
import math
from dataclasses import dataclass, field
from typing import Any

from dask_bench.runner.plan import PlannedPoint, Step
from dask_bench.study import Study, suite_info

#: Study keys that, when set for a suite, keep its sizes as the study says.
SIZE_KEYS = frozenset({"chunk_size", "per_unit", "total"})
#: Largest factor calibration may apply to a workload's chunk count.
MAX_FACTOR = 64
#: Calibration aims this much above the minimum, so that noise does not undercut it.
HEADROOM = 1.3


@dataclass
class Calibration:
    """Chunk-count factors of the workloads of one study, found at its smallest size.

    Parameters
    ----------
    study
        The study (which suites have their sizes set).
    memory_limit
        Bytes one repetition's input may take in all (a share of the workers'
        memory), so that calibration never grows a workload out of memory.
    """

    study: Study
    memory_limit: float = math.inf
    factors: dict[str, int] = field(default_factory=dict)
    #: What calibration found, per workload key, for the run's provenance.
    found: dict[str, dict[str, Any]] = field(default_factory=dict)

    def automatic(self, planned: PlannedPoint) -> bool:
        """Whether the point's suite is left at its default sizes (and sized by them)."""
        name = planned.workload.suite
        suite = getattr(self.study.suites, name, None)
        if suite is None or suite_info(name).sized_by_memory:
            return False  # more chunks would not make more data, only smaller pieces
        return not (SIZE_KEYS & suite.model_fields_set)

    def resize(self, planned: PlannedPoint) -> PlannedPoint:
        """The point with its workload's calibrated chunk count (unchanged if none)."""
        factor = self.factors.get(planned.workload.key, 1)
        if factor == 1:
            return planned
        return dataclasses.replace(planned, chunks=planned.chunks * factor)

    def grow(self, planned: PlannedPoint, seconds: float, nbytes: int) -> PlannedPoint | None:
        """A larger version of ``planned`` (already resized) whose repetition should last.

        Parameters
        ----------
        planned
            The point as last prepared.
        seconds
            How long its warm-up took.
        nbytes
            Bytes its repetition processes (to respect the memory limit).

        Returns
        -------
        PlannedPoint or None
            None when it cannot grow further (factor or memory limit).
        """
        key = planned.workload.key
        factor = self.factors.get(key, 1)
        target = self.study.measurement.min_repetition_seconds * HEADROOM
        step = max(2, math.ceil(target / max(seconds, 1e-6)))
        new = min(MAX_FACTOR, factor * step)
        if nbytes and nbytes / factor * new > self.memory_limit:
            new = max(factor, int(self.memory_limit * factor // nbytes))
        if new <= factor:
            return None
        self.factors[key] = new
        base = planned.chunks // factor
        return dataclasses.replace(planned, chunks=base * new)

    def settle(self, planned: PlannedPoint, seconds: float, default_chunks: int) -> str | None:
        """Record what calibration chose for the point's workload; a note, or None."""
        factor = self.factors.get(planned.workload.key, 1)
        minimum = self.study.measurement.min_repetition_seconds
        self.found[planned.workload.key] = {
            "factor": factor,
            "chunks": planned.chunks,
            "default_chunks": default_chunks,
            "seconds": seconds,
        }
        if factor > 1:
            reached = "" if seconds >= minimum else f" (the most allowed; {seconds:.3g} s)"
            return (
                f"calibrated: {planned.chunks} chunks instead of {default_chunks} "
                f"(x{factor}) so that a repetition lasts at least {minimum:g} s{reached}"
            )
        return None


def calibration_memory(memory_per_worker: int, steps: list[Step]) -> float:
    """Bytes a calibrated repetition's data may take at the smallest size.

    A quarter of its workers' memory: inputs, results and copies must fit beside
    each other.
    """
    if not steps:
        return math.inf
    return memory_per_worker * steps[0].workers / 4


def short_note(planned: PlannedPoint, seconds: float, study: Study) -> str | None:
    """A note for a point whose study-set size gives repetitions under the minimum."""
    minimum = study.measurement.min_repetition_seconds
    if seconds >= minimum:
        return None
    suite = planned.workload.suite
    hint = (
        "its data is a share of the workers' memory: raise deployment.memory_per_worker "
        f"or suites.{suite}.options.fraction"
        if suite_info(suite).sized_by_memory
        else f"raise suites.{suite}.per_unit or chunk_size, or leave them at their defaults "
        "to calibrate"
    )
    return (
        f"a repetition lasts {seconds * 1e3:.0f} ms, under min_repetition_seconds "
        f"{minimum:g} s: timings are dominated by overhead; {hint}"
    )
