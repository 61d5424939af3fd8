"""The gateway's subnet: an existing one (`aci.front.subnetId`), or one the stack creates in the groups' VNet
(`aci.front.subnetPrefix`) with the NSG an Application Gateway v2 subnet needs (catalog.INFRASTRUCTURE_SOURCE):
GatewayManager on TCP 65200-65535 (Azure's infrastructure traffic; the gateway fails without it), the Azure load
balancer's probes, and HTTPS from the internet. Outbound is left to the defaults, which must not block the internet.
"""

from __future__ import annotations

import pulumi
import pulumi_azure_native.network as network

from components import catalog
from components.config.front import FrontConfig
from components.hosting import HostInputs


def security_rules() -> list[network.SecurityRuleArgs]:
    """The inbound rules of catalog.APP_GATEWAY.nsg_rules."""
    return [
        network.SecurityRuleArgs(
            name=name,
            priority=priority,
            direction="Inbound",
            access="Allow",
            protocol=protocol,
            source_address_prefix=source,
            source_port_range="*",
            destination_address_prefix="*",
            destination_port_range=ports,
        )
        for name, priority, protocol, source, ports in catalog.APP_GATEWAY.nsg_rules
    ]


def gateway_subnet(name: str, inputs: HostInputs, settings: FrontConfig, parent: pulumi.Resource) -> pulumi.Input[str]:
    """The subnet id the gateway goes in (creating the subnet and its NSG for `subnetPrefix`)."""
    if settings.subnet_id is not None:
        return settings.subnet_id
    assert settings.subnet_prefix is not None
    nsg = network.NetworkSecurityGroup(
        f"{name}-nsg",
        resource_group_name=inputs.resource_group_name,
        location=inputs.location,
        security_rules=security_rules(),
        tags=inputs.tags,
        opts=pulumi.ResourceOptions(parent=parent),
    )
    parts = settings.vnet_id.split("/")
    subnet = network.Subnet(
        f"{name}-subnet",
        resource_group_name=parts[4],
        virtual_network_name=parts[-1],
        subnet_name=f"{name}-gateway",
        address_prefix=settings.subnet_prefix,
        network_security_group=network.NetworkSecurityGroupArgs(id=nsg.id),
        opts=pulumi.ResourceOptions(parent=parent),
    )
    return subnet.id
