"""A user-assigned identity that one Kubernetes service account signs in as (Microsoft Entra Workload ID)."""

from __future__ import annotations

import pulumi
import pulumi_azure_native.managedidentity as managedidentity
import pulumi_kubernetes as k8s

from components import catalog
from components.hosting import HostInputs

#: The service account annotation naming the identity its pods sign in as.
WORKLOAD_IDENTITY_CLIENT_ID = "azure.workload.identity/client-id"


def service_account_subject(namespace: pulumi.Input[str], service_account: str) -> pulumi.Output[str]:
    """The token subject of a service account: what an identity is federated with."""
    return pulumi.Output.concat("system:serviceaccount:", namespace, ":", service_account)


def federated_identity(
    name: str,
    resource_group_name: pulumi.Input[str],
    location: str,
    tags: dict[str, str],
    oidc_issuer_url: pulumi.Input[str],
    subject: pulumi.Input[str],
    parent: pulumi.Resource,
) -> tuple[managedidentity.UserAssignedIdentity, managedidentity.FederatedIdentityCredential]:
    """The identity and its federation with `subject` (`system:serviceaccount:<namespace>:<name>`)."""
    identity = managedidentity.UserAssignedIdentity(
        f"{name}-identity",
        resource_group_name=resource_group_name,
        location=location,
        tags=tags,
        opts=pulumi.ResourceOptions(parent=parent),
    )
    federation = managedidentity.FederatedIdentityCredential(
        f"{name}-federation",
        resource_group_name=resource_group_name,
        resource_name_=identity.name,
        issuer=oidc_issuer_url,
        subject=subject,
        audiences=[catalog.AKS.token_exchange_audience],
        opts=pulumi.ResourceOptions(parent=parent),
    )
    return identity, federation


def namespaced_identity(
    name: str,
    inputs: HostInputs,
    namespace: pulumi.Input[str],
    oidc_issuer_url: pulumi.Input[str],
    service_account: str,
    parent: pulumi.Resource,
) -> tuple[managedidentity.UserAssignedIdentity, managedidentity.FederatedIdentityCredential]:
    """`federated_identity` for a service account in the Speech namespace, in the stack's group and location."""
    subject = service_account_subject(namespace, service_account)
    return federated_identity(
        name, inputs.resource_group_name, inputs.location, inputs.tags, oidc_issuer_url, subject, parent
    )


def identity_service_account(
    name: str,
    service_account: str,
    namespace: pulumi.Input[str],
    identity: managedidentity.UserAssignedIdentity,
    opts: pulumi.ResourceOptions,
) -> k8s.core.v1.ServiceAccount:
    """The service account whose pods sign in as `identity`."""
    return k8s.core.v1.ServiceAccount(
        f"{name}-service-account",
        metadata={
            "name": service_account,
            "namespace": namespace,
            "annotations": {WORKLOAD_IDENTITY_CLIENT_ID: identity.client_id},
        },
        opts=opts,
    )
