"""The Speech resource the containers bill against, and its keys as Pulumi secrets."""

from __future__ import annotations

import pulumi
import pulumi_azure_native.cognitiveservices as cognitiveservices

from components.args import KeyName
from components.azure.monitoring import send_diagnostics
from components.azure.naming import unique_name
from components.config.model import NetworkRules, SpeechConfig
from components.hosting import WorkspaceRef


def network_acls(rules: NetworkRules) -> cognitiveservices.NetworkRuleSetArgs:
    """Deny by default once IP ranges are listed (or public access is off); allow otherwise."""
    restricted = bool(rules.allowed_ip_ranges) or not rules.public_access
    return cognitiveservices.NetworkRuleSetArgs(
        default_action="Deny" if restricted else "Allow",
        ip_rules=[cognitiveservices.IpRuleArgs(value=cidr) for cidr in rules.allowed_ip_ranges],
    )


class SpeechAccount(pulumi.ComponentResource):
    """A Cognitive Services account of kind SpeechServices.

    Local (key) auth stays enabled: the containers authenticate to billing with `ApiKey` only, so turning
    keys off would stop every container. Keys are kept in Key Vault and rotated instead.
    """

    id: pulumi.Output[str]
    name: pulumi.Output[str]
    endpoint: pulumi.Output[str]
    #: The key named by `speech.activeKey`, as a Pulumi secret (listKeys results are not secret by themselves).
    active_key: pulumi.Output[str]

    def __init__(
        self,
        name: str,
        resource_group_name: pulumi.Output[str],
        location: str,
        settings: SpeechConfig,
        tags: dict[str, str],
        workspace: WorkspaceRef,
        opts: pulumi.ResourceOptions | None = None,
    ) -> None:
        super().__init__("speech-containers:speech:SpeechAccount", name, None, opts)
        account_name = settings.account_name or unique_name("speech", resource_group_name, 64)
        account = cognitiveservices.Account(
            f"{name}-account",
            account_name=account_name,
            resource_group_name=resource_group_name,
            location=location,
            kind="SpeechServices",
            sku=cognitiveservices.SkuArgs(name=settings.sku),
            identity=cognitiveservices.IdentityArgs(type=cognitiveservices.ResourceIdentityType.SYSTEM_ASSIGNED),
            properties=cognitiveservices.AccountPropertiesArgs(
                custom_sub_domain_name=settings.custom_subdomain or account_name,
                disable_local_auth=False,
                # Soft delete keeps a deleted account's name for 48 hours; `speech.restoreDeleted` takes it back.
                restore=True if settings.restore_deleted else None,
                public_network_access="Enabled" if settings.network.public_access else "Disabled",
                network_acls=network_acls(settings.network),
            ),
            tags=tags,
            opts=pulumi.ResourceOptions(parent=self),
        )
        send_diagnostics(f"{name}-diagnostics", account.id, workspace, self)
        keys = cognitiveservices.list_account_keys_output(
            account_name=account.name, resource_group_name=resource_group_name
        )
        chosen = keys.key1 if settings.active_key is KeyName.KEY1 else keys.key2
        self.id = account.id
        self.name = account.name
        self.endpoint = account.properties.apply(lambda p: p.endpoint or "")
        self.active_key = pulumi.Output.secret(chosen.apply(lambda k: k or ""))
        self.register_outputs({"id": self.id, "endpoint": self.endpoint})
