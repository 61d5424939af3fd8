"""Key Vault for the Speech key and billing endpoint: RBAC-only, soft delete, purge protection.

The API key secret is written once by the stack and then owned by the rotation command: Pulumi ignores
later changes to its value and tags, so `pulumi up` never resets a rotated key back to key1.
"""

from __future__ import annotations

import pulumi
import pulumi_azure_native.authorization as authorization
import pulumi_azure_native.keyvault as keyvault
import pulumiverse_time as time

from components.azure.account import SpeechAccount
from components.azure.monitoring import send_diagnostics
from components.azure.naming import unique_name
from components.azure.roles import grant
from components.catalog import KEY_NAME_TAG, Role
from components.config.model import KeyVaultConfig, Principal
from components.hosting import VaultRef, WorkspaceRef

#: Rotation's state lives in these (the key, its tags, its expiry); the stack must not reset them.
ROTATION_OWNED = ["properties.value", "properties.attributes", "tags"]


class SpeechKeyVault(pulumi.ComponentResource):
    """The vault, its two secrets, and the role assignments of whoever reads or rotates them."""

    ref: VaultRef

    def __init__(
        self,
        name: str,
        resource_group_name: pulumi.Output[str],
        location: str,
        settings: KeyVaultConfig,
        account: SpeechAccount,
        tags: dict[str, str],
        workspace: WorkspaceRef,
        active_key_name: str,
        opts: pulumi.ResourceOptions | None = None,
    ) -> None:
        super().__init__("speech-containers:vault:SpeechKeyVault", name, None, opts)
        child = pulumi.ResourceOptions(parent=self)
        tenant_id = authorization.get_client_config_output().tenant_id
        restricted = bool(settings.network.allowed_ip_ranges) or not settings.network.public_access
        vault = keyvault.Vault(
            f"{name}-vault",
            vault_name=settings.name or unique_name("kv", resource_group_name, 24),
            resource_group_name=resource_group_name,
            location=location,
            properties=keyvault.VaultPropertiesArgs(
                tenant_id=tenant_id,
                sku=keyvault.SkuArgs(family="A", name=keyvault.SkuName.STANDARD),
                enable_rbac_authorization=True,
                # A deleted vault keeps its name for its retention period; `keyVault.recoverDeleted` takes it back.
                create_mode=keyvault.CreateMode.RECOVER if settings.recover_deleted else None,
                enable_soft_delete=True,
                soft_delete_retention_in_days=settings.soft_delete_retention_days,
                # Purge protection cannot be turned off once on, so "off" means leaving it unset.
                enable_purge_protection=True if settings.purge_protection else None,
                public_network_access="Enabled" if settings.network.public_access else "Disabled",
                network_acls=keyvault.NetworkRuleSetArgs(
                    default_action="Deny" if restricted else "Allow",
                    bypass="AzureServices",
                    ip_rules=[keyvault.IPRuleArgs(value=cidr) for cidr in settings.network.allowed_ip_ranges],
                ),
            ),
            tags=tags,
            opts=child,
        )
        send_diagnostics(f"{name}-diagnostics", vault.id, workspace, self)
        keyvault.Secret(
            f"{name}-api-key",
            secret_name=settings.api_key_secret_name,
            vault_name=vault.name,
            resource_group_name=resource_group_name,
            properties=keyvault.SecretPropertiesArgs(
                value=account.active_key,
                content_type="text/plain",
                attributes=self._expiry(name, settings.api_key_expiry_days),
            ),
            tags={**tags, KEY_NAME_TAG: active_key_name},
            opts=pulumi.ResourceOptions(parent=self, ignore_changes=ROTATION_OWNED),
        )
        keyvault.Secret(
            f"{name}-billing-endpoint",
            secret_name=settings.billing_endpoint_secret_name,
            vault_name=vault.name,
            resource_group_name=resource_group_name,
            properties=keyvault.SecretPropertiesArgs(value=account.endpoint, content_type="text/uri-list"),
            tags=tags,
            opts=child,
        )
        self._grant_all("reader", settings.secret_readers, Role.KEY_VAULT_SECRETS_USER, vault.id)
        self._grant_all("rotator", settings.rotation_operators, Role.KEY_VAULT_SECRETS_OFFICER, vault.id)
        self._grant_all("rotator-account", settings.rotation_operators, Role.COGNITIVE_SERVICES_CONTRIBUTOR, account.id)
        self.ref = VaultRef(
            id=vault.id,
            name=vault.name,
            uri=vault.properties.apply(lambda p: p.vault_uri or ""),
            tenant_id=tenant_id,
            api_key_secret_name=settings.api_key_secret_name,
            billing_endpoint_secret_name=settings.billing_endpoint_secret_name,
        )
        self.register_outputs({"vaultId": vault.id, "vaultUri": self.ref.uri})

    def _expiry(self, name: str, days: int) -> keyvault.SecretAttributesArgs | None:
        """The first version's expiry, fixed when the secret is created (the rotation command sets later ones)."""
        if not days:
            return None
        expires = time.Offset(f"{name}-api-key-expiry", offset_days=days, opts=pulumi.ResourceOptions(parent=self))
        return keyvault.SecretAttributesArgs(expires=expires.unix)

    def _grant_all(self, label: str, principals: tuple[Principal, ...], role: Role, scope: pulumi.Input[str]) -> None:
        for principal in principals:
            grant(
                f"{self._name}-{label}-{principal.object_id[:8]}",
                role,
                principal.object_id,
                principal.type.value,
                scope,
                self,
            )
