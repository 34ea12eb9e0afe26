"""Writing scenarios and their repetitions (schema 7): a part of the Store."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from dask_bench.store.schema import (
    PointStatus,
    Run,
    ScenarioRepetition,
    ScenarioRole,
    ScenarioRow,
)


def _now() -> datetime:
    return datetime.now(UTC).replace(tzinfo=None)


class ScenarioWrites:
    """The store's scenario writes; each commits at once, like every other write."""

    def _commit(self, *rows: Any) -> None:  # pragma: no cover - the Store's
        raise NotImplementedError

    def add_scenario(self, run: Run, **fields: Any) -> ScenarioRow:
        """Insert a scenario with status ``running``."""
        row = ScenarioRow(run_id=run.id, status=PointStatus.RUNNING, started_at=_now(), **fields)
        self._commit(row)
        return row

    def drop_scenarios(self, scenarios: list[ScenarioRow]) -> None:
        """Delete scenarios with their repetitions (a resume runs them again)."""
        for row in scenarios:
            row.run.scenarios.remove(row)  # delete-orphan: its repetitions go with it
        self._commit()

    def finish_scenario(
        self, scenario: ScenarioRow, status: PointStatus, error: str | None = None, **fields: Any
    ) -> None:
        """Close a scenario as ``ok``, ``failed`` or ``interrupted``."""
        scenario.status, scenario.error, scenario.finished_at = status, error, _now()
        for key, value in fields.items():
            setattr(scenario, key, value)
        self._commit(scenario)

    def add_scenario_repetition(
        self,
        scenario: ScenarioRow,
        *,
        pair: int,
        role: ScenarioRole,
        seconds: float | None,
        ok: bool,
        correct: bool | None,
        error: str | None,
        started_at: datetime,
        figures: dict[str, Any],
    ) -> ScenarioRepetition:
        """Insert one repetition of a scenario (with its event, or a control)."""
        row = ScenarioRepetition(
            scenario_id=scenario.id,
            pair=pair,
            role=role,
            seconds=seconds,
            ok=ok,
            correct=correct,
            error=error,
            started_at=started_at,
            figures=figures,
        )
        self._commit(row)
        return row
