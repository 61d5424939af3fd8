"""Every sample stack the security checks run against: the test stacks and each `stacks/Pulumi.<stack>.yaml`."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from plan import offline
from plan.command import STACKS_DIR, own_values, read_stack_config
from tests.sample_stacks import ACI_STACK, AKS_INGRESS_STACK, AKS_STACK, plan_program


@dataclass(frozen=True)
class Sample:
    """A stack config to plan offline; `label` names it in test ids and scan reports."""

    label: str
    values: dict[str, Any]
    stack: str

    @property
    def host(self) -> str:
        return str(self.values.get("host"))

    def plan(self) -> offline.Plan:
        """Memoized by `plan_program`, so every test of a session shares one plan per sample."""
        return plan_program(self.values, self.stack)


def stack_file_values(stack: str) -> dict[str, Any]:
    """The `speech-containers` values of a stack file, without the namespace (what `plan_program` takes)."""
    return own_values(read_stack_config(stack))


def samples() -> list[Sample]:
    stack_files = sorted(p.name.removeprefix("Pulumi.").removesuffix(".yaml") for p in STACKS_DIR.glob("Pulumi.*.yaml"))
    return [
        Sample("ACI_STACK", ACI_STACK, "test"),
        Sample("AKS_STACK", AKS_STACK, "test"),
        Sample("AKS_STACK+ingress", AKS_INGRESS_STACK, "test"),
        *(Sample(f"stacks/{stack}", stack_file_values(stack), stack) for stack in stack_files),
    ]
