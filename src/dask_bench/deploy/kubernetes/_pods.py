"""What the pods of a DaskCluster are doing, in one line: phases, and why pods wait."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Mapping
from typing import Any

_PHASES = ("Running", "Pending", "Terminating", "Succeeded", "Failed", "Unknown")


def pod_states(pods: Iterable[Mapping[str, Any]]) -> str:
    """One line on pods of a DaskCluster: how many in each phase, and why they wait.

    Parameters
    ----------
    pods
        Pods as the Kubernetes API returns them (``metadata``, ``status``).

    Returns
    -------
    str
        E.g. ``scheduler pod: 1 Running; worker pods: 2 Running, 1 Pending
        (Unschedulable: 0/3 nodes are available: 3 Insufficient memory.)``.
    """
    groups: dict[str, Counter[tuple[str, str]]] = {}
    for pod in pods:
        labels = (pod.get("metadata") or {}).get("labels") or {}
        component = str(labels.get("dask.org/component", "other"))
        groups.setdefault(component, Counter())[_pod_state(pod)] += 1
    if not groups:
        return "no pods yet"
    order = {"scheduler": 0, "worker": 1}
    parts = []
    for component in sorted(groups, key=lambda c: (order.get(c, 2), c)):
        states = groups[component]
        total = sum(states.values())
        shown = sorted(states.items(), key=lambda s: (_rank(s[0][0]), -s[1], s[0][1]))
        text = ", ".join(f"{n} {phase}" + (f" ({why})" if why else "") for (phase, why), n in shown)
        parts.append(f"{component} pod{'s' if total != 1 else ''}: {text}")
    return "; ".join(parts)


def pod_nodes(pods: Iterable[Mapping[str, Any]]) -> dict[str, str | None]:
    """Pod name -> the node it was placed on (None while not scheduled)."""
    return {
        str((p.get("metadata") or {}).get("name")): (p.get("spec") or {}).get("nodeName")
        for p in pods
    }


def _pod_state(pod: Mapping[str, Any]) -> tuple[str, str]:
    """(phase, why) of one pod; why: the scheduler's or a waiting container's reason."""
    status = pod.get("status") or {}
    if (pod.get("metadata") or {}).get("deletionTimestamp"):
        return "Terminating", ""
    phase = str(status.get("phase") or "Unknown")
    for condition in status.get("conditions") or []:
        if condition.get("type") == "PodScheduled" and condition.get("status") == "False":
            return phase, _reason(condition)
    for container in status.get("containerStatuses") or []:
        state = container.get("state") or {}
        for key in ("waiting", "terminated"):
            if key in state and state[key].get("reason") not in (None, "Completed"):
                return phase, _reason(state[key])
    return phase, ""


def _reason(detail: Mapping[str, Any]) -> str:
    reason, message = detail.get("reason") or "", " ".join(str(detail.get("message") or "").split())
    if len(message) > 160:
        message = message[:157] + "..."
    return f"{reason}: {message}" if reason and message else reason or message


def _rank(phase: str) -> int:
    return _PHASES.index(phase) if phase in _PHASES else len(_PHASES)
