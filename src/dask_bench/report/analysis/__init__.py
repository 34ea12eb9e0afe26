"""What the stored results say, with no output format: data frames, verdicts and notes.

Read by the terminal tables (``report.console``), the figures (``report.figures``) and
the HTML report (``report.html``); it reads the store and the study model only.
"""
