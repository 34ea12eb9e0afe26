"""``show`` prints the startup table: workers asked, first and all arrived, queue wait."""

from __future__ import annotations

from rich.console import Console

from dask_bench.report.console.runs import show_runs
from tests.unit.report_data import build_store


def test_show_prints_each_scale_step_with_its_queue_wait(tmp_path):
    store, run = build_store(tmp_path)
    store.add_scale_event(run, requested=2, previous=0, time_to_first=1.25, time_to_all=2.5,
                          ok=True, queue_seconds=0.75, details={})  # fmt: skip
    store.add_scale_event(run, requested=4, previous=2, time_to_first=None, time_to_all=30.0,
                          ok=False, error="2 of 4 arrived", queue_seconds=None)  # fmt: skip
    out = Console(width=100, record=True)
    show_runs(out, store, [store.run(run.id)])
    text = out.export_text()
    table = text[text.index("startup: time for the workers to arrive") :]
    lines = [ln for ln in table.splitlines() if "│" in ln and ("2.500 s" in ln or "30.000 s" in ln)]
    assert len(lines) == 2
    assert "1.250 s" in lines[0] and "750.0 ms" in lines[0] and "ok" in lines[0]
    assert "failed: 2 of 4 arrived" in lines[1]
    store.close()
