"""The HTML report: one self-contained page of one or several runs, its figures and data."""
