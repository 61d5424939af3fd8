"""Waiting out Azure RBAC propagation: a role assignment exists in ARM before the services that check it know.

"Role assignment changes can take up to 10 minutes to take effect" (Azure RBAC troubleshooting,
https://learn.microsoft.com/azure/role-based-access-control/troubleshooting, read 2026-12-02), and Azure RBAC for
AKS and Key Vault RBAC answer 403 until then. So whatever first uses a role granted in the same `pulumi up` (the
Kubernetes provider, the CSI driver's first mount) waits on a `time` Sleep that follows the grants. A Sleep waits
only when it is created (or its triggers change, i.e. a grant is replaced), so later `pulumi up`s do not wait.

A new custom role definition is eventually consistent too: assigning it at once can fail with
`RoleDefinitionDoesNotExist`, and "it could take up to 10 minutes" to replicate (Azure Landing Zones' troubleshooting,
https://github.com/Azure/terraform-azurerm-caf-enterprise-scale/wiki/Troubleshooting, and
https://github.com/pulumi/pulumi-azure/issues/840, read 2026-12-02), so its assignment waits on a Sleep as well.

A time-based wait rather than a readiness check: checking access needs the very credentials being granted, from
inside the deployment, and a fixed bound is what the documentation gives.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Final

import pulumi
import pulumiverse_time as time

#: The documented upper bound.
PROPAGATION: Final = "10m"


def propagated(name: str, grants: Sequence[pulumi.CustomResource], parent: pulumi.Resource) -> time.Sleep:
    """A Sleep created after `grants` (role assignments or definitions), restarted when any of them is replaced:
    depend on it to use them."""
    return time.Sleep(
        name,
        create_duration=PROPAGATION,
        triggers={f"grant{i}": grant.id for i, grant in enumerate(grants)},
        opts=pulumi.ResourceOptions(parent=parent, depends_on=list(grants)),
    )
