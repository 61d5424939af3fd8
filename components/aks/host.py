"""Hosts the Speech containers on AKS: cluster (new or existing), AVX2 Speech pool, Key Vault-backed
credentials, one workload per deployment, a billing preflight Job, and with `aks.gateway` (Application Gateway for
Containers) or the deprecated `aks.ingress` (managed NGINX) TLS in front (without either they are reachable
in-cluster only).

Migration from `aks.ingress`: both run side by side for one release. A stack that keeps only `aks.ingress` keeps
working unchanged and gets a deprecation warning at plan time; adding `aks.gateway` adds the gateway next to the
Ingress (the endpoints then name the gateway's hosts), so DNS can move to the gateway's address with no downtime;
removing `aks.ingress` then removes the Ingress and the add-on in that update. The ingress cannot be mapped onto
the gateway automatically: Application Gateway for Containers needs a delegated subnet the ingress config does
not name.

Running it needs `kubelogin` on the PATH and an `az login` session: see components/aks/cluster.py.
"""

from __future__ import annotations

import pulumi
import pulumi_kubernetes as k8s

from components import catalog
from components.aks.certificate_gate import JOB_NAME, certificate_gate
from components.aks.cluster import AksCluster, SpeechNodePool
from components.aks.credentials import SpeechCredentials
from components.aks.drain import grace_period_seconds
from components.aks.gateway import SpeechGateway
from components.aks.gateway_tls import GatewayTls
from components.aks.ingress import SpeechIngress
from components.aks.log_collection import container_log_v2
from components.aks.network_policy import SpeechNetworkPolicy
from components.aks.preflight import PreflightJob
from components.aks.proxy import proxy_secret
from components.aks.rotation_access import RotationAccess, check_entra_integration
from components.aks.scheduled_rotation import ScheduledKeyRotation
from components.aks.workload import SpeechWorkload
from components.args import DeploymentOutput
from components.azure.propagation import propagated
from components.azure.roles import grant
from components.catalog import Role
from components.config.gateway import GatewayConfig
from components.config.model import AksConfig
from components.hosting import HostInputs, endpoint


def availability_warnings(inputs: HostInputs, settings: AksConfig) -> list[str]:
    """What the stack cannot make safe for streams by itself, said at plan time."""
    warnings = [
        f"containers.{c.name}: one replica: a node drain, a zone outage or a pod crash stops it (rollouts surge "
        "first); set replicas: 2 or more for production"
        for c in inputs.containers
        if c.replicas == 1
    ]
    if settings.ingress is not None:
        warnings.append(
            "aks.ingress is deprecated: the application routing add-on's managed NGINX lost Microsoft support in "
            "November 2026. "
            + (
                "aks.gateway runs next to it: point DNS at the gateway address, then remove aks.ingress"
                if settings.gateway is not None
                else "Add aks.gateway (Application Gateway for Containers; see the README), move DNS to its address, "
                "then remove aks.ingress"
            )
        )
    if settings.gateway is not None and settings.new_cluster is not None:
        warnings.append(
            "aks.gateway: Application Gateway for Containers on Azure CNI Overlay (the network of the clusters the "
            "stack creates) is documented as preview; see the README's Gateway section"
        )
    if settings.gateway is not None and settings.ingress is not None and settings.ingress.internal:
        warnings.append(
            "aks.gateway: Application Gateway for Containers frontends are public (private IPs are not supported), "
            "while aks.ingress.internal kept the hosts inside the VNet; the gateway's hosts are reachable from the "
            "internet"
        )
    if settings.existing_cluster is not None:
        grace = grace_period_seconds(inputs.stream_budget_seconds)
        warnings.append(
            f"aks.existingCluster: set the cluster autoscaler's max-graceful-termination-sec to at least {grace} "
            "(az aks update --cluster-autoscaler-profile max-graceful-termination-sec=...) and plan maintenance "
            "windows: the stack does not change a cluster it does not own, and the defaults cut calls at 600 s"
        )
    return warnings


class AksHost(pulumi.ComponentResource):
    """Composes the AKS pieces and exposes each deployment's endpoint and the namespace."""

    endpoints: pulumi.Output[dict[str, DeploymentOutput]]
    namespace: pulumi.Output[str]
    #: With `aks.gateway`: the frontend's FQDN, where the hosts' CNAMEs point.
    gateway_address: pulumi.Output[str] | None = None

    def __init__(
        self, name: str, inputs: HostInputs, settings: AksConfig, opts: pulumi.ResourceOptions | None = None
    ) -> None:
        super().__init__("speech-containers:aks:AksHost", name, None, opts)
        check_entra_integration(settings.existing_cluster, inputs.rotation_operators)
        self._warn(inputs, settings)
        cluster = AksCluster(f"{name}-cluster", inputs, settings, pulumi.ResourceOptions(parent=self))
        pool = SpeechNodePool(
            f"{name}-pool",
            cluster,
            settings,
            inputs.tags,
            inputs.stream_budget_seconds,
            pulumi.ResourceOptions(parent=self),
        )
        provider = k8s.Provider(
            f"{name}-kubernetes",
            kubeconfig=cluster.kubeconfig,
            # Server-side apply lets rotation own the restart annotation without Pulumi reverting it.
            enable_server_side_apply=True,
            opts=pulumi.ResourceOptions(parent=self, depends_on=cluster.access),
        )
        namespace = k8s.core.v1.Namespace(
            f"{name}-namespace",
            metadata={
                "name": settings.namespace,
                "labels": {
                    "app.kubernetes.io/part-of": catalog.AKS.part_of,
                    # The pods meet "baseline"; "restricted" also wants runAsNonRoot (see components/aks/pods.py).
                    "pod-security.kubernetes.io/enforce": "baseline",
                    "pod-security.kubernetes.io/warn": "restricted",
                },
            },
            opts=pulumi.ResourceOptions(parent=self, provider=provider),
        )
        self.namespace = namespace.metadata.apply(lambda m: m.name or settings.namespace)
        #: The cluster the alerts watch.
        self.cluster_name = cluster.name
        self.cluster_resource_group_name = cluster.resource_group_name
        if settings.new_cluster is not None:
            container_log_v2(name, provider, self)
        credentials = SpeechCredentials(
            f"{name}-credentials",
            inputs,
            self.namespace,
            cluster.oidc_issuer_url,
            provider,
            pulumi.ResourceOptions(parent=self),
        )
        if inputs.registry_id is not None:
            # Nodes pull every image from the private registry: AcrPull for the kubelet identity, propagated (and
            # the registry's cache rules in place) before any pod starts.
            pull = grant(
                f"{name}-acr-pull",
                Role.ACR_PULL,
                cluster.kubelet_object_id,
                "ServicePrincipal",
                inputs.registry_id,
                self,
            )
            credentials.pod_prerequisites.append(propagated(f"{name}-acr-pull-propagation", [pull], self))
            credentials.pod_prerequisites.extend(inputs.registry_ready)
        proxy = proxy_secret(name, self.namespace, inputs.proxy, provider, self)
        if proxy is not None:
            # Every Speech pod reads the proxy's credentials: they wait for it as for the key.
            credentials.pod_prerequisites.append(proxy)
        #: What more Speech-pool pods need (the alerts' key-age reporter): the provider, pool and credentials.
        self.provider, self.pool, self.credentials = provider, pool, credentials
        hosts = {
            container.name: SpeechWorkload(
                f"{name}-{container.name}",
                container,
                self.namespace,
                pool,
                credentials,
                provider,
                settings,
                inputs.stream_budget_seconds,
                pulumi.ResourceOptions(parent=self),
                license_round=inputs.license_round,
            ).host
            for container in inputs.containers
        }
        self._rotation(name, inputs, settings, cluster, provider, credentials.pod_prerequisites)
        if inputs.preflight:
            PreflightJob(
                f"{name}-preflight",
                self.namespace,
                pool,
                credentials,
                provider,
                pulumi.ResourceOptions(parent=self),
                proxy=inputs.proxy,
            )
        checks = self._certificate_checks(name, inputs, settings, pool, credentials, provider)
        if settings.ingress is not None:
            certificate_ready = checks[settings.ingress.certificate_name]
            ingress = SpeechIngress(
                f"{name}-ingress",
                settings.ingress,
                inputs.containers,
                self.namespace,
                inputs.vault,
                cluster.ingress_identity,
                provider,
                inputs.stream_budget_seconds,
                certificate_ready,
                pulumi.ResourceOptions(parent=self),
            )
            hosts = {deployment: pulumi.Output.from_input(host) for deployment, host in ingress.hosts.items()}
        gateway_range: pulumi.Output[str] | None = None
        if settings.gateway is not None:
            ready = checks[settings.gateway.certificate_name]
            gateway = self._gateway(name, inputs, settings.gateway, cluster, pool, provider, ready)
            hosts = {deployment: pulumi.Output.from_input(host) for deployment, host in gateway.hosts.items()}
            gateway_range, self.gateway_address = gateway.source_range, gateway.address
        SpeechNetworkPolicy(
            f"{name}-network-policy",
            self.namespace,
            provider,
            pulumi.ResourceOptions(parent=self),
            gateway_range,
            proxy_port=inputs.proxy.port if inputs.proxy else None,
        )
        secure = settings.ingress is not None or settings.gateway is not None
        by_name = {c.name: c for c in inputs.containers}
        self.endpoints = pulumi.Output.all(**hosts).apply(
            lambda found: {name: endpoint(by_name[name], [h], secure) for name, h in found.items()}
        )
        self.register_outputs(
            {"endpoints": self.endpoints, "namespace": self.namespace, "gatewayAddress": self.gateway_address}
        )

    def _certificate_checks(
        self,
        name: str,
        inputs: HostInputs,
        settings: AksConfig,
        pool: SpeechNodePool,
        credentials: SpeechCredentials,
        provider: k8s.Provider,
    ) -> dict[str, pulumi.Resource]:
        """One check per certificate the ingress and the gateway use. The first keeps the names the ingress's check
        always had, so a stack that moves from the ingress to the gateway keeps it; a second is the gateway's own."""
        fronts = (settings.ingress, settings.gateway)
        checks: dict[str, pulumi.Resource] = {}
        for certificate in dict.fromkeys(f.certificate_name for f in fronts if f is not None):
            first = not checks
            checks[certificate] = certificate_gate(
                name if first else f"{name}-gateway",
                certificate,
                inputs.vault,
                self.namespace,
                pool,
                credentials,
                provider,
                self,
                job_name=JOB_NAME if first else f"speech-gateway-{JOB_NAME.removeprefix('speech-')}",
            )
        return checks

    def _gateway(
        self,
        name: str,
        inputs: HostInputs,
        settings: GatewayConfig,
        cluster: AksCluster,
        pool: SpeechNodePool,
        provider: k8s.Provider,
        certificate_ready: pulumi.Resource,
    ) -> SpeechGateway:
        """The gateway, with its certificate synced from the vault once the certificate check found it there."""
        certificate = settings.certificate_name
        tls = GatewayTls(
            f"{name}-gateway-tls",
            inputs,
            certificate,
            self.namespace,
            cluster.oidc_issuer_url,
            pool,
            certificate_ready,
            provider,
            pulumi.ResourceOptions(parent=self),
        )
        return SpeechGateway(
            f"{name}-gateway",
            settings,
            inputs,
            cluster,
            self.namespace,
            tls,
            provider,
            pulumi.ResourceOptions(parent=self),
        )

    def _rotation(
        self,
        name: str,
        inputs: HostInputs,
        settings: AksConfig,
        cluster: AksCluster,
        provider: k8s.Provider,
        pod_prerequisites: list[pulumi.Resource],
    ) -> None:
        """What the rotation command may do here, for its operators and, when scheduled, for its CronJob (whose pods
        also need what every pod here waits for: the image pull role, the private DNS records)."""
        access = RotationAccess(
            f"{name}-rotation-access",
            self.namespace,
            inputs.rotation_operators,
            cluster.id,
            provider,
            pulumi.ResourceOptions(parent=self),
        )
        if settings.scheduled_rotation is not None:
            ScheduledKeyRotation(
                f"{name}-scheduled-rotation",
                settings.scheduled_rotation,
                inputs,
                self.namespace,
                cluster.oidc_issuer_url,
                access,
                provider,
                pulumi.ResourceOptions(parent=self),
                pod_prerequisites,
            )

    def _warn(self, inputs: HostInputs, settings: AksConfig) -> None:
        for warning in availability_warnings(inputs, settings):
            pulumi.log.warn(warning, self)
