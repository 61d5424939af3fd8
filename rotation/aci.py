"""ACI: the Pulumi stack injects the key as a secure env var, so moving containers means `pulumi up`."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from rotation.errors import ActionRequiredError, RotationError
from rotation.machine import Done, Step
from rotation.stack import ACTIVE_KEY_OUTPUT, PulumiStack
from rotation.state import RotationState
from rotation.status import StatusEndpoint, http_status_endpoint


@dataclass(frozen=True)
class AciHost:
    stack: PulumiStack
    apply: bool

    def check_in_use(self, state: RotationState) -> str:
        if self.stack.executable is None:
            return "not checked (no Pulumi CLI): trusting the secret's tag, which the stack keeps in step"
        deployed = self.stack.deployed_key()
        if deployed is not state.active_key:
            raise RotationError(
                f"stack output {ACTIVE_KEY_OUTPUT} is {deployed} but the secret holds {state.active_key}; "
                "the containers' key is unclear, so nothing was regenerated"
            )
        return f"stack output {ACTIVE_KEY_OUTPUT} is {deployed}"

    def roll_steps(self, state: RotationState) -> Sequence[Step]:
        return (
            Step(
                "deploy-stack",
                f"deploy {state.active_key} to the ACI containers with `pulumi up`",
                self._deploy,
            ),
        )

    def status_endpoints(self) -> Sequence[StatusEndpoint]:
        containers = self.stack.outputs().get("containers")
        urls = {
            kind: container.get("statusUrl")
            for kind, container in (containers.items() if isinstance(containers, dict) else ())
            if isinstance(container, dict)
        }
        if not urls or not all(isinstance(url, str) for url in urls.values()):
            raise RotationError(f"stack {self.stack.name!r} has no 'containers' output with a statusUrl for each")
        return [http_status_endpoint(kind, str(url)) for kind, url in urls.items()]

    def _deploy(self, state: RotationState) -> Done:
        if self.stack.executable is not None and self.stack.deployed_key() is state.active_key:
            return Done(state, f"stack output {ACTIVE_KEY_OUTPUT} is {state.active_key}: already deployed")
        if not self.apply or self.stack.executable is None:
            commands = [
                self.stack.printable(self.stack.set_active_key_command(state.active_key)),
                self.stack.printable(self.stack.up_command()),
            ]
            why = "the Pulumi CLI is not installed" if self.stack.executable is None else "--apply was not given"
            raise ActionRequiredError(
                f"run these commands ({why}), then rerun the rotation to verify and finish", commands
            )
        self.stack.up()
        deployed = self.stack.deployed_key()
        if deployed is not state.active_key:
            raise RotationError(
                f"after `pulumi up`, stack output {ACTIVE_KEY_OUTPUT} is {deployed}, not {state.active_key}"
            )
        return Done(state, f"`pulumi up` deployed {state.active_key}")
