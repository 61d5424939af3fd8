"""The HTTP proxy on AKS: the Secret with its credentials, which every Speech pod reads as `HTTP_PROXY_CREDS`
(components/aks/pods.py), so the credentials never appear in a pod spec; Pulumi keeps them encrypted in state.
"""

from __future__ import annotations

import pulumi
import pulumi_kubernetes as k8s

from components import catalog
from components.aks.pods import PROXY_SECRET, PROXY_SECRET_KEY
from components.config.lockdown import ProxyConfig


def proxy_secret(
    name: str, namespace: pulumi.Input[str], proxy: ProxyConfig | None, provider: k8s.Provider, parent: pulumi.Resource
) -> k8s.core.v1.Secret | None:
    """The Secret `speech-proxy` (None without a proxy or without credentials)."""
    if proxy is None or proxy.credentials is None:
        return None
    return k8s.core.v1.Secret(
        f"{name}-proxy",
        metadata={
            "name": PROXY_SECRET,
            "namespace": namespace,
            "labels": {"app.kubernetes.io/part-of": catalog.AKS.part_of},
        },
        type="Opaque",
        string_data={PROXY_SECRET_KEY: pulumi.Output.secret(proxy.credentials)},
        opts=pulumi.ResourceOptions(parent=parent, provider=provider),
    )
