"""Private endpoints: reach the Speech account and the vault from inside a VNet, not over the internet."""

from __future__ import annotations

import pulumi
import pulumi_azure_native.network as network


class PrivateLink(pulumi.ComponentResource):
    """A private endpoint for one Azure resource, and its DNS zone group so the resource's name resolves to it."""

    def __init__(
        self,
        name: str,
        target_id: pulumi.Input[str],
        group_id: str,
        subnet_id: str,
        dns_zone_id: str | None,
        resource_group_name: pulumi.Input[str],
        location: str,
        tags: dict[str, str],
        opts: pulumi.ResourceOptions | None = None,
    ) -> None:
        super().__init__("speech-containers:network:PrivateLink", name, None, opts)
        endpoint = network.PrivateEndpoint(
            f"{name}-endpoint",
            resource_group_name=resource_group_name,
            location=location,
            subnet=network.SubnetArgs(id=subnet_id),
            private_link_service_connections=[
                network.PrivateLinkServiceConnectionArgs(
                    name=f"{name}-connection", private_link_service_id=target_id, group_ids=[group_id]
                )
            ],
            tags=tags,
            opts=pulumi.ResourceOptions(parent=self),
        )
        #: What clients must wait for: the DNS records that make the resource's name resolve to the endpoint (the
        #: zone group writes them), or the endpoint itself when DNS is managed elsewhere.
        self.ready: pulumi.Resource = endpoint
        if dns_zone_id:
            self.ready = network.PrivateDnsZoneGroup(
                f"{name}-dns",
                private_endpoint_name=endpoint.name,
                resource_group_name=resource_group_name,
                private_dns_zone_group_name="default",
                private_dns_zone_configs=[
                    network.PrivateDnsZoneConfigArgs(name=group_id, private_dns_zone_id=dns_zone_id)
                ],
                opts=pulumi.ResourceOptions(parent=self),
            )
        self.register_outputs({"endpointId": endpoint.id})
