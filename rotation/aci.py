"""ACI: the Pulumi stack injects the key as a secure env var, so moving containers means `pulumi up`.

Any env change restarts a container group, and the model then loads for minutes. So the groups are updated one
rollout batch (replica n of every deployment) at a time with `pulumi up --target`, each batch only once the previous
one is ready and reports the key valid: the other replicas keep serving meanwhile.
"""

from __future__ import annotations

import shlex
from collections.abc import Sequence
from dataclasses import dataclass, field
from functools import partial

from azure.mgmt.cognitiveservices import CognitiveServicesManagementClient

from components.catalog import KEY_NAME_TAG
from rotation.aci_outputs import ROLLOUT_BATCHES_OUTPUT, Batch, Group, Instance, instances, rollout_batches, stack_trust
from rotation.container_groups import ContainerGroupKeys
from rotation.errors import ActionRequiredError, RotationError
from rotation.gateway import FRONT_OUTPUT, Front, GatewayPools
from rotation.keys import KeyName
from rotation.machine import Done, Step
from rotation.stack import ACTIVE_KEY_OUTPUT, PulumiStack
from rotation.state import RotationState
from rotation.status import StatusEndpoint, StatusTrust, http_status_endpoint, wait_until_valid
from rotation.waiting import Waits

MANUAL_REASON = (
    "run these commands in order (--apply was not given); after each `pulumi up --target`, wait until every "
    f"group of that batch in stack output {ROLLOUT_BATCHES_OUTPUT} answers /ready (neural text to speech 3.10+: "
    "/synthesize/health) and its statusUrl reports apiStatus Valid (the model loads for minutes) before the next "
    "command; then rerun the rotation to verify and finish"
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
    #: ARM, for draining batches at the front's gateway (stack output aciFront), when the stack has one.
    arm_client: CognitiveServicesManagementClient | None = None
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
        front = Front.parse(self.stack.outputs())
        drain = (
            f"take them out of gateway {front.name}'s pools and wait {front.drain_seconds:g} s for their streams, "
            if front
            else ""
        )
        back = ", then put them back in the pools" if front else ""
        return Step(
            f"roll-batch-{batch.number}",
            f"batch {batch.number} of {count}: {drain}restart {batch.labels} with `{command}`, "
            f"then wait until their /status reports {state.active_key} valid{back}",
            partial(self._roll_batch, batch, commands),
            batch.single_replica_warning(),
        )

    def status_endpoints(self) -> Sequence[StatusEndpoint]:
        """Every instance of every deployment: ACI runs one container group per replica, each with its own key.
        Behind the front, at each group's current address (a restarted group may have moved)."""
        pools = self._front_pools()
        if pools is not None:
            return self._endpoints([pools.at_current_address(group) for group in self._groups()])
        return self._endpoints(instances(self.stack.outputs(), self.stack.name))

    def _endpoints(self, found: Sequence[Instance]) -> list[StatusEndpoint]:
        trust = self.status_ca or stack_trust(self.stack.outputs())
        return [http_status_endpoint(i.label, i.status_url, trust, i.ready_paths) for i in found]

    def _batches(self) -> list[Batch]:
        return rollout_batches(self.stack.outputs(), self.stack.name)

    def _groups(self) -> list[Group]:
        return [group for batch in self._batches() for group in batch.groups]

    def _roll_batch(self, batch: Batch, commands: Sequence[Sequence[str]], state: RotationState) -> Done:
        """Restarts the batch unless each of its groups is tagged with the key already and none reports the key
        invalid (a group rolled before the key was regenerated out of band holds a dead value under the right tag;
        `pulumi up` injects the account's current one). Either way it waits until the batch is ready and reports
        the key valid, since an interrupted run may have left the batch loading."""
        pools = self._front_pools()

        def current() -> list[StatusEndpoint]:
            """Behind the front, at each group's address now: a restarted VNet group may come back on another IP."""
            found = [pools.at_current_address(group) for group in batch.groups] if pools else batch.instances
            return self._endpoints(found)

        endpoints = current()
        if self._groups_off(state.active_key, batch.groups, reread=False):
            action = self._restart(batch, commands, f"`pulumi up --target` restarted batch {batch.number}", pools)
        elif rejecting := [endpoint.label for endpoint in endpoints if endpoint.rejects_key()]:
            action = self._restart(
                batch,
                commands,
                f"`pulumi up --target` restarted batch {batch.number}, whose "
                f"{', '.join(rejecting)} rejected the key it held",
                pools,
            )
        else:
            action = f"every group of batch {batch.number} is tagged {state.active_key} already"
        endpoints = current() if pools else endpoints
        waited = wait_until_valid(lambda: endpoints, self.waits)
        # Always, so a run interrupted between the drain and this point leaves no group out of its pool.
        restored = f"; {pools.restore(batch.groups)}" if pools else ""
        return Done(state, f"{action}; {waited}{restored}")

    def _restart(self, batch: Batch, commands: Sequence[Sequence[str]], action: str, pools: GatewayPools | None) -> str:
        """Drains the batch at the front first (if any): new streams go to the other replicas, open ones finish."""
        self._require_apply(commands)
        self._forget_tags(batch.groups)
        drained = f"{pools.drain(batch.groups)}; " if pools else ""
        self.stack.up(batch.urns)
        return f"{drained}{action}"

    def _front_pools(self) -> GatewayPools | None:
        front = Front.parse(self.stack.outputs())
        if front is None:
            return None
        if self.arm_client is None:
            raise RotationError(f"stack output {FRONT_OUTPUT} names a gateway, but no ARM client was given")
        return GatewayPools(self.arm_client, front, self.waits)

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
            front = Front.parse(self.stack.outputs())
            reason = MANUAL_REASON + (
                f"; behind gateway {front.name} these commands restart each batch without draining it first (its "
                "open streams are cut): rerun with --apply to drain every batch at the gateway before its restart"
                if front
                else ""
            )
            raise ActionRequiredError(reason, [self.stack.printable(command) for command in commands])

    def _groups_off(self, key: KeyName, groups: Sequence[Group], reread: bool) -> dict[str, KeyName | None]:
        """The groups whose tag is not `key`, by name, with their tag (None: untagged). Without `reread`, a tag
        read earlier in this run is reused (one ARM call less per group): for roll decisions a stale "not yet"
        only re-applies a batch, which changes nothing, and a stale "done" is caught by the fresh read that guards
        the old key."""
        for group in groups:
            if reread or group.id.name not in self._read_tags:
                self._read_tags[group.id.name] = self.group_keys.key_name(group.id, self._missing_advice(group))
        tags = {group.id.name: self._read_tags[group.id.name] for group in groups}
        return {name: tag for name, tag in tags.items() if tag is not key}

    def _missing_advice(self, group: Group) -> str:
        """A targeted refresh and update recreate only this group: an untargeted `pulumi up` mid-rotation would
        restart every replica at once."""
        refresh = shlex.join(self.stack.refresh_command([group.urn]))
        up = shlex.join(self.stack.up_command([group.urn]))
        return (
            f"stack output {ROLLOUT_BATCHES_OUTPUT} names a group that does not exist (deleted?): run `{refresh}`, "
            f"then `{up}` (that group alone starts), then rerun"
        )

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
