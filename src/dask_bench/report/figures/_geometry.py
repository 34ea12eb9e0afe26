"""Geometry of a canvas, in inches: segments cut to a box, rectangles, compound paths."""

from __future__ import annotations

import numpy as np
from matplotlib.path import Path


def clip_segments(
    p: np.ndarray, q: np.ndarray, box: tuple[float, float, float, float]
) -> tuple[np.ndarray, np.ndarray]:
    """Segments ``p -> q`` (n x 2 arrays) cut to a box (Liang-Barsky); empty ones dropped."""
    x0, y0, w, h = box
    d = q - p
    t0, t1 = np.zeros(len(p)), np.ones(len(p))
    keep = np.isfinite(p).all(axis=1) & np.isfinite(q).all(axis=1)
    for axis, low, high in ((0, x0, x0 + w), (1, y0, y0 + h)):
        for step, room in ((-d[:, axis], p[:, axis] - low), (d[:, axis], high - p[:, axis])):
            with np.errstate(divide="ignore", invalid="ignore"):
                ratio = room / step
            keep &= ~((step == 0) & (room < 0))
            t0 = np.where(step < 0, np.maximum(t0, ratio), t0)
            t1 = np.where(step > 0, np.minimum(t1, ratio), t1)
    keep &= t0 <= t1
    start, end = p + t0[:, None] * d, p + t1[:, None] * d
    return start[keep], end[keep]


def rectangle(x0: float, y0: float, x1: float, y1: float, *, closed: bool = False) -> np.ndarray:
    """The corners of a rectangle from ``(x0, y0)``: ``(x1, y0)``, ``(x1, y1)``, then ``(x0, y1)``.

    ``closed`` repeats the first corner at the end, for an outline drawn as a line.
    """
    corners = [(x0, y0), (x1, y0), (x1, y1), (x0, y1)]
    return np.array([*corners, corners[0]] if closed else corners, dtype=float)


def compound(parts: list[np.ndarray], closed: bool) -> Path:
    """One path made of many polylines (or polygons): each starts with a move."""
    if closed:  # CLOSEPOLY's own vertex is ignored: give each polygon one more
        parts = [np.vstack([p, p[:1]]) for p in parts]
    vertices = np.concatenate(parts)
    codes = np.full(len(vertices), Path.LINETO, dtype=Path.code_type)
    starts = np.cumsum([0, *(len(p) for p in parts[:-1])])
    codes[starts] = Path.MOVETO
    if closed:
        ends = np.cumsum([len(p) for p in parts]) - 1
        codes[ends] = Path.CLOSEPOLY
    return Path(vertices, codes)


def within(pts: np.ndarray, box: tuple[float, float, float, float]) -> bool:
    """Whether every point (n x 2) lies in the box, up to rounding."""
    x0, y0, w, h = box
    eps = 1e-9
    return bool(
        (pts[:, 0] >= x0 - eps).all()
        and (pts[:, 0] <= x0 + w + eps).all()
        and (pts[:, 1] >= y0 - eps).all()
        and (pts[:, 1] <= y0 + h + eps).all()
    )
