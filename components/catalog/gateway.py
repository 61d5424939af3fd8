"""Application Gateway for Containers (AGC) and the Gateway API, as the AKS host's gateway uses them.

Why AGC and not the application routing add-on's Gateway API implementation (approuting-istio): see
components/aks/gateway.py. Every fact below was read on 2026-12-02 from the page its `Source` names.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Final

from components.catalog.containers import Source

_AGC: Final = "https://learn.microsoft.com/azure/application-gateway/for-containers"

#: Components page: frontends, associations, delegation, the ALB controller, the request timeouts table.
AGC_COMPONENTS: Final = Source(
    f"{_AGC}/application-gateway-for-containers-components",
    "Private IP addresses aren't currently supported [for frontends]; each association should assume at least 256"
    " addresses (a minimum /24); Request Timeout 60 seconds; HTTP Idle Timeout 5 minutes; Stream Idle Timeout 5"
    " minutes; request timeout: consider increasing the request timeout value or setting it to 0",
)
#: WebSocket: no configuration needed, Gateway API only; a HealthCheckPolicy so the backend is seen healthy.
AGC_WEBSOCKETS: Final = Source(
    f"{_AGC}/websockets",
    "No configuration is required to leverage a WebSocket request ... WebSockets are only supported when using"
    " Gateway API",
)
#: The ALB controller's Helm install: chart, version, identity, federation subject, Reader on the node group.
AGC_CONTROLLER_HELM: Final = Source(
    f"{_AGC}/quickstart-deploy-application-gateway-for-containers-alb-controller-helm",
    "helm install alb-controller oci://mcr.microsoft.com/application-lb/charts/alb-controller --version ..."
    " --set albController.namespace=azure-alb-system --set albController.podIdentity.clientID=...; subject"
    " system:serviceaccount:azure-alb-system:alb-controller-sa; Reader on the node resource group; AKS cluster"
    " should use Azure CNI or Azure CNI Overlay",
)
#: AGC and the cluster's network: Azure CNI Overlay (the stack's clusters) support, its status and its subnet rule.
AGC_NETWORKING: Final = Source(
    f"{_AGC}/container-networking",
    "Application Gateway for Containers with CNI Overlay is in PREVIEW; the Application Gateway for Containers subnet"
    " must be a /24 prefix ... A larger or smaller prefix isn't supported; supports ... Cilium Kubernetes network"
    " policies; VNet peering between the AGC and cluster VNets isn't supported",
)
#: The chart's values: albController.controller.tolerations, albController.installGatewayApiCRDs (default true).
AGC_HELM_VALUES: Final = Source(
    f"{_AGC}/alb-controller-helm-chart",
    "albController.controller.tolerations: Tolerations for alb-controller; albController.installGatewayApiCRDs: true",
)
#: Bring-your-own deployment: the stack creates the AGC resource, frontend and association; roles for the controller.
AGC_BYO: Final = Source(
    f"{_AGC}/quickstart-create-application-gateway-for-containers-byo-deployment",
    "delegate the AppGw for Containers Configuration Manager role ... and the Network Contributor role to the"
    " subnet used by the association; subnet delegated to Microsoft.ServiceNetworking/trafficControllers",
)
#: The Gateway for a BYO deployment: class, alb-id annotation, frontend address, TLS listener with a Secret.
AGC_TLS_OFFLOAD: Final = Source(
    f"{_AGC}/how-to-ssl-offloading-gateway-api",
    "gatewayClassName: azure-alb-external; annotation alb.networking.azure.io/alb-id; addresses type"
    " alb.networking.azure.io/alb-frontend; listener tls mode Terminate, certificateRefs kind Secret",
)
#: The alb.networking.azure.io/v1 API: HealthCheckPolicy (port, protocol, interval, timeout, thresholds, http).
AGC_API: Final = Source(f"{_AGC}/api-specification-kubernetes", "HealthCheckPolicyConfig")
#: Long-lived responses: the request timeout set on the HTTPRoute rule, 5-minute idle, connections dropped on scale-in.
AGC_SSE: Final = Source(
    f"{_AGC}/server-sent-events",
    "In Gateway API, define a timeouts.request value ... on the HTTPRouteRule; [it] is preferred over the RoutePolicy"
    " timeout; When Application Gateway for Containers scales in, ongoing connections that aren't drained after 5"
    " minutes are dropped; The idle timeout ... is currently set to 5 minutes",
)
#: ALB controller releases: the latest Helm release and the Gateway API version each implements.
AGC_RELEASES: Final = Source(
    f"{_AGC}/alb-controller-release-notes",
    "Latest Helm Release 1.12.1, Gateway API v1.5.1, minimum Kubernetes v1.32; 1.11.1: Gateway API HTTPRoute"
    " timeouts (succeed RoutePolicy timeouts)",
)
#: The Gateway API release whose v1 Gateway and HTTPRoute schemas the stack writes (pinned in the tests): the one the
#: pinned ALB controller implements.
GATEWAY_API: Final = Source(
    "https://github.com/kubernetes-sigs/gateway-api/releases/tag/v1.5.1",
    "standard channel CRDs gateway.networking.k8s.io_gateways.yaml and _httproutes.yaml",
)
#: Syncing a Key Vault certificate into a kubernetes.io/tls Secret for a Gateway listener with the CSI driver.
GATEWAY_TLS_FROM_VAULT: Final = Source(
    "https://learn.microsoft.com/azure/aks/app-routing-gateway-api-tls",
    "a SecretProviderClass, a pod that mounts it, and the listener's certificateRefs naming the synced Secret",
)


@dataclass(frozen=True)
class GatewayFacts:
    """What the Gateway, its routes and policies, and the ALB controller need to be named and sized."""

    gateway_class: str = "azure-alb-external"
    alb_id_annotation: str = "alb.networking.azure.io/alb-id"
    frontend_address_type: str = "alb.networking.azure.io/alb-frontend"
    policy_api_version: str = "alb.networking.azure.io/v1"
    gateway_api_version: str = "gateway.networking.k8s.io/v1"
    #: The subnet delegation an association needs.
    subnet_delegation: str = "Microsoft.ServiceNetworking/trafficControllers"
    #: "A minimum /24 subnet mask for each deployment" (AGC_COMPONENTS); with CNI Overlay exactly a /24
    #: (AGC_NETWORKING).
    subnet_prefix_length: int = 24
    #: Fixed by the service (no setting changes them): a stream that sends nothing this long is closed.
    http_idle_timeout_seconds: int = 300
    stream_idle_timeout_seconds: int = 300
    #: The default request timeout (an HTTPRoute rule's timeouts.request changes it; 0s turns it off).
    default_request_timeout_seconds: int = 60
    #: On scale-in, AGC drops connections still open after this long.
    scale_in_drain_seconds: int = 300
    chart: str = "oci://mcr.microsoft.com/application-lb/charts/alb-controller"
    #: The latest Helm release (AGC_RELEASES); HTTPRoute timeouts need 1.11.1 or later. The Helm quickstart still
    #: shows 1.9.13.
    chart_version: str = "1.12.1"
    #: The Gateway API bundle that release implements (and the tests' pinned schemas).
    gateway_api_bundle: str = "v1.5.1"
    #: The oldest Kubernetes that release supports.
    min_kubernetes: tuple[int, int] = (1, 32)
    controller_namespace: str = "azure-alb-system"
    #: Where Helm records the release (the docs' default; the controller itself runs in controller_namespace).
    release_namespace: str = "default"
    controller_service_account: str = "alb-controller-sa"
    #: The backend health probe on each Speech Service: the docs' WebSocket example values.
    probe_interval_seconds: int = 5
    probe_timeout_seconds: int = 3
    healthy_threshold: int = 1
    unhealthy_threshold: int = 3
    sources: tuple[Source, ...] = field(
        default=(
            AGC_COMPONENTS,
            AGC_WEBSOCKETS,
            AGC_SSE,
            AGC_NETWORKING,
            AGC_RELEASES,
            AGC_CONTROLLER_HELM,
            AGC_HELM_VALUES,
            AGC_BYO,
            AGC_TLS_OFFLOAD,
            AGC_API,
            GATEWAY_API,
        )
    )


GATEWAY: Final = GatewayFacts()
