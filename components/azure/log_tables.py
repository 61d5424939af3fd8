"""The Log Analytics tables the hosts' diagnostics produce, with the columns our queries may use, each from its source.

A query's PascalCase identifiers (outside string literals) must be columns of the tables it reads, or those
tables: `check_columns` says which are not. Names our queries compute are camelCase, so they never collide.
Sources (read 2026-12-02):
- ACI with `diagnostics.logAnalytics` (log type ContainerInsights) writes `ContainerInstanceLog_CL` and
  `ContainerEvent_CL`: https://learn.microsoft.com/azure/container-instances/container-instances-log-analytics
  ("Log schema") and https://learn.microsoft.com/azure/container-instances/monitor-azure-container-instances-reference
  (there `Reason_s` is "Empty", so no query relies on it).
- AKS with the Container insights add-on: container logs in `ContainerLogV2` ("the default table for customers who
  onboard Container insights with managed identity authentication"; the `ContainerLog` table's support "will be
  retired on 30th September 2026"; with the legacy agent auth the ConfigMap setting
  `[log_collection_settings.schema] containerlog_schema_version = "v2"` selects it):
  https://learn.microsoft.com/azure/azure-monitor/containers/container-insights-logs-schema and
  https://learn.microsoft.com/azure/azure-monitor/containers/kubernetes-data-collection-configmap.
  `KubePodInventory`, `KubeNodeInventory`, `InsightsMetrics` (HPA: `kube_hpa_status_current_replicas` with tags
  `k8sNamespace`, `targetName`, `spec_max_replicas`, `status_desired_replicas`) and `Perf` (`K8SContainer`,
  `cpuUsageNanoCores`, `memoryWorkingSetBytes`): the columns Microsoft's own queries use in
  https://learn.microsoft.com/azure/azure-monitor/containers/container-insights-log-query. `ContainerStatusReason`
  and `ContainerLastStatus` are read through `columnifexists` (Microsoft's queries do so for the first).
- `KubeEvents` (the Kubernetes events Container insights collects: `ObjectKind`, `Name`, `Namespace`, `Reason`,
  `KubeEventType`, `Message`, ... from the event's involvedObject, reason, type and message):
  https://learn.microsoft.com/azure/azure-monitor/reference/tables/kubeevents. Events of type Normal are not
  collected unless the ConfigMap sets `[log_collection_settings.collect_all_kube_events] enabled = true`:
  https://learn.microsoft.com/azure/azure-monitor/containers/kubernetes-data-collection-configmap.
"""

from __future__ import annotations

import re
from typing import Final

ACI_LOGS: Final = "ContainerInstanceLog_CL"
ACI_EVENTS: Final = "ContainerEvent_CL"
AKS_LOGS: Final = "ContainerLogV2"
PODS: Final = "KubePodInventory"
NODES: Final = "KubeNodeInventory"
KUBE_EVENTS: Final = "KubeEvents"
INSIGHTS_METRICS: Final = "InsightsMetrics"
PERF: Final = "Perf"

#: Columns per table (only those documented at the sources above).
COLUMNS: Final[dict[str, frozenset[str]]] = {
    ACI_LOGS: frozenset(
        {
            "Computer",
            "ContainerGroup_s",
            "ContainerID_s",
            "ContainerImage_s",
            "Location_s",
            "Message",
            "OSType_s",
            "ResourceGroup",
            "Source_s",
            "SubscriptionId",
            "TimeGenerated",
            "Type",
            "_ResourceId",
        }
    ),
    ACI_EVENTS: frozenset(
        {
            "ContainerGroupInstanceId_g",
            "ContainerGroup_s",
            "ContainerName_s",
            "Count_d",
            "FirstTimestamp_t",
            "Location_s",
            "Message",
            "ResourceGroup",
            "TimeGenerated",
            "Type",
            "_ResourceId",
        }
    ),
    AKS_LOGS: frozenset(
        {"TimeGenerated", "Computer", "ContainerId", "ContainerName", "PodName", "PodNamespace", "LogMessage"}
        | {"LogSource", "LogLevel", "KubernetesMetadata", "_ResourceId"}
    ),
    PODS: frozenset(
        {"TimeGenerated", "ClusterId", "ClusterName", "Namespace", "ServiceName", "ControllerName", "ControllerKind"}
        | {"Computer", "Name", "ContainerName", "ContainerID", "ContainerCreationTimeStamp", "ContainerRestartCount"}
        | {"ContainerStatus", "PodStatus", "PodUid", "PodLabel", "_ResourceId"}
    ),
    NODES: frozenset({"TimeGenerated", "ClusterId", "ClusterName", "Computer", "Status", "Labels"}),
    KUBE_EVENTS: frozenset(
        {"TimeGenerated", "ClusterId", "ClusterName", "Computer", "Namespace", "Name", "ObjectKind", "Reason"}
        | {"KubeEventType", "Message", "Count", "FirstSeen", "LastSeen", "SourceComponent", "SourceSystem"}
        | {"_ResourceId"}
    ),
    INSIGHTS_METRICS: frozenset({"TimeGenerated", "Name", "Tags", "Val", "_ResourceId"}),
    PERF: frozenset({"TimeGenerated", "ObjectName", "CounterName", "CounterValue", "InstanceName", "Computer"}),
}

_STRING: Final = re.compile(r'@?"(?:[^"\\]|\\.)*"|@?\'(?:[^\'\\]|\\.)*\'')
_PASCAL: Final = re.compile(r"(?<![\w.])_?[A-Z][A-Za-z0-9_]*")


def tables_of(query: str) -> set[str]:
    """The known tables a query reads."""
    text = _STRING.sub('""', query)
    return {table for table in COLUMNS if re.search(rf"(?<![\w.]){re.escape(table)}(?![\w])", text)}


def check_columns(query: str) -> list[str]:
    """The PascalCase names in `query` (outside strings) that are neither a table it reads nor a column of one."""
    text = _STRING.sub('""', query)
    tables = tables_of(query)
    known = set(tables).union(*(COLUMNS[t] for t in tables)) if tables else set()
    return sorted({name for name in _PASCAL.findall(text) if name not in known})
