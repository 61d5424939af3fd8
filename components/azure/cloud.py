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
    """The azure-native provider's `environment` (its config, else `ARM_ENVIRONMENT`, else public). The provider
    ignores it for a custom cloud's metadata host ("Not used when metadataHost is specified or when
    ARM_METADATA_HOSTNAME is set", pulumi_azure_native/config/vars.py in 3.29, read 2026-12-03), which the in-cluster
    tools follow only for the known clouds' own hosts: any other, or one that disagrees with `environment`, is
    refused rather than signing them in to the wrong cloud."""
    provider = pulumi.Config("azure-native")
    configured = provider.get("environment")
    source, environment = ("azure-native:environment", configured) if configured else ("ARM_ENVIRONMENT", None)
    environment = environment or os.environ.get("ARM_ENVIRONMENT")
    named = _cloud_named(source, environment) if environment else None
    for host_source, host in (
        ("azure-native:metadataHost", provider.get("metadataHost")),
        ("ARM_METADATA_HOSTNAME", os.environ.get("ARM_METADATA_HOSTNAME")),
    ):
        if host:
            by_host = _cloud_of_host(host_source, host)
            if named is not None and named != by_host:
                # Which of the two the provider follows differs between its versions: refuse rather than guess.
                raise CloudError(
                    f"{host_source}: {host!r} is {by_host.cli} but {source} is {environment!r}: set one of them"
                )
            return by_host
    return named or catalog.AZURE_CLOUDS["public"]


def _cloud_named(source: str, environment: str) -> catalog.AzureCloud:
    try:
        return catalog.AZURE_CLOUDS[environment.lower()]
    except KeyError:
        raise CloudError(
            f"{source}: {environment!r} is not a cloud the stack's in-cluster tools know; allowed: "
            f"{', '.join(catalog.AZURE_CLOUDS)}"
        ) from None


def _cloud_of_host(source: str, host: str) -> catalog.AzureCloud:
    name = host.strip().lower().removeprefix("https://").rstrip("/")
    try:
        return catalog.ARM_METADATA_HOSTS[name]
    except KeyError:
        raise CloudError(
            f"{source}: {host!r} names a custom cloud, which the stack's in-cluster tools (scheduled rotation, "
            f"certificate check, key age) do not support; allowed: {', '.join(catalog.ARM_METADATA_HOSTS)}, or "
            "azure-native:environment instead"
        ) from None
