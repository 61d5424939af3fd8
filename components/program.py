"""The Pulumi program: parse the stack config, build the Speech platform, export what users need."""

from __future__ import annotations

import pulumi
import pulumi_azure_native.resources as resources

from components import config as config_module
from components.config import Host, StackConfig
from components.hosting import HostInputs
from components.key_vault import SpeechKeyVault
from components.monitoring import LogAnalytics
from components.private_link import PrivateLink
from components.speech_account import SpeechAccount


def build(settings: StackConfig) -> None:
    """Register every resource for these settings and export the stack outputs."""
    stack = pulumi.get_stack()
    tags = {"managed-by": "pulumi", "app": "speech-containers", "stack": stack, **dict(settings.tags)}
    if settings.resource_group_name:
        group_name: pulumi.Output[str] = pulumi.Output.from_input(settings.resource_group_name)
    else:
        group = resources.ResourceGroup(
            "speech-rg",
            resource_group_name=f"rg-speech-containers-{stack}",
            location=settings.location,
            tags=tags,
        )
        group_name = group.name

    logs = LogAnalytics("speech-logs", group_name, settings.location, settings.log_analytics, tags)
    account = SpeechAccount("speech", group_name, settings.location, settings.speech, tags, logs.workspace)
    vault = SpeechKeyVault(
        "speech-vault",
        group_name,
        settings.location,
        settings.key_vault,
        account,
        tags,
        logs.workspace,
        settings.speech.active_key.value,
    )
    if settings.private_endpoints is not None:
        links = settings.private_endpoints
        PrivateLink(
            "speech-account-link",
            account.id,
            "account",
            links.subnet_id,
            links.speech_dns_zone_id,
            group_name,
            settings.location,
            tags,
        )
        PrivateLink(
            "speech-vault-link",
            vault.ref.id,
            "vault",
            links.subnet_id,
            links.vault_dns_zone_id,
            group_name,
            settings.location,
            tags,
        )
    inputs = HostInputs(
        resource_group_name=group_name,
        location=settings.location,
        containers=settings.containers,
        tags=tags,
        billing_endpoint=account.endpoint,
        api_key=account.active_key,
        active_key_name=settings.speech.active_key.value,
        vault=vault.ref,
        workspace=logs.workspace,
        preflight=settings.preflight,
    )
    if settings.host is Host.ACI:
        from components.aci_host import AciHost

        assert settings.aci is not None
        aci_host = AciHost("speech-aci", inputs, settings.aci)
        host_endpoints = aci_host.endpoints
        pulumi.export("aciRolloutBatches", aci_host.rollout_batches)
        if aci_host.self_signed_certificate is not None:
            pulumi.export("tlsCertificate", aci_host.self_signed_certificate)
    else:
        from components.aks_host import AksHost

        assert settings.aks is not None
        aks = AksHost("speech-aks", inputs, settings.aks)
        host_endpoints = aks.endpoints
        pulumi.export("kubernetesNamespace", aks.namespace)

    pulumi.export("host", settings.host.value)
    # The key this `pulumi up` injected (ACI) or seeded the vault with; rotation compares it with the vault's tag.
    pulumi.export("activeKey", settings.speech.active_key.value)
    pulumi.export("resourceGroupName", group_name)
    pulumi.export("speechAccountId", account.id)
    pulumi.export("speechEndpoint", account.endpoint)
    pulumi.export("keyVaultUri", vault.ref.uri)
    pulumi.export("apiKeySecretName", vault.ref.api_key_secret_name)
    pulumi.export("billingEndpointSecretName", vault.ref.billing_endpoint_secret_name)
    pulumi.export("containers", host_endpoints)


def main() -> None:
    """Entry point of `__main__.py`: validation happens before any resource is registered."""
    build(config_module.load())
