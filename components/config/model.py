"""The validated stack settings: frozen, typed, with every default filled in. Built by components/config."""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass

import pulumi

from components import catalog
from components.args import ClusterSkuTier, DayOfWeek, Host, KeyName, PrincipalType, RestartPolicy, SpeechSku, TlsMode
from components.catalog import ContainerSpec, Kind, Size, VmSize
from components.config.front import FrontConfig
from components.config.gateway import GatewayConfig
from components.config.lockdown import DisconnectedConfig, OutputConfig, ProxyConfig, RegistryConfig, pulled


@dataclass(frozen=True)
class Principal:
    """An Entra ID object that is granted a role (object id, and its type so ARM need not look it up)."""

    object_id: str
    type: PrincipalType
    #: Users only: how Kubernetes RBAC on AKS names them.
    user_principal_name: str | None = None


@dataclass(frozen=True)
class NetworkRules:
    """Public network access and the IP ranges allowed through it (deny by default when ranges are given)."""

    public_access: bool
    allowed_ip_ranges: tuple[str, ...]


@dataclass(frozen=True)
class SpeechConfig:
    sku: SpeechSku
    account_name: str | None
    custom_subdomain: str | None
    network: NetworkRules
    #: The key the stack injects where it must (ACI env, the vault secret's first version); rotation flips it.
    active_key: KeyName
    #: Restore the soft-deleted account of this name (ARM `properties.restore`) instead of creating a new one.
    restore_deleted: bool = False


@dataclass(frozen=True)
class KeyVaultConfig:
    name: str | None
    purge_protection: bool
    soft_delete_retention_days: int
    network: NetworkRules
    api_key_secret_name: str
    billing_endpoint_secret_name: str
    #: Read the secrets (Key Vault Secrets User).
    secret_readers: tuple[Principal, ...]
    #: Run key rotation (Key Vault Secrets Officer on the vault, Cognitive Services Contributor on the account).
    rotation_operators: tuple[Principal, ...]
    #: Recover the soft-deleted vault of this name (`createMode: recover`) instead of creating a new one.
    recover_deleted: bool = False
    #: Lifetime of each version of the key secret (0: no expiry).
    api_key_expiry_days: int = 0


@dataclass(frozen=True)
class ContainerConfig:
    """One deployment: a named container of one kind, with its image, replicas and size."""

    #: The deployment's name (a DNS label): names its groups or Kubernetes objects, hosts and outputs.
    name: str
    kind: Kind
    tag: str
    replicas: int
    max_replicas: int
    size: Size
    model_id: str | None
    model_storage_gb: int
    decoder_max_count: int | None
    env: tuple[tuple[str, pulumi.Input[str]], ...]
    #: `sha256:...`: pins the image so a re-pushed tag cannot change what runs.
    digest: str | None = None
    #: The `env` values came from secret config (`pulumi config set --secret`), so hosts keep them secret.
    env_secret: bool = False
    #: The stack set cpu / memoryGb itself (the AKS planner shapes only the defaults: components/planning/shaping.py).
    cpu_set: bool = True
    memory_set: bool = True
    #: The peak demand maxReplicas follows from (`peakStreams`/`peakSyntheses`) and what one replica serves.
    peak: int | None = None
    per_replica: int | None = None
    #: The stack's output volume and proxy (components/config/lockdown.py), the same for every deployment.
    output: OutputConfig | None = None
    proxy: ProxyConfig | None = None
    #: The private registry every image comes from (None: MCR).
    registry: RegistryConfig | None = None
    #: Disconnected mode: the container runs on a downloaded license, without billing (None: connected).
    disconnected: DisconnectedConfig | None = None

    @property
    def spec(self) -> ContainerSpec:
        return catalog.CONTAINERS[self.kind]

    def model_storage_name(self, replica: int | None = None) -> str:
        """The name of the storage holding this deployment's custom model, keyed by the model id: with a new id
        the container finds an empty volume and downloads the new model (it ignores `ModelId` when a model is
        already on the volume). A lowercase name without double hyphens (Azure Files and Kubernetes accept it)."""
        assert self.model_id is not None
        key = hashlib.sha256(self.model_id.lower().encode()).hexdigest()[:12]
        parts = [self.name, *([str(replica)] if replica is not None else []), "model", key]
        return re.sub("-+", "-", "-".join(parts))

    @property
    def ssml_voice(self) -> str | None:
        """The SSML voice name clients must use with a neural-text-to-speech image (fixed by its tag)."""
        return self.spec.ssml_voice(self.tag)

    @property
    def image(self) -> str:
        image = self.spec.image(self.tag)
        return self.pull(f"{image}@{self.digest}" if self.digest else image)

    def pull(self, image: str) -> str:
        """Where this deployment's pods pull `image` from (the stack's registry, or MCR)."""
        return pulled(image, self.registry)


@dataclass(frozen=True)
class AciTlsConfig:
    mode: TlsMode
    #: PEM, from secret config (`pulumi config set --secret --path aci.tls.certificate < cert.pem`).
    certificate_pem: pulumi.Input[str] | None
    private_key_pem: pulumi.Input[str] | None
    proxy_image: str


@dataclass(frozen=True)
class AciConfig:
    dns_name_label_prefix: str | None
    subnet_id: str | None
    restart_policy: RestartPolicy
    regional_core_quota: int
    tls: AciTlsConfig
    #: Runs the AVX2 check (a shell and grep), in an init container before the Speech container.
    avx2_check_image: str
    #: Linux prices for the plan's cost estimate (None: none known for the location).
    prices: catalog.AciPrice | None = None
    #: The Application Gateway in front of the groups (None: each group is reached on its own).
    front: FrontConfig | None = None

    def group_size(self, container: Size) -> Size:
        """What one group of a container this size needs: the container plus the TLS sidecar, if any (ACI's limits
        and capacity apply to the whole group)."""
        sidecar = catalog.TLS_PROXY_SIZE if self.tls.mode is not TlsMode.NONE else Size(0, 0)
        return Size(container.cpu + sidecar.cpu, container.memory_gb + sidecar.memory_gb)

    def dns_label(self, deployment: str, replica: int) -> str | None:
        """The public DNS label of one replica's group (`<prefix>-<deployment>-<replica>`), if groups have labels."""
        return f"{self.dns_name_label_prefix}-{deployment}-{replica}" if self.dns_name_label_prefix else None


@dataclass(frozen=True)
class LogAnalyticsConfig:
    """An existing workspace to use, or the retention of the one the stack creates."""

    workspace_id: str | None
    retention_days: int


@dataclass(frozen=True)
class ExistingCluster:
    name: str
    resource_group_name: str


@dataclass(frozen=True)
class NewCluster:
    kubernetes_version: str | None
    sku_tier: ClusterSkuTier
    system_vm_size: str
    system_node_count: int
    secret_rotation_poll_interval: str
    #: API server reachable only inside the VNet (private cluster).
    private_api_server: bool
    #: With a public API server: the only source ranges it accepts (empty: any).
    api_server_authorized_ip_ranges: tuple[str, ...]
    #: The nodes' subnet in your VNet (None: AKS creates a VNet of its own).
    vnet_subnet_id: str | None = None


@dataclass(frozen=True)
class NodePoolConfig:
    name: str
    vm_size: VmSize
    min_count: int
    max_count: int
    zones: tuple[str, ...]
    os_disk_size_gb: int
    #: Why this size and count, shown by the offline plan.
    sizing_reason: str
    #: The deployments whose pods run on this pool (every deployment when there is one pool).
    deployments: tuple[str, ...] = ()
    #: The value of the pool's dedicated taint and label (`speech-containers.io/dedicated=<value>`).
    taint_value: str = catalog.AKS.pool_taint_value
    #: USD per node-hour (None: no price known).
    price: float | None = None
    #: The pod size of each deployment on this pool (shaped to the node when the stack left cpu/memoryGb unset).
    sizes: tuple[tuple[str, Size], ...] = ()


@dataclass(frozen=True)
class IngressConfig:
    """HTTPS/WSS in front of the Services: `<kind>.<domain>`, certificate from the stack's Key Vault."""

    domain: str
    #: A Key Vault certificate (in the stack's vault) covering `*.<domain>`.
    certificate_name: str
    #: An internal load balancer (VNet only) instead of a public one.
    internal: bool


@dataclass(frozen=True)
class ScaleDown:
    """One pod removed per `period_seconds` at most, after `stabilization_seconds` of low load."""

    period_seconds: int = 300
    stabilization_seconds: int = 900


@dataclass(frozen=True)
class MaintenanceWindow:
    """A weekly window for AKS's cluster and node OS upgrades."""

    day_of_week: DayOfWeek
    start_time: str
    duration_hours: int
    utc_offset: str


@dataclass(frozen=True)
class ScheduledRotation:
    """The in-cluster CronJob that runs the rotation command (cron `schedule` in UTC, `image` of the command)."""

    schedule: str
    image: str
    #: A run rotates only a key older than this (alerts.rotationPeriodDays).
    due_after_days: int
    #: A custom role the user created for the account's keys (None: the stack defines one).
    account_role_definition_id: str | None = None


@dataclass(frozen=True)
class AksConfig:
    existing_cluster: ExistingCluster | None
    new_cluster: NewCluster | None
    pool: NodePoolConfig
    namespace: str
    ingress: IngressConfig | None
    #: Application Gateway for Containers in front (components/aks/gateway.py).
    gateway: GatewayConfig | None = None
    #: Host-based encryption on every pool (subscription feature Microsoft.Compute/EncryptionAtHost).
    encryption_at_host: bool = False
    scale_down: ScaleDown = ScaleDown()
    #: None: upgrades whenever AKS schedules them.
    maintenance: MaintenanceWindow | None = None
    #: None: the key is rotated only when someone runs the rotation command.
    scheduled_rotation: ScheduledRotation | None = None
    #: Pools after `pool` (a second pool when cheaper: components/planning/planner.py).
    extra_pools: tuple[NodePoolConfig, ...] = ()
    #: Lines the plan shows about the pools' cost: the choice, the alternatives, the sizing rules.
    cost_notes: tuple[str, ...] = ()

    @property
    def pools(self) -> tuple[NodePoolConfig, ...]:
        return (self.pool, *self.extra_pools)

    def pool_of(self, deployment: str) -> NodePoolConfig:
        """The pool a deployment's pods run on (the first pool unless another lists it)."""
        return next((p for p in self.extra_pools if deployment in p.deployments), self.pool)


@dataclass(frozen=True)
class PrivateEndpointsConfig:
    """Private endpoints for the Speech account and the vault in this subnet, optionally with DNS zone groups."""

    subnet_id: str
    speech_dns_zone_id: str | None
    vault_dns_zone_id: str | None


@dataclass(frozen=True)
class AlertThresholds:
    """When the alerts fire (components/azure/alert_rules.py); `unready_minutes` None: each kind's startup budget."""

    billing_failures: int = 0
    restarts: int = 1
    unready_minutes: int | None = None
    at_max_minutes: int = 30
    certificate_days: int = 30


@dataclass(frozen=True)
class AlertsConfig:
    """The alert rules, who they notify, and the dashboard (`enabled` False: none of them)."""

    enabled: bool = False
    emails: tuple[str, ...] = ()
    #: HTTPS URLs, kept secret (they often carry a token).
    webhooks: tuple[str, ...] = ()
    action_group_id: str | None = None
    rotation_period_days: int = 90
    dashboard: bool = True
    thresholds: AlertThresholds = AlertThresholds()


@dataclass(frozen=True)
class StackConfig:
    eula_accepted: bool
    host: Host
    location: str
    resource_group_name: str | None
    tags: tuple[tuple[str, str], ...]
    speech: SpeechConfig
    key_vault: KeyVaultConfig
    containers: tuple[ContainerConfig, ...]
    log_analytics: LogAnalyticsConfig
    private_endpoints: PrivateEndpointsConfig | None
    #: Run the diagnostic container once to check billing connectivity before relying on the containers.
    preflight: bool
    aci: AciConfig | None
    aks: AksConfig | None
    #: How long one stream may last: proxy timeouts, and how long a stopping pod keeps serving open streams.
    stream_budget_seconds: int = 3600
    #: Alerts and the dashboard (the parser fills this in; the default is none).
    alerts: AlertsConfig = AlertsConfig()
    #: The output volume and the HTTP proxy (None: none), also on every ContainerConfig.
    output: OutputConfig | None = None
    proxy: ProxyConfig | None = None
    registry: RegistryConfig | None = None
    disconnected: DisconnectedConfig | None = None
