"""What the stack outputs say about the ACI container groups: every instance of every named deployment (output
`containers`) and the rollout batches (output `aciRolloutBatches`), each group with its URN, ARM id and /status."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from components.catalog import CONTAINERS, READY_PATH, Kind
from rotation.container_groups import ContainerGroupId
from rotation.errors import RotationError
from rotation.status import StatusTrust

TLS_CERTIFICATE_OUTPUT = "tlsCertificate"
ROLLOUT_BATCHES_OUTPUT = "aciRolloutBatches"


@dataclass(frozen=True)
class Instance:
    """One container group of a named deployment (ACI runs one per replica), by its /status URL."""

    deployment: str
    kind: str
    number: int
    replicas: int
    status_url: str

    @property
    def label(self) -> str:
        return self.deployment if self.replicas == 1 else f"{self.deployment} #{self.number}"

    @property
    def ready_paths(self) -> tuple[str, ...]:
        """/ready, plus the health checks newer images of the kind document instead (neural TTS 3.10+:
        /synthesize/health). The outputs do not say which version runs, so any of them answering 200 will do."""
        try:
            spec = CONTAINERS[Kind(self.kind)]
        except ValueError:
            return (READY_PATH,)
        return (READY_PATH, *dict.fromkeys(check.path for check in spec.health))


@dataclass(frozen=True)
class Group:
    """One container group of a rollout batch: what `pulumi up --target` names, where ARM keeps its key tag, and
    its instance's /status."""

    urn: str
    id: ContainerGroupId
    instance: Instance


@dataclass(frozen=True)
class Batch:
    """Container groups that one `pulumi up --target` restarts together: replica `number` of every deployment."""

    number: int
    groups: tuple[Group, ...]

    @property
    def urns(self) -> tuple[str, ...]:
        return tuple(group.urn for group in self.groups)

    @property
    def instances(self) -> tuple[Instance, ...]:
        return tuple(group.instance for group in self.groups)

    @property
    def labels(self) -> str:
        return ", ".join(instance.label for instance in self.instances)

    def single_replica_warning(self) -> str | None:
        names = [instance.deployment for instance in self.instances if instance.replicas == 1]
        if not names:
            return None
        verb = "has" if len(names) == 1 else "have"
        return (
            f"{', '.join(names)} {verb} a single replica: its one container group restarts, so the deployment is "
            "unavailable while the model loads (minutes); set `replicas: 2` for zero-downtime rotation"
        )


def stack_trust(outputs: Mapping[str, Any]) -> StatusTrust:
    pem = outputs.get(TLS_CERTIFICATE_OUTPUT)
    if isinstance(pem, str):
        return StatusTrust.pinning(pem, f"stack output {TLS_CERTIFICATE_OUTPUT}")
    return StatusTrust.verifying(None)


def instances(outputs: Mapping[str, Any], stack_name: str) -> list[Instance]:
    """Every instance of every named deployment, from stack output `containers` (name -> {kind, statusUrls, ...})."""
    containers = outputs.get("containers")
    per_deployment = {
        name: _kind_and_status_urls(container)
        for name, container in (containers.items() if isinstance(containers, dict) else ())
    }
    if not per_deployment or None in per_deployment.values():
        raise RotationError(
            f"stack {stack_name!r} has no 'containers' output with a kind and statusUrls for each deployment"
        )
    return [
        Instance(name, kind, number, len(urls), url)
        for name, found in per_deployment.items()
        if found
        for kind, urls in [found]
        for number, url in enumerate(urls, 1)
    ]


def _kind_and_status_urls(container: object) -> tuple[str, list[str]] | None:
    """`kind` and `statusUrls`, or None when they are not a kind name and a list of URLs."""
    if not isinstance(container, dict):
        return None
    kind, urls = container.get("kind"), container.get("statusUrls")
    if isinstance(kind, str) and isinstance(urls, list) and urls and all(isinstance(url, str) for url in urls):
        return kind, [str(url) for url in urls]
    return None


def rollout_batches(outputs: Mapping[str, Any], stack_name: str) -> list[Batch]:
    """Stack output aciRolloutBatches, each group matched to its instance (output `containers`) by /status URL."""
    by_url = {instance.status_url: instance for instance in instances(outputs, stack_name)}
    batches = outputs.get(ROLLOUT_BATCHES_OUTPUT)
    if not isinstance(batches, list) or not batches or not all(isinstance(batch, list) and batch for batch in batches):
        raise _unusable_batches(stack_name)
    return [
        Batch(number, tuple(_group(entry, by_url, stack_name) for entry in batch))
        for number, batch in enumerate(batches, 1)
    ]


def _group(entry: object, by_url: Mapping[str, Instance], stack_name: str) -> Group:
    if isinstance(entry, dict):
        urn, group_id = entry.get("urn"), ContainerGroupId.parse(entry.get("id"))
        instance = by_url.get(str(entry.get("statusUrl")))
        if isinstance(urn, str) and group_id is not None and instance is not None:
            return Group(urn, group_id, instance)
    raise _unusable_batches(stack_name)


def _unusable_batches(stack_name: str) -> RotationError:
    """Stacks deployed by older versions lack the output or its ids; `pulumi up` with this version adds both."""
    return RotationError(
        f"stack output {ROLLOUT_BATCHES_OUTPUT} of {stack_name!r} is missing or not a list of batches of "
        "{urn, id, statusUrl} with every statusUrl in stack output containers (stacks deployed by an older "
        f"version): run `pulumi up --yes --stack {stack_name}` once with this version, then rerun"
    )
