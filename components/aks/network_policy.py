"""Network policy for the Speech pods: who may connect to them, and where they may connect.

The containers have no authentication of their own, so only pods in the cluster (the ingress controller,
in-cluster clients) and, with `aks.gateway`, Application Gateway for Containers' subnet may reach their ports
(catalog.CONTAINER_PORTS: 5000, and 5003 for language identification); outbound they need DNS and HTTPS
(billing every 10-15 minutes) and nothing else. New clusters run Cilium, which enforces it; on an existing cluster
it needs a policy engine.
"""

from __future__ import annotations

import pulumi
import pulumi_kubernetes as k8s

from components import catalog

POLICY_NAME = "speech-containers"
DNS_PORT = 53


class SpeechNetworkPolicy(pulumi.ComponentResource):
    """One NetworkPolicy for every pod that is part of speech-containers (workloads and the preflight Job)."""

    def __init__(
        self,
        name: str,
        namespace: pulumi.Output[str],
        provider: k8s.Provider,
        opts: pulumi.ResourceOptions | None = None,
        gateway_range: pulumi.Input[str] | None = None,
        proxy_port: int | None = None,
    ) -> None:
        super().__init__("speech-containers:aks:SpeechNetworkPolicy", name, None, opts)
        part_of = {"app.kubernetes.io/part-of": catalog.AKS.part_of}
        ports: list[k8s.networking.v1.NetworkPolicyPortArgsDict] = [
            {"protocol": "TCP", "port": port} for port in catalog.CONTAINER_PORTS
        ]
        ingress: list[k8s.networking.v1.NetworkPolicyIngressRuleArgsDict] = [
            {"from_": [{"namespace_selector": {}}], "ports": ports}
        ]
        if gateway_range is not None:
            # Application Gateway for Containers connects from its association subnet, outside the cluster.
            ingress.append({"from_": [{"ip_block": {"cidr": gateway_range}}], "ports": ports})
        egress: list[k8s.networking.v1.NetworkPolicyEgressRuleArgsDict] = [
            {"ports": [{"protocol": "UDP", "port": DNS_PORT}, {"protocol": "TCP", "port": DNS_PORT}]},
            {"ports": [{"protocol": "TCP", "port": catalog.TLS_PORT}]},
        ]
        if proxy_port is not None and proxy_port != catalog.TLS_PORT:
            # Billing and the preflight go through the proxy: its port, wherever it runs.
            egress.append({"ports": [{"protocol": "TCP", "port": proxy_port}]})
        spec: k8s.networking.v1.NetworkPolicySpecArgsDict = {
            "pod_selector": {"match_labels": part_of},
            "policy_types": ["Ingress", "Egress"],
            "ingress": ingress,
            "egress": egress,
        }
        k8s.networking.v1.NetworkPolicy(
            f"{name}-policy",
            metadata={"name": POLICY_NAME, "namespace": namespace, "labels": part_of},
            spec=spec,
            opts=pulumi.ResourceOptions(parent=self, provider=provider),
        )
        self.register_outputs({"policy": POLICY_NAME})
