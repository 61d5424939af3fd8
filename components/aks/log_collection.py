"""Container insights on a cluster the stack creates: container logs go to `ContainerLogV2`, the table the alerts
and the dashboard query.

ContainerLogV2 is the default only for clusters onboarded with managed identity authentication; the add-on here is
configured with the workspace id alone. "Enable the ContainerLogV2 schema for a cluster either using the cluster's
log profile or ConfigMap ... If both settings are enabled, the ConfigMap takes precedence", and "Support for the
ContainerLog table will be retired on 30th September 2026"
(https://learn.microsoft.com/azure/azure-monitor/containers/container-insights-logs-schema, read 2026-12-02). The
agent's ConfigMap is `container-azm-ms-agentconfig` in `kube-system`, setting
`[log_collection_settings.schema] containerlog_schema_version = "v2"`, config schema-version `v1`
(https://learn.microsoft.com/azure/azure-monitor/containers/kubernetes-data-collection-configmap). The other log
settings keep their documented defaults (stdout and stderr from every namespace but kube-system and
gatekeeper-system). An existing cluster's agent configuration is left alone: the README says to enable v2 there.
"""

from __future__ import annotations

from typing import Final

import pulumi
import pulumi_kubernetes as k8s

CONFIG_MAP: Final = "container-azm-ms-agentconfig"
SETTINGS: Final = """[log_collection_settings]
   [log_collection_settings.stdout]
      enabled = true
      exclude_namespaces = ["kube-system","gatekeeper-system"]
   [log_collection_settings.stderr]
      enabled = true
      exclude_namespaces = ["kube-system","gatekeeper-system"]
   [log_collection_settings.schema]
      containerlog_schema_version = "v2"
"""


def container_log_v2(name: str, provider: k8s.Provider, parent: pulumi.Resource) -> k8s.core.v1.ConfigMap:
    """The agent ConfigMap selecting ContainerLogV2 (the agent pods restart to apply it)."""
    return k8s.core.v1.ConfigMap(
        f"{name}-container-log-v2",
        metadata={"name": CONFIG_MAP, "namespace": "kube-system"},
        data={"schema-version": "v1", "config-version": "speech-v2", "log-data-collection-settings": SETTINGS},
        opts=pulumi.ResourceOptions(parent=parent, provider=provider),
    )
