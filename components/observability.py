"""Alerts and the dashboard for a built platform: what the host exposes (groups, cluster, pools, certificate) becomes
the targets of `SpeechAlerts`, and the workbook shows the same signals per deployment."""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any

import pulumi
import pulumi_azure_native.authorization as authorization

from components.args import Host
from components.azure.alerts import AciTargets, AksTargets, AlertInputs, SpeechAlerts
from components.azure.dashboard import SpeechDashboard, workbook
from components.config.model import StackConfig
from components.hosting import VaultRef, WorkspaceRef

if TYPE_CHECKING:
    from components.aci.host import AciHost
    from components.aks.host import AksHost


def aks_pools(settings: StackConfig) -> tuple[tuple[str, int], ...]:
    """Each Speech pool's name and maximum node count."""
    assert settings.aks is not None
    pools = (settings.aks.pool, *getattr(settings.aks, "extra_pools", ()))
    return tuple((pool.name, pool.max_count) for pool in pools)


def _targets(settings: StackConfig, vault: VaultRef, host: AciHost | AksHost) -> AciTargets | AksTargets:
    if settings.host is Host.ACI:
        aci: AciHost = host  # type: ignore[assignment]
        return AciTargets(
            group_ids={name: [g.id for g in groups] for name, groups in aci.groups.items()},
            group_names=pulumi.Output.all(*(g.name for groups in aci.groups.values() for g in groups)),
            preflight_group=aci.preflight_group.name if aci.preflight_group is not None else None,
            certificate=aci.tls_certificate,
            gateway_id=aci.front.gateway.id if aci.front is not None else None,
        )
    aks: AksHost = host  # type: ignore[assignment]
    assert settings.aks is not None
    client = authorization.get_client_config_output()
    cluster_id = pulumi.Output.concat(
        "/subscriptions/",
        client.subscription_id,
        "/resourceGroups/",
        aks.cluster_resource_group_name,
        "/providers/Microsoft.ContainerService/managedClusters/",
        aks.cluster_name,
    )
    # The certificate clients meet: the gateway's, else the (deprecated) ingress's.
    front = settings.aks.gateway or settings.aks.ingress
    return AksTargets(
        cluster_id=cluster_id,
        namespace=settings.aks.namespace,
        pools=aks_pools(settings),
        preflight=settings.preflight and bool(settings.containers),
        ingress_certificate=front.certificate_name if front is not None else None,
        vault_id=vault.id,
        scheduled_rotation=settings.aks.scheduled_rotation is not None,
    )


def observe(
    name: str,
    settings: StackConfig,
    resource_group_name: pulumi.Output[str],
    workspace: WorkspaceRef,
    vault: VaultRef,
    tags: dict[str, str],
    host: AciHost | AksHost,
    child: Callable[[], pulumi.ResourceOptions],
) -> SpeechAlerts | None:
    """The alerts (and, unless turned off, the dashboard) of a platform; None with `alerts.enabled: false`."""
    config = settings.alerts
    if not config.enabled:
        return None
    targets = _targets(settings, vault, host)
    alerts = SpeechAlerts(
        f"{name}-alerts",
        AlertInputs(
            resource_group_name=resource_group_name,
            location=settings.location,
            tags=tags,
            workspace=workspace,
            containers=settings.containers,
            active_key_name=settings.speech.active_key.value,
            settings=config,
            host=targets,
        ),
        child(),
    )
    if isinstance(targets, AksTargets) and settings.containers:
        from components.aks.key_age import key_age_reporter

        aks: AksHost = host  # type: ignore[assignment]
        # Kubernetes objects stay under the AKS host (on its provider), whatever asks for them.
        key_age_reporter(f"{name}-aks", vault, aks.namespace, aks.pool, aks.credentials, aks.provider, aks)
    if config.dashboard and settings.containers:
        groups: pulumi.Output[dict[str, list[str]]] = (
            pulumi.Output.all(
                **{n: pulumi.Output.all(*(g.name for g in gs)) for n, gs in host.groups.items()}  # type: ignore[union-attr]
            )
            if isinstance(targets, AciTargets)
            else pulumi.Output.from_input({})
        )
        namespace = targets.namespace if isinstance(targets, AksTargets) else None

        def document(values: list[Any]) -> dict[str, Any]:
            return workbook(settings.host, settings.containers, namespace, values[0], values[1], values[2])

        SpeechDashboard(
            f"{name}-dashboard",
            resource_group_name,
            settings.location,
            pulumi.Output.all(groups, alerts.stamps, workspace.id).apply(document),
            workspace.id,
            tags,
            child(),
        )
    return alerts
