"""The public input types of `SpeechContainers`: plain annotated classes, so Pulumi infers the component's schema
from them and other languages (TypeScript, Go, C#, YAML) can use it through `pulumi package add`.

Python names are snake_case; the schema (and the stack config) spell them in camelCase (`memory_gb` ->
`memoryGb`). Bounds, patterns and defaults live beside these types in `components/config/rules.py`; the JSON
Schema of the stack config and the validation both come from these two files.

No `from __future__ import annotations` here: Pulumi's schema inference reads the annotations as objects.
"""

from enum import StrEnum
from typing import Required, TypedDict

import pulumi

from components.aks_args import AksArgs as AksArgs
from components.aks_args import ClusterArgs as ClusterArgs
from components.aks_args import ClusterSkuTier as ClusterSkuTier
from components.aks_args import DayOfWeek as DayOfWeek
from components.aks_args import ExistingClusterArgs as ExistingClusterArgs
from components.aks_args import IngressArgs as IngressArgs
from components.aks_args import MaintenanceArgs as MaintenanceArgs
from components.aks_args import PoolArgs as PoolArgs
from components.aks_args import ScaleDownArgs as ScaleDownArgs
from components.aks_args import ScheduledRotationArgs as ScheduledRotationArgs
from components.alert_args import AlertsArgs as AlertsArgs
from components.alert_args import AlertThresholdsArgs as AlertThresholdsArgs
from components.catalog import Kind
from components.front_args import AciFrontArgs as AciFrontArgs
from components.front_args import CertificateCreate as CertificateCreate
from components.front_args import FrontCertificateArgs as FrontCertificateArgs
from components.gateway_args import GatewayArgs as GatewayArgs
from components.lockdown_args import CommitmentArgs as CommitmentArgs
from components.lockdown_args import DisconnectedArgs as DisconnectedArgs
from components.lockdown_args import OutputArgs as OutputArgs
from components.lockdown_args import ProxyArgs as ProxyArgs
from components.lockdown_args import RegistryArgs as RegistryArgs
from components.lockdown_args import RegistryFill as RegistryFill
from components.lockdown_args import RegistrySku as RegistrySku


class Host(StrEnum):
    """Where the containers run."""

    ACI = "aci"
    """Azure Container Instances: one container group per replica."""
    AKS = "aks"
    """Azure Kubernetes Service: a dedicated AVX2 node pool."""


class SpeechSku(StrEnum):
    """The Speech resource's pricing tier."""

    S0 = "S0"
    F0 = "F0"
    DC0 = "DC0"
    """Commitment tier disconnected containers: set by `disconnected`, not by itself."""


class KeyName(StrEnum):
    """The two keys of a Speech resource, spelled as ARM's regenerateKey expects them."""

    KEY1 = "Key1"
    KEY2 = "Key2"


class PrincipalType(StrEnum):
    """The kind of Entra ID object a role is granted to."""

    USER = "User"
    GROUP = "Group"
    SERVICE_PRINCIPAL = "ServicePrincipal"


class TlsMode(StrEnum):
    """How ACI groups terminate TLS."""

    SELF_SIGNED = "self-signed"
    """A generated self-signed certificate (development: clients pin it)."""
    CERTIFICATE = "certificate"
    """Your certificate and key (`aci.tls.certificate`, `aci.tls.privateKey`)."""
    NONE = "none"
    """No TLS: private (VNet) groups only."""


class RestartPolicy(StrEnum):
    """When ACI restarts a container group's containers."""

    ALWAYS = "Always"
    ON_FAILURE = "OnFailure"
    NEVER = "Never"


class SpeechArgs(TypedDict, total=False):
    """The Speech resource (Cognitive Services account of kind SpeechServices) the containers bill against."""

    sku: SpeechSku
    """Pricing tier (default S0)."""
    account_name: str
    """The account name (default `speech-<stack>-<hash>`); also the custom subdomain unless that is set."""
    custom_subdomain: str
    """The endpoint's subdomain (`<subdomain>.cognitiveservices.azure.com`), globally unique."""
    public_network_access: bool
    """Reachable from the internet (default true); with false, containers bill through private endpoints."""
    allowed_ip_ranges: list[str]
    """Public IPv4 addresses or CIDR ranges allowed in (deny by default once listed)."""
    active_key: KeyName
    """The key the stack injects (default Key1); the rotation command flips it."""
    restore_deleted: bool
    """Restore a soft-deleted account of this name (kept 48 hours) instead of creating one; for one `pulumi up`."""


class PrincipalArgs(TypedDict, total=False):
    """An Entra ID object granted a role."""

    object_id: Required[str]
    """The object id (a GUID)."""
    type: PrincipalType
    """User, Group or ServicePrincipal (default ServicePrincipal)."""
    user_principal_name: str
    """A User's UPN (user@contoso.com): AKS names Entra users by UPN in Kubernetes RBAC (groups, service
    principals and guests, whose UPN has #EXT#, by object id), so a User among keyVault.rotationOperators on AKS
    needs it."""


class KeyVaultArgs(TypedDict, total=False):
    """The vault that holds the Speech key and billing endpoint (RBAC only, soft delete)."""

    name: str
    """Vault name (default `kv-<stack>-<hash>`), 3-24 characters, globally unique."""
    purge_protection: bool
    """Purge protection (default true); once on it cannot be turned off."""
    soft_delete_retention_days: int
    """Days a deleted vault keeps its name (7-90, default 90)."""
    public_network_access: bool
    """Reachable from the internet (default true)."""
    allowed_ip_ranges: list[str]
    """Public IPv4 addresses or CIDR ranges allowed in."""
    api_key_secret_name: str
    """Secret holding the active Speech key (default speech-api-key)."""
    billing_endpoint_secret_name: str
    """Secret holding the billing endpoint (default speech-billing-endpoint)."""
    secret_readers: list[PrincipalArgs]
    """Who may read the secrets (Key Vault Secrets User)."""
    rotation_operators: list[PrincipalArgs]
    """Who may rotate the key (Key Vault Secrets Officer, Cognitive Services Contributor; on AKS also the
    Kubernetes Role the rotation command needs in the namespace)."""
    recover_deleted: bool
    """Recover a soft-deleted vault of this name instead of creating one; for one `pulumi up`."""
    api_key_expiry_days: int
    """Days after which a version of the key secret expires (default alerts.rotationPeriodDays + 30, so Key
    Vault's SecretNearExpiry event, 30 days ahead, fires when the key is due, and at least one day past the longest
    wait for aks.scheduledRotation's next run; 0: no expiry). It must exceed both. The stack sets it on the first
    version, the rotation command on every version it stores."""


class ContainerArgs(TypedDict, total=False):
    """One deployment of a Speech container: its image, replicas, size and settings."""

    kind: Kind
    """The container kind; may be left out when the deployment's name is a kind."""
    tag: str
    """The full image tag (instead of version/locale/voice), e.g. 5.1.0-amd64-en-us."""
    version: str
    """Image version, e.g. 5.1.0 (the catalog's default for the kind when left out)."""
    locale: str
    """Locale for speech-to-text and neural-text-to-speech, e.g. en-us."""
    voice: str
    """Neural voice for neural-text-to-speech, e.g. aria (the tag's `<voice>neural` part)."""
    replicas: int
    """Replicas (on AKS the autoscaler's minimum); default 1."""
    max_replicas: int
    """The autoscaler's maximum on AKS; default replicas."""
    cpu: float
    """CPU cores per replica; default the recommended size, never below the documented minimum."""
    memory_gb: float
    """Memory (GB) per replica; default the recommended size plus model memory."""
    model_id: str
    """Custom Speech model id (a GUID); custom-speech-to-text only, required there."""
    model_storage_gb: int
    """Size of the custom model volume (GB); default 32."""
    decoder_max_count: int
    """Concurrent decoders (DECODER_MAX_COUNT), speech-to-text kinds only; at most the cores."""
    env: dict[str, pulumi.Input[str]]
    """Extra container settings as environment variables (`:` written as `__`)."""
    digest: str
    """Pin the image by digest (sha256:...), so a re-pushed tag cannot change what runs."""
    peak_streams: int
    """Concurrent streams at peak (speech-to-text kinds, language identification); sets maxReplicas."""
    streams_per_replica: int
    """Streams one replica serves (default: one per decoder, 1.15 cores each; language identification 4 per core)."""
    peak_syntheses: int
    """Concurrent syntheses at peak (neural-text-to-speech); sets maxReplicas."""
    syntheses_per_replica: int
    """Syntheses one replica serves (default: one per 0.5 core)."""


class LogAnalyticsArgs(TypedDict, total=False):
    """Where container logs and resource diagnostics go."""

    workspace_id: str
    """An existing workspace's resource id (default: the stack creates one)."""
    retention_days: int
    """Retention of the workspace the stack creates (30-730, default 30)."""


class PrivateEndpointsArgs(TypedDict, total=False):
    """Private endpoints for the Speech account and the vault."""

    subnet_id: Required[str]
    """The subnet the endpoints are placed in."""
    speech_dns_zone_id: str
    """privatelink.cognitiveservices.azure.com zone id, for a DNS zone group."""
    vault_dns_zone_id: str
    """privatelink.vaultcore.azure.net zone id, for a DNS zone group."""


class AciTlsArgs(TypedDict, total=False):
    """TLS for ACI groups (an nginx sidecar)."""

    mode: TlsMode
    """self-signed (default for public groups), certificate, or none (default for VNet groups)."""
    certificate: pulumi.Input[str]
    """PEM certificate chain for mode certificate (set it as a secret)."""
    private_key: pulumi.Input[str]
    """PEM private key for mode certificate (set it as a secret)."""
    proxy_image: str
    """The TLS sidecar's image (default nginx on MCR)."""


class AciArgs(TypedDict, total=False):
    """Azure Container Instances settings."""

    tls: AciTlsArgs
    """TLS in front of each group."""
    dns_name_label_prefix: str
    """Public groups get `<prefix>-<deployment>-<replica>` DNS labels."""
    subnet_id: str
    """A delegated subnet for VNet-injected (private) groups."""
    restart_policy: RestartPolicy
    """Default Always."""
    regional_core_quota: int
    """Your regional ACI core quota (default 100); the groups must fit in it."""
    avx2_check_image: str
    """The small image whose shell checks the host CPU for AVX2 before Speech starts (pin it by digest)."""
    vcpu_hour_price: float
    """ACI's Linux USD per vCPU-hour, for the plan's cost (default: the built-in table for the location, if any)."""
    memory_gb_hour_price: float
    """ACI's Linux USD per GB-hour, for the plan's cost (default: as vcpuHourPrice)."""
    front: AciFrontArgs
    """One load-balanced HTTPS/WSS endpoint per deployment (Application Gateway v2; VNet groups only)."""


class SpeechContainersArgs(TypedDict, total=False):
    """Everything the stack config covers: the Speech resource, its vault, and where each deployment runs."""

    eula: str
    """Must be `accept` to deploy any container: you accept the Speech containers' license."""
    host: Required[Host]
    """aci or aks."""
    location: Required[str]
    """The Azure region, e.g. eastus."""
    resource_group_name: str
    """An existing resource group (default: the stack creates rg-speech-containers-<stack>)."""
    tags: dict[str, str]
    """Tags on every Azure resource."""
    speech: SpeechArgs
    key_vault: KeyVaultArgs
    containers: dict[str, ContainerArgs]
    """Deployments by name (a DNS label); the name may be the kind itself."""
    log_analytics: LogAnalyticsArgs
    private_endpoints: PrivateEndpointsArgs
    preflight: bool
    """Check once, from where the containers run, that billing answers and accepts the key (default true)."""
    stream_budget_seconds: int
    """How long one speech stream may last (default 3600): proxies keep streams open that long, and a stopping
    pod keeps serving its open streams up to it before it is stopped."""
    aci: AciArgs
    aks: AksArgs
    alerts: AlertsArgs
    output: OutputArgs
    proxy: ProxyArgs
    registry: RegistryArgs
    disconnected: DisconnectedArgs


class DeploymentOutput(TypedDict, total=False):
    """How clients and the rotation command reach one deployment (keys as the stack output spells them)."""

    kind: str
    """The container kind."""
    url: str
    """The Speech SDK host URL (ws/wss for speech-to-text kinds, http/https for the others)."""
    statusUrl: str
    """The first instance's `/status` page (validates the key against Azure)."""
    instances: list[str]
    """Every instance's URL (ACI has one group per replica; AKS one Service or route)."""
    statusUrls: list[str]
    """Every instance's `/status` page, in the order of instances."""
    voice: str
    """neural-text-to-speech only: the SSML voice name clients must use (it matches the image's voice)."""
