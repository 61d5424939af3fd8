"""A user-assigned identity that one Kubernetes service account signs in as (Microsoft Entra Workload ID)."""

from __future__ import annotations

import pulumi
import pulumi_azure_native.managedidentity as managedidentity

from components import catalog


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
