"""Role assignments with the role and principal type spelled out, so ARM never has to guess."""

from __future__ import annotations

from collections.abc import Sequence

import pulumi
import pulumi_azure_native.authorization as authorization

from components.catalog import Role


def role_definition_id(role: Role) -> pulumi.Output[str]:
    """The subscription-scoped id of a built-in role."""
    client = authorization.get_client_config_output()
    return client.subscription_id.apply(
        lambda sub: f"/subscriptions/{sub}/providers/Microsoft.Authorization/roleDefinitions/{role.value}"
    )


def grant(
    name: str,
    role: Role,
    principal_id: pulumi.Input[str],
    principal_type: str,
    scope: pulumi.Input[str],
    parent: pulumi.Resource,
) -> authorization.RoleAssignment:
    """Give `principal_id` the built-in `role` on `scope`, as a child of `parent`."""
    return assign(name, role_definition_id(role), principal_id, principal_type, scope, parent)


def assign(
    name: str,
    definition_id: pulumi.Input[str],
    principal_id: pulumi.Input[str],
    principal_type: str,
    scope: pulumi.Input[str],
    parent: pulumi.Resource,
    after: Sequence[pulumi.Resource] = (),
) -> authorization.RoleAssignment:
    """Give `principal_id` the role `definition_id` (built-in or custom) on `scope`, as a child of `parent`, once
    `after` exist."""
    return authorization.RoleAssignment(
        name,
        principal_id=principal_id,
        principal_type=principal_type,
        role_definition_id=definition_id,
        scope=scope,
        opts=pulumi.ResourceOptions(parent=parent, depends_on=list(after)),
    )
