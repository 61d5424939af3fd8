"""Log Analytics: where container logs and the diagnostics of every Azure resource go."""

from __future__ import annotations

from collections.abc import Sequence

import pulumi
import pulumi_azure_native.monitor as monitor
import pulumi_azure_native.operationalinsights as operationalinsights

from components.config.model import LogAnalyticsConfig
from components.hosting import WorkspaceRef


class LogAnalytics(pulumi.ComponentResource):
    """Creates a workspace, or points at an existing one, and exposes its id, customer id and shared key."""

    workspace: WorkspaceRef

    def __init__(
        self,
        name: str,
        resource_group_name: pulumi.Output[str],
        location: str,
        settings: LogAnalyticsConfig,
        tags: dict[str, str],
        opts: pulumi.ResourceOptions | None = None,
    ) -> None:
        super().__init__("speech-containers:monitoring:LogAnalytics", name, None, opts)
        if settings.workspace_id:
            parts = settings.workspace_id.split("/")
            group, workspace_name = parts[4], parts[-1]
            existing = operationalinsights.get_workspace_output(
                resource_group_name=group, workspace_name=workspace_name
            )
            workspace_id: pulumi.Output[str] = pulumi.Output.from_input(settings.workspace_id)
            customer_id = existing.customer_id
            keys_group: pulumi.Input[str] = group
            keys_name: pulumi.Input[str] = workspace_name
        else:
            created = operationalinsights.Workspace(
                f"{name}-workspace",
                resource_group_name=resource_group_name,
                location=location,
                sku=operationalinsights.WorkspaceSkuArgs(name="PerGB2018"),
                retention_in_days=settings.retention_days,
                tags=tags,
                opts=pulumi.ResourceOptions(parent=self),
            )
            workspace_id, customer_id = created.id, created.customer_id
            keys_group, keys_name = resource_group_name, created.name
        keys = operationalinsights.get_shared_keys_output(resource_group_name=keys_group, workspace_name=keys_name)
        self.workspace = WorkspaceRef(
            id=workspace_id,
            customer_id=customer_id,
            shared_key=pulumi.Output.secret(keys.primary_shared_key.apply(lambda k: k or "")),
        )
        self.register_outputs({"workspaceId": workspace_id, "customerId": customer_id})


def send_diagnostics(
    name: str,
    resource_id: pulumi.Input[str],
    workspace: WorkspaceRef,
    parent: pulumi.Resource,
    categories: Sequence[str] = (),
) -> monitor.DiagnosticSetting:
    """Route a resource's logs (every category, or only `categories` where all would cost too much) and all its
    metrics to the workspace (what security reviews ask)."""
    logs = [monitor.DiagnosticsLogSettingsArgs(category=c, enabled=True) for c in categories] or [
        monitor.DiagnosticsLogSettingsArgs(category_group="allLogs", enabled=True)
    ]
    return monitor.DiagnosticSetting(
        name,
        name="to-log-analytics",
        resource_uri=resource_id,
        workspace_id=workspace.id,
        logs=logs,
        metrics=[monitor.DiagnosticsMetricSettingsArgs(category="AllMetrics", enabled=True)],
        opts=pulumi.ResourceOptions(parent=parent),
    )
