"""Sovereign cloud endpoints: where to get tokens and where ARM lives."""

from __future__ import annotations

from dataclasses import dataclass

from rotation.errors import RotationError


@dataclass(frozen=True)
class Cloud:
    """Endpoints for one Azure cloud; explicit overrides also point the command at a local test server."""

    name: str
    authority: str
    arm_endpoint: str
    arm_scope: str
    verify_vault_challenge: bool = True


KNOWN_CLOUDS = {
    cloud.name: cloud
    for cloud in (
        Cloud(
            "AzurePublicCloud",
            "https://login.microsoftonline.com",
            "https://management.azure.com",
            "https://management.azure.com/.default",
        ),
        Cloud(
            "AzureUSGovernment",
            "https://login.microsoftonline.us",
            "https://management.usgovcloudapi.net",
            "https://management.core.usgovcloudapi.net/.default",
        ),
        Cloud(
            "AzureChinaCloud",
            "https://login.chinacloudapi.cn",
            "https://management.chinacloudapi.cn",
            "https://management.chinacloudapi.cn/.default",
        ),
    )
}


def resolve_cloud(
    name: str,
    arm_endpoint: str | None,
    authority: str | None,
    verify_vault_challenge: bool,
    environment_authority: str | None = None,
) -> Cloud:
    """A known cloud with any explicit endpoint overriding its default (the ARM scope follows the endpoint).

    `environment_authority` is `AZURE_AUTHORITY_HOST`, which AKS workload identity sets in the pod to its cloud's
    authority (https://azure.github.io/azure-workload-identity/docs/installation/mutating-admission-webhook.html,
    read 2026-12-02): a cloud that signs in elsewhere is the wrong cloud, so it stops the run
    before any call, unless `authority` was given."""
    try:
        cloud = KNOWN_CLOUDS[name]
    except KeyError:
        raise RotationError(f"unknown cloud {name!r}; expected one of {', '.join(KNOWN_CLOUDS)}") from None
    for url in (arm_endpoint, authority):
        if url is not None and not url.startswith("https://"):
            raise RotationError(f"endpoint {url!r} must start with https://")
    arm = arm_endpoint.rstrip("/") if arm_endpoint else cloud.arm_endpoint
    if authority is None and environment_authority and _host(environment_authority) != _host(cloud.authority):
        raise RotationError(
            f"AZURE_AUTHORITY_HOST is {environment_authority} but --cloud {cloud.name} signs in at {cloud.authority}: "
            "pass the --cloud this environment belongs to (or --authority); nothing was changed"
        )
    return Cloud(
        name=cloud.name,
        authority=authority.rstrip("/") if authority else cloud.authority,
        arm_endpoint=arm,
        arm_scope=f"{arm}/.default" if arm_endpoint else cloud.arm_scope,
        verify_vault_challenge=verify_vault_challenge,
    )


def _host(authority: str) -> str:
    """An authority as azure-identity reads it (azure/identity/_internal/utils.py `normalize_authority`): https when
    no scheme is named, trailing spaces and slashes aside; and case and the default port aside, as for any host."""
    authority = authority.strip().rstrip(" /").lower()
    if "://" not in authority:
        authority = f"https://{authority}"
    if not authority.startswith("https://"):
        raise RotationError(f"AZURE_AUTHORITY_HOST {authority!r} must be an https URL; nothing was changed")
    return authority.removesuffix(":443")
