"""ACI: the Pulumi stack injects the key as a secure env var, so moving containers means `pulumi up`.

Any env change restarts a container group, and the model then loads for minutes. So the groups are updated one
rollout batch (replica n of every kind) at a time with `pulumi up --target`, each batch only once the previous one
answers /status: the other replicas keep serving meanwhile.
"""

from __future__ import annotations

import shlex
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from functools import partial
from typing import Any

from rotation.errors import ActionRequiredError, RotationError
from rotation.machine import Done, Step
from rotation.stack import ACTIVE_KEY_OUTPUT, PulumiStack
from rotation.state import RotationState
from rotation.status import StatusEndpoint, StatusTrust, http_status_endpoint, wait_until_valid
from rotation.waiting import Waits

TLS_CERTIFICATE_OUTPUT = "tlsCertificate"
ROLLOUT_BATCHES_OUTPUT = "aciRolloutBatches"
ZERO_DOWNTIME_ADVICE = "set `replicas: 2` for zero-downtime rotation"


@dataclass(frozen=True)
class Instance:
    """One container group of a kind (ACI runs one per replica), by its /status URL."""

    kind: str
    number: int
    replicas: int
    status_url: str

    @property
    def label(self) -> str:
        return self.kind if self.replicas == 1 else f"{self.kind} #{self.number}"


@dataclass(frozen=True)
class Batch:
    """Container groups that one `pulumi up --target` restarts together: replica `number` of every kind."""

    number: int
    urns: tuple[str, ...]
    instances: tuple[Instance, ...]

    @property
    def labels(self) -> str:
        return ", ".join(instance.label for instance in self.instances)

    def single_replica_warning(self) -> str | None:
        kinds = [instance.kind for instance in self.instances if instance.replicas == 1]
        if not kinds:
            return None
        verb = "has" if len(kinds) == 1 else "have"
        return (
            f"{', '.join(kinds)} {verb} a single replica: its one container group restarts, so the kind is "
            f"unavailable while the model loads (minutes); {ZERO_DOWNTIME_ADVICE}"
        )


@dataclass(frozen=True)
class AciHost:
    """`status_ca` comes from --status-ca-file; without it, https /status trusts the stack's self-signed
    certificate (output tlsCertificate, pinned) or else the system trust store."""

    stack: PulumiStack
    apply: bool
    waits: Waits
    status_ca: StatusTrust | None = None

    def check_in_use(self, state: RotationState) -> str:
        if self.stack.executable is None:
            raise RotationError(
                f"the ACI containers' key is stack output {ACTIVE_KEY_OUTPUT}, which needs the Pulumi CLI "
                "(pulumi is not on PATH); refusing to regenerate a key"
            )
        deployed = self.stack.deployed_key()
        if deployed is not state.active_key:
            raise RotationError(
                f"stack output {ACTIVE_KEY_OUTPUT} is {deployed} but the secret holds {state.active_key}; "
                "the containers' key is unclear, so no key was regenerated"
            )
        return f"stack output {ACTIVE_KEY_OUTPUT} is {deployed}"

    def roll_steps(self, state: RotationState) -> Sequence[Step]:
        """One step per rollout batch, then an untargeted `pulumi up` that converges the rest (e.g. the preflight
        group) and refreshes output activeKey. Stacks older than the batches get that one `pulumi up` only."""
        if self.stack.executable is None:
            return (Step("deploy-stack", f"deploy {state.active_key} to the ACI containers", self._pause_for_cli),)
        outputs = self.stack.outputs()
        batches = _rollout_batches(outputs, _instances(outputs, self.stack.name))
        commands = [
            self.stack.set_active_key_command(state.active_key),
            *(self.stack.up_command(batch.urns) for batch in batches),
            self.stack.up_command(),
        ]
        roll = partial(self._roll, _manual_reason(batched=bool(batches)), commands)
        up = f"`{shlex.join(self.stack.up_command())}`"
        if not batches:
            summary = f"deploy {state.active_key} to every ACI container group at once with {up}"
            return (Step("deploy-stack", summary, partial(roll, None), self._all_at_once_warning()),)
        return (
            *(self._batch_step(state, batch, len(batches), partial(roll, batch)) for batch in batches),
            Step(
                "deploy-stack",
                f"converge the rest of the stack and refresh output {ACTIVE_KEY_OUTPUT} with {up}",
                partial(roll, None),
            ),
        )

    def _batch_step(
        self, state: RotationState, batch: Batch, count: int, roll: Callable[[RotationState], Done]
    ) -> Step:
        command = shlex.join(self.stack.up_command(batch.urns))
        return Step(
            f"roll-batch-{batch.number}",
            f"batch {batch.number} of {count}: restart {batch.labels} with `{command}`, "
            f"then wait until their /status reports {state.active_key} valid",
            roll,
            batch.single_replica_warning(),
        )

    def _all_at_once_warning(self) -> str:
        return (
            f"stack {self.stack.name!r} has no output {ROLLOUT_BATCHES_OUTPUT} (deployed by an older version): one "
            "`pulumi up` restarts every container group at once, so every kind is unavailable while the model "
            f"loads (minutes); deploy the current version before the next rotation and {ZERO_DOWNTIME_ADVICE}"
        )

    def status_endpoints(self) -> Sequence[StatusEndpoint]:
        """Every instance of every kind: ACI runs one container group per replica, each with its own key."""
        return self._endpoints(_instances(self.stack.outputs(), self.stack.name))

    def _endpoints(self, instances: Sequence[Instance]) -> list[StatusEndpoint]:
        trust = self.status_ca or _stack_trust(self.stack.outputs())
        return [http_status_endpoint(instance.label, instance.status_url, trust) for instance in instances]

    def _roll(
        self, manual_reason: str, commands: Sequence[Sequence[str]], batch: Batch | None, state: RotationState
    ) -> Done:
        """Updates `batch` (None: the whole stack). Output activeKey changes only with the untargeted `pulumi up`,
        which comes last, so once it names the new key every step is done; before that, re-applying a batch
        that already has the key changes nothing, which makes a rerun after any failure safe."""
        if self.stack.deployed_key() is state.active_key:
            return Done(state, f"stack output {ACTIVE_KEY_OUTPUT} is {state.active_key}: already deployed")
        if not self.apply:
            raise ActionRequiredError(manual_reason, [self.stack.printable(command) for command in commands])
        if batch is None:
            return self._deploy_stack(state)
        self.stack.up(batch.urns)
        verified = wait_until_valid(self._endpoints(batch.instances), self.waits)
        return Done(state, f"`pulumi up --target` restarted batch {batch.number}; {verified}")

    def _deploy_stack(self, state: RotationState) -> Done:
        self.stack.up()
        deployed = self.stack.deployed_key()
        if deployed is not state.active_key:
            raise RotationError(
                f"after `pulumi up`, stack output {ACTIVE_KEY_OUTPUT} is {deployed}, not {state.active_key}"
            )
        return Done(state, f"`pulumi up` deployed {state.active_key}")

    def _pause_for_cli(self, state: RotationState) -> Done:
        """Without the CLI the rollout batches (a stack output) are unknown, and one `pulumi up` for all groups
        would restart every replica at once: so no `pulumi up` is suggested."""
        raise ActionRequiredError(
            f"the Pulumi CLI is not installed, so stack output {ROLLOUT_BATCHES_OUTPUT} cannot be read: run this "
            "command where it is installed, then rerun the rotation there to roll the containers batch by batch",
            [self.stack.printable(self.stack.set_active_key_command(state.active_key))],
        )


def _manual_reason(batched: bool) -> str:
    if not batched:
        return "run these commands (--apply was not given), then rerun the rotation to verify and finish"
    return (
        "run these commands in order (--apply was not given); after each `pulumi up --target`, wait until every "
        f"statusUrl of that batch in stack output {ROLLOUT_BATCHES_OUTPUT} reports apiStatus Valid (the model loads "
        "for minutes) before the next command; then rerun the rotation to verify and finish"
    )


def _stack_trust(outputs: Mapping[str, Any]) -> StatusTrust:
    pem = outputs.get(TLS_CERTIFICATE_OUTPUT)
    if isinstance(pem, str):
        return StatusTrust.pinning(pem, f"stack output {TLS_CERTIFICATE_OUTPUT}")
    return StatusTrust.verifying(None)


def _instances(outputs: Mapping[str, Any], stack_name: str) -> list[Instance]:
    """Every instance of every kind, from stack output `containers`."""
    containers = outputs.get("containers")
    per_kind = {
        kind: _instance_status_urls(container)
        for kind, container in (containers.items() if isinstance(containers, dict) else ())
    }
    if not per_kind or None in per_kind.values():
        raise RotationError(
            f"stack {stack_name!r} has no 'containers' output with statusUrls (or a statusUrl) for each kind"
        )
    return [
        Instance(kind, number, len(urls), url)
        for kind, urls in per_kind.items()
        if urls
        for number, url in enumerate(urls, 1)
    ]


def _instance_status_urls(container: object) -> list[str] | None:
    """`statusUrls`, or the one `statusUrl` of stacks older than it; None when neither is a list of URLs."""
    if not isinstance(container, dict):
        return None
    urls = container.get("statusUrls") or [container.get("statusUrl")]
    if isinstance(urls, list) and urls and all(isinstance(url, str) for url in urls):
        return [str(url) for url in urls]
    return None


def _rollout_batches(outputs: Mapping[str, Any], instances: Sequence[Instance]) -> list[Batch]:
    """Stack output aciRolloutBatches, each group matched to its instance by /status URL; [] when the stack
    is older than that output."""
    batches = outputs.get(ROLLOUT_BATCHES_OUTPUT)
    if batches is None:
        return []
    by_url = {instance.status_url: instance for instance in instances}
    if not isinstance(batches, list) or not all(
        isinstance(batch, list) and batch and all(_is_group(entry, by_url) for entry in batch) for batch in batches
    ):
        raise RotationError(
            f"stack output {ROLLOUT_BATCHES_OUTPUT} is not a list of batches of {{urn, statusUrl}} "
            "with every statusUrl listed in stack output containers"
        )
    return [
        Batch(number, tuple(entry["urn"] for entry in batch), tuple(by_url[entry["statusUrl"]] for entry in batch))
        for number, batch in enumerate(batches, 1)
    ]


def _is_group(entry: object, by_url: Mapping[str, Instance]) -> bool:
    return isinstance(entry, dict) and isinstance(entry.get("urn"), str) and entry.get("statusUrl") in by_url
