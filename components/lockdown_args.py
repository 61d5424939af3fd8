"""The `output`, `proxy` and `registry` args of `SpeechContainersArgs`, for locked-down environments (re-exported by
components/args.py, which keeps every public input type importable from one place; this module keeps args.py within
the 400-line limit).

No `from __future__ import annotations` here: Pulumi's schema inference reads the annotations as objects.
"""

from enum import StrEnum
from typing import Required, TypedDict

import pulumi


class OutputArgs(TypedDict, total=False):
    """A writable output volume on every deployment (`Mounts:Output`): the containers' log files, and the usage
    records of disconnected containers. ACI: an Azure Files share per replica; AKS: one Azure Files claim per
    deployment, each pod writing into a folder named after it."""

    enabled: bool
    """Mount it (default true once `output` is set)."""
    storage_gb: int
    """Size of each share or claim in GB (default 16)."""
    disk_logs: bool
    """Write the containers' logs to it as JSON files (`Logging:Disk:Format=json`, default true)."""
    max_file_size_mb: int
    """Start a new log file at this size in MB (`Logging:Disk:MaxFileSize`; the containers' default is 1)."""


class ProxyArgs(TypedDict, total=False):
    """An HTTP proxy for the containers' outbound calls (billing) and the preflight."""

    url: Required[str]
    """The proxy, e.g. http://proxy.contoso.com:3128 (no credentials in it)."""
    credentials: pulumi.Input[str]
    """`user:password` for the proxy (`HTTP_PROXY_CREDS`); set it as a secret."""
    no_proxy: list[str]
    """More hosts, domains (`.contoso.com`) or IP ranges that bypass the proxy; localhost and 127.0.0.1 always do."""


class RegistrySku(StrEnum):
    """An Azure Container Registry service tier."""

    BASIC = "Basic"
    STANDARD = "Standard"
    PREMIUM = "Premium"
    """Needed for private endpoints, and by ACI's managed-identity pulls."""


class RegistryFill(StrEnum):
    """How the registry gets the images."""

    CACHE = "cache"
    """ACR cache rules for MCR: the registry pulls each image from MCR on its first pull and keeps it."""
    PREFILLED = "prefilled"
    """You filled it yourself (`az acr import`, a pipeline): an existing registry only."""


class RegistryArgs(TypedDict, total=False):
    """Pull every image (Speech, busybox, the TLS proxy, the Azure CLI checks) from an Azure Container Registry
    instead of MCR, under the same repository paths; digests stay pinned."""

    name: str
    """Create a registry of this name (globally unique, 5-50 letters and digits)."""
    existing_id: str
    """Or use this existing registry (its resource id)."""
    fill: RegistryFill
    """How it gets the images (default cache)."""
    sku: RegistrySku
    """The created registry's tier (default Premium)."""
    public_network_access: bool
    """The created registry's public endpoint (default true; false needs Premium and a private endpoint of yours)."""


class CommitmentArgs(TypedDict, total=False):
    """The disconnected commitment plan, as Microsoft lists its tiers for your approved subscription
    (`az cognitiveservices commitment-tier list -l <region>`, entries with hostingModel DisconnectedContainer)."""

    plan_type: Required[str]
    """The tier list's planType for the containers you bought."""
    tier: Required[str]
    """The tier list's tier."""
    count: int
    """Units of the tier (default 1)."""
    auto_renew: bool
    """Renew the annual commitment (default false: it ends with its year)."""


class DisconnectedArgs(TypedDict, total=False):
    """Run the containers disconnected from Azure billing (approved customers only): the Speech account on the
    disconnected commitment tier (DC0) with its commitment plan, a license download per deployment, and containers
    that run on the license and write usage records to the output volume."""

    commitment: Required[CommitmentArgs]
    renew_days: int
    """Download each license again after this many days, at the next `pulumi up` (default 30)."""
