"""Host settings: `aci` -> AciConfig (TLS, network, limits of the whole group), `aks` -> AksConfig (cluster,
pool sized from the deployments, ingress)."""

from __future__ import annotations

from typing import Any

from components import catalog
from components.args import (
    AciArgs,
    AciTlsArgs,
    AksArgs,
    ClusterArgs,
    IngressArgs,
    MaintenanceArgs,
    ScaleDownArgs,
    TlsMode,
)
from components.config.fields import Problems
from components.config.front import front
from components.config.gateway import gateway
from components.config.model import (
    AciConfig,
    AciTlsConfig,
    AksConfig,
    ContainerConfig,
    ExistingCluster,
    IngressConfig,
    MaintenanceWindow,
    NewCluster,
    ScaleDown,
    ScheduledRotation,
)
from components.config.pools import aci_price, pools
from components.config.rules import DNS_LABEL_MAX, default


def _aci_tls(raw: dict[str, Any], private: bool, problems: Problems) -> AciTlsConfig:
    mode: TlsMode = raw.get("mode", TlsMode.NONE if private else TlsMode.SELF_SIGNED)
    if mode is TlsMode.NONE and not private:
        problems.add(
            "aci.tls.mode",
            "a public container group must terminate TLS (port 5000 is never exposed publicly); "
            "allowed: self-signed, certificate, or set aci.subnetId for private groups",
        )
    for name, key in (("certificate", "certificate"), ("private_key", "privateKey")):
        if mode is TlsMode.CERTIFICATE and name not in raw and not problems.about(f"aci.tls.{key}"):
            problems.add(f"aci.tls.{key}", "is required with mode: certificate (pulumi config set --secret --path)")
        if mode is not TlsMode.CERTIFICATE and name in raw:
            problems.add(f"aci.tls.{key}", f"is only used with mode: certificate, not {mode}")
    return AciTlsConfig(
        mode=mode,
        certificate_pem=raw.get("certificate"),
        private_key_pem=raw.get("private_key"),
        proxy_image=raw.get("proxy_image", default(AciTlsArgs, "proxy_image")),
    )


def aci(
    raw: dict[str, Any],
    containers: tuple[ContainerConfig, ...],
    preflight: bool,
    problems: Problems,
    location: str = "",
    stream_budget: int = 3600,
) -> AciConfig:
    tls = _aci_tls(raw.get("tls", {}), private="subnet_id" in raw, problems=problems)
    config = AciConfig(
        dns_name_label_prefix=raw.get("dns_name_label_prefix"),
        subnet_id=raw.get("subnet_id"),
        restart_policy=raw.get("restart_policy", default(AciArgs, "restart_policy")),
        regional_core_quota=raw.get("regional_core_quota", default(AciArgs, "regional_core_quota")),
        tls=tls,
        avx2_check_image=raw.get("avx2_check_image", default(AciArgs, "avx2_check_image")),
        prices=aci_price(raw, location),
        front=front(raw["front"], raw.get("subnet_id"), tls.mode, stream_budget, problems) if "front" in raw else None,
    )
    if config.subnet_id and config.dns_name_label_prefix:
        problems.add(
            "aci.dnsNameLabelPrefix", "a VNet-injected group (subnetId) has no public IP or DNS label; set one of them"
        )
    limit = catalog.ACI.max_group
    for c in containers:
        group = config.group_size(c.size)
        if not group.fits_in(limit):
            key = "cpu" if group.cpu > limit.cpu else "memoryGb"
            problems.add(
                f"containers.{c.name}.{key}",
                f"with the TLS sidecar its group needs {group.cpu:g} cores / {group.memory_gb:g} GB, over ACI's "
                f"{limit.cpu:g} cores / {limit.memory_gb:g} GB per group; lower cpu or memoryGb",
            )
        label = config.dns_label(c.name, c.replicas - 1)
        if label and len(label) > DNS_LABEL_MAX:
            problems.add(
                "aci.dnsNameLabelPrefix",
                f"makes the DNS label {label!r} of deployment {c.name} {len(label)} characters long (max "
                f"{DNS_LABEL_MAX}); shorten the prefix or the deployment name",
            )
    with_preflight = preflight and bool(containers)
    cores = sum(config.group_size(c.size).cpu * c.replicas for c in containers)
    cores += catalog.PREFLIGHT.size.cpu if with_preflight else 0
    if cores > config.regional_core_quota:
        problems.add(
            "aci.regionalCoreQuota",
            f"the groups need {cores:g} cores (TLS sidecars and the preflight included), over the regional ACI "
            f"quota of {config.regional_core_quota}; lower cpu/replicas or raise the quota in Azure and set this key",
        )
    groups = sum(c.replicas for c in containers) + int(with_preflight)
    if groups > catalog.ACI.max_groups_per_region:
        problems.add(
            "containers",
            f"needs {groups} container groups (one per replica, plus the preflight), over ACI's "
            f"{catalog.ACI.max_groups_per_region} per region and subscription; lower replicas or use host: aks",
        )
    return config


def _cluster(raw: dict[str, Any], problems: Problems) -> NewCluster:
    cluster = NewCluster(
        kubernetes_version=raw.get("kubernetes_version"),
        sku_tier=raw.get("sku_tier", default(ClusterArgs, "sku_tier")),
        system_vm_size=raw.get("system_vm_size", default(ClusterArgs, "system_vm_size")),
        system_node_count=raw.get("system_node_count", default(ClusterArgs, "system_node_count")),
        secret_rotation_poll_interval=raw.get(
            "secret_rotation_poll_interval", default(ClusterArgs, "secret_rotation_poll_interval")
        ),
        private_api_server=raw.get("private_cluster", default(ClusterArgs, "private_cluster")),
        api_server_authorized_ip_ranges=tuple(raw.get("api_server_authorized_ip_ranges", ())),
        vnet_subnet_id=raw.get("vnet_subnet_id"),
    )
    if cluster.private_api_server and cluster.api_server_authorized_ip_ranges:
        problems.add(
            "aks.cluster.apiServerAuthorizedIpRanges",
            "authorized IP ranges apply to a public API server only; remove them or privateCluster",
        )
    return cluster


def aks(
    raw: dict[str, Any],
    containers: tuple[ContainerConfig, ...],
    problems: Problems,
    location: str = "",
    rotation_period_days: int = 90,
) -> AksConfig:
    existing = raw.get("existing_cluster")
    if existing is not None and "cluster" in raw:
        problems.add("aks.cluster", "give either existingCluster or cluster (to create one), not both")
    ingress = raw.get("ingress")
    names = tuple(c.name for c in containers)
    scale_down = raw.get("scale_down", {})
    speech_pools, cost_notes = pools(raw.get("pool", {}), containers, location, problems)
    return AksConfig(
        existing_cluster=ExistingCluster(existing["name"], existing["resource_group_name"])
        if existing and {"name", "resource_group_name"} <= set(existing)
        else None,
        new_cluster=_cluster(raw.get("cluster", {}), problems) if existing is None else None,
        pool=speech_pools[0],
        extra_pools=speech_pools[1:],
        cost_notes=cost_notes,
        namespace=raw.get("namespace", default(AksArgs, "namespace")),
        ingress=IngressConfig(
            domain=ingress["domain"],
            certificate_name=ingress["certificate_name"],
            internal=ingress.get("internal", default(IngressArgs, "internal")),
        )
        if ingress and {"domain", "certificate_name"} <= set(ingress)
        else None,
        gateway=gateway(
            raw.get("gateway"),
            raw.get("cluster", {}) if existing is None else None,
            existing is not None,
            names,
            problems,
        ),
        encryption_at_host=raw.get("encryption_at_host", default(AksArgs, "encryption_at_host")),
        scale_down=ScaleDown(
            period_seconds=scale_down.get("period_seconds", default(ScaleDownArgs, "period_seconds")),
            stabilization_seconds=scale_down.get(
                "stabilization_seconds", default(ScaleDownArgs, "stabilization_seconds")
            ),
        ),
        maintenance=_maintenance(raw.get("maintenance", {})),
        scheduled_rotation=_scheduled_rotation(raw.get("scheduled_rotation", {}), rotation_period_days),
    )


def _maintenance(raw: dict[str, Any]) -> MaintenanceWindow | None:
    if not raw.get("enabled", default(MaintenanceArgs, "enabled")):
        return None
    return MaintenanceWindow(
        day_of_week=raw.get("day_of_week", default(MaintenanceArgs, "day_of_week")),
        start_time=raw.get("start_time", default(MaintenanceArgs, "start_time")),
        duration_hours=raw.get("duration_hours", default(MaintenanceArgs, "duration_hours")),
        utc_offset=raw.get("utc_offset", default(MaintenanceArgs, "utc_offset")),
    )


def _scheduled_rotation(raw: dict[str, Any], due_after_days: int) -> ScheduledRotation | None:
    if not {"schedule", "image"} <= set(raw):
        return None  # absent, or a missing required key the reader already reported
    return ScheduledRotation(
        schedule=raw["schedule"],
        image=raw["image"],
        due_after_days=due_after_days,
        account_role_definition_id=raw.get("account_role_definition_id"),
    )
