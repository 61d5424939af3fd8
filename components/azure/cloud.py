"""The Azure cloud the stack deploys to, which the pods that sign in to Azure from the cluster must use as well: a
workload identity signs in at its cloud's authority, and a tool that assumes the public cloud would not find the
stack's vault or account."""

from __future__ import annotations

import os

import pulumi

from components import catalog


class CloudError(pulumi.RunError):
    """The stack's cloud is one the in-cluster tools do not know."""


def stack_cloud() -> catalog.AzureCloud:
    """The azure-native provider's `environment` (its config, else `ARM_ENVIRONMENT`, else public)."""
    configured = pulumi.Config("azure-native").get("environment")
    source, environment = ("azure-native:environment", configured) if configured else ("ARM_ENVIRONMENT", None)
    environment = environment or os.environ.get("ARM_ENVIRONMENT") or "public"
    try:
        return catalog.AZURE_CLOUDS[environment.lower()]
    except KeyError:
        raise CloudError(
            f"{source}: {environment!r} is not a cloud the stack's in-cluster tools know; allowed: "
            f"{', '.join(catalog.AZURE_CLOUDS)}"
        ) from None
