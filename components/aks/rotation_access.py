"""What the rotation command may do in the cluster, for the people who run it and for the in-cluster CronJob.

The command lists and patches the Speech Deployments, lists their pods, reads the synced Secret
`speech-credentials` and reaches every pod's `/status` through the API server's pod proxy (rotation/aks.py).
A namespaced Kubernetes Role says exactly that; Azure RBAC for Kubernetes cannot, since it has no data action for
`pods/proxy` and cannot name one Secret (https://learn.microsoft.com/azure/role-based-access-control/permissions/
containers, read 2026-12-02). On clusters with Microsoft Entra integration, Kubernetes RBAC still applies beside
Azure RBAC (https://learn.microsoft.com/azure/aks/concepts-cluster-authorization, read 2026-12-02), and names Entra
groups and service principals by object id and users by UPN, except users of another tenant (guests, whose UPN has
`#EXT#`), by object id (https://learn.microsoft.com/azure/aks/azure-ad-rbac, read 2026-12-02). Operators also get
the Azure Kubernetes Service Cluster User Role on the cluster, which lets them fetch a kubeconfig and nothing more;
on a cluster without Entra integration that kubeconfig is the cluster admin's ("the clusterUser role has same
effect of clusterAdmin role", https://learn.microsoft.com/azure/aks/control-kubeconfig-access, read 2026-12-02),
so an existing cluster without it is refused at plan time.
"""

from __future__ import annotations

import pulumi
import pulumi_azure_native.containerservice as containerservice
import pulumi_kubernetes as k8s

from components import catalog
from components.azure import roles
from components.config.model import ExistingCluster, Principal

ROLE_NAME = "speech-rotation"
RBAC_API_GROUP = "rbac.authorization.k8s.io"

#: The Kubernetes calls of rotation/aks.py, and no more.
RULES: list[k8s.rbac.v1.PolicyRuleArgsDict] = [
    {"api_groups": ["apps"], "resources": ["deployments"], "verbs": ["get", "list", "patch"]},
    {"api_groups": [""], "resources": ["pods"], "verbs": ["get", "list"]},
    {"api_groups": [""], "resources": ["pods/proxy"], "verbs": ["get"]},
    {
        "api_groups": [""],
        "resources": ["secrets"],
        "resource_names": [catalog.AKS.credentials_secret],
        "verbs": ["get"],
    },
]


#: What a guest's UPN holds (`user_contoso.com#EXT#@fabrikam.onmicrosoft.com`).
GUEST_MARK = "#EXT#"


class RotationAccessError(pulumi.RunError):
    """The operators cannot be given access to this cluster safely."""


def subject(principal: Principal) -> k8s.rbac.v1.SubjectArgsDict:
    """How AKS's Entra integration names a principal to Kubernetes RBAC."""
    if principal.type == "Group":
        return {"kind": "Group", "name": principal.object_id, "api_group": RBAC_API_GROUP}
    name = principal.user_principal_name if principal.type == "User" else None
    if name is not None and GUEST_MARK in name.upper():
        name = None
    return {"kind": "User", "name": name or principal.object_id, "api_group": RBAC_API_GROUP}


def check_entra_integration(cluster: ExistingCluster | None, operators: tuple[Principal, ...]) -> None:
    """Refuses operators on an existing cluster without Entra integration, before anything is registered."""
    if cluster is None or not operators:
        return
    found = containerservice.get_managed_cluster(
        resource_group_name=cluster.resource_group_name, resource_name=cluster.name
    )
    if found.aad_profile is None:
        raise RotationAccessError(
            f"keyVault.rotationOperators: cluster {cluster.name} (aks.existingCluster) has no Microsoft Entra "
            "integration, so the kubeconfig its Cluster User Role lets operators fetch is the cluster admin's, and "
            "Kubernetes RBAC cannot name Entra principals. Enable it (az aks update --enable-aad "
            "--disable-local-accounts) or leave keyVault.rotationOperators empty and grant access yourself"
        )


class RotationAccess(pulumi.ComponentResource):
    """The Role, and the operators' binding to it and their kubeconfig access; `bind` adds other subjects."""

    def __init__(
        self,
        name: str,
        namespace: pulumi.Input[str],
        operators: tuple[Principal, ...],
        cluster_id: pulumi.Input[str],
        provider: k8s.Provider,
        opts: pulumi.ResourceOptions | None = None,
    ) -> None:
        super().__init__("speech-containers:aks:RotationAccess", name, None, opts)
        self._namespace, self._provider = namespace, provider
        self.role = k8s.rbac.v1.Role(
            f"{name}-role",
            metadata={
                "name": ROLE_NAME,
                "namespace": namespace,
                "labels": {"app.kubernetes.io/part-of": catalog.AKS.part_of},
            },
            rules=RULES,
            opts=pulumi.ResourceOptions(parent=self, provider=provider),
        )
        if operators:
            self.bind(f"{name}-operators", "speech-rotation-operators", [subject(p) for p in operators])
        for principal in operators:
            roles.grant(
                f"{name}-kubeconfig-{principal.object_id[:8]}",
                catalog.Role.AKS_CLUSTER_USER,
                principal.object_id,
                principal.type,
                cluster_id,
                self,
            )
        self.register_outputs({"role": ROLE_NAME})

    def bind(
        self, name: str, binding_name: str, subjects: list[k8s.rbac.v1.SubjectArgsDict]
    ) -> k8s.rbac.v1.RoleBinding:
        """Grants the Role to `subjects` in the namespace."""
        return k8s.rbac.v1.RoleBinding(
            name,
            metadata={"name": binding_name, "namespace": self._namespace},
            role_ref={"api_group": RBAC_API_GROUP, "kind": "Role", "name": ROLE_NAME},
            subjects=subjects,
            opts=pulumi.ResourceOptions(parent=self, provider=self._provider, depends_on=[self.role]),
        )
