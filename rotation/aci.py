"""ACI: the Pulumi stack injects the key as a secure env var, so moving containers means `pulumi up`."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from rotation.errors import ActionRequiredError, RotationError
from rotation.machine import Done, Step
from rotation.stack import ACTIVE_KEY_OUTPUT, PulumiStack
from rotation.state import RotationState
from rotation.status import StatusEndpoint, StatusTrust, http_status_endpoint

TLS_CERTIFICATE_OUTPUT = "tlsCertificate"


@dataclass(frozen=True)
class AciHost:
    """`status_ca` comes from --status-ca-file; without it, https /status trusts the stack's self-signed
    certificate (output tlsCertificate, pinned) or else the system trust store."""

    stack: PulumiStack
    apply: bool
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
        return (
            Step(
                "deploy-stack",
                f"deploy {state.active_key} to the ACI containers with `pulumi up`",
                self._deploy,
            ),
        )

    def status_endpoints(self) -> Sequence[StatusEndpoint]:
        """Every instance of every kind: ACI runs one container group per replica, each with its own key."""
        outputs = self.stack.outputs()
        trust = self.status_ca or _stack_trust(outputs)
        return [http_status_endpoint(label, url, trust) for label, url in _status_urls(outputs, self.stack.name)]

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


def _stack_trust(outputs: Mapping[str, Any]) -> StatusTrust:
    pem = outputs.get(TLS_CERTIFICATE_OUTPUT)
    if isinstance(pem, str):
        return StatusTrust.pinning(pem, f"stack output {TLS_CERTIFICATE_OUTPUT}")
    return StatusTrust.verifying(None)


def _status_urls(outputs: Mapping[str, Any], stack_name: str) -> list[tuple[str, str]]:
    """(label, url) of each instance's /status, labelled `kind #n` when a kind has several instances."""
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
        (kind if len(urls) == 1 else f"{kind} #{n}", url)
        for kind, urls in per_kind.items()
        if urls
        for n, url in enumerate(urls, 1)
    ]


def _instance_status_urls(container: object) -> list[str] | None:
    """`statusUrls`, or the one `statusUrl` of stacks older than it; None when neither is a list of URLs."""
    if not isinstance(container, dict):
        return None
    urls = container.get("statusUrls") or [container.get("statusUrl")]
    if isinstance(urls, list) and urls and all(isinstance(url, str) for url in urls):
        return [str(url) for url in urls]
    return None
