"""The plan's FRONT section: what the ACI front's Application Gateway does for each deployment."""

from __future__ import annotations

from typing import Any

from plan.offline import Plan

GATEWAY_TYPE = "azure-native:network:ApplicationGateway"


def _by_name(items: list[dict[str, Any]] | None) -> dict[str, dict[str, Any]]:
    return {item["name"]: item for item in items or []}


def front_rows(plan: Plan) -> list[list[str]]:
    """Per deployment: its host, pool size, backend port, probe, request timeout and drain (none without a front)."""
    rows: list[list[str]] = []
    for gateway in plan.of_type(GATEWAY_TYPE):
        listeners = _by_name(gateway.get("httpListeners"))
        pools = _by_name(gateway.get("backendAddressPools"))
        settings = _by_name(gateway.get("backendHttpSettingsCollection"))
        probes = _by_name(gateway.get("probes"))
        for rule in gateway.get("requestRoutingRules") or []:
            deployment = rule["name"].removeprefix("rule-")
            backend = settings[f"settings-{deployment}"]
            probe = probes[f"probe-{deployment}"]
            draining = backend.get("connectionDraining") or {}
            rows.append(
                [
                    deployment,
                    f"https://{listeners[f'https-{deployment}']['hostName']}",
                    str(len(pools[f"pool-{deployment}"].get("backendAddresses", []))),
                    f"{backend['port']:g}",
                    f"{probe['path']} every {probe['interval']:g}s",
                    f"{backend['requestTimeout']:g}s",
                    f"{draining['drainTimeoutInSec']:g}s" if draining.get("enabled") else "off",
                ]
            )
    return rows


FRONT_HEADERS = ["DEPLOYMENT", "HOST", "MEMBERS", "PORT", "PROBE", "TIMEOUT", "DRAIN"]
