"""Runs the real Pulumi program under Pulumi's mock engine and records what it registers.

This is how the package is planned and tested without the Pulumi CLI or Azure: the recording monitor keeps
every registration request (type, name, inputs with secrets marked, parent, dependencies, ignoreChanges) and
the mocks answer with Azure-shaped outputs (ARM ids, endpoints, FQDNs) so the program's `apply`s see
realistic values. Each run happens in a fresh context, so runs never leak into each other.
"""

from __future__ import annotations

import asyncio
import contextlib
import contextvars
import gc
import json
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field
from typing import Any

import pulumi
from pulumi.runtime import mocks as pulumi_mocks
from pulumi.runtime import rpc
from pulumi.runtime import settings as pulumi_settings
from pulumi.runtime.stack import run_pulumi_func
from pulumi.runtime.sync_await import _sync_await

from plan.azure_mocks import DEPLOYER_OBJECT_ID as DEPLOYER_OBJECT_ID
from plan.azure_mocks import MOCK_KEYS as MOCK_KEYS
from plan.azure_mocks import MOCK_KUBECONFIG as MOCK_KUBECONFIG
from plan.azure_mocks import SUBSCRIPTION_ID as SUBSCRIPTION_ID
from plan.azure_mocks import TENANT_ID as TENANT_ID
from plan.azure_mocks import AzureMocks
from plan.values import Secret as Secret
from plan.values import mark_secrets
from plan.values import reveal as reveal

ROOT_STACK_TYPE = "pulumi:pulumi:Stack"


@dataclass(frozen=True)
class Registration:
    """One RegisterResource request as the engine saw it."""

    type: str
    name: str
    urn: str
    #: The id the (mock) provider returned, an ARM id for Azure resources.
    id: str
    custom: bool
    inputs: dict[str, Any]
    outputs: dict[str, Any]
    parent: str
    dependencies: tuple[str, ...]
    ignore_changes: tuple[str, ...]
    additional_secret_outputs: tuple[str, ...]
    provider: str
    #: Aliases as the engine receives them: full URNs, or specs `{name, type, parentUrn, noParent}`.
    aliases: tuple[dict[str, Any], ...] = ()

    def get(self, path: str) -> Any:
        """A nested input by dotted path (`properties.value`), secrets unwrapped; None when absent."""
        value: Any = self.inputs
        for part in path.split("."):
            value = reveal(value)
            if isinstance(value, list):
                value = value[int(part)]
            elif isinstance(value, dict):
                value = value.get(part)
            else:
                return None
        return value

    def raw(self, path: str) -> Any:
        """A nested input by dotted path with Secret markers kept, to assert secretness."""
        value: Any = self.inputs
        for part in path.split("."):
            if isinstance(value, Secret):
                return value
            value = value[int(part)] if isinstance(value, list) else value.get(part)
        return value


@dataclass
class Plan:
    """Everything one offline run registered and exported."""

    registrations: list[Registration] = field(default_factory=list)
    outputs: dict[str, Any] = field(default_factory=dict)
    secret_outputs: set[str] = field(default_factory=set)
    warnings: list[str] = field(default_factory=list)

    def of_type(self, type_: str) -> list[Registration]:
        return [r for r in self.registrations if r.type == type_]

    def one(self, type_: str) -> Registration:
        found = self.of_type(type_)
        if len(found) != 1:
            raise AssertionError(f"expected one {type_}, found {[r.name for r in found]}")
        return found[0]

    def by_urn(self, urn: str) -> Registration:
        return next(r for r in self.registrations if r.urn == urn)

    def named(self, name: str) -> Registration:
        return next(r for r in self.registrations if r.name == name)


class RecordingMonitor(pulumi_mocks.MockMonitor):
    """The mock monitor, keeping the full request of every registration."""

    def __init__(self, mocks: pulumi_mocks.Mocks, sink: list[Registration]) -> None:
        super().__init__(mocks)
        self.registrations = sink

    def make_urn(self, parent: str, type_: str, name: str) -> str:
        """URNs as the engine makes them (the mock monitor keeps only the parent's own type, so aliases and
        renames could not be checked against it)."""
        return urn_of(parent, type_, name, pulumi.get_stack(), pulumi.get_project())

    def RegisterResource(self, request: Any) -> Any:  # noqa: N802 (gRPC method name)
        response = super().RegisterResource(request)  # type: ignore[no-untyped-call]
        if request.type != ROOT_STACK_TYPE:
            self.registrations.append(
                Registration(
                    type=request.type,
                    name=request.name,
                    urn=response.urn,
                    id=response.id,
                    custom=bool(request.custom),
                    inputs=mark_secrets(rpc.deserialize_properties(request.object)),
                    outputs=self.resources[response.urn].state,
                    parent=request.parent,
                    dependencies=tuple(request.dependencies),
                    ignore_changes=tuple(request.ignoreChanges),
                    additional_secret_outputs=tuple(request.additionalSecretOutputs),
                    provider=request.provider,
                    aliases=tuple(_alias(a) for a in request.aliases),
                )
            )
        return response


def _alias(alias: Any) -> dict[str, Any]:
    if alias.HasField("spec"):
        spec = alias.spec
        return {"name": spec.name, "type": spec.type, "parentUrn": spec.parentUrn, "noParent": spec.noParent}
    return {"urn": alias.urn}


def urn_of(parent: str, type_: str, name: str, stack: str, project: str) -> str:
    """A URN as the engine makes it: the parent's whole type chain, without the root stack's type."""
    if parent:
        chain = parent.split("::")[2]
        if chain != ROOT_STACK_TYPE:
            type_ = f"{chain}${type_}"
    return "urn:pulumi:" + "::".join([stack, project, type_, name])


def alias_urns(plan: Plan, stack: str, project: str = "speech-containers") -> dict[str, set[str]]:
    """Every URN each registered resource may claim in existing state: its aliases, and (as the engine does) its
    name and type under each alias of its parent. Registrations come parents first."""
    claims: dict[str, set[str]] = {}
    for r in plan.registrations:
        found: set[str] = set()
        for alias in r.aliases:
            if "urn" in alias:
                found.add(alias["urn"])
                continue
            parent = "" if alias["noParent"] else alias["parentUrn"] or r.parent
            found.add(urn_of(parent, alias["type"] or r.type, alias["name"] or r.name, stack, project))
        for parent_alias in claims.get(r.parent, set()):
            found.add(urn_of(parent_alias, r.type, r.name, stack, project))
        claims[r.urn] = found
    return claims


class _WarningLogger:
    """Collects pulumi.log.warn messages so plans and tests can show or assert them."""

    def __init__(self, sink: list[str]) -> None:
        self.sink = sink

    def debug(self, message: str) -> None: ...

    def info(self, message: str) -> None: ...

    def warning(self, message: str) -> None:
        self.sink.append(message)

    def error(self, message: str) -> None:
        self.sink.append(f"error: {message}")


def stack_config(values: Mapping[str, Any]) -> dict[str, str]:
    """Pulumi's config map from `namespace:key` -> value, objects JSON-encoded as the CLI does."""
    return {k: v if isinstance(v, str) else json.dumps(v) for k, v in values.items()}


def run(
    program: Callable[[], object],
    config: Mapping[str, Any],
    stack: str = "test",
    project: str = "speech-containers",
    plan: Plan | None = None,
    secret_keys: tuple[str, ...] = (),
) -> Plan:
    """Run `program` under the mock engine with this `namespace:key` config and return what it did.

    Pass `plan` to see what was registered even when the program raises, and `secret_keys` for the
    `namespace:key`s set as secrets.
    """
    plan = plan if plan is not None else Plan()

    def isolated() -> Plan:
        # Output tasks a failed run left behind (say, an apply that raised) would be awaited, and re-raise, in this
        # one: pulumi's own `mocks.test` clears them the same way.
        pulumi_settings.SETTINGS.outputs.clear()
        monitor = RecordingMonitor(AzureMocks(), plan.registrations)
        pulumi.runtime.set_all_config(stack_config(config), list(secret_keys))
        pulumi_mocks.set_mocks(
            AzureMocks(),
            project=project,
            stack=stack,
            preview=False,
            monitor=monitor,
            logger=_WarningLogger(plan.warnings),  # type: ignore[arg-type]
        )

        def body() -> None:
            program()

        try:
            _sync_await(run_pulumi_func(body))
        except BaseException:
            _settle()
            raise
        root = pulumi.runtime.get_root_resource()
        exported: dict[str, Any] = getattr(root, "outputs", {})
        for key, value in exported.items():
            output = pulumi.Output.from_input(value)
            plan.outputs[key] = _sync_await(output.future())
            if _sync_await(output.is_secret()):
                plan.secret_outputs.add(key)
        return plan

    with _cyclic_gc_paused():
        return contextvars.Context().run(isolated)


def _settle(timeout: float = 5.0) -> None:
    """After a failed run, let the tasks it left pending (registrations, invokes) finish now, under its own
    settings: left on the shared event loop they would run, and fail, inside the next run."""
    loop = asyncio.get_event_loop()
    pending = [task for task in asyncio.all_tasks(loop) if not task.done()]
    if pending:
        loop.run_until_complete(asyncio.wait(pending, timeout=timeout))
    for task in pending:
        if not task.done():
            task.cancel()
        elif not task.cancelled():
            task.exception()  # retrieved: asyncio does not log it as never retrieved


#: Plans whose cyclic garbage may stay frozen before one full collection frees it (about 8 MB each).
FROZEN_PLANS_LIMIT = 100
_frozen_plans = [0]


@contextlib.contextmanager
def _cyclic_gc_paused() -> Iterator[None]:
    """A plan allocates many short-lived objects next to Pulumi's huge imported object graph, and the cyclic
    collector's passes take about a third of a plan's time. So imported objects are moved to the permanent
    generation and collection pauses for the (bounded, short) run; reference counting still frees. Afterwards the
    plan's leftovers are frozen too rather than traversed: a test session that makes many plans keeps their cyclic
    garbage (about 8 MB a plan) until `FROZEN_PLANS_LIMIT` plans, then collects it once."""
    gc.freeze()
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        _frozen_plans[0] += 1
        if _frozen_plans[0] >= FROZEN_PLANS_LIMIT:
            _frozen_plans[0] = 0
            gc.unfreeze()
            gc.collect()
        gc.freeze()
        if was_enabled:
            gc.enable()
