"""What the daemonsets on every Speech node request: the scheduler subtracts it from each node before Speech pods.

Each entry gives its requests and where they come from; where the vendor publishes none, the number is marked an
estimate. The stack always enables the first three add-ons on a cluster it creates (components/aks/cluster.py), and
an existing cluster must have the secrets driver; sizing assumes all of them, which errs on the safe side.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Final

from components.catalog.containers import READ_ON, Size, Source


@dataclass(frozen=True)
class NodeDaemonSet:
    """A daemonset's requests on each node (all its containers), the source, and whether the number is an estimate."""

    name: str
    requests: Size
    source: Source
    estimate: bool = False


_MI: Final = 1 / 1024

#: Secrets Store CSI driver (driver 50m/100Mi, node-driver-registrar 10m/20Mi, liveness probe 10m/20Mi) and its
#: Azure Key Vault provider (50m/100Mi): the charts' default requests, as the AKS add-on runs them.
SECRETS_STORE_CSI: Final = NodeDaemonSet(
    "secrets-store-csi-driver + provider-azure",
    Size(0.12, 240 * _MI),
    Source(
        "https://github.com/kubernetes-sigs/secrets-store-csi-driver/blob/main/charts/secrets-store-csi-driver/"
        "values.yaml; https://github.com/Azure/secrets-store-csi-driver-provider-azure/blob/master/charts/"
        "csi-secrets-store-provider-azure/values.yaml",
        "linux.driver 50m/100Mi, registrar 10m/20Mi, livenessProbe 10m/20Mi; provider 50m/100Mi",
        READ_ON,
    ),
)
#: Container insights' ama-logs daemonset: the agent (75m/325Mi) and its prometheus sidecar (75m/225Mi), from
#: Microsoft's manifest.
MONITORING_AGENT: Final = NodeDaemonSet(
    "ama-logs (Container insights)",
    Size(0.15, 550 * _MI),
    Source(
        "https://github.com/microsoft/Docker-Provider/blob/ci_prod/kubernetes/ama-logs.yaml",
        "ama-logs 75m/325Mi, ama-logs-prometheus 75m/225Mi",
        READ_ON,
    ),
)
#: The Cilium agent of AKS's Cilium dataplane. AKS does not publish the requests of its managed Cilium and Cilium's
#: chart sets none by default: an estimate.
CILIUM_AGENT: Final = NodeDaemonSet(
    "cilium (Azure CNI powered by Cilium)",
    Size(0.1, 300 * _MI),
    Source(
        "https://learn.microsoft.com/azure/aks/azure-cni-powered-by-cilium",
        "estimate: no published requests for the managed agent",
        READ_ON,
    ),
    estimate=True,
)
#: What AKS runs on every node by itself: cloud-node-manager, the Azure Disk and Azure Files CSI node plugins, CNS,
#: ip-masq-agent (kube-proxy only without Cilium). Their requests vary by AKS version: an estimate.
AKS_NODE_COMPONENTS: Final = NodeDaemonSet(
    "AKS node components (cloud-node-manager, disk/file CSI nodes, CNS, ip-masq-agent)",
    Size(0.3, 0.6),
    Source(
        "https://learn.microsoft.com/azure/aks/node-resource-reservations",
        "estimate: AKS does not publish a total for its kube-system daemonsets",
        READ_ON,
    ),
    estimate=True,
)
#: Every daemonset sizing subtracts from a Speech node.
NODE_DAEMONSETS: Final = (AKS_NODE_COMPONENTS, SECRETS_STORE_CSI, CILIUM_AGENT, MONITORING_AGENT)
#: Their sum: what each node loses to daemonsets before Speech pods.
NODE_DAEMONSET_OVERHEAD: Final = Size(
    round(sum(d.requests.cpu for d in NODE_DAEMONSETS), 3), round(sum(d.requests.memory_gb for d in NODE_DAEMONSETS), 3)
)
