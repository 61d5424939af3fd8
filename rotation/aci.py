"""ACI: the Pulumi stack injects the key as a secure env var, so moving containers means `pulumi up`.

Any env change restarts a container group, and the model then loads for minutes. So the groups are updated one
rollout batch (replica n of every kind) at a time with `pulumi up --target`, each batch only once the previous one
answers /status: the other replicas keep serving meanwhile.
"""

from __future__ import annotations

import shlex
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from functools import partial
from typing import Any

from components.catalog import KEY_NAME_TAG
from rotation.container_groups import ContainerGroupId, ContainerGroupKeys
from rotation.errors import ActionRequiredError, RotationError
from rotation.keys import KeyName
from rotation.machine import Done, Step
from rotation.stack import ACTIVE_KEY_OUTPUT, PulumiStack
from rotation.state import RotationState
from rotation.status import StatusEndpoint, StatusTrust, http_status_endpoint, wait_until_valid
from rotation.waiting import Waits

TLS_CERTIFICATE_OUTPUT = "tlsCertificate"
ROLLOUT_BATCHES_OUTPUT = "aciRolloutBatches"
MANUAL_REASON = (
    "run these commands in order (--apply was not given); after each `pulumi up --target`, wait until every "
    f"statusUrl of that batch in stack output {ROLLOUT_BATCHES_OUTPUT} reports apiStatus Valid (the model loads "
    "for minutes) before the next command; then rerun the rotation to verify and finish"
)


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


@dataclass(frozen=True)
class AciHost:
    """Each container group's ARM tag `speech-key-name` says which key it runs with: that, not stack output
    activeKey, decides which batches are rolled and whether the old key may go. `status_ca` comes from
    --status-ca-file; without it, https /status trusts the stack's self-signed certificate (output tlsCertificate,
    pinned) or else the system trust store."""

    stack: PulumiStack
    group_keys: ContainerGroupKeys
    apply: bool
    waits: Waits
    status_ca: StatusTrust | None = None
    #: Each group's tag as last read in this run, by group name; forgotten when a `pulumi up` of ours may change it.
    _read_tags: dict[str, KeyName | None] = field(default_factory=dict, init=False, repr=False)

    def check_in_use(self, state: RotationState) -> str:
        if self.stack.executable is None:
            raise RotationError(
                f"the ACI container groups are listed in stack output {ROLLOUT_BATCHES_OUTPUT}, which needs the "
                "Pulumi CLI (pulumi is not on PATH); refusing to regenerate a key"
            )
        deployed = self.stack.deployed_key()
        if deployed is not state.active_key:
            raise RotationError(
                f"stack output {ACTIVE_KEY_OUTPUT} is {deployed} but the secret holds {state.active_key}; "
                "the containers' key is unclear, so no key was regenerated"
            )
        groups = self._groups()
        self._require_groups_on(state.active_key, groups)
        return f"stack output {ACTIVE_KEY_OUTPUT} and the {KEY_NAME_TAG} tag of all {len(groups)} groups are {deployed}"

    def roll_steps(self, state: RotationState) -> Sequence[Step]:
        """One step per rollout batch, then an untargeted `pulumi up` that converges the rest (e.g. the preflight
        group) and refreshes output activeKey."""
        if self.stack.executable is None:
            return (Step("deploy-stack", f"deploy {state.active_key} to the ACI containers", self._pause_for_cli),)
        batches = self._batches()
        commands = [
            self.stack.set_active_key_command(state.active_key),
            *(self.stack.up_command(batch.urns) for batch in batches),
            self.stack.up_command(),
        ]
        groups = [group for batch in batches for group in batch.groups]
        return (
            *(self._batch_step(state, batch, len(batches), commands) for batch in batches),
            Step(
                "deploy-stack",
                f"converge the rest of the stack and refresh output {ACTIVE_KEY_OUTPUT} with "
                f"`{shlex.join(self.stack.up_command())}`",
                partial(self._deploy_stack, groups, commands),
            ),
        )

    def _batch_step(self, state: RotationState, batch: Batch, count: int, commands: Sequence[Sequence[str]]) -> Step:
        command = shlex.join(self.stack.up_command(batch.urns))
        return Step(
            f"roll-batch-{batch.number}",
            f"batch {batch.number} of {count}: restart {batch.labels} with `{command}`, "
            f"then wait until their /status reports {state.active_key} valid",
            partial(self._roll_batch, batch, commands),
            batch.single_replica_warning(),
        )

    def status_endpoints(self) -> Sequence[StatusEndpoint]:
        """Every instance of every deployment: ACI runs one container group per replica, each with its own key."""
        return self._endpoints(_instances(self.stack.outputs(), self.stack.name))

    def _endpoints(self, instances: Sequence[Instance]) -> list[StatusEndpoint]:
        trust = self.status_ca or _stack_trust(self.stack.outputs())
        return [http_status_endpoint(instance.label, instance.status_url, trust) for instance in instances]

    def _batches(self) -> list[Batch]:
        outputs = self.stack.outputs()
        return _rollout_batches(outputs, _instances(outputs, self.stack.name), self.stack.name)

    def _groups(self) -> list[Group]:
        return [group for batch in self._batches() for group in batch.groups]

    def _roll_batch(self, batch: Batch, commands: Sequence[Sequence[str]], state: RotationState) -> Done:
        """Restarts the batch unless each of its groups is tagged with the key already; waits for its /status
        either way, since an interrupted run may have left the batch loading."""
        if self._groups_off(state.active_key, batch.groups, reread=False):
            self._require_apply(commands)
            self._forget_tags(batch.groups)
            self.stack.up(batch.urns)
            action = f"`pulumi up --target` restarted batch {batch.number}"
        else:
            action = f"every group of batch {batch.number} is tagged {state.active_key} already"
        return Done(state, f"{action}; {wait_until_valid(self._endpoints(batch.instances), self.waits)}")

    def _deploy_stack(self, groups: Sequence[Group], commands: Sequence[Sequence[str]], state: RotationState) -> Done:
        """Skipped only when output activeKey and every group's tag name the key. The tags are not read again
        after `pulumi up`: the check before the old key is regenerated reads them, and that is where they matter."""
        key = state.active_key
        if self.stack.deployed_key() is key and not self._groups_off(key, groups, reread=False):
            return Done(state, f"stack output {ACTIVE_KEY_OUTPUT} and every group's tag are {key}: already deployed")
        self._require_apply(commands)
        self._forget_tags(groups)
        self.stack.up()
        deployed = self.stack.deployed_key()
        if deployed is not key:
            raise RotationError(f"after `pulumi up`, stack output {ACTIVE_KEY_OUTPUT} is {deployed}, not {key}")
        return Done(state, f"`pulumi up` deployed {key}")

    def _require_apply(self, commands: Sequence[Sequence[str]]) -> None:
        if not self.apply:
            raise ActionRequiredError(MANUAL_REASON, [self.stack.printable(command) for command in commands])

    def _groups_off(self, key: KeyName, groups: Sequence[Group], reread: bool) -> dict[str, KeyName | None]:
        """The groups whose tag is not `key`, by name, with their tag (None: untagged). Without `reread`, a tag
        read earlier in this run is reused (one ARM call less per group): for roll decisions a stale "not yet"
        only re-applies a batch, which changes nothing, and a stale "done" is caught by the fresh read that guards
        the old key."""
        for group in groups:
            if reread or group.id.name not in self._read_tags:
                self._read_tags[group.id.name] = self.group_keys.key_name(group.id)
        tags = {group.id.name: self._read_tags[group.id.name] for group in groups}
        return {name: tag for name, tag in tags.items() if tag is not key}

    def _forget_tags(self, groups: Sequence[Group]) -> None:
        for group in groups:
            self._read_tags.pop(group.id.name, None)

    def _require_groups_on(self, key: KeyName, groups: Sequence[Group]) -> None:
        """Refuses unless every group is tagged `key`: one still on the other key would fail if it were regenerated."""
        off = self._groups_off(key, groups, reread=True)
        if not off:
            return
        listed = ", ".join(f"{name} ({f'tagged {tag}' if tag else 'untagged'})" for name, tag in off.items())
        older = (
            f"; groups without the tag were deployed by an older version: run `{shlex.join(self.stack.up_command())}` "
            "once with this version, then rerun"
            if None in off.values()
            else ""
        )
        raise RotationError(
            f"container groups not tagged {KEY_NAME_TAG}={key}: {listed}; they may use {key.other}, so it was "
            f"not regenerated{older}"
        )

    def _pause_for_cli(self, state: RotationState) -> Done:
        """Without the CLI the rollout batches (a stack output) are unknown, and one `pulumi up` for all groups
        would restart every replica at once: so no `pulumi up` is suggested."""
        raise ActionRequiredError(
            f"the Pulumi CLI is not installed, so stack output {ROLLOUT_BATCHES_OUTPUT} cannot be read: run this "
            "command where it is installed, then rerun the rotation there to roll the containers batch by batch",
            [self.stack.printable(self.stack.set_active_key_command(state.active_key))],
        )


def _stack_trust(outputs: Mapping[str, Any]) -> StatusTrust:
    pem = outputs.get(TLS_CERTIFICATE_OUTPUT)
    if isinstance(pem, str):
        return StatusTrust.pinning(pem, f"stack output {TLS_CERTIFICATE_OUTPUT}")
    return StatusTrust.verifying(None)


def _instances(outputs: Mapping[str, Any], stack_name: str) -> list[Instance]:
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


def _rollout_batches(outputs: Mapping[str, Any], instances: Sequence[Instance], stack_name: str) -> list[Batch]:
    """Stack output aciRolloutBatches, each group matched to its instance by /status URL."""
    by_url = {instance.status_url: instance for instance in instances}
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
