"""The Speech pods as the rotation sees them: which key each may hold, and whether and where it serves.

A container reads the API key from the synced Secret once, when it starts (an env var from a secretKeyRef). So a
pod holds the Secret's current value only if each of its running containers started after the Secret's data last
changed. The API server records that change in the Secret's managed fields; both times are whole seconds, so a
container that started in the same second as the change may hold either value and proves nothing.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from components.catalog import AKS
from rotation.errors import RotationError

Json = dict[str, Any]


@dataclass(frozen=True)
class SpeechPod:
    deployment: str
    name: str
    ready: bool
    terminating: bool
    #: When each running container started.
    started: tuple[datetime, ...]
    #: The number of the container port named `http` (the pod proxy needs a number: it does not resolve names).
    port: int | None

    @property
    def label(self) -> str:
        return f"{self.deployment}/{self.name}"

    def started_by(self, moment: datetime) -> bool:
        """Whether a running container started at `moment` (to the second) or earlier."""
        return any(start <= moment for start in self.started)


def selector(deployment: Json) -> str:
    """The Deployment's pod selector as a label selector query (our Deployments select by labels only)."""
    labels: Mapping[str, str] = deployment["spec"]["selector"].get("matchLabels") or {}
    if not labels or deployment["spec"]["selector"].get("matchExpressions"):
        name = deployment["metadata"]["name"]
        raise RotationError(f"Deployment {name!r} does not select its pods by matchLabels alone")
    return ",".join(f"{key}={value}" for key, value in labels.items())


def speech_pod(deployment: str, pod: Json) -> SpeechPod:
    status: Json = pod.get("status") or {}
    conditions = status.get("conditions") or []
    containers = pod["spec"].get("containers") or []
    ports = [port for container in containers for port in container.get("ports") or []]
    http = next((port["containerPort"] for port in ports if port.get("name") == AKS.service_port_name), None)
    return SpeechPod(
        deployment=deployment,
        name=pod["metadata"]["name"],
        ready=any(c.get("type") == "Ready" and c.get("status") == "True" for c in conditions),
        terminating=pod["metadata"].get("deletionTimestamp") is not None,
        started=tuple(
            _time(running["startedAt"])
            for container in status.get("containerStatuses") or []
            if (running := (container.get("state") or {}).get("running"))
        ),
        port=http,
    )


def last_data_change(secret: Json) -> datetime:
    """When the Secret's data last changed: the newest managed-fields entry that owns `data` (the API server
    updates an entry's time when its manager changes a value), else when the Secret was created."""
    metadata: Json = secret["metadata"]
    times = [
        _time(entry["time"])
        for entry in metadata.get("managedFields") or []
        if "f:data" in (entry.get("fieldsV1") or {}) and entry.get("time")
    ]
    return max(times, default=_time(metadata["creationTimestamp"]))


def _time(text: str) -> datetime:
    return datetime.fromisoformat(text)
