"""Defaults shared by the study model and the statistics (kept free of heavy imports)."""

#: The confidence level of every interval unless a study says otherwise.
DEFAULT_CONFIDENCE = 0.95
