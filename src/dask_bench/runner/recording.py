"""What a running study records about itself in the run's provenance, as it learns it.

Every write goes through :meth:`Store.update_provenance`, one section at a time:
connections and enforced layout after each scale step, package versions and the Dask
config of every worker that arrived, the hardware baseline, what calibration chose.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from dask_bench.deploy.scaling import connected_workers
from dask_bench.runner.dask_config import (
    config_mismatches,
    merge_seen,
    read_config,
    require_config,
)
from dask_bench.runner.provenance import (
    cluster_versions,
    enforced_layout,
    environment,
    http_listeners,
    merge_versions,
    mismatch_warning,
    require_matching_versions,
    require_tls,
    transport,
)

if TYPE_CHECKING:
    from distributed import Client

    from dask_bench.deploy import Backend
    from dask_bench.runner.calibrate import Calibration
    from dask_bench.runner.progress import Reporter
    from dask_bench.store import Store
    from dask_bench.store.schema import Run
    from dask_bench.study import Study


class Recorder:
    """Keeps one run's provenance up to date while its study runs."""

    def __init__(
        self, store: Store, run: Run, backend: Backend, reporter: Reporter, study: Study
    ) -> None:
        self.store, self.run, self.backend = store, run, backend
        self.reporter, self.study = reporter, study
        self.seen_versions: dict[str, Any] | None = None
        self.seen_config: dict[str, Any] | None = None
        #: Seconds spent reading the breakdown's metrics (outside timed regions).
        self.breakdown_seconds = 0.0
        #: What the harness spent per size (by worker count), see runner/harness.py.
        # a resumed run keeps the figures of the sizes it measured before
        self.harness_figures = dict(run.provenance.measuring.harness)
        self._calibration: dict[str, dict[str, Any]] = {}

    def calibration(self, calibration: Calibration) -> None:
        """Store what calibration chose and what reading the metrics cost."""
        self._calibration = calibration.found
        self._measuring()

    def harness(self, workers: int, figures: dict[str, float]) -> None:
        """Store what the harness spent on a size (see :mod:`dask_bench.runner.harness`)."""
        self.harness_figures[str(workers)] = figures
        self._measuring()

    def _measuring(self) -> None:
        facts = {
            "calibration": self._calibration,
            "breakdown_seconds": round(self.breakdown_seconds, 4),
            "harness": self.harness_figures,
        }
        self.store.update_provenance(self.run, measuring=facts)

    def hardware(self, baseline: dict[str, Any]) -> None:
        """Store the hardware baseline (and say so when it failed)."""
        if "error" in baseline:
            self.reporter.warn(f"hardware baseline failed: {baseline['error']}")
        self.store.update_provenance(self.run, hardware=baseline)

    def transport(self, client: Client) -> None:
        """Record how scheduler and workers are reached; with TLS asked, insist on tls://."""
        seen = {**transport(client), "dashboard": http_listeners(client)}
        before = self.run.provenance
        security = {**before.security.model_dump(exclude_unset=True), **seen}
        enforced = enforced_layout(client)
        if security != before.security.model_dump() or enforced != before.layout_enforced:
            # what the workers enforce, which a deployer may cap (LocalCluster: the memory)
            self.store.update_provenance(self.run, security=security, layout_enforced=enforced)
        if self.study.security.enabled:
            require_tls(seen)

    def versions(self, client: Client) -> None:
        """Record the cluster's versions; stop on a mismatch unless the study allows it.

        Runs after every scale step (new workers may bring other versions), so before
        any point is measured at that size.
        """
        self.seen_versions = merge_versions(self.seen_versions, cluster_versions(client))
        # stored before stopping, so the failed run still shows what differed
        stored = self.store.update_provenance(
            self.run, **environment(self.backend.describe(), self.seen_versions)
        )
        mismatches = stored.version_mismatches
        require_matching_versions(mismatches, self.study.deployment.allow_version_mismatch)
        for m in mismatches:
            self.reporter.warn(mismatch_warning(m))

    def dask_config(self, client: Client) -> None:
        """Read the study's Dask config back from every side, record it, stop on a mismatch.

        Runs after every scale step, as :meth:`versions` does; nothing when the study
        sets no config.
        """
        requested = self.study.config
        if not requested:
            return
        self.seen_config = merge_seen(self.seen_config, read_config(client, list(requested)))
        found = config_mismatches(requested, self.seen_config)
        # stored before stopping, so the failed run still shows what differed
        seen = {"requested": dict(requested), **self.seen_config, "mismatches": found}
        self.store.update_provenance(self.run, dask_config=seen)
        require_config(found, self.backend, len(connected_workers(client)))
