"""`aks.gateway` -> GatewayConfig: where Application Gateway for Containers gets its subnet, the hosts, the DNS zone.

Checks that span keys: exactly one of subnetId and subnetPrefix; a subnetPrefix needs a VNet the stack knows
(aks.cluster.vnetSubnetId: an AKS-managed VNet lives in the node resource group, which the stack does not own) and
is exactly a /24 (AGC on Azure CNI Overlay, catalog.AGC_NETWORKING); the cluster's Kubernetes version is one the
ALB controller supports; the DNS zone must hold the domain; every host is a DNS name.
"""

from __future__ import annotations

import ipaddress
import re
from dataclasses import dataclass
from typing import Any

from components import catalog
from components.args import GatewayArgs
from components.config.fields import Problems
from components.config.rules import DNS_LABEL_MAX, default

_VNET_OF_SUBNET = re.compile(r"(?P<vnet>.+/virtualNetworks/(?P<name>[^/]+))/subnets/[^/]+", re.IGNORECASE)
_RESOURCE_GROUP = re.compile(r"/subscriptions/[^/]+/resourceGroups/(?P<group>[^/]+)/", re.IGNORECASE)


@dataclass(frozen=True)
class DnsZone:
    """An Azure DNS zone that holds the gateway's host names."""

    resource_group_name: str
    name: str

    def relative_name(self, host: str) -> str:
        """The record name inside the zone (`@` for the apex)."""
        return "@" if host == self.name else host.removesuffix(f".{self.name}")


@dataclass(frozen=True)
class GatewaySubnet:
    """The association's subnet: an existing delegated one (`id`), or one the stack creates (`prefix` in `vnet_id`)."""

    id: str | None = None
    prefix: str | None = None
    vnet_id: str | None = None

    @property
    def vnet_resource_group(self) -> str:
        found = _RESOURCE_GROUP.match(self.vnet_id or "")
        return found.group("group") if found else ""

    @property
    def vnet_name(self) -> str:
        return (self.vnet_id or "").rsplit("/", 1)[-1]


@dataclass(frozen=True)
class GatewayConfig:
    """HTTPS/WSS at `<deployment>.<domain>` through Application Gateway for Containers."""

    domain: str
    #: A Key Vault certificate (in the stack's vault) covering `*.<domain>`.
    certificate_name: str
    subnet: GatewaySubnet
    dns_zone: DnsZone | None = None
    dns_ttl_seconds: int = 300

    def host(self, deployment: str) -> str:
        return f"{deployment}.{self.domain}"


def gateway(
    raw: dict[str, Any] | None,
    cluster: dict[str, Any] | None,
    existing_cluster: bool,
    deployments: tuple[str, ...],
    problems: Problems,
) -> GatewayConfig | None:
    """The gateway settings, or None when `aks.gateway` is absent (or too broken to use). `cluster` is
    `aks.cluster` (None for an existing cluster)."""
    if not raw or not {"domain", "certificate_name"} <= set(raw):
        return None
    version = (cluster or {}).get("kubernetes_version")
    oldest = catalog.GATEWAY.min_kubernetes
    if version and tuple(int(part) for part in version.split(".")[:2]) < oldest:
        problems.add(
            "aks.cluster.kubernetesVersion",
            f"{version} is older than the {oldest[0]}.{oldest[1]} the gateway's ALB controller "
            f"{catalog.GATEWAY.chart_version} needs; use {oldest[0]}.{oldest[1]} or later, or remove aks.gateway",
        )
    cluster_subnet_id = (cluster or {}).get("vnet_subnet_id")
    subnet = _subnet(raw, cluster_subnet_id, existing_cluster, problems)
    zone = _zone(raw.get("dns_zone_id"), raw["domain"], problems)
    settings = GatewayConfig(
        domain=raw["domain"],
        certificate_name=raw["certificate_name"],
        subnet=subnet or GatewaySubnet(),
        dns_zone=zone,
        dns_ttl_seconds=raw.get("dns_ttl_seconds", default(GatewayArgs, "dns_ttl_seconds")),
    )
    for name in deployments:
        host = settings.host(name)
        if len(host) > 253 or any(len(label) > DNS_LABEL_MAX for label in host.split(".")):
            problems.add("aks.gateway.domain", f"makes the host {host!r} of deployment {name} too long for DNS")
    return settings if subnet is not None else None


def _subnet(
    raw: dict[str, Any], cluster_subnet_id: str | None, existing_cluster: bool, problems: Problems
) -> GatewaySubnet | None:
    given = [key for key in ("subnet_id", "subnet_prefix") if key in raw]
    if len(given) != 1:
        problems.add(
            "aks.gateway.subnetId",
            f"Application Gateway for Containers needs a subnet delegated to {catalog.GATEWAY.subnet_delegation}: "
            + (
                "give one of subnetId and subnetPrefix, not both"
                if given
                else "give subnetId (an existing one) or subnetPrefix (the stack creates it)"
            ),
        )
        return None
    if "subnet_id" in raw:
        return GatewaySubnet(id=raw["subnet_id"])
    network = ipaddress.ip_network(raw["subnet_prefix"], strict=False)
    wanted = catalog.GATEWAY.subnet_prefix_length
    if network.prefixlen != wanted:
        problems.add(
            "aks.gateway.subnetPrefix",
            f"{network} is a /{network.prefixlen}: Application Gateway for Containers on Azure CNI Overlay (the "
            f"clusters the stack creates) needs exactly a /{wanted}, no larger and no smaller",
        )
        return None
    vnet = _VNET_OF_SUBNET.fullmatch(cluster_subnet_id or "")
    if vnet is None:
        where = (
            "an existing cluster's VNet is not known to the stack"
            if existing_cluster
            else "the cluster uses an AKS-managed VNet (set aks.cluster.vnetSubnetId to put it in yours)"
        )
        problems.add(
            "aks.gateway.subnetPrefix",
            f"the stack can only create the gateway's subnet in a VNet it knows; {where}; or give aks.gateway.subnetId"
            f" (a subnet of the cluster's VNet delegated to {catalog.GATEWAY.subnet_delegation})",
        )
        return None
    return GatewaySubnet(prefix=str(network), vnet_id=vnet.group("vnet"))


def _zone(zone_id: str | None, domain: str, problems: Problems) -> DnsZone | None:
    if zone_id is None:
        return None
    group = _RESOURCE_GROUP.match(zone_id)
    name = zone_id.rsplit("/", 1)[-1].lower()
    if group is None or not (domain == name or domain.endswith(f".{name}")):
        problems.add(
            "aks.gateway.dnsZoneId",
            f"zone {name!r} does not hold the domain {domain!r}; give the zone of {domain} or of a parent domain",
        )
        return None
    return DnsZone(resource_group_name=group.group("group"), name=name)
