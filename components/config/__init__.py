"""Stack config (or a program's `SpeechContainersArgs`) -> frozen typed settings, validated once, before any
resource is registered.

Every problem is reported with the key that holds it and what is allowed, all at once, as a `ConfigError` (a
`pulumi.RunError`, so Pulumi prints the message without a Python traceback). Values set as secrets are never
echoed. Two steps: `fields` checks each value against its type and rule (`rules`), then `containers`,
`azure` and `hosts` check what depends on several values and fill in the defaults.
"""

from __future__ import annotations

import dataclasses
import json
import math
from collections.abc import Mapping
from typing import Any, Final

import pulumi
from pulumi.runtime import config as pulumi_runtime_config

from components import catalog
from components.args import Host, SpeechContainersArgs
from components.catalog import Size
from components.config import alerts, azure, containers, front, hosts, lockdown
from components.config.fields import Problems, Reader
from components.config.model import StackConfig
from components.config.rules import default

NAMESPACE: Final = "speech-containers"


class ConfigError(pulumi.RunError):
    """Invalid stack config; the message lists every problem with its key."""

    def __init__(self, problems: list[str]) -> None:
        self.problems = problems
        lines = "\n".join(f"  - {NAMESPACE}:{p}" for p in problems)
        super().__init__(f"Invalid stack configuration ({len(problems)} problem(s)):\n{lines}")


def parse(raw: Mapping[str, Any], secret_keys: frozenset[str] = frozenset()) -> StackConfig:
    """Validate raw values (stack config, camelCase, or args, snake_case); raise ConfigError listing every problem.

    `secret_keys` are the top-level keys set as secrets; nothing under them is echoed, and their container
    settings stay secret downstream.
    """
    problems = Problems()
    values = Reader(problems, secret_keys).record(SpeechContainersArgs, raw, "") or {}
    settings = build(values, problems, secret_keys)
    if problems.items or settings is None:
        raise ConfigError(problems.items)
    return settings


def build(values: dict[str, Any], problems: Problems, secret_keys: frozenset[str]) -> StackConfig | None:
    """The settings from checked values, with the checks that span several keys."""
    host: Host | None = values.get("host")
    location: str | None = values.get("location")
    host_limit = catalog.ACI.max_group if host is Host.ACI else Size(math.inf, math.inf)
    raw_containers = values.get("containers", {})
    deployments = containers.deployments(raw_containers, host_limit, "containers" in secret_keys, problems)
    eula = values.get("eula")
    if raw_containers and eula != "accept" and not problems.about("eula"):
        problems.add("eula", "must be 'accept' to deploy Speech containers (you accept Microsoft's license for them)")
    preflight = values.get("preflight", True)
    for other, wanted in (("aci", Host.ACI), ("aks", Host.AKS)):
        if other in values and host is not None and host is not wanted:
            problems.add(other, f"is set but host is {host}; remove it or set host: {other}")
    if host is None or location is None:
        return None
    found = lockdown.read(values, host, deployments, "proxy" in secret_keys, problems)
    deployments = tuple(
        dataclasses.replace(
            c, output=found.output, proxy=found.proxy, registry=found.registry, disconnected=found.disconnected
        )
        for c in deployments
    )
    budget = values.get("stream_budget_seconds", default(SpeechContainersArgs, "stream_budget_seconds"))
    aci = (
        hosts.aci(values.get("aci", {}), deployments, preflight, problems, location, budget)
        if host is Host.ACI
        else None
    )
    alert_settings = alerts.alerts(values.get("alerts", {}), problems)
    period = alert_settings.rotation_period_days
    aks = hosts.aks(values.get("aks", {}), deployments, problems, location, period) if host is Host.AKS else None
    if aks is not None:
        # Pods take the sizes the planner shaped to their pool's nodes (only where the stack left cpu/memoryGb unset).
        shaped = {name: size for pool in aks.pools for name, size in pool.sizes}
        deployments = tuple(dataclasses.replace(c, size=shaped.get(c.name, c.size)) for c in deployments)
    settings = StackConfig(
        eula_accepted=eula == "accept",
        host=host,
        location=location,
        resource_group_name=values.get("resource_group_name"),
        tags=azure.tags(values.get("tags", {}), problems),
        speech=azure.speech(values.get("speech", {}), problems, disconnected=found.disconnected is not None),
        key_vault=azure.key_vault(
            values.get("key_vault", {}), problems, period, azure.rotation_wait_days(aks, problems)
        ),
        containers=deployments,
        log_analytics=azure.log_analytics(values.get("log_analytics", {})),
        private_endpoints=azure.private_endpoints(values.get("private_endpoints")),
        preflight=preflight,
        aci=aci,
        aks=aks,
        stream_budget_seconds=budget,
        alerts=alert_settings,
        output=found.output,
        proxy=found.proxy,
        registry=found.registry,
        disconnected=found.disconnected,
    )
    azure.check_billing_reachable(settings, problems)
    azure.check_rotation_operators(settings, problems)
    front.check_vault_reachable(aci.front if aci else None, settings.key_vault.network.public_access, problems)
    return settings


def from_args(args: SpeechContainersArgs) -> StackConfig:
    """The settings of a program's args (the same checks as stack config; nothing is treated as secret)."""
    return parse(args)


def load() -> SpeechContainersArgs:
    """The running stack's `speech-containers:*` keys (unknown ones included) as args for `SpeechContainers`.

    They are checked here first, knowing which keys were set as secrets, so no error echoes one; the values
    that may be secret (container settings, TLS certificate and key) then travel as secret Outputs."""
    prefix = f"{NAMESPACE}:"
    values = {**pulumi.runtime.get_config_env(), **pulumi_runtime_config.CONFIG.get()}
    raw: dict[str, Any] = {}
    for full_key, value in values.items():
        if full_key.startswith(prefix):
            raw[full_key[len(prefix) :]] = _decode(value)
    secret = set(pulumi_runtime_config.get_config_secret_keys_env()) | pulumi_runtime_config._SECRET_KEYS.get()
    secret_keys = frozenset(key.removeprefix(prefix) for key in secret if key.startswith(prefix))
    parse(raw, secret_keys)
    return as_args(raw, secret_keys)


def as_args(raw: Mapping[str, Any], secret_keys: frozenset[str]) -> SpeechContainersArgs:
    """Checked stack values as args, with the secret-capable values under secret keys wrapped as secrets."""
    values = json.loads(json.dumps(raw))
    if "containers" in secret_keys:
        for deployment in values.get("containers", {}).values():
            env = deployment.get("env", {})
            deployment["env"] = {name: pulumi.Output.secret(str(value)) for name, value in env.items()}
    credentials = values.get("proxy", {}).get("credentials")
    if credentials is not None:
        values["proxy"]["credentials"] = pulumi.Output.secret(credentials)
    if "aci" in secret_keys:
        tls = values.get("aci", {}).get("tls", {})
        for name in ("certificate", "privateKey", "private_key"):
            if name in tls:
                tls[name] = pulumi.Output.secret(tls[name])
    return values  # type: ignore[no-any-return]


def _decode(value: Any) -> Any:
    """Structured config (objects, lists) arrives JSON-encoded; scalars stay the strings the user set, so a quoted
    `1.30` is not turned into the number 1.3 (the field readers accept unambiguous numeric strings)."""
    if not isinstance(value, str) or not value.lstrip().startswith(("{", "[")):
        return value
    try:
        return json.loads(value)
    except ValueError:
        return value
