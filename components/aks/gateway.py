"""HTTPS/WSS in front of the Speech Services on AKS through Application Gateway for Containers (Gateway API).

Why Application Gateway for Containers (AGC), bring-your-own deployment:
- The application routing add-on's managed NGINX (components/aks/ingress.py) lost Microsoft support in November
  2026. Its successors are the add-on's Gateway API implementation (`approuting-istio`,
  https://learn.microsoft.com/azure/aks/app-routing-gateway-api, read 2026-12-02) and AGC (GA).
- `approuting-istio` is enabled through ManagedCluster fields (and needs the Managed Gateway API CRDs,
  https://learn.microsoft.com/azure/aks/managed-gateway-api) that the ManagedCluster API version of the installed
  pulumi-azure-native (3.29.0, API 2025-09-01) does not have: its `ingressProfile` holds `webAppRouting` only. Other
  API versions need a generated local SDK (`pulumi package add`), which this offline project cannot build.
- AGC is GA, its Azure resources are in the installed SDK on a GA API version (servicenetworking 2025-01-01), and it
  handles WebSockets with no configuration (catalog.AGC_WEBSOCKETS). Support status to know: AGC on Azure CNI
  Overlay, the network of the clusters the stack creates, is documented as preview (catalog.AGC_NETWORKING); on
  flat Azure CNI it is GA. `approuting-istio` would have no such caveat but cannot be enabled from this SDK.
  Its timeouts are documented (catalog.AGC_COMPONENTS): the 60 s request timeout counts even while data flows and
  would cut every stream, so each HTTPRoute rule sets `timeouts.request` to the stack's stream budget (the Gateway
  API primitive AGC's docs recommend over its own RoutePolicy, which it overrides: catalog.AGC_SSE); the HTTP and
  stream idle timeouts are fixed at 5 minutes. A Speech stream is audio, sent continuously (silence too), so a
  stream idle that long has ended; and there is no Azure load balancer in front with its 4-minute idle timeout.
  One limit the stack cannot lift: when AGC scales in, connections not drained within 5 minutes are dropped
  (catalog.AGC_SSE), so a long call can end early then; clients must reconnect.
- Bring-your-own (the stack creates the traffic controller, frontend and association) rather than "managed by the
  ALB controller" (an ApplicationLoadBalancer custom resource): the Azure resources are then in the stack's graph,
  the frontend's FQDN is known to Pulumi for the DNS records and the `gatewayAddress` output, and destroying the
  stack removes them.

What gets created: the association's subnet (when `subnetPrefix`), the traffic controller, its frontend and
association; the ALB controller (alb_controller.py); the TLS Secret synced from the vault (gateway_tls.py); one
Gateway with an HTTPS listener for `*.<domain>`; per deployment an HTTPRoute for `<deployment>.<domain>` to its
Service's port (catalog: 5003 for language identification, 5000 for the others) with the stream budget as request
timeout, and a HealthCheckPolicy probing the container's readiness path; optionally a CNAME per
host in an Azure DNS zone. The Gateway carries `pulumi.com/waitFor: condition=Programmed`, so `pulumi up` fails
while the listener is not programmed (a wrong certificate) instead of reporting success.
"""

from __future__ import annotations

from typing import Final

import pulumi
import pulumi_azure_native.dns as dns
import pulumi_azure_native.network as network
import pulumi_azure_native.servicenetworking as servicenetworking
import pulumi_kubernetes as k8s

from components import catalog
from components.aks.alb_controller import AlbController
from components.aks.cluster import AksCluster
from components.aks.gateway_tls import GatewayTls
from components.config.gateway import GatewayConfig
from components.config.model import ContainerConfig
from components.hosting import HostInputs

GATEWAY_NAME: Final = "speech"
LISTENER: Final = "https"
SUBNET_NAME: Final = "speech-gateway"
WAIT_FOR: Final = "pulumi.com/waitFor"
PROGRAMMED_TIMEOUT_SECONDS: Final = 30 * 60


def subnet_parts(subnet_id: str) -> tuple[str, str, str]:
    """Resource group, VNet and subnet names of a subnet id."""
    parts = subnet_id.split("/")
    lowered = [p.lower() for p in parts]
    return (
        parts[lowered.index("resourcegroups") + 1],
        parts[lowered.index("virtualnetworks") + 1],
        parts[lowered.index("subnets") + 1],
    )


def route_timeout(stream_budget_seconds: int) -> str:
    """A route's request timeout: the whole stream budget, as a Gateway API duration (GEP-2257: up to 5 digits per
    unit, which catalog.MAX_STREAM_BUDGET_SECONDS fits in seconds)."""
    return f"{stream_budget_seconds}s"


class SpeechGateway(pulumi.ComponentResource):
    """AGC and the Gateway API objects that route `<deployment>.<domain>` to each deployment's Service."""

    #: deployment -> host name
    hosts: dict[str, str]
    #: The frontend's FQDN (clients' CNAME target).
    address: pulumi.Output[str]
    #: The association subnet's address range: the Speech pods' network policy admits it.
    source_range: pulumi.Output[str]

    def __init__(
        self,
        name: str,
        settings: GatewayConfig,
        inputs: HostInputs,
        cluster: AksCluster,
        namespace: pulumi.Output[str],
        tls: GatewayTls,
        provider: k8s.Provider,
        opts: pulumi.ResourceOptions | None = None,
    ) -> None:
        super().__init__("speech-containers:aks:SpeechGateway", name, None, opts)
        azure = pulumi.ResourceOptions(parent=self)
        subnet_id = self._subnet(name, settings)
        controller = servicenetworking.TrafficControllerInterface(
            f"{name}-traffic-controller",
            resource_group_name=inputs.resource_group_name,
            location=inputs.location,
            tags=inputs.tags,
            opts=azure,
        )
        frontend = servicenetworking.FrontendsInterface(
            f"{name}-frontend",
            resource_group_name=inputs.resource_group_name,
            traffic_controller_name=controller.name,
            location=inputs.location,
            tags=inputs.tags,
            opts=azure,
        )
        association = servicenetworking.AssociationsInterface(
            f"{name}-association",
            resource_group_name=inputs.resource_group_name,
            traffic_controller_name=controller.name,
            association_type="subnets",
            subnet=servicenetworking.AssociationSubnetArgs(id=subnet_id),
            location=inputs.location,
            tags=inputs.tags,
            opts=azure,
        )
        alb = AlbController(
            f"{name}-alb-controller",
            inputs.resource_group_name,
            inputs.location,
            inputs.tags,
            cluster.oidc_issuer_url,
            {
                catalog.Role.APPGW_FOR_CONTAINERS_CONFIGURATION_MANAGER: controller.id,
                catalog.Role.NETWORK_CONTRIBUTOR: subnet_id,
                catalog.Role.READER: cluster.node_resource_group_id,
            },
            provider,
            pulumi.ResourceOptions(parent=self),
        )
        self.address = frontend.fqdn
        self.hosts = {c.name: settings.host(c.name) for c in inputs.containers}
        k8s_opts = pulumi.ResourceOptions(parent=self, provider=provider, depends_on=[alb.release])
        self._gateway(name, settings, namespace, controller, frontend, tls, [association, tls.ready], k8s_opts)
        for container in inputs.containers:
            self._route(name, container, namespace, inputs.stream_budget_seconds, k8s_opts)
        if settings.dns_zone is not None:
            self._records(name, settings)
        self.register_outputs({"address": self.address, "hosts": self.hosts})

    def _subnet(self, name: str, settings: GatewayConfig) -> pulumi.Output[str]:
        """The association's subnet id, creating the subnet when asked to; sets `source_range`."""
        subnet = settings.subnet
        if subnet.id is not None:
            group, vnet, subnet_name = subnet_parts(subnet.id)
            found = network.get_subnet_output(
                resource_group_name=group,
                virtual_network_name=vnet,
                subnet_name=subnet_name,
                opts=pulumi.InvokeOutputOptions(parent=self),
            )
            self.source_range = found.apply(lambda s: s.address_prefix or (s.address_prefixes or [""])[0] if s else "")
            return pulumi.Output.from_input(subnet.id)
        assert subnet.prefix is not None
        created = network.Subnet(
            f"{name}-subnet",
            resource_group_name=subnet.vnet_resource_group,
            virtual_network_name=subnet.vnet_name,
            subnet_name=SUBNET_NAME,
            address_prefix=subnet.prefix,
            delegations=[
                network.DelegationArgs(name="trafficControllers", service_name=catalog.GATEWAY.subnet_delegation)
            ],
            opts=pulumi.ResourceOptions(parent=self),
        )
        self.source_range = pulumi.Output.from_input(subnet.prefix)
        return created.id

    def _gateway(
        self,
        name: str,
        settings: GatewayConfig,
        namespace: pulumi.Output[str],
        controller: servicenetworking.TrafficControllerInterface,
        frontend: servicenetworking.FrontendsInterface,
        tls: GatewayTls,
        prerequisites: list[pulumi.Resource],
        k8s_opts: pulumi.ResourceOptions,
    ) -> None:
        facts = catalog.GATEWAY
        listener = {
            "name": LISTENER,
            "hostname": f"*.{settings.domain}",
            "port": catalog.TLS_PORT,
            "protocol": "HTTPS",
            "allowedRoutes": {"namespaces": {"from": "Same"}},
            "tls": {"mode": "Terminate", "certificateRefs": [{"kind": "Secret", "group": "", "name": tls.secret_name}]},
        }
        k8s.apiextensions.CustomResource(
            f"{name}-gateway",
            api_version=facts.gateway_api_version,
            kind="Gateway",
            metadata={
                "name": GATEWAY_NAME,
                "namespace": namespace,
                "labels": {"app.kubernetes.io/part-of": catalog.AKS.part_of},
                # AGC programs a new listener in minutes; give it more than Pulumi's default 10.
                "annotations": {
                    facts.alb_id_annotation: controller.id,
                    WAIT_FOR: "condition=Programmed",
                    "pulumi.com/timeoutSeconds": str(PROGRAMMED_TIMEOUT_SECONDS),
                },
            },
            spec={
                "gatewayClassName": facts.gateway_class,
                "listeners": [listener],
                "addresses": [{"type": facts.frontend_address_type, "value": frontend.name}],
            },
            opts=pulumi.ResourceOptions.merge(k8s_opts, pulumi.ResourceOptions(depends_on=prerequisites)),
        )

    def _route(
        self,
        name: str,
        container: ContainerConfig,
        namespace: pulumi.Output[str],
        stream_budget_seconds: int,
        k8s_opts: pulumi.ResourceOptions,
    ) -> None:
        """The deployment's HTTPRoute (its request timeout the stream budget) and its Service's health probe."""
        facts, deployment = catalog.GATEWAY, container.name
        metadata = {"name": deployment, "namespace": namespace}
        k8s.apiextensions.CustomResource(
            f"{name}-{deployment}-route",
            api_version=facts.gateway_api_version,
            kind="HTTPRoute",
            metadata=metadata,
            spec={
                "parentRefs": [{"name": GATEWAY_NAME, "sectionName": LISTENER}],
                "hostnames": [self.hosts[deployment]],
                "rules": [
                    {
                        "matches": [{"path": {"type": "PathPrefix", "value": "/"}}],
                        "backendRefs": [{"name": deployment, "port": container.spec.port}],
                        "timeouts": {"request": route_timeout(stream_budget_seconds)},
                    }
                ],
            },
            opts=k8s_opts,
        )
        k8s.apiextensions.CustomResource(
            f"{name}-{deployment}-health-check",
            api_version=facts.policy_api_version,
            kind="HealthCheckPolicy",
            metadata=metadata,
            spec={
                "targetRef": {"group": "", "kind": "Service", "name": deployment, "namespace": namespace},
                "default": {
                    "port": container.spec.port,
                    "protocol": "HTTP",
                    "interval": f"{facts.probe_interval_seconds}s",
                    "timeout": f"{facts.probe_timeout_seconds}s",
                    "healthyThreshold": facts.healthy_threshold,
                    "unhealthyThreshold": facts.unhealthy_threshold,
                    "http": {
                        "path": container.spec.ready_path(container.tag),
                        "match": {"statusCodes": [{"start": 200, "end": 299}]},
                    },
                },
            },
            opts=k8s_opts,
        )

    def _records(self, name: str, settings: GatewayConfig) -> None:
        """A CNAME per host to the frontend's FQDN."""
        zone = settings.dns_zone
        assert zone is not None
        for deployment, host in self.hosts.items():
            dns.RecordSet(
                f"{name}-{deployment}-cname",
                resource_group_name=zone.resource_group_name,
                zone_name=zone.name,
                relative_record_set_name=zone.relative_name(host),
                record_type="CNAME",
                ttl=settings.dns_ttl_seconds,
                cname_record=dns.CnameRecordArgs(cname=self.address),
                opts=pulumi.ResourceOptions(parent=self),
            )
