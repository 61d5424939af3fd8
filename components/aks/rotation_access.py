"""What the rotation command may do in the cluster, for the people who run it and for the in-cluster CronJob.

The command lists and patches the Speech Deployments, lists their pods, reads the synced Secret
`speech-credentials` and reaches every pod's `/status` through the API server's pod proxy (rotation/aks.py).
A namespaced Kubernetes Role says exactly that; Azure RBAC for Kubernetes cannot, since it has no data action for
`pods/proxy` and cannot name one Secret (https://learn.microsoft.com/azure/role-based-access-control/permissions/
containers, read 2026-12-02). On clusters with Microsoft Entra integration, Kubernetes RBAC still applies beside
Azure RBAC (https://learn.microsoft.com/azure/aks/concepts-cluster-authorization, read 2026-12-02), and names Entra
groups and service principals by object id and users by UPN. Operators also get the Azure Kubernetes Service
Cluster User Role on the cluster, which lets them fetch a kubeconfig and nothing more.
"""

from __future__ import annotations

import pulumi
import pulumi_kubernetes as k8s

from components import catalog
from components.azure import roles
from components.config.model import Principal

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


def subject(principal: Principal) -> k8s.rbac.v1.SubjectArgsDict:
    """How AKS's Entra integration names a principal to Kubernetes RBAC."""
    if principal.type == "Group":
        return {"kind": "Group", "name": principal.object_id, "api_group": RBAC_API_GROUP}
    name = principal.user_principal_name if principal.type == "User" else None
    return {"kind": "User", "name": name or principal.object_id, "api_group": RBAC_API_GROUP}


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
