"""One load-balanced HTTPS/WSS endpoint per deployment in front of VNet-injected ACI groups: Application Gateway v2.

Why Application Gateway v2 and not ACI NGroups: NGroups (several groups from one profile, rolling upgrades) are
documented as "About NGroups (Preview)" (catalog.NGROUPS_SOURCE, read 2026-12-02), and their load balancing is an
Application Gateway in front of the groups anyway. Application Gateway v2 is GA and has what a speech front needs:
- WebSocket natively, with no setting to turn on (catalog.WEBSOCKET_SOURCE); once upgraded, frames are passed
  through uninspected, so the request timeout (1-86400 s, catalog.REQUEST_TIMEOUT_SOURCE) set to the stream budget
  bounds a stream;
- health probes on `/ready` (HTTP, 200-399 healthy; catalog.PROBE_SOURCE), on each kind's own port (the catalog's:
  language identification listens on 5003);
- connection draining (1-3600 s, catalog.DRAINING_SOURCE): a member removed from its pool, or unhealthy, gets no new
  request and keeps its open streams that long. The rotation command drains a batch this way before it restarts it;
- TLS from a Key Vault certificate through a user-assigned identity (v2 only, catalog.KEY_VAULT_SOURCE;
  components/aci/front_certificate.py), renewed versions picked up without an update;
- an optional WAF policy (Microsoft_DefaultRuleSet 2.1) with the rules speech requests trip turned off.

Routing is one host name per deployment (`<deployment>.<domain>`): the Speech SDK takes a host (`from_host`) and
adds its own paths, so a path prefix per deployment cannot be given to it (path routing would need a URL rewrite
of every request). Each deployment has its own pool (the groups' private IPs), backend settings and probe.

The gateway needs a subnet of its own (a /24 is recommended for 125 instances) whose NSG allows GatewayManager on
65200-65535 and the Azure load balancer (catalog.INFRASTRUCTURE_SOURCE): with `subnetPrefix` the stack creates that
subnet in the groups' VNet with such an NSG; with `subnetId` it is yours to keep so.
"""

from __future__ import annotations

import pulumi
import pulumi_azure_native.authorization as authorization
import pulumi_azure_native.containerinstance as aci
import pulumi_azure_native.dns as dns
import pulumi_azure_native.network as network

from components import catalog
from components.aci.front_certificate import FrontTls
from components.aci.front_network import gateway_subnet
from components.aci.front_waf import waf_policy
from components.args import DeploymentOutput
from components.azure.monitoring import send_diagnostics
from components.config.front import FrontConfig
from components.config.model import ContainerConfig
from components.front_args import FrontOutput
from components.hosting import HostInputs, endpoint

FRONTEND = "public"
PORT = "https"
CERTIFICATE = "certificate"


def pool_name(deployment: str) -> str:
    """The backend pool of a deployment (the rotation command edits it: a contract, keep it)."""
    return f"pool-{deployment}"


class AciFront(pulumi.ComponentResource):
    """The Application Gateway and what it needs: identity, certificate, public IP, subnet and NSG, WAF, DNS."""

    #: Per deployment, the front's URL (Speech SDK host) and its /status page.
    urls: dict[str, tuple[str, str]]
    #: What the rotation command needs: `{id, drainSeconds, pools: {deployment: pool name}}`.
    rotation: pulumi.Output[FrontOutput]

    def __init__(
        self,
        name: str,
        inputs: HostInputs,
        settings: FrontConfig,
        groups: dict[str, list[aci.ContainerGroup]],
        opts: pulumi.ResourceOptions | None = None,
    ) -> None:
        super().__init__("speech-containers:aci:AciFront", name, None, opts)
        self._inputs, self._settings = inputs, settings
        by_name = {c.name: c for c in inputs.containers}
        tls = FrontTls(name, inputs, settings, self)
        self.ip = network.PublicIPAddress(
            f"{name}-ip",
            resource_group_name=inputs.resource_group_name,
            location=inputs.location,
            sku=network.PublicIPAddressSkuArgs(name="Standard", tier="Regional"),
            public_ip_allocation_method="Static",
            zones=list(settings.zones) or None,
            tags=inputs.tags,
            opts=pulumi.ResourceOptions(parent=self),
        )
        subnet_id = gateway_subnet(name, inputs, settings, self)
        self.waf = waf_policy(name, inputs, self) if settings.waf else None
        gateway_name = name
        client = authorization.get_client_config_output()
        base = pulumi.Output.all(client.subscription_id, inputs.resource_group_name).apply(
            lambda args: (
                f"/subscriptions/{args[0]}/resourceGroups/{args[1]}/providers/Microsoft.Network/"
                f"applicationGateways/{gateway_name}"
            )
        )

        def ref(kind: str, item: str) -> network.SubResourceArgs:
            return network.SubResourceArgs(id=base.apply(lambda b: f"{b}/{kind}/{item}"))

        deployments = list(groups)
        sku = catalog.APP_GATEWAY.waf_sku if settings.waf else catalog.APP_GATEWAY.sku
        self.gateway = network.ApplicationGateway(
            f"{name}-gateway",
            application_gateway_name=gateway_name,
            resource_group_name=inputs.resource_group_name,
            location=inputs.location,
            sku=network.ApplicationGatewaySkuArgs(name=sku, tier=sku),
            autoscale_configuration=network.ApplicationGatewayAutoscaleConfigurationArgs(
                min_capacity=settings.min_capacity, max_capacity=settings.max_capacity
            ),
            identity=network.ManagedServiceIdentityArgs(
                type=network.ResourceIdentityType.USER_ASSIGNED, user_assigned_identities=[tls.identity.id]
            ),
            gateway_ip_configurations=[
                network.ApplicationGatewayIPConfigurationArgs(
                    name="gateway", subnet=network.SubResourceArgs(id=subnet_id)
                )
            ],
            frontend_ip_configurations=[
                network.ApplicationGatewayFrontendIPConfigurationArgs(
                    name=FRONTEND, public_ip_address=network.SubResourceArgs(id=self.ip.id)
                )
            ],
            frontend_ports=[network.ApplicationGatewayFrontendPortArgs(name=PORT, port=catalog.TLS_PORT)],
            ssl_certificates=[
                network.ApplicationGatewaySslCertificateArgs(name=CERTIFICATE, key_vault_secret_id=tls.secret_id)
            ],
            ssl_policy=network.ApplicationGatewaySslPolicyArgs(
                policy_type="Predefined", policy_name=catalog.APP_GATEWAY.tls_policy
            ),
            backend_address_pools=[
                network.ApplicationGatewayBackendAddressPoolArgs(
                    name=pool_name(d),
                    backend_addresses=[
                        network.ApplicationGatewayBackendAddressArgs(ip_address=_private_ip(g)) for g in groups[d]
                    ],
                )
                for d in deployments
            ],
            probes=[self._probe(by_name[d]) for d in deployments],
            backend_http_settings_collection=[
                self._backend_settings(by_name[d], ref("probes", f"probe-{d}")) for d in deployments
            ],
            http_listeners=[
                network.ApplicationGatewayHttpListenerArgs(
                    name=f"https-{d}",
                    protocol="Https",
                    host_name=settings.host(d),
                    require_server_name_indication=True,
                    frontend_ip_configuration=ref("frontendIPConfigurations", FRONTEND),
                    frontend_port=ref("frontendPorts", PORT),
                    ssl_certificate=ref("sslCertificates", CERTIFICATE),
                )
                for d in deployments
            ],
            request_routing_rules=[
                network.ApplicationGatewayRequestRoutingRuleArgs(
                    name=f"rule-{d}",
                    rule_type="Basic",
                    priority=100 + 10 * i,
                    http_listener=ref("httpListeners", f"https-{d}"),
                    backend_address_pool=ref("backendAddressPools", pool_name(d)),
                    backend_http_settings=ref("backendHttpSettingsCollection", f"settings-{d}"),
                )
                for i, d in enumerate(deployments)
            ],
            firewall_policy=network.SubResourceArgs(id=self.waf.id) if self.waf else None,
            zones=list(settings.zones) or None,
            tags=inputs.tags,
            opts=pulumi.ResourceOptions(parent=self, depends_on=tls.ready),
        )
        #: Access, performance and (with a WAF) firewall logs and the gateway's metrics (unhealthy members, response
        #: status) in the stack's workspace.
        self.diagnostics = send_diagnostics(f"{name}-diagnostics", self.gateway.id, inputs.workspace, self)
        self.records = [self._record(d) for d in deployments] if settings.dns_zone else []
        self.urls = {d: self._urls(by_name[d]) for d in deployments}
        self.rotation = self.gateway.id.apply(
            lambda gateway_id: FrontOutput(
                id=gateway_id,
                drainSeconds=inputs.stream_budget_seconds,
                pools={d: pool_name(d) for d in deployments},
            )
        )
        self.register_outputs({"rotation": self.rotation, "publicIp": self.ip.ip_address})

    def _urls(self, container: ContainerConfig) -> tuple[str, str]:
        found = endpoint(container, [self._settings.host(container.name)], tls=True)
        return found["url"], found["statusUrl"]

    def endpoint(self, deployment: str, per_replica: DeploymentOutput) -> DeploymentOutput:
        """A deployment's endpoints with the front's URL as the one clients use; the replicas' stay for diagnostics."""
        url, status = self.urls[deployment]
        return {**per_replica, "url": url, "statusUrl": status}

    def _probe(self, container: ContainerConfig) -> network.ApplicationGatewayProbeArgs:
        facts = catalog.APP_GATEWAY
        return network.ApplicationGatewayProbeArgs(
            name=f"probe-{container.name}",
            protocol="Http",
            host="127.0.0.1",
            path=container.spec.ready_path(container.tag),
            interval=facts.probe_interval_seconds,
            timeout=facts.probe_timeout_seconds,
            unhealthy_threshold=facts.probe_unhealthy_threshold,
            match=network.ApplicationGatewayProbeHealthResponseMatchArgs(status_codes=list(facts.probe_status_codes)),
        )

    def _backend_settings(
        self, container: ContainerConfig, probe: network.SubResourceArgs
    ) -> network.ApplicationGatewayBackendHttpSettingsArgs:
        """Plain HTTP to the kind's port inside the VNet; requests (a WebSocket stream is one) may last the stream
        budget, and a drained member keeps its streams as long."""
        budget = self._inputs.stream_budget_seconds
        return network.ApplicationGatewayBackendHttpSettingsArgs(
            name=f"settings-{container.name}",
            protocol="Http",
            port=container.spec.port,
            request_timeout=budget,
            cookie_based_affinity="Disabled",
            probe=probe,
            connection_draining=network.ApplicationGatewayConnectionDrainingArgs(
                enabled=True, drain_timeout_in_sec=budget
            ),
        )

    def _record(self, deployment: str) -> dns.RecordSet:
        """An alias A record to the public IP, so it follows the address."""
        zone = self._settings.dns_zone
        assert zone is not None
        return dns.RecordSet(
            f"{self._name}-{deployment}-record",
            resource_group_name=zone[0],
            zone_name=zone[1],
            relative_record_set_name=self._settings.record_name(deployment),
            record_type="A",
            ttl=300,
            target_resource=dns.SubResourceArgs(id=self.ip.id),
            opts=pulumi.ResourceOptions(parent=self),
        )


def _private_ip(group: aci.ContainerGroup) -> pulumi.Output[str]:
    return group.ip_address.apply(lambda ip: (ip.ip or "") if ip else "")
