"""The `aks` args of `SpeechContainersArgs` (re-exported by components/args.py, which keeps every public input
type importable from one place; this module keeps args.py within the 400-line limit).

No `from __future__ import annotations` here: Pulumi's schema inference reads the annotations as objects.
"""

from enum import StrEnum
from typing import Required, TypedDict

from components.gateway_args import GatewayArgs


class ClusterSkuTier(StrEnum):
    """The AKS control plane's tier."""

    FREE = "Free"
    STANDARD = "Standard"
    PREMIUM = "Premium"


class ExistingClusterArgs(TypedDict, total=False):
    """An AKS cluster the stack uses instead of creating one."""

    name: Required[str]
    resource_group_name: Required[str]


class ClusterArgs(TypedDict, total=False):
    """The AKS cluster the stack creates."""

    kubernetes_version: str
    """e.g. 1.33 (default: AKS's default version)."""
    sku_tier: ClusterSkuTier
    """Default Standard."""
    system_vm_size: str
    """System pool VM size (default Standard_D4s_v5)."""
    system_node_count: int
    """System pool nodes (1-10, default 2)."""
    secret_rotation_poll_interval: str
    """How often the Key Vault CSI add-on re-reads secrets, e.g. 2m."""
    private_cluster: bool
    """API server reachable only inside the VNet."""
    api_server_authorized_ip_ranges: list[str]
    """With a public API server: the only source ranges it accepts."""
    vnet_subnet_id: str
    """A subnet of your VNet for the nodes (needed to reach private endpoints through DNS zones linked to it)."""


class PoolArgs(TypedDict, total=False):
    """The dedicated AVX2 node pool for Speech pods."""

    name: str
    """Pool name (default speech)."""
    vm_size: str
    """An AVX2 VM size (default: the cheapest priced AVX2 size for the deployments' replicas, see the plan)."""
    min_count: int
    """Autoscaler minimum (default: nodes for every deployment's replicas)."""
    max_count: int
    """Autoscaler maximum (default: nodes for every deployment's maxReplicas plus a rollout's surge pods)."""
    prices: dict[str, float]
    """Hourly prices (USD) by VM size, added to or replacing the built-in table, e.g. {Standard_D16s_v5: 0.768}."""
    price_region: str
    """Whose price table to use (default: location); for a location without one."""
    split: bool
    """Allow a second pool for neural-text-to-speech when that is cheaper (default false; not with vmSize)."""
    zones: list[str]
    """Availability zones (1, 2, 3)."""
    os_disk_size_gb: int
    """OS disk size (64-2048, default 128)."""


class IngressArgs(TypedDict, total=False):
    """HTTPS/WSS in front of the Services: `<deployment>.<domain>`."""

    domain: Required[str]
    """The DNS domain, e.g. speech.contoso.com."""
    certificate_name: Required[str]
    """A Key Vault certificate in the stack's vault covering `*.<domain>`."""
    internal: bool
    """An internal (VNet) load balancer instead of a public one."""


class DayOfWeek(StrEnum):
    """A day of the week, as AKS maintenance windows name it."""

    MONDAY = "Monday"
    TUESDAY = "Tuesday"
    WEDNESDAY = "Wednesday"
    THURSDAY = "Thursday"
    FRIDAY = "Friday"
    SATURDAY = "Saturday"
    SUNDAY = "Sunday"


class ScaleDownArgs(TypedDict, total=False):
    """How the autoscaler removes Speech pods: slowly, since each one may carry live streams."""

    period_seconds: int
    """At most one pod is removed per this many seconds (default 300)."""
    stabilization_seconds: int
    """Load must stay low this long before any pod goes (default 900)."""


class MaintenanceArgs(TypedDict, total=False):
    """When AKS may upgrade the cluster and the nodes' OS image (both upgrades drain nodes)."""

    enabled: bool
    """Default true: upgrades only in this window (false: whenever AKS schedules them)."""
    day_of_week: DayOfWeek
    """Default Sunday."""
    start_time: str
    """Local start time, HH:MM (default 02:00)."""
    duration_hours: int
    """Window length, 4-24 hours (default 4; AKS needs at least 4)."""
    utc_offset: str
    """The time zone of start_time as an offset, +HH:MM or -HH:MM (default +00:00)."""


class ScheduledRotationArgs(TypedDict, total=False):
    """Rotate the key from inside the cluster: a CronJob runs the rotation command when the key is due."""

    schedule: Required[str]
    """When to check, as a cron expression in UTC (e.g. "30 3 * * 1-5"); a run rotates only a key older than
    alerts.rotationPeriodDays, and resumes a rotation that was left half-done."""
    image: Required[str]
    """The rotation command's image, built from rotation/Dockerfile into your registry (make rotation-image)."""
    account_role_definition_id: str
    """A custom role you created that may read, list and regenerate the account's keys (see the README); without
    it the stack defines that role itself, which needs Owner or User Access Administrator, not only Role Based
    Access Control Administrator."""


class AksArgs(TypedDict, total=False):
    """Azure Kubernetes Service settings."""

    existing_cluster: ExistingClusterArgs
    """Use this cluster instead of creating one."""
    cluster: ClusterArgs
    """The cluster the stack creates (when existingCluster is not set)."""
    pool: PoolArgs
    namespace: str
    """Namespace for the Speech workloads (default speech)."""
    ingress: IngressArgs
    """Deprecated (managed NGINX lost Microsoft support in November 2026): use gateway; both may run together."""
    gateway: GatewayArgs
    encryption_at_host: bool
    """Encrypt the nodes' temp disks and caches at the host (needs the subscription feature EncryptionAtHost)."""
    scale_down: ScaleDownArgs
    maintenance: MaintenanceArgs
    scheduled_rotation: ScheduledRotationArgs
