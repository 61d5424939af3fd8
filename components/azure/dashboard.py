"""`SpeechDashboard`: an Azure Monitor workbook over the stack's workspace, one section per deployment: replicas
running, restarts, CPU and memory against the requests, request log lines, billing health, and the key's age.

The workbook's JSON (`serializedData`, schema `Notebook/1.0`): text items (type 1) and log query items (type 3,
`KqlItem/1.0`) scoped to the workspace, as the workbook ARM examples write them
(https://learn.microsoft.com/azure/azure-monitor/visualize/workbooks-automate, read 2026-12-02). Tables and
columns are those of components/azure/log_tables.py.
"""

from __future__ import annotations

import json
import uuid
from collections.abc import Sequence
from typing import Any

import pulumi
import pulumi_azure_native.applicationinsights as applicationinsights

from components.args import Host
from components.azure.alert_rules import BILLING_PHRASE, BILLING_WORDS, Stamps
from components.azure.log_tables import ACI_EVENTS, ACI_LOGS, AKS_LOGS, PERF, PODS
from components.config.model import ContainerConfig

TYPE_TOKEN = "speech-containers:monitoring:SpeechDashboard"
#: ASP.NET Core's hosting log line for each request (logged at Information): an activity proxy, not a meter.
REQUEST_LINE = "Request starting"


def _text(markdown: str) -> dict[str, Any]:
    return {"type": 1, "content": {"json": markdown}}


def _query(title: str, query: str, chart: str = "timechart") -> dict[str, Any]:
    return {
        "type": 3,
        "content": {
            "version": "KqlItem/1.0",
            "query": query,
            "size": 0,
            "title": title,
            "timeContext": {"durationMs": 86400000},
            "queryType": 0,
            "resourceType": "microsoft.operationalinsights/workspaces",
            "visualization": chart,
        },
    }


def aks_queries(container: ContainerConfig, namespace: str) -> list[tuple[str, str, str]]:
    """(title, query, visualization) of one AKS deployment."""
    name, ns = json.dumps(container.name), json.dumps(namespace)
    pods = f'{PODS}\n| where Namespace == {ns}\n| where tostring(split(ContainerName, "/")[1]) == {name}\n'
    size = container.size
    usage = f'{PERF}\n| where ObjectName == "K8SContainer"\n| where InstanceName endswith strcat("/", {name})\n'
    return [
        (
            "Replicas running",
            pods + '| where PodStatus == "Running"\n| summarize replicas = dcount(Name) by bin(TimeGenerated, 5m)',
            "timechart",
        ),
        (
            "Restarts",
            pods + "| summarize restarts = max(ContainerRestartCount) - min(ContainerRestartCount) "
            "by Name, bin(TimeGenerated, 15m)\n| summarize restarts = sum(restarts) by bin(TimeGenerated, 15m)",
            "barchart",
        ),
        (
            f"CPU (cores) against the request of {size.cpu:g}",
            usage + '| where CounterName == "cpuUsageNanoCores"\n'
            f"| summarize cores = max(CounterValue) / 1e9, request = {size.cpu:g} by bin(TimeGenerated, 5m)",
            "timechart",
        ),
        (
            f"Memory (GB) against the request of {size.memory_gb:g}",
            usage + '| where CounterName == "memoryWorkingSetBytes"\n'
            f"| summarize gigabytes = max(CounterValue) / 1073741824.0, request = {size.memory_gb:g} "
            "by bin(TimeGenerated, 5m)",
            "timechart",
        ),
        (
            "Request log lines (where the container logs them)",
            f"{AKS_LOGS}\n| where PodNamespace == {ns} and ContainerName == {name}\n"
            f'| where tostring(LogMessage) has "{REQUEST_LINE}"\n'
            "| summarize requests = count() by bin(TimeGenerated, 5m)",
            "timechart",
        ),
        (
            "Billing errors",
            f"{AKS_LOGS}\n| where PodNamespace == {ns} and ContainerName == {name}\n"
            f"| extend message = tostring(LogMessage)\n{_billing_filter()}\n"
            "| summarize failures = count() by bin(TimeGenerated, 15m)",
            "barchart",
        ),
    ]


def aci_queries(container: ContainerConfig, groups: Sequence[str]) -> list[tuple[str, str, str]]:
    """(title, query, visualization) of one ACI deployment (ACI's CPU and memory are metrics, not logs)."""
    names = ", ".join(json.dumps(g) for g in groups)
    name = json.dumps(container.name)
    events = f"{ACI_EVENTS}\n| where ContainerGroup_s in ({names}) and ContainerName_s == {name}\n"
    return [
        (
            "Replicas whose latest event is 'Started'",
            events + "| summarize arg_max(TimeGenerated, Message) by ContainerGroup_s\n"
            '| summarize running = countif(Message startswith "Started"), replicas = count()',
            "table",
        ),
        (
            "Restarts (Killing events)",
            events + '| where Message startswith "Killing"\n| summarize restarts = count() by bin(TimeGenerated, 15m)',
            "barchart",
        ),
        (
            "Request log lines (where the container logs them)",
            f"{ACI_LOGS}\n| where ContainerGroup_s in ({names})\n"
            f'| where Message has "{REQUEST_LINE}"\n| summarize requests = count() by bin(TimeGenerated, 5m)',
            "timechart",
        ),
        (
            "Billing errors",
            f"{ACI_LOGS}\n| where ContainerGroup_s in ({names})\n| extend message = tostring(Message)\n"
            f"{_billing_filter()}\n| summarize failures = count() by bin(TimeGenerated, 15m)",
            "barchart",
        ),
    ]


def _billing_filter() -> str:
    words = ", ".join(json.dumps(w) for w in BILLING_WORDS)
    return f'| where message has "{BILLING_PHRASE}" or message has_any ({words})'


def key_age_query(stamps: Stamps) -> str:
    set_at = f"datetime({stamps.key_set_at})" if stamps.key_set_at else "now()"
    return f'print keySetAt = {set_at}\n| extend ageDays = datetime_diff("day", now(), keySetAt)'


def workbook(
    host: Host,
    containers: Sequence[ContainerConfig],
    namespace: str | None,
    groups: dict[str, list[str]],
    stamps: Stamps,
    workspace_id: str,
) -> dict[str, Any]:
    """The workbook document: a section per deployment, then the key's age."""
    items: list[dict[str, Any]] = [
        _text("# Speech containers\nAlerts and their runbook: README.md, section *Alerts runbook*.")
    ]
    for container in containers:
        size = container.size
        items.append(
            _text(
                f"## {container.name} ({container.kind.value})\nReplicas {container.replicas}-"
                f"{container.max_replicas}; each requests {size.cpu:g} cores and {size.memory_gb:g} GB."
                + (
                    ""
                    if host is Host.AKS
                    else "\nACI CPU and memory: the container groups' metrics CpuUsage and "
                    "MemoryUsage (portal: each group's Metrics)."
                )
            )
        )
        queries = (
            aks_queries(container, namespace or "")
            if host is Host.AKS
            else aci_queries(container, groups.get(container.name, []))
        )
        items += [_query(title, query, chart) for title, query, chart in queries]
    items.append(_query("Speech key age (days since the stack last set it)", key_age_query(stamps), "table"))
    return {"version": "Notebook/1.0", "items": items, "fallbackResourceIds": [workspace_id]}


def workbook_id(stack: str, name: str) -> str:
    """The workbook's resource name: a GUID, stable for the stack (Azure requires a GUID)."""
    return str(uuid.uuid5(uuid.NAMESPACE_URL, f"speech-containers/{stack}/{name}"))


class SpeechDashboard(pulumi.ComponentResource):
    """The workbook, shared in the stack's resource group."""

    def __init__(
        self,
        name: str,
        resource_group_name: pulumi.Input[str],
        location: str,
        document: pulumi.Output[dict[str, Any]],
        workspace_id: pulumi.Input[str],
        tags: dict[str, str],
        opts: pulumi.ResourceOptions | None = None,
    ) -> None:
        super().__init__(TYPE_TOKEN, name, None, opts)
        book = applicationinsights.Workbook(
            f"{name}-workbook",
            resource_name_=workbook_id(pulumi.get_stack(), name),
            resource_group_name=resource_group_name,
            location=location,
            kind="shared",
            category="workbook",
            display_name=f"Speech containers ({pulumi.get_stack()})",
            serialized_data=document.apply(json.dumps),
            source_id=workspace_id,
            version="Notebook/1.0",
            tags=tags,
            opts=pulumi.ResourceOptions(parent=self),
        )
        self.register_outputs({"workbookId": book.id})
