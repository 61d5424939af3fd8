"""The metric alerts: platform metrics of the AKS cluster and of ACI container groups (sources in
components/azure/alert_rules.py)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Final

from components.azure.alert_rules import MetricRule, Severity, unready_minutes
from components.config.model import AlertsConfig, ContainerConfig

#: Windows metric alerts accept (ISO 8601), smallest first.
METRIC_WINDOWS: Final = (
    (1, "PT1M"),
    (5, "PT5M"),
    (15, "PT15M"),
    (30, "PT30M"),
    (60, "PT1H"),
    (360, "PT6H"),
    (720, "PT12H"),
    (1440, "P1D"),
)


def metric_window(minutes: int) -> str:
    """The smallest window a metric alert accepts that covers `minutes`."""
    return next((window for limit, window in METRIC_WINDOWS if limit >= minutes), METRIC_WINDOWS[-1][1])


def aks_metric_rules(containers: Sequence[ContainerConfig], namespace: str, settings: AlertsConfig) -> list[MetricRule]:
    """Platform metrics of the cluster: unready pods past the startup budget, and pods the pools cannot place."""
    unready = unready_minutes(containers, settings)
    window = metric_window(unready)
    window_minutes = next(limit for limit, name in METRIC_WINDOWS if name == window)
    # The share of the window a pod was unready: above unready/window means unready longer than `unready` minutes.
    share = round(min(unready, window_minutes) / window_minutes, 3)
    pending = metric_window(settings.thresholds.at_max_minutes)
    cluster = "Microsoft.ContainerService/managedClusters"
    return [
        MetricRule(
            key="unready",
            title=f"A Speech pod stayed unready over {unready} minutes",
            watches=f"kube_pod_status_ready (condition=false) per pod in {namespace}: unready for more than "
            f"{share:.0%} of {window}",
            severity=Severity.WARNING,
            target="cluster",
            namespace=cluster,
            metric="kube_pod_status_ready",
            aggregation="Average",
            operator="GreaterThan",
            threshold=share,
            window=window,
            frequency="PT5M",
            dimensions=(("namespace", (namespace,)), ("condition", ("false",)), ("pod", ("*",))),
        ),
        MetricRule(
            key="unschedulable",
            title="Speech pods cannot be scheduled (node pools at their maximum?)",
            watches=f"cluster_autoscaler_unschedulable_pods_count > 0 on average over {pending}",
            severity=Severity.WARNING,
            target="cluster",
            namespace=cluster,
            metric="cluster_autoscaler_unschedulable_pods_count",
            aggregation="Average",
            operator="GreaterThan",
            threshold=0,
            window=pending,
            frequency="PT5M",
        ),
    ]


def aci_memory_rule(container: ContainerConfig, replica: int) -> MetricRule:
    """One group's Speech container near its memory (ACI kills a container above it)."""
    limit_bytes = container.size.memory_gb * 1024**3
    return MetricRule(
        key=f"memory-{container.name}-{replica}",
        title=f"{container.name} replica {replica} uses over 90% of its memory",
        watches=f"MemoryUsage of container {container.name} > 90% of {container.size.memory_gb:g} GB for 15 minutes",
        severity=Severity.WARNING,
        target=f"{container.name}/{replica}",
        namespace="Microsoft.ContainerInstance/containerGroups",
        metric="MemoryUsage",
        aggregation="Average",
        operator="GreaterThan",
        threshold=round(0.9 * limit_bytes),
        window="PT15M",
        frequency="PT5M",
        dimensions=(("containerName", (container.name,)),),
    )


def front_unhealthy_rule(containers: Sequence[ContainerConfig], settings: AlertsConfig) -> MetricRule:
    """A member of the ACI front's pools failing its /ready probe for longer than a model takes to load (a group
    that moved to another address after a restart Azure did, an NSG in the way, a group that never comes up).
    Metric UnhealthyHostCount by BackendSettingsPool (catalog.GATEWAY_METRICS_SOURCE); the minimum over the window
    is above 0 only when some member was unhealthy all along, so a rotation's restarts do not alert."""
    window = metric_window(unready_minutes(containers, settings))
    minutes = next(limit for limit, found in METRIC_WINDOWS if found == window)
    return MetricRule(
        key="front-unhealthy",
        title=f"A member of the front's pools failed its health probe for {minutes} minutes",
        watches=f"UnhealthyHostCount of the Application Gateway per pool, above 0 for {minutes} minutes in a row",
        severity=Severity.WARNING,
        target="front",
        namespace="Microsoft.Network/applicationGateways",
        metric="UnhealthyHostCount",
        aggregation="Minimum",
        operator="GreaterThan",
        threshold=0,
        window=window,
        frequency="PT5M",
        dimensions=(("BackendSettingsPool", ("*",)),),
    )
