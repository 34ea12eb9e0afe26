"""What a ``.env`` file sets in the study (:class:`EnvMapping`), shared by its modules."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

#: KEY -> option of the kubernetes back-end (applied when KUBE is true).
KUBERNETES_KEYS = {
    "KUBE_NAMESPACE": "namespace",
    "CONTAINER_IMAGE": "image",
    "KUBECLUSTER_NAME": "name",  # the DaskCluster's name
}


@dataclass
class EnvMapping:
    """What a ``.env`` file sets in the study, and what it leaves out.

    ``overrides`` holds dotted study keys and values (``{"deployment.workers": [1, 4]}``),
    ``applied`` the ``(KEY, dotted study key)`` pairs, ``ignored`` the ``(KEY, reason)``
    pairs, and ``notes`` a remark per study key shown after its value.
    """

    path: str
    overrides: dict[str, Any] = field(default_factory=dict)
    applied: list[tuple[str, str]] = field(default_factory=list)
    ignored: list[tuple[str, str]] = field(default_factory=list)
    notes: dict[str, str] = field(default_factory=dict)
    #: CERT_DIR, when its certificates are to be made there as the run starts (the seed did).
    certificates_to_make: str | None = None
    #: Study key -> (value, note) when a flag moves the study to the other kind of back-end
    #: than KUBE said: a bare MEM_PER_NODE is GB on Slurm and Gi on Kubernetes.
    if_other_kind: dict[str, tuple[Any, str]] = field(default_factory=dict)

    def _apply(self, key: str, study_key: str, value: Any, note: str | None = None) -> None:
        self.overrides[study_key] = value
        self.applied.append((key, study_key))
        if note:
            self.notes[study_key] = note

    def lines(self, quiet: bool = False) -> list[str]:
        """Plain-text lines for the user; ``quiet`` keeps only the ignored keys."""
        sources: dict[str, list[str]] = {}
        for key, study_key in [] if quiet else self.applied:
            sources.setdefault(study_key, []).append(key)
        out = [
            f"from .env: {', '.join(keys)} -> {study_key} = {self.overrides[study_key]!r}"
            + (f" ({self.notes[study_key]})" if study_key in self.notes else "")
            for study_key, keys in sources.items()
        ]
        return out + [f"ignored: {key} ({reason})" for key, reason in self.ignored]
