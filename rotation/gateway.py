"""Draining a rollout batch at the ACI front (stack output aciFront: an Application Gateway v2).

A batch's groups leave their deployments' backend pools before `pulumi up --target` restarts them: the gateway
sends them no new stream and keeps their open ones for the pool's connection draining (the stream budget, at most
3600 s; catalog.DRAINING_SOURCE), which the rotation waits out. Once the batch answers /ready and /status again,
its groups go back, at the addresses ARM reports for them now (a restarted group may come back on another IP).

The gateway is one ARM resource: every pool change is a GET and a PUT of the whole gateway. The PUT carries the
GET's ETag (`If-Match`), so a concurrent change (another operator, a `pulumi up`) is never overwritten: a 412, a
409 (another update in progress) or a 429 (throttled) re-reads and tries again, a few times. The PUT is
long-running: the change is in force once the gateway's provisioningState is Succeeded again.
"""

from __future__ import annotations

import dataclasses
import ipaddress
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit, urlunsplit

from azure.core.rest import HttpRequest
from azure.mgmt.cognitiveservices import CognitiveServicesManagementClient

from rotation.aci_outputs import Group, Instance
from rotation.container_groups import CONTAINER_INSTANCE_API_VERSION
from rotation.errors import RotationError, TransientError, azure_errors
from rotation.waiting import Waits

FRONT_OUTPUT = "aciFront"
GATEWAY_API_VERSION = "2024-05-01"
#: Statuses that mean "not now": a concurrent change (ETag mismatch), an update in progress, throttling.
RETRIED = (409, 412, 429)
ATTEMPTS = 5


@dataclass(frozen=True)
class Front:
    """Stack output aciFront: the gateway, how long it drains, and each deployment's pool."""

    gateway_id: str
    drain_seconds: float
    pools: Mapping[str, str]

    @property
    def name(self) -> str:
        return self.gateway_id.rsplit("/", 1)[-1]

    @classmethod
    def parse(cls, outputs: Mapping[str, Any]) -> Front | None:
        found = outputs.get(FRONT_OUTPUT)
        if found is None:
            return None
        if (
            not isinstance(found, dict)
            or not isinstance(found.get("id"), str)
            or not isinstance(found.get("pools"), dict)
        ):
            raise RotationError(f"stack output {FRONT_OUTPUT} is not {{id, drainSeconds, pools}}: rerun `pulumi up`")
        return cls(found["id"], float(found.get("drainSeconds", 0)), dict(found["pools"]))


@dataclass(frozen=True)
class GatewayPools:
    """Pool edits through the Cognitive Services client's ARM pipeline (same endpoint, credential and retries)."""

    client: CognitiveServicesManagementClient
    front: Front
    waits: Waits

    def drain(self, groups: Sequence[Group]) -> str:
        """Takes `groups` out of their pools, then waits out the draining."""
        addresses = self._addresses(groups)
        self._edit("take", groups, lambda pool, ips: [a for a in pool if a.get("ipAddress") not in ips], addresses)
        deadline = self.waits.clock() + self.front.drain_seconds
        while (left := deadline - self.waits.clock()) > 0:
            self.waits.heartbeat()  # keeps the rotation lease through a drain of up to an hour
            self.waits.sleep(min(left, max(self.waits.poll_interval, 1.0)))
        labels = ", ".join(g.instance.label for g in groups)
        return f"drained {labels} at the gateway ({self.front.drain_seconds:g} s)"

    def restore(self, groups: Sequence[Group]) -> str:
        """Puts `groups` back in their pools at their current addresses (nothing to do if they are there)."""
        addresses = self._addresses(groups)
        self._edit(
            "put back",
            groups,
            lambda pool, ips: pool + [{"ipAddress": ip} for ip in sorted(ips) if ip not in _ips(pool)],
            addresses,
        )
        return f"{', '.join(g.instance.label for g in groups)} back in the gateway's pools"

    def at_current_address(self, group: Group) -> Instance:
        """The group's instance with its /status URL at the address ARM reports now, when the URL names an IP: a
        restarted VNet group may come back on another one (catalog.ACI_PRIVATE_IP_SOURCE), and the stack outputs
        keep the old one until an untargeted `pulumi up`."""
        parts = urlsplit(group.instance.status_url)
        try:
            ipaddress.ip_address(parts.hostname or "")
        except ValueError:
            return group.instance
        ip = self._ip(group)
        if ip == parts.hostname:
            return group.instance
        netloc = f"{ip}:{parts.port}" if parts.port else ip
        return dataclasses.replace(group.instance, status_url=urlunsplit(parts._replace(netloc=netloc)))

    def _addresses(self, groups: Sequence[Group]) -> dict[str, set[str]]:
        """Each pool's addresses of these groups, read from ARM now."""
        found: dict[str, set[str]] = {}
        for group in groups:
            pool = self.front.pools.get(group.instance.deployment)
            if pool is None:
                raise RotationError(f"stack output {FRONT_OUTPUT} has no pool for {group.instance.deployment}")
            found.setdefault(pool, set()).add(self._ip(group))
        return found

    def _ip(self, group: Group) -> str:
        request = HttpRequest("GET", group.id.arm_id, params={"api-version": CONTAINER_INSTANCE_API_VERSION})
        with azure_errors(f"reading the address of container group {group.id.name!r}"):
            response = self.client._send_request(request)
            response.raise_for_status()
            document = response.json()
        ip = ((document.get("properties") or {}).get("ipAddress") or {}).get("ip")
        if not isinstance(ip, str):
            raise RotationError(f"container group {group.id.name!r} has no IP address (is it running?)")
        return ip

    def _edit(self, verb: str, groups: Sequence[Group], change: Any, addresses: dict[str, set[str]]) -> None:
        action = f"{verb} {', '.join(g.id.name for g in groups)} at gateway {self.front.name}"
        for attempt in range(1, ATTEMPTS + 1):
            gateway, etag = self._get(action)
            pools = {p.get("name"): p for p in gateway.get("properties", {}).get("backendAddressPools", [])}
            for name, ips in addresses.items():
                if name not in pools:
                    raise RotationError(f"{action}: the gateway has no pool {name}; rerun `pulumi up`")
                properties = pools[name].setdefault("properties", {})
                properties["backendAddresses"] = change(list(properties.get("backendAddresses", [])), ips)
            request = HttpRequest(
                "PUT",
                self.front.gateway_id,
                params={"api-version": GATEWAY_API_VERSION},
                headers={"If-Match": etag} if etag else {},
                json=gateway,
            )
            response = self.client._send_request(request)
            if response.status_code in RETRIED and attempt < ATTEMPTS:
                self.waits.sleep(self.waits.poll_interval * attempt)
                continue
            with azure_errors(action):
                response.raise_for_status()
            self.waits.until_done(f"the gateway to apply: {action}", lambda: self._pending(action))
            return

    def _get(self, action: str) -> tuple[dict[str, Any], str | None]:
        request = HttpRequest("GET", self.front.gateway_id, params={"api-version": GATEWAY_API_VERSION})
        advice = {
            403: "grant Network Contributor on the gateway's resource group and its subnet's VNet, and Managed "
            "Identity Operator on its identity (the rotation edits its pools: a PUT of the whole gateway)"
        }
        with azure_errors(action, advice):
            response = self.client._send_request(request)
            response.raise_for_status()
            document = response.json()
        return document, document.get("etag") or response.headers.get("ETag")

    def _pending(self, action: str) -> str | None:
        gateway, _ = self._get(action)
        state = gateway.get("properties", {}).get("provisioningState")
        if state == "Failed":
            raise RotationError(f"{action}: the gateway's update failed; see its activity log, then rerun")
        if state == "Succeeded":
            return None
        if state is None:
            raise TransientError("no provisioningState yet")
        return f"provisioningState {state}"


def _ips(pool: list[dict[str, Any]]) -> set[str]:
    return {str(a.get("ipAddress")) for a in pool}
