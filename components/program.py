"""The stack program: stack config -> `SpeechContainersArgs` -> one `SpeechContainers`, and the stack outputs."""

from __future__ import annotations

import pulumi

from components import config
from components.args import SpeechContainersArgs
from components.speech_containers import SpeechContainers

#: The component's name in stacks; its children's names (and so every URN) derive from it.
PLATFORM_NAME = "speech"

#: Stack output name -> component output (stable names: the rotation command and users read them).
STACK_OUTPUTS = {
    "host": "host",
    "activeKey": "active_key",
    "resourceGroupName": "resource_group_name",
    "speechAccountId": "speech_account_id",
    "speechEndpoint": "speech_endpoint",
    "keyVaultUri": "key_vault_uri",
    "apiKeySecretName": "api_key_secret_name",
    "billingEndpointSecretName": "billing_endpoint_secret_name",
    "apiKeyExpiryDays": "api_key_expiry_days",
    "containers": "deployments",
    "kubernetesNamespace": "kubernetes_namespace",
    "gatewayAddress": "gateway_address",
    "aciRolloutBatches": "aci_rollout_batches",
    "aciFront": "aci_front",
    "tlsCertificate": "tls_certificate",
    "preflight": "preflight",
    "disconnectedLicense": "disconnected_license",
}


def build(args: SpeechContainersArgs) -> SpeechContainers:
    """Register the platform for these args and export the stack outputs (those the host has)."""
    platform = SpeechContainers(PLATFORM_NAME, args)
    for output, attribute in STACK_OUTPUTS.items():
        value = getattr(platform, attribute)
        if value is not None:
            pulumi.export(output, value)
    return platform


def main() -> None:
    """Entry point of `__main__.py`: the stack's config is checked before any resource is registered."""
    build(config.load())
