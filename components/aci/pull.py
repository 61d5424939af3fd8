"""ACI groups pulling from the stack's private registry: a user-assigned identity with AcrPull on it.

ACI pulls from ACR only with a user-assigned identity ("doesn't support system-assigned managed identity-
authenticated image pulls"), named twice in the group: as its identity and in `imageRegistryCredentials`
(catalog.ACI_PULL). One identity serves every group of the host. A group created before the new role has
propagated fails to pull, so groups wait on the grant's propagation (components/azure/propagation.py) and on the
registry's cache rules.
"""

from __future__ import annotations

from typing import Any

import pulumi
import pulumi_azure_native.containerinstance as aci
import pulumi_azure_native.managedidentity as managedidentity

from components.azure.propagation import propagated
from components.azure.roles import grant
from components.catalog import Role
from components.hosting import HostInputs


def pull_settings(
    name: str, inputs: HostInputs, parent: pulumi.Resource
) -> tuple[dict[str, Any], list[pulumi.Resource]]:
    """The group properties that pull through the identity (`identity`, `image_registry_credentials`) and what a
    group must wait for; nothing without a private registry."""
    if inputs.registry is None or inputs.registry_id is None:
        return {}, []
    identity = managedidentity.UserAssignedIdentity(
        f"{name}-pull",
        resource_group_name=inputs.resource_group_name,
        location=inputs.location,
        tags=inputs.tags,
        opts=pulumi.ResourceOptions(parent=parent),
    )
    pull = grant(
        f"{name}-acr-pull", Role.ACR_PULL, identity.principal_id, "ServicePrincipal", inputs.registry_id, parent
    )
    wait = propagated(f"{name}-acr-pull-propagation", [pull], parent)
    properties = {
        "identity": aci.ContainerGroupIdentityArgs(
            type=aci.ResourceIdentityType.USER_ASSIGNED, user_assigned_identities=[identity.id]
        ),
        "image_registry_credentials": [
            aci.ImageRegistryCredentialArgs(server=inputs.registry.login_server, identity=identity.id)
        ],
    }
    return properties, [wait, *inputs.registry_ready]
