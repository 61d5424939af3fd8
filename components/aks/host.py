"""Hosts the Speech containers on AKS: cluster (new or existing), AVX2 Speech pool, Key Vault-backed
credentials, one workload per deployment, a billing preflight Job, and with `aks.ingress` TLS in front
(without it they are reachable in-cluster only).

Running it needs `kubelogin` on the PATH and an `az login` session: see components/aks/cluster.py.
"""

from __future__ import annotations

import pulumi
import pulumi_kubernetes as k8s

from components import catalog
from components.aks.certificate_gate import certificate_gate
from components.aks.cluster import AksCluster, SpeechNodePool
from components.aks.credentials import SpeechCredentials
from components.aks.drain import grace_period_seconds
from components.aks.ingress import SpeechIngress
from components.aks.log_collection import container_log_v2
from components.aks.network_policy import SpeechNetworkPolicy
from components.aks.preflight import PreflightJob
from components.aks.proxy import proxy_secret
from components.aks.rotation_access import RotationAccess
from components.aks.scheduled_rotation import ScheduledKeyRotation
from components.aks.workload import SpeechWorkload
from components.args import DeploymentOutput
from components.azure.propagation import propagated
from components.azure.roles import grant
from components.catalog import Role
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

    def __init__(
        self, name: str, inputs: HostInputs, settings: AksConfig, opts: pulumi.ResourceOptions | None = None
    ) -> None:
        super().__init__("speech-containers:aks:AksHost", name, None, opts)
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
        SpeechNetworkPolicy(
            f"{name}-network-policy",
            self.namespace,
            provider,
            pulumi.ResourceOptions(parent=self),
            proxy_port=inputs.proxy.port if inputs.proxy else None,
        )
        self._rotation(name, inputs, settings, cluster, provider)
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
        if settings.ingress is not None:
            certificate_ready = certificate_gate(
                name,
                settings.ingress.certificate_name,
                inputs.vault,
                self.namespace,
                pool,
                credentials,
                provider,
                self,
            )
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
        secure = settings.ingress is not None
        by_name = {c.name: c for c in inputs.containers}
        self.endpoints = pulumi.Output.all(**hosts).apply(
            lambda found: {name: endpoint(by_name[name], [h], secure) for name, h in found.items()}
        )
        self.register_outputs({"endpoints": self.endpoints, "namespace": self.namespace})

    def _rotation(
        self, name: str, inputs: HostInputs, settings: AksConfig, cluster: AksCluster, provider: k8s.Provider
    ) -> None:
        """What the rotation command may do here, for its operators and, when scheduled, for its CronJob."""
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
            )

    def _warn(self, inputs: HostInputs, settings: AksConfig) -> None:
        for warning in availability_warnings(inputs, settings):
            pulumi.log.warn(warning, self)
