"""What the harness itself costs around a size's repetitions, and what that means at scale.

Everything a size spends outside the timed regions of its repetitions (and outside
preparing its workloads' data) is the harness's: checking results, storing rows,
checking the worker set between repetitions, the breakdown's heartbeats and span
readings, sampling memory, and, after the scale step, the checks of the cluster
(versions, Dask config, connections, where the workers run). A :class:`HarnessClock`
adds these up per size; the run's provenance keeps them (``measuring.harness``), and
``benchmarks/scale.py`` compares them between sizes and extrapolates with
:func:`fit_linear` and :func:`extrapolate`.
"""

from __future__ import annotations

import time
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field


@dataclass
class HarnessClock:
    """Seconds one size spends in the harness, by section, and in the workload.

    Attributes
    ----------
    workload
        Seconds inside the timed regions of the size's repetitions, warm-ups included.
    prepare
        Seconds spent preparing the workloads (their input data): the workload's, not
        the harness's.
    sections
        Seconds of named parts of the harness (``between``, ``breakdown``, ...); the
        rest of the harness's time is in none of them.
    """

    workload: float = 0.0
    prepare: float = 0.0
    repetitions: int = 0
    sections: dict[str, float] = field(default_factory=dict)
    started: float = field(default_factory=time.perf_counter)

    @contextmanager
    def section(self, name: str) -> Iterator[None]:
        """Count the time spent inside the block towards ``name``."""
        t0 = time.perf_counter()
        try:
            yield
        finally:
            self.sections[name] = self.sections.get(name, 0.0) + time.perf_counter() - t0

    def repetition(self, seconds: float | None) -> None:
        """A repetition's timed region took ``seconds`` (None: it failed before timing)."""
        self.repetitions += 1
        self.workload += seconds or 0.0

    def figures(self, workers: int, points: int, after_scale: float) -> dict[str, float]:
        """The size's figures, as stored in the run's provenance (seconds, and counts).

        ``per_point_seconds`` is the harness's time of the size, the checks after its
        scale step included, divided among its points.
        """
        wall = time.perf_counter() - self.started
        around = max(0.0, wall - self.workload - self.prepare)
        out = {
            "workers": float(workers),
            "points": float(points),
            "repetitions": float(self.repetitions),
            "wall_seconds": wall,
            "workload_seconds": self.workload,
            "prepare_seconds": self.prepare,
            "harness_seconds": around,
            "after_scale_seconds": after_scale,
            "per_point_seconds": (around + after_scale) / max(points, 1),
        }
        out.update({f"{name}_seconds": s for name, s in sorted(self.sections.items())})
        return {k: round(v, 6) for k, v in out.items()}


def fit_linear(samples: Sequence[tuple[float, float]]) -> tuple[float, float]:
    """A fixed cost and a cost per unit, by least squares through ``(units, seconds)``.

    The cost per unit is never below zero (noise between two close sizes can make it
    so); the fixed cost then is the mean.

    Raises
    ------
    ValueError
        With fewer than two distinct numbers of units.
    """
    xs = [float(x) for x, _ in samples]
    ys = [float(y) for _, y in samples]
    if len(set(xs)) < 2:
        raise ValueError("need samples at two different numbers of units at least")
    mx, my = sum(xs) / len(xs), sum(ys) / len(ys)
    slope = sum((x - mx) * (y - my) for x, y in zip(xs, ys, strict=True)) / sum(
        (x - mx) ** 2 for x in xs
    )
    slope = max(0.0, slope)
    return my - slope * mx, slope


def extrapolate(
    fixed: float, per_worker: float, per_task: float, *, workers: int, tasks: int
) -> float:
    """Seconds the harness would spend on one point of ``workers`` and ``tasks``.

    The costs add up linearly: a fixed part, one per worker, one per task of the point
    (summed over its repetitions); a cost growing faster than that is what
    ``benchmarks/scale.py`` exists to find, and it reports it apart.
    """
    return max(0.0, fixed) + per_worker * workers + per_task * tasks
