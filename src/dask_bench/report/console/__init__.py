"""Terminal output: rich tables and panels of runs, checks, comparisons and histories.

Everything here returns rich renderables; printing them is the caller's job.
"""
