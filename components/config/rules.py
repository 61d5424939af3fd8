"""Bounds, patterns and defaults of the public args (components/args.py), field by field.

The args types give the shape; these rules give what each value may be. `components/config/fields.py`
validates with them and `components/config/schema.py` writes the same rules into the stack's JSON Schema, so
the two cannot disagree. Patterns are ASCII-only (`[0-9]`, never `\\d`, which matches any Unicode digit).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any, Final

from components import args, catalog
from components.catalog import Kind


@dataclass(frozen=True)
class Rule:
    """What one field's value may be. `default` is what an absent key means (documented in the schema)."""

    default: Any = None
    #: A full-match regular expression for strings (and for each list item or map key it applies to).
    pattern: str | None = None
    #: What the pattern allows, in words (shown in errors and the schema).
    hint: str = ""
    low: float | None = None
    high: float | None = None
    #: Unit of a number, for messages ("cores", "GB").
    unit: str = ""
    #: Never echo the value in an error (certificates, keys).
    secret: bool = False
    #: Longest string (Azure's limits; checked before the pattern, so huge values never reach it).
    max_length: int | None = None
    #: IPv4 addresses or CIDR ranges: `public` refuses private (RFC 1918) and other non-public ranges.
    ipv4: str | None = None
    #: Rule for the keys of a map (`tags`, `env`).
    keys: Rule | None = None

    def matches(self, text: str) -> bool:
        return self.pattern is None or re.fullmatch(self.pattern, text, flags=re.ASCII) is not None


GUID: Final = r"[0-9a-fA-F]{8}-([0-9a-fA-F]{4}-){3}[0-9a-fA-F]{12}"
ARM_ID: Final = r"/subscriptions/[^/]+/resourceGroups/[^/]+/providers/.+"
SUBNET_ID: Final = ARM_ID + r"/subnets/[^/]+"
DNS_ZONE_ID: Final = ARM_ID + r"/privateDnsZones/[^/]+"
PUBLIC_DNS_ZONE_ID: Final = ARM_ID + r"/[dD]ns[zZ]ones/[^/]+"
DOMAIN: Final = r"([a-z0-9]([a-z0-9-]*[a-z0-9])?\.)+[a-z]{2,}"
#: Deployment names and DNS label prefixes: lowercase DNS labels (they name groups, Services and hosts).
DNS_LABEL: Final = r"[a-z][a-z0-9-]{1,40}[a-z0-9]"
DNS_LABEL_MAX: Final = 63
#: Azure resource group names: 1-90 of letters, digits, `_-.()`, not ending in a period.
RESOURCE_GROUP: Final = r"[-\w.()]{0,89}[-\w()]"
SECRET_NAME: Final = r"[0-9a-zA-Z-]{1,127}"
K8S_NAME: Final = r"[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?"
ENV_NAME: Final = r"[A-Za-z_][A-Za-z0-9_]*"
PEM: Final = r"(?s)\s*-----BEGIN [A-Z ]+-----.+-----END [A-Z ]+-----\s*"
VERSION: Final = r"[0-9]+\.[0-9]+\.[0-9]+"
#: Azure tags: names up to 512 characters without `<>%&\?/`, values up to 256.
TAG_NAME: Final = r"[^<>%&\\?/]{1,512}"
#: A user principal name: an email address, or a guest's `<mail with _ for @>#EXT#@<tenant domain>`
#: (https://learn.microsoft.com/azure/aks/control-kubeconfig-access, read 2026-12-02).
UPN: Final = r"[A-Za-z0-9._%+'-]+(#EXT#)?@[A-Za-z0-9.-]+\.[A-Za-z]{2,}"
#: Email addresses (ASCII, as action groups take them).
EMAIL: Final = r"[A-Za-z0-9._%+-]+@[A-Za-z0-9.-]+\.[A-Za-z]{2,}"
#: A proxy URL: http or https, a host and a port, no user info (credentials go in `proxy.credentials`).
PROXY_URL: Final = r"https?://[A-Za-z0-9.-]+(:[0-9]{1,5})/?"
#: One NO_PROXY entry: a host name, a `.domain` suffix, an IPv4 address or CIDR range.
NO_PROXY_ENTRY: Final = r"\.?[A-Za-z0-9-]+(\.[A-Za-z0-9-]+)*(/[0-9]{1,2})?"
ACTION_GROUP_ID: Final = ARM_ID + r"/[aA]ction[gG]roups/[^/]+"
#: Five cron fields (minute hour day month weekday) of numbers, `*`, ranges, lists and steps.
CRON: Final = r"[0-9*,/-]+( [0-9*,/-]+){4}"
IMAGE: Final = r"[\w.\-/:@]+"
#: A role definition's id as `az role definition list --query [].id` prints it.
ROLE_DEFINITION_ID: Final = r"/subscriptions/[^/]+/providers/Microsoft\.Authorization/roleDefinitions/" + GUID

_SECRET_NAME_HINT: Final = "letters, digits and hyphens, up to 127"

#: `aci.front` (components/front_args.py, components/aci/front.py).
FRONT_RULES: Final[dict[type, dict[str, Rule]]] = {
    args.AciFrontArgs: {
        "subnet_id": Rule(pattern=SUBNET_ID, hint="a subnet resource id"),
        "subnet_prefix": Rule(
            pattern=r"([0-9]{1,3}\.){3}[0-9]{1,3}/([0-9]|[12][0-9]|3[0-2])", hint="a CIDR prefix like 10.0.4.0/24"
        ),
        "domain": Rule(pattern=DOMAIN, hint="a DNS domain like speech.contoso.com", max_length=200),
        "certificate": Rule(),
        "waf": Rule(default=False),
        "dns_zone_id": Rule(pattern=PUBLIC_DNS_ZONE_ID, hint="an Azure DNS zone resource id"),
        "min_capacity": Rule(default=1, low=0, high=catalog.APP_GATEWAY.max_instances),
        "max_capacity": Rule(
            default=10, low=catalog.APP_GATEWAY.min_max_capacity, high=catalog.APP_GATEWAY.max_instances
        ),
        "zones": Rule(default=[], pattern="[1-3]", hint="zones are 1, 2 or 3"),
    },
    args.FrontCertificateArgs: {
        "name": Rule(pattern=SECRET_NAME, hint="a Key Vault certificate name"),
        "key_vault_id": Rule(pattern=ARM_ID + r"/[vV]aults/[^/]+", hint="a Key Vault resource id"),
        "create": Rule(default=args.CertificateCreate.NONE),
        "issuer": Rule(pattern=r"[0-9a-zA-Z-]{1,127}", hint="a Key Vault certificate issuer name"),
    },
}

RULES: Final[dict[type, dict[str, Rule]]] = {
    args.SpeechContainersArgs: {
        "eula": Rule(pattern="accept", hint="accept (you accept Microsoft's license for the Speech containers)"),
        "host": Rule(),
        "location": Rule(pattern=r"[a-z][a-z0-9]{1,39}", hint="an Azure region name like eastus"),
        "resource_group_name": Rule(
            pattern=RESOURCE_GROUP,
            hint="1-90 letters, digits, underscores, hyphens, periods and parentheses, not ending in a period",
            max_length=90,
        ),
        "tags": Rule(
            default={},
            max_length=256,
            keys=Rule(pattern=TAG_NAME, hint="1-512 characters without < > % & \\ ? /", max_length=512),
        ),
        "speech": Rule(default={}),
        "key_vault": Rule(default={}),
        "containers": Rule(default={}, keys=Rule(pattern=DNS_LABEL, hint="a lowercase DNS label (3-42)")),
        "log_analytics": Rule(default={}),
        "private_endpoints": Rule(),
        "preflight": Rule(default=True),
        "stream_budget_seconds": Rule(default=3600, low=60, high=catalog.MAX_STREAM_BUDGET_SECONDS, unit="seconds"),
        "aci": Rule(default={}),
        "aks": Rule(default={}),
        "alerts": Rule(default={}),
        "output": Rule(),
        "proxy": Rule(),
        "registry": Rule(),
        "disconnected": Rule(),
    },
    args.SpeechArgs: {
        "sku": Rule(default=args.SpeechSku.S0),
        "account_name": Rule(pattern=r"[a-zA-Z0-9][a-zA-Z0-9_.-]{1,62}", hint="2-64 letters, digits, _ . -"),
        "custom_subdomain": Rule(pattern=DNS_LABEL, hint="lowercase letters, digits and hyphens (3-42)"),
        "public_network_access": Rule(default=True),
        "allowed_ip_ranges": Rule(default=[], ipv4="public"),
        "active_key": Rule(default=args.KeyName.KEY1),
        "restore_deleted": Rule(default=False),
    },
    args.PrincipalArgs: {
        "object_id": Rule(pattern=GUID, hint="an Entra ID object id (GUID)"),
        "type": Rule(default=args.PrincipalType.SERVICE_PRINCIPAL),
        "user_principal_name": Rule(
            pattern=UPN,
            hint="a UPN like user@contoso.com (a guest's: user_fabrikam.com#EXT#@contoso.com)",
            max_length=113,
        ),
    },
    args.KeyVaultArgs: {
        "name": Rule(
            pattern=r"(?!.*--)[a-zA-Z][a-zA-Z0-9-]{1,22}[a-zA-Z0-9]", hint="3-24 letters, digits, single hyphens"
        ),
        "purge_protection": Rule(default=True),
        "soft_delete_retention_days": Rule(default=90, low=7, high=90, unit="days"),
        "public_network_access": Rule(default=True),
        "allowed_ip_ranges": Rule(default=[], ipv4="public"),
        "api_key_secret_name": Rule(default="speech-api-key", pattern=SECRET_NAME, hint=_SECRET_NAME_HINT),
        "billing_endpoint_secret_name": Rule(
            default="speech-billing-endpoint", pattern=SECRET_NAME, hint=_SECRET_NAME_HINT
        ),
        "secret_readers": Rule(default=[]),
        "rotation_operators": Rule(default=[]),
        "recover_deleted": Rule(default=False),
        "api_key_expiry_days": Rule(low=0, high=3650, unit="days"),
    },
    args.ContainerArgs: {
        "kind": Rule(),
        "tag": Rule(pattern=r"[0-9A-Za-z_][0-9A-Za-z_.-]{0,127}", hint="an image tag"),
        "version": Rule(pattern=VERSION, hint="a version like 5.1.0"),
        "locale": Rule(pattern=catalog.LOCALE, hint="a lowercase locale like en-us or zh-cn-sichuan"),
        "voice": Rule(pattern=r"[a-z]+", hint="a lowercase voice name like aria"),
        "replicas": Rule(default=1, low=1, high=50),
        "max_replicas": Rule(low=1, high=100),
        "cpu": Rule(low=0.25, high=catalog.MAX_CORES, unit="cores"),
        "memory_gb": Rule(low=0.5, high=catalog.MAX_MEMORY_GB, unit="GB"),
        "model_id": Rule(pattern=GUID, hint="the Custom Speech model id (a GUID)"),
        "model_storage_gb": Rule(default=32, low=8, high=1024, unit="GB"),
        "decoder_max_count": Rule(low=1, high=catalog.MAX_CORES),
        "env": Rule(default={}, keys=Rule(pattern=ENV_NAME, hint="an environment variable name (use __ for :)")),
        "digest": Rule(pattern=r"sha256:[0-9a-f]{64}", hint="sha256:<64 hex digits>"),
        "peak_streams": Rule(low=1, high=100_000, unit="streams"),
        "streams_per_replica": Rule(low=1, high=256, unit="streams"),
        "peak_syntheses": Rule(low=1, high=100_000, unit="syntheses"),
        "syntheses_per_replica": Rule(low=1, high=256, unit="syntheses"),
    },
    args.LogAnalyticsArgs: {
        "workspace_id": Rule(pattern=ARM_ID + r"/workspaces/[^/]+", hint="a Log Analytics workspace resource id"),
        "retention_days": Rule(default=30, low=30, high=730, unit="days"),
    },
    args.PrivateEndpointsArgs: {
        "subnet_id": Rule(pattern=SUBNET_ID, hint="a subnet resource id"),
        "speech_dns_zone_id": Rule(pattern=DNS_ZONE_ID, hint="the privatelink.cognitiveservices.azure.com zone id"),
        "vault_dns_zone_id": Rule(pattern=DNS_ZONE_ID, hint="the privatelink.vaultcore.azure.net zone id"),
    },
    args.AciTlsArgs: {
        "mode": Rule(),
        "certificate": Rule(pattern=PEM, hint="a PEM certificate chain", secret=True),
        "private_key": Rule(pattern=PEM, hint="a PEM private key", secret=True),
        "proxy_image": Rule(default=catalog.TLS_PROXY_IMAGE, pattern=IMAGE, hint="an image reference"),
    },
    args.AciArgs: {
        "tls": Rule(default={}),
        "dns_name_label_prefix": Rule(pattern=DNS_LABEL, hint="a lowercase DNS label (3-42)"),
        "subnet_id": Rule(pattern=SUBNET_ID, hint="a subnet resource id"),
        "restart_policy": Rule(default=args.RestartPolicy.ALWAYS),
        "regional_core_quota": Rule(default=catalog.ACI.default_regional_cores, low=1, high=10_000, unit="cores"),
        "avx2_check_image": Rule(default=catalog.BUSYBOX_IMAGE, pattern=IMAGE, hint="an image reference"),
        "vcpu_hour_price": Rule(low=0.0001, high=100, unit="USD"),
        "memory_gb_hour_price": Rule(low=0.00001, high=100, unit="USD"),
        "front": Rule(),
    },
    **FRONT_RULES,
    args.ExistingClusterArgs: {
        "name": Rule(pattern=r"[a-zA-Z0-9][a-zA-Z0-9_-]{0,62}", hint="an AKS cluster name"),
        "resource_group_name": Rule(pattern=RESOURCE_GROUP, hint="a resource group name", max_length=90),
    },
    args.ClusterArgs: {
        "kubernetes_version": Rule(pattern=r"[0-9]+\.[0-9]+(\.[0-9]+)?", hint="a version like 1.33"),
        "sku_tier": Rule(default=args.ClusterSkuTier.STANDARD),
        "system_vm_size": Rule(default="Standard_D4s_v5", pattern=r"Standard_\w+", hint="a VM size name"),
        "system_node_count": Rule(default=2, low=1, high=10),
        "secret_rotation_poll_interval": Rule(default="2m", pattern=r"[0-9]+[smh]", hint="a duration like 2m"),
        "private_cluster": Rule(default=False),
        "api_server_authorized_ip_ranges": Rule(default=[], ipv4="public"),
        "vnet_subnet_id": Rule(pattern=SUBNET_ID, hint="a subnet resource id"),
    },
    args.PoolArgs: {
        "name": Rule(default="speech", pattern=r"[a-z][a-z0-9]{0,11}", hint="lowercase letters and digits, up to 12"),
        "vm_size": Rule(pattern=r"\w+", hint="a VM size name like Standard_D16s_v5"),
        "min_count": Rule(low=0, high=1000),
        "max_count": Rule(low=1, high=1000),
        "zones": Rule(default=[], pattern="[1-3]", hint="zones are 1, 2 or 3"),
        "os_disk_size_gb": Rule(default=128, low=64, high=2048, unit="GB"),
        "prices": Rule(
            default={}, keys=Rule(pattern=r"Standard_[A-Za-z0-9_]+", hint="a VM size like Standard_D16s_v5")
        ),
        "price_region": Rule(pattern=r"[a-z][a-z0-9]{1,39}", hint="an Azure region name like eastus"),
        "split": Rule(default=False),
    },
    args.IngressArgs: {
        "domain": Rule(pattern=DOMAIN, hint="a DNS domain like speech.contoso.com"),
        "certificate_name": Rule(pattern=SECRET_NAME, hint="a Key Vault certificate name"),
        "internal": Rule(default=False),
    },
    args.GatewayArgs: {
        "domain": Rule(pattern=DOMAIN, hint="a DNS domain like speech.contoso.com"),
        "certificate_name": Rule(pattern=SECRET_NAME, hint="a Key Vault certificate name"),
        "subnet_id": Rule(pattern=SUBNET_ID, hint="a subnet resource id"),
        "subnet_prefix": Rule(ipv4="any"),
        "dns_zone_id": Rule(pattern=PUBLIC_DNS_ZONE_ID, hint="an Azure DNS zone resource id"),
        "dns_ttl_seconds": Rule(default=300, low=1, high=86400, unit="seconds"),
    },
    args.AksArgs: {
        "existing_cluster": Rule(),
        "cluster": Rule(default={}),
        "pool": Rule(default={}),
        "namespace": Rule(default="speech", pattern=K8S_NAME, hint="a Kubernetes namespace name"),
        "ingress": Rule(),
        "gateway": Rule(),
        "encryption_at_host": Rule(default=False),
        "scale_down": Rule(default={}),
        "maintenance": Rule(default={}),
        "scheduled_rotation": Rule(),
    },
    args.ScheduledRotationArgs: {
        "schedule": Rule(pattern=CRON, hint="a cron expression of five fields like '30 3 * * 1-5' (UTC)"),
        "image": Rule(pattern=IMAGE, hint="an image reference like myregistry.azurecr.io/speech-rotation:1.0"),
        "account_role_definition_id": Rule(
            pattern=ROLE_DEFINITION_ID,
            hint="a role definition id: /subscriptions/<id>/providers/Microsoft.Authorization/roleDefinitions/<guid>",
        ),
    },
    args.ScaleDownArgs: {
        "period_seconds": Rule(default=300, low=15, high=3600, unit="seconds"),
        "stabilization_seconds": Rule(default=900, low=0, high=3600, unit="seconds"),
    },
    args.MaintenanceArgs: {
        "enabled": Rule(default=True),
        "day_of_week": Rule(default=args.DayOfWeek.SUNDAY),
        "start_time": Rule(default="02:00", pattern=r"([01][0-9]|2[0-3]):[0-5][0-9]", hint="a time HH:MM"),
        "duration_hours": Rule(default=4, low=4, high=24, unit="hours"),
        "utc_offset": Rule(default="+00:00", pattern=r"[+-](0[0-9]|1[0-4]):[0-5][0-9]", hint="an offset like +01:00"),
    },
    args.AlertsArgs: {
        "enabled": Rule(default=True),
        "emails": Rule(default=[], pattern=EMAIL, hint="an email address like ops@contoso.com", max_length=254),
        # Webhook URLs often carry a token: never echoed.
        "webhooks": Rule(default=[], pattern=r"https://[^\s]+", hint="an https:// URL", secret=True, max_length=2048),
        "action_group_id": Rule(pattern=ACTION_GROUP_ID, hint="an action group resource id"),
        "rotation_period_days": Rule(default=90, low=1, high=730, unit="days"),
        "dashboard": Rule(default=True),
        "thresholds": Rule(default={}),
    },
    args.AlertThresholdsArgs: {
        "billing_failures": Rule(default=0, low=0, high=100),
        "restarts": Rule(default=1, low=0, high=100),
        # Default: the kind's startup budget (catalog), so a replica still loading its model never alerts.
        "unready_minutes": Rule(low=5, high=24 * 60, unit="minutes"),
        "at_max_minutes": Rule(default=30, low=5, high=24 * 60, unit="minutes"),
        "certificate_days": Rule(default=30, low=1, high=365, unit="days"),
    },
    # Locked-down environments (components/lockdown_args.py, components/config/lockdown.py).
    args.OutputArgs: {
        "enabled": Rule(default=True),
        "storage_gb": Rule(default=16, low=1, high=1024, unit="GB"),
        "disk_logs": Rule(default=True),
        "max_file_size_mb": Rule(low=1, high=1024, unit="MB"),
    },
    args.ProxyArgs: {
        # Never echoed: a URL with credentials in it is a mistake this rule catches.
        "url": Rule(pattern=PROXY_URL, hint="http(s)://host:port, without credentials", secret=True, max_length=2048),
        "credentials": Rule(pattern=r"[^:\s]+:\S+", hint="user:password", secret=True, max_length=1024),
        "no_proxy": Rule(default=[], pattern=NO_PROXY_ENTRY, hint="a host, .domain, IP address or CIDR range"),
    },
    args.RegistryArgs: {
        "name": Rule(pattern=r"[a-zA-Z0-9]{5,50}", hint="5-50 letters and digits, globally unique"),
        "existing_id": Rule(
            pattern=r"/subscriptions/[^/]+/resourceGroups/[^/]+/providers/[mM]icrosoft\.[cC]ontainer[rR]egistry"
            r"/registries/[a-zA-Z0-9]{5,50}",
            hint="a container registry resource id",
        ),
        "fill": Rule(default=args.RegistryFill.CACHE),
        "sku": Rule(default=args.RegistrySku.PREMIUM),
        "public_network_access": Rule(default=True),
    },
    args.CommitmentArgs: {
        "plan_type": Rule(pattern=r"[A-Za-z0-9_.-]{1,64}", hint="a planType from the commitment tier list"),
        "tier": Rule(pattern=r"[A-Za-z0-9_.-]{1,64}", hint="a tier from the commitment tier list"),
        "count": Rule(default=1, low=1, high=1000),
        "auto_renew": Rule(default=False),
    },
    args.DisconnectedArgs: {
        "commitment": Rule(),
        "renew_days": Rule(default=30, low=1, high=365, unit="days"),
    },
}


def rule(owner: type, name: str) -> Rule:
    """The rule of one field (every field of every args type has one: a test checks it)."""
    return RULES[owner][name]


def default(owner: type, name: str) -> Any:
    return RULES[owner][name].default


def kind_of_name(name: str) -> Kind | None:
    """The kind a deployment name stands for, when the name is itself a kind."""
    try:
        return Kind(name)
    except ValueError:
        return None
