"""The gateway's TLS certificate, from the stack's Key Vault into the Kubernetes Secret its listener names.

Application Gateway for Containers reads a listener's certificate from a `kubernetes.io/tls` Secret
(catalog.AGC_TLS_OFFLOAD); it has no Key Vault reference of its own. The Secrets Store CSI driver syncs a vault
certificate into such a Secret while a pod mounts it (catalog.GATEWAY_TLS_FROM_VAULT): a certificate's `secret`
object holds its key and chain, aliased to `tls.key` and `tls.crt`. So a small Deployment (two replicas, spread
over nodes, one disruption at a time: the driver deletes the synced Secret when no pod mounts it any more) mounts
it, with an identity of its own that may read that one certificate's secret and nothing else (Key Vault Secrets
User scoped to `<vault>/secrets/<certificate>`). The add-on's rotation poll refreshes the Secret when the
certificate is renewed.

Same `pulumi up` as the vault: nothing in ARM creates the certificate, so the mount waits for the certificate
check (components/aks/certificate_gate.py), which fails with the import command until it is there, and for the
identity's role to propagate. The Deployment is awaited, so the Secret exists before the Gateway refers to it.
"""

from __future__ import annotations

from typing import Final

import pulumi
import pulumi_kubernetes as k8s

from components import catalog
from components.aks.cluster import SpeechNodePool
from components.aks.credentials import SECRET_PROVIDER_API, azure_provider_parameters
from components.aks.pods import resources, speech_pod
from components.aks.workload_identity import identity_service_account, namespaced_identity
from components.azure import roles
from components.azure.propagation import propagated
from components.catalog import Size
from components.hosting import HostInputs

#: The synced Secret, the SecretProviderClass and the Deployment that keeps the Secret alive.
TLS_SECRET: Final = "speech-gateway-tls"
SERVICE_ACCOUNT: Final = "speech-gateway-tls"
MOUNT_PATH: Final = "/mnt/gateway-tls"
REPLICAS: Final = 2
#: The pod does nothing but hold the mount.
SIZE: Final = Size(0.01, 16 / 1024)
HOLD_COMMAND: Final = ["/bin/sh", "-c", "trap 'exit 0' TERM; while true; do sleep 3600 & wait $!; done"]


def certificate_objects(certificate: str) -> str:
    """The provider's `objects`: the certificate's secret (key and chain), as the CSI driver's Azure provider
    reads it."""
    return f"array:\n  - |\n    objectName: {certificate}\n    objectType: secret\n"


class GatewayTls(pulumi.ComponentResource):
    """The synced TLS Secret (`secret_name`) and what keeps it in sync with the vault."""

    secret_name: str
    #: Depend on it to use the Secret: the Deployment is ready once it mounted (and so synced) the certificate.
    ready: k8s.apps.v1.Deployment

    def __init__(
        self,
        name: str,
        inputs: HostInputs,
        certificate: str,
        namespace: pulumi.Input[str],
        oidc_issuer_url: pulumi.Input[str],
        pool: SpeechNodePool,
        certificate_ready: pulumi.Resource,
        provider: k8s.Provider,
        opts: pulumi.ResourceOptions | None = None,
    ) -> None:
        super().__init__("speech-containers:aks:GatewayTls", name, None, opts)
        self.secret_name = TLS_SECRET
        identity, federation = namespaced_identity(name, inputs, namespace, oidc_issuer_url, SERVICE_ACCOUNT, self)
        reader = roles.grant(
            f"{name}-certificate-reader",
            catalog.Role.KEY_VAULT_SECRETS_USER,
            identity.principal_id,
            "ServicePrincipal",
            pulumi.Output.concat(inputs.vault.id, "/secrets/", certificate),
            self,
        )
        readable = propagated(f"{name}-propagation", [reader], self)
        k8s_opts = pulumi.ResourceOptions(parent=self, provider=provider)
        account = identity_service_account(name, SERVICE_ACCOUNT, namespace, identity, k8s_opts)
        provider_class = k8s.apiextensions.CustomResource(
            f"{name}-secret-provider-class",
            api_version=SECRET_PROVIDER_API,
            kind="SecretProviderClass",
            metadata={"name": TLS_SECRET, "namespace": namespace},
            spec={
                "provider": "azure",
                "parameters": azure_provider_parameters(
                    identity.client_id, inputs.vault, certificate_objects(certificate)
                ),
                "secretObjects": [
                    {
                        "secretName": TLS_SECRET,
                        "type": "kubernetes.io/tls",
                        "data": [
                            {"objectName": certificate, "key": "tls.key"},
                            {"objectName": certificate, "key": "tls.crt"},
                        ],
                    }
                ],
            },
            opts=pulumi.ResourceOptions.merge(k8s_opts, pulumi.ResourceOptions(depends_on=[federation, readable])),
        )
        self.ready = self._holder(
            name, namespace, certificate, pool, [account, provider_class, certificate_ready], k8s_opts, inputs
        )
        self.register_outputs({"secretName": TLS_SECRET, "identityClientId": identity.client_id})

    def _holder(
        self,
        name: str,
        namespace: pulumi.Input[str],
        certificate: str,
        pool: SpeechNodePool,
        prerequisites: list[pulumi.Resource],
        k8s_opts: pulumi.ResourceOptions,
        inputs: HostInputs,
    ) -> k8s.apps.v1.Deployment:
        """The pods that mount the certificate, so the driver keeps the Secret; never all gone at once."""
        selector = {"app.kubernetes.io/name": TLS_SECRET}
        # Ready (and alive) while the mount shows the certificate: the driver has fetched it, so the Secret is synced.
        mounted: k8s.core.v1.ProbeArgsDict = {"exec_": {"command": ["test", "-s", f"{MOUNT_PATH}/{certificate}"]}}
        container: k8s.core.v1.ContainerArgsDict = {
            "name": "hold",
            # From the stack's private registry, if any (busybox is among its cached repositories).
            "image": inputs.pull(catalog.BUSYBOX_IMAGE),
            "command": HOLD_COMMAND,
            "resources": resources(SIZE),
            "volume_mounts": [{"name": "tls", "mount_path": MOUNT_PATH, "read_only": True}],
            "readiness_probe": {**mounted, "period_seconds": 10},
            "liveness_probe": {**mounted, "period_seconds": 60, "failure_threshold": 5},
        }
        volume: k8s.core.v1.VolumeArgsDict = {
            "name": "tls",
            "csi": {
                "driver": catalog.AKS.secrets_store_driver,
                "read_only": True,
                "volume_attributes": {"secretProviderClass": TLS_SECRET},
            },
        }
        pod = speech_pod(pool, SERVICE_ACCOUNT, [volume], container)
        pod["topology_spread_constraints"] = [
            {
                "max_skew": 1,
                "topology_key": "kubernetes.io/hostname",
                "when_unsatisfiable": "ScheduleAnyway",
                "label_selector": {"match_labels": selector},
            }
        ]
        labels = {**selector, "azure.workload.identity/use": "true"}
        spec: k8s.apps.v1.DeploymentSpecArgsDict = {
            "replicas": REPLICAS,
            "selector": {"match_labels": selector},
            "strategy": {"rolling_update": {"max_surge": 1, "max_unavailable": 0}},
            "template": {"metadata": {"labels": labels}, "spec": pod},
        }
        metadata: k8s.meta.v1.ObjectMetaArgsDict = {"name": TLS_SECRET, "namespace": namespace, "labels": selector}
        k8s.policy.v1.PodDisruptionBudget(
            f"{name}-disruption-budget",
            metadata=metadata,
            spec={
                "max_unavailable": 1,
                "unhealthy_pod_eviction_policy": "AlwaysAllow",
                "selector": {"match_labels": selector},
            },
            opts=k8s_opts,
        )
        # The pods talk to no one: the CSI driver fetches the certificate from the node, not from the pod.
        isolated: k8s.networking.v1.NetworkPolicySpecArgsDict = {
            "pod_selector": {"match_labels": selector},
            "policy_types": ["Ingress", "Egress"],
        }
        k8s.networking.v1.NetworkPolicy(f"{name}-network-policy", metadata=metadata, spec=isolated, opts=k8s_opts)
        return k8s.apps.v1.Deployment(
            f"{name}-holder",
            metadata=metadata,
            spec=spec,
            opts=pulumi.ResourceOptions.merge(k8s_opts, pulumi.ResourceOptions(depends_on=prerequisites)),
        )
