"""The ALB controller: it turns the Gateway, HTTPRoutes and AGC policies into Application Gateway for Containers
configuration (catalog.AGC_COMPONENTS).

Installed with its Helm chart (catalog.AGC_CONTROLLER_HELM): the AKS add-on that would manage it is not in the
ManagedCluster API version the installed azure-native exposes (2025-09-01: `ingressProfile` has `webAppRouting`
only). Its identity signs in through workload identity as the chart's service account and holds what the
bring-your-own deployment documents (catalog.AGC_BYO), each on the narrowest scope the docs allow: *AppGw for
Containers Configuration Manager* on the stack's traffic controller (the docs grant it on its resource group),
*Network Contributor* on the association's subnet only, and *Reader* on the cluster's node resource group. The
release waits until those roles have propagated (components/azure/propagation.py): the controller's first calls
would otherwise get 403 and back off. Chart values (catalog.AGC_HELM_VALUES): the controller's pods tolerate the
system pool's taint (the Speech pool is reserved for Speech pods) and the chart installs the Gateway API CRDs
(`installGatewayApiCRDs`, its default).
"""

from __future__ import annotations

import pulumi
import pulumi_kubernetes as k8s

from components import catalog
from components.aks.cluster import SYSTEM_POOL_TAINT
from components.aks.workload_identity import federated_identity
from components.azure import roles
from components.azure.propagation import propagated


class AlbController(pulumi.ComponentResource):
    """The controller's identity, its roles, and the Helm release."""

    release: k8s.helm.v3.Release

    def __init__(
        self,
        name: str,
        resource_group_name: pulumi.Input[str],
        location: str,
        tags: dict[str, str],
        oidc_issuer_url: pulumi.Input[str],
        scopes: dict[catalog.Role, pulumi.Input[str]],
        provider: k8s.Provider,
        opts: pulumi.ResourceOptions | None = None,
    ) -> None:
        super().__init__("speech-containers:aks:AlbController", name, None, opts)
        facts = catalog.GATEWAY
        key, _, effect = SYSTEM_POOL_TAINT
        identity, federation = federated_identity(
            name,
            resource_group_name,
            location,
            tags,
            oidc_issuer_url,
            f"system:serviceaccount:{facts.controller_namespace}:{facts.controller_service_account}",
            self,
        )
        grants = [
            roles.grant(
                f"{name}-{role.name.lower().replace('_', '-')}",
                role,
                identity.principal_id,
                "ServicePrincipal",
                scope,
                self,
            )
            for role, scope in scopes.items()
        ]
        ready = propagated(f"{name}-propagation", grants, self)
        self.release = k8s.helm.v3.Release(
            f"{name}-release",
            name="alb-controller",
            chart=facts.chart,
            version=facts.chart_version,
            namespace=facts.release_namespace,
            values={
                "albController": {
                    "namespace": facts.controller_namespace,
                    "podIdentity": {"clientID": identity.client_id},
                    # The chart brings the Gateway API CRDs of the version it implements (catalog.GATEWAY).
                    "installGatewayApiCRDs": True,
                    # On the system pool: the Speech pool is reserved for Speech pods, the system pool for add-ons.
                    "controller": {"tolerations": [{"key": key, "operator": "Exists", "effect": effect}]},
                }
            },
            # Ready means the controller's pods run: the Gateway's CRDs and webhook exist before it is applied.
            wait_for_jobs=True,
            opts=pulumi.ResourceOptions(parent=self, provider=provider, depends_on=[federation, ready]),
        )
        self.register_outputs({"identityClientId": identity.client_id, "release": self.release.status})
