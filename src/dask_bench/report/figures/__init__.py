"""Figures: matplotlib figures of scaling, heatmaps, breakdowns, startup and history.

Built on :class:`matplotlib.figure.Figure` with an Agg canvas, never through pyplot, so
that drawing neither depends on nor leaks into global state and works without a display.
"""
