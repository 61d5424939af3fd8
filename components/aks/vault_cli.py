"""The Azure CLI pods that read the stack's vault with the Speech pods' workload identity (the ingress certificate
check, the key-age report): how they sign in, and their one container and labels."""

from __future__ import annotations

from typing import Final

import pulumi_kubernetes as k8s

from components import catalog
from components.aks.pods import resources, variables
from components.azure.cloud import stack_cloud
from components.config.lockdown import ProxyConfig
from components.hosting import VaultRef
from components.lockdown import proxy_settings, through_proxy

#: The Azure Workload Identity webhook injects the federated token and client id into pods with this label.
WORKLOAD_IDENTITY_LABEL: Final = "azure.workload.identity/use"
#: Sign in as the pod's workload identity (the webhook's environment); then `&&` the vault command.
AZ_LOGIN: Final = (
    'az login --service-principal -u "$AZURE_CLIENT_ID" -t "$AZURE_TENANT_ID"'
    ' --federated-token "$(cat "$AZURE_FEDERATED_TOKEN_FILE")" --allow-no-subscriptions -o none'
)


def az_login() -> str:
    """Select the stack's cloud (the CLI assumes the public one), then sign in."""
    return f"az cloud set --name {stack_cloud().cli} -o none && {AZ_LOGIN}"


def vault_cli_container(
    name: str,
    script: str,
    vault: VaultRef,
    image: str = catalog.PREFLIGHT.image,
    proxy: ProxyConfig | None = None,
) -> k8s.core.v1.ContainerArgsDict:
    """A container that signs in, then runs `script` with `$VAULT` set to the vault's name (the billing
    preflight's Azure CLI image, from the stack's registry if any, and size). Behind a proxy it has the proxy's
    settings: the CLI reads HTTPS_PROXY and NO_PROXY, and takes credentials only in the proxy URL, which the shell
    builds from HTTP_PROXY_CREDS as it starts (components/lockdown.py `through_proxy`)."""
    return {
        "name": name,
        "image": image,
        "command": through_proxy(["/bin/sh", "-c", f"{az_login()} && {script}"], proxy),
        "env": [{"name": "VAULT", "value": vault.name}, *variables(proxy_settings(proxy))],
        "resources": resources(catalog.PREFLIGHT.size),
    }


def vault_cli_labels(job_name: str) -> dict[str, str]:
    """The labels of such a pod: part of speech-containers (its network policy) and signed in by the webhook."""
    return {
        "app.kubernetes.io/name": job_name,
        "app.kubernetes.io/part-of": catalog.AKS.part_of,
        WORKLOAD_IDENTITY_LABEL: "true",
    }
