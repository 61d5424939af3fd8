"""Azure-wide settings: the Speech resource, the vault, logs, private endpoints, tags, and the checks that
network isolation never cuts the containers off billing or the vault."""

from __future__ import annotations

from typing import Any

from components import catalog
from components.args import KeyVaultArgs, LogAnalyticsArgs, PrincipalArgs, SpeechArgs, SpeechSku
from components.config.cron import CronError, longest_gap_days
from components.config.fields import Problems
from components.config.model import (
    AksConfig,
    KeyVaultConfig,
    LogAnalyticsConfig,
    NetworkRules,
    Principal,
    PrivateEndpointsConfig,
    SpeechConfig,
    StackConfig,
)
from components.config.rules import DNS_LABEL, default, rule

#: Tags the package sets on every resource, and on ACI groups (Azure allows 50 per resource).
PACKAGE_TAGS = ("managed-by", "app", "stack", "speech-container", catalog.KEY_NAME_TAG)


def _network(raw: dict[str, Any], owner: type) -> NetworkRules:
    return NetworkRules(
        public_access=raw.get("public_network_access", default(owner, "public_network_access")),
        allowed_ip_ranges=tuple(raw.get("allowed_ip_ranges", ())),
    )


def speech(raw: dict[str, Any], problems: Problems, disconnected: bool = False) -> SpeechConfig:
    """The Speech account; `disconnected` puts it on the disconnected commitment tier (catalog.DISCONNECTED)."""
    sku = raw.get("sku", default(SpeechArgs, "sku"))
    if sku is SpeechSku.DC0 and not disconnected:
        problems.add("speech.sku", "DC0 is the disconnected containers' tier: set disconnected instead")
    config = SpeechConfig(
        sku=SpeechSku.DC0 if disconnected else sku,
        account_name=raw.get("account_name"),
        custom_subdomain=raw.get("custom_subdomain"),
        network=_network(raw, SpeechArgs),
        active_key=raw.get("active_key", default(SpeechArgs, "active_key")),
        restore_deleted=raw.get("restore_deleted", default(SpeechArgs, "restore_deleted")),
    )
    name = config.account_name
    if name and not config.custom_subdomain and not rule(SpeechArgs, "custom_subdomain").matches(name):
        problems.add(
            "speech.accountName",
            f"is also the custom subdomain unless speech.customSubdomain is set, so it must be a lowercase DNS "
            f"label (letters, digits, hyphens, 3-42; pattern {DNS_LABEL})",
        )
    return config


def _principals(raw: list[dict[str, Any]]) -> tuple[Principal, ...]:
    return tuple(
        Principal(p["object_id"], p.get("type", default(PrincipalArgs, "type")), p.get("user_principal_name"))
        for p in raw
        if "object_id" in p
    )


def rotation_wait_days(aks: AksConfig | None, problems: Problems) -> int:
    """How many days a due key may wait for the scheduled rotation's next run (its schedule's longest gap; 0
    without one)."""
    schedule = aks.scheduled_rotation if aks is not None else None
    if schedule is None or problems.about("aks.scheduledRotation.schedule"):
        return 0
    try:
        gap = longest_gap_days(schedule.schedule)
    except CronError as error:
        problems.add("aks.scheduledRotation.schedule", f"{error}")
        return 0
    if gap is None:
        problems.add("aks.scheduledRotation.schedule", "matches no day of the year: the rotation would never run")
        return 0
    return gap


def key_vault(raw: dict[str, Any], problems: Problems, rotation_period_days: int, wait_days: int = 0) -> KeyVaultConfig:
    """`rotation_period_days` (alerts.rotationPeriodDays) sets the default expiry: 30 days after the key is due,
    so Key Vault's SecretNearExpiry event (30 days ahead of expiry) fires on the day it is due; later when the
    scheduled rotation may wait longer (`wait_days`). A version never expires before a rotation replaces it."""
    least = rotation_period_days + wait_days
    expiry = raw.get(
        "api_key_expiry_days", max(least + 1, rotation_period_days + catalog.SECRET_NEAR_EXPIRY_NOTICE.days)
    )
    if expiry and expiry <= least and not problems.about("keyVault.apiKeyExpiryDays"):
        waits = f"alerts.rotationPeriodDays ({rotation_period_days})" + (
            f" plus up to {wait_days} day(s) until aks.scheduledRotation's next run" if wait_days else ""
        )
        problems.add(
            "keyVault.apiKeyExpiryDays",
            f"{expiry} days: the key would expire before it is rotated, after {waits}; give more than {least}, "
            "or 0 for no expiry",
        )
    config = KeyVaultConfig(
        name=raw.get("name"),
        purge_protection=raw.get("purge_protection", default(KeyVaultArgs, "purge_protection")),
        soft_delete_retention_days=raw.get(
            "soft_delete_retention_days", default(KeyVaultArgs, "soft_delete_retention_days")
        ),
        network=_network(raw, KeyVaultArgs),
        api_key_secret_name=raw.get("api_key_secret_name", default(KeyVaultArgs, "api_key_secret_name")),
        billing_endpoint_secret_name=raw.get(
            "billing_endpoint_secret_name", default(KeyVaultArgs, "billing_endpoint_secret_name")
        ),
        secret_readers=_principals(raw.get("secret_readers", [])),
        rotation_operators=_principals(raw.get("rotation_operators", [])),
        recover_deleted=raw.get("recover_deleted", default(KeyVaultArgs, "recover_deleted")),
        api_key_expiry_days=expiry,
    )
    if config.api_key_secret_name.lower() == config.billing_endpoint_secret_name.lower():
        problems.add(
            "keyVault.billingEndpointSecretName",
            f"is the same secret as keyVault.apiKeySecretName ({config.api_key_secret_name!r}; vault secret names "
            "are case-insensitive); give them different names",
        )
    return config


def log_analytics(raw: dict[str, Any]) -> LogAnalyticsConfig:
    return LogAnalyticsConfig(
        workspace_id=raw.get("workspace_id"),
        retention_days=raw.get("retention_days", default(LogAnalyticsArgs, "retention_days")),
    )


def private_endpoints(raw: dict[str, Any] | None) -> PrivateEndpointsConfig | None:
    if raw is None or "subnet_id" not in raw:
        return None
    return PrivateEndpointsConfig(raw["subnet_id"], raw.get("speech_dns_zone_id"), raw.get("vault_dns_zone_id"))


def tags(raw: dict[str, str], problems: Problems) -> tuple[tuple[str, str], ...]:
    """User tags, within Azure's 50 per resource once the package's own are added, none overriding those."""
    for name in raw:
        if name.lower() in PACKAGE_TAGS:
            problems.add(f"tags.{name}", f"is set by the package; allowed: any name except {', '.join(PACKAGE_TAGS)}")
    room = catalog.AZURE_MAX_TAGS - len(PACKAGE_TAGS)
    if len(raw) > room:
        problems.add(
            "tags",
            f"has {len(raw)} tags; allowed: up to {room} (Azure's {catalog.AZURE_MAX_TAGS} per "
            f"resource, less the package's {len(PACKAGE_TAGS)})",
        )
    return tuple(sorted(raw.items()))


def check_billing_reachable(config: StackConfig, problems: Problems) -> None:
    """Isolation must not cut the containers off billing (outbound 443) or the AKS CSI driver off the vault."""
    private_links = config.private_endpoints is not None
    if not config.speech.network.public_access and config.containers:
        if not private_links:
            problems.add(
                "speech.publicNetworkAccess",
                "the containers report usage to the Speech endpoint over 443; with public access off they need "
                "privateEndpoints (with a DNS zone linked to their VNet)",
            )
        elif config.aks is not None and config.aks.new_cluster and config.aks.new_cluster.vnet_subnet_id is None:
            problems.add(
                "aks.cluster.vnetSubnetId",
                "is required with private endpoints: nodes in a VNet of AKS's own cannot resolve the private DNS "
                "zones; give a subnet of the VNet the zones are linked to",
            )
        elif config.aci is not None and config.aci.subnet_id is None:
            problems.add(
                "speech.publicNetworkAccess",
                "public ACI groups reach billing over the internet; set aci.subnetId (a VNet that resolves the "
                "private endpoint) or keep public access with allowedIpRanges",
            )
    if not config.key_vault.network.public_access and not private_links:
        problems.add(
            "keyVault.publicNetworkAccess",
            "with public access off the vault is reachable only through privateEndpoints (the AKS CSI driver "
            "and the rotation command read it)",
        )


def check_rotation_operators(settings: StackConfig, problems: Problems) -> None:
    """On AKS the operators are also bound to a Kubernetes Role, which names Entra users by UPN."""
    if settings.aks is None:
        return
    for index, principal in enumerate(settings.key_vault.rotation_operators):
        if principal.type == "User" and principal.user_principal_name is None:
            problems.add(
                f"keyVault.rotationOperators[{index}].userPrincipalName",
                "is required for a User on AKS: Kubernetes RBAC names Entra users by UPN (user@contoso.com; a "
                "guest's UPN, user_fabrikam.com#EXT#@contoso.com, makes the binding use the object id); or grant a "
                "Group, which it names by object id",
            )
