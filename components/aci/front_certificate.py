"""The front's TLS certificate: a Key Vault certificate the Application Gateway reads through a user-assigned identity.

ARM cannot create a Key Vault certificate: certificates are data-plane objects, and azure-native's `keyvault`
module has vaults, keys and secrets but no certificate (checked in azure-native 3.29). The classic `pulumi-azure`
provider's `keyvault.Certificate` can, but it is a second Azure provider with its own credentials to set up. So a
certificate the stack creates is written by an ARM deployment script (`Microsoft.Resources/deploymentScripts`,
azure-native `resources.AzureCliScript`) running `az keyvault certificate create` as its own identity, which holds
Key Vault Certificates Officer on the stack's vault. It only creates the certificate when it is missing, so a
renewed or reissued version is never replaced. A certificate the user brings must exist before the gateway is
updated: its backing secret is read through ARM (metadata only, never the value) and a missing one, or a plain
secret that is not a certificate, stops the update with a message saying how to fix it.

The gateway references the version-less secret id, so it picks up renewals (Key Vault's polling every four hours;
catalog.KEY_VAULT_SOURCE). Application Gateway reads only vaults in its own subscription: a vault elsewhere (another
subscription or tenant) is refused before any of the front is registered.
"""

from __future__ import annotations

import json

import pulumi
import pulumi_azure_native.authorization as authorization
import pulumi_azure_native.keyvault as keyvault
import pulumi_azure_native.managedidentity as managedidentity
import pulumi_azure_native.resources as resources

from components import catalog
from components.args import CertificateCreate
from components.azure.propagation import propagated
from components.azure.roles import grant
from components.config.front import FrontCertificate, FrontConfig
from components.hosting import HostInputs

#: The content type Key Vault gives the secret backing a certificate (PFX).
PKCS12: str = "application/x-pkcs12"
#: The Azure CLI version the deployment script runs (azure-native resources.AzureCliScript azCliVersion).
AZ_CLI_VERSION: str = "2.67.0"


class FrontCertificateError(pulumi.RunError):
    """The certificate cannot be used (missing, not a certificate, or in a vault the gateway cannot read)."""


def _vault_parts(vault_id: str) -> tuple[str, str, str]:
    """Subscription, resource group and name of a vault's ARM id."""
    parts = vault_id.split("/")
    return parts[2], parts[4], parts[-1]


def check_foreign_vault(certificate: FrontCertificate) -> str | None:
    """A vault the user names must be in the deploying subscription and tenant (Application Gateway reads no
    other); its URI, or None for the stack's own vault."""
    if certificate.key_vault_id is None:
        return None
    subscription, group, name = _vault_parts(certificate.key_vault_id)
    client = authorization.get_client_config()
    key = "aci.front.certificate.keyVaultId"
    if subscription.lower() != client.subscription_id.lower():
        raise FrontCertificateError(
            f"{key}: vault {name} is in subscription {subscription}, not {client.subscription_id} where the gateway "
            "is; Application Gateway reads certificates only from vaults in its own subscription. Import the "
            "certificate into a vault there (or the stack's vault)"
        )
    vault = keyvault.get_vault(resource_group_name=group, vault_name=name)
    if vault.properties.tenant_id.lower() != client.tenant_id.lower():
        raise FrontCertificateError(
            f"{key}: vault {name} belongs to tenant {vault.properties.tenant_id}, not {client.tenant_id}; the "
            "gateway's managed identity cannot be granted access to another tenant's vault. Import the certificate "
            "into a vault of this tenant"
        )
    return str(vault.properties.vault_uri)


def _certificate_checked(content_type: str | None, name: str, vault: str) -> str:
    if content_type != PKCS12:
        raise FrontCertificateError(
            f"aci.front.certificate.name: {name} in vault {vault} is a plain secret (content type "
            f"{content_type!r}), not a certificate; import the PFX with `az keyvault certificate import`"
        )
    return name


def _identity_with_role(
    name: str,
    grant_name: str,
    role: catalog.Role,
    scope: pulumi.Input[str],
    inputs: HostInputs,
    parent: pulumi.Resource,
) -> tuple[managedidentity.UserAssignedIdentity, authorization.RoleAssignment]:
    """A user-assigned identity of the stack's group, granted `role` on `scope`."""
    identity = managedidentity.UserAssignedIdentity(
        name,
        resource_group_name=inputs.resource_group_name,
        location=inputs.location,
        tags=inputs.tags,
        opts=pulumi.ResourceOptions(parent=parent),
    )
    return identity, grant(grant_name, role, identity.principal_id, "ServicePrincipal", scope, parent)


class FrontTls:
    """The gateway's identity with read access to the certificate's vault, and the certificate's secret id."""

    def __init__(self, name: str, inputs: HostInputs, settings: FrontConfig, parent: pulumi.Resource) -> None:
        certificate = settings.certificate
        foreign_uri = check_foreign_vault(certificate)
        if certificate.key_vault_id is not None and foreign_uri is not None:
            _, group, vault_name = _vault_parts(certificate.key_vault_id)
            vault_id: pulumi.Input[str] = certificate.key_vault_id
            resource_group: pulumi.Input[str] = group
            vault: pulumi.Input[str] = vault_name
            uri: pulumi.Input[str] = foreign_uri
        else:
            vault_id, resource_group, vault, uri = (
                inputs.vault.id,
                inputs.resource_group_name,
                inputs.vault.name,
                inputs.vault.uri,
            )
        self.identity, reader = _identity_with_role(
            f"{name}-identity",
            f"{name}-certificate-reader",
            catalog.Role.KEY_VAULT_SECRETS_USER,
            vault_id,
            inputs,
            parent,
        )
        #: What the gateway waits for: the role reaching Key Vault, and the certificate existing.
        self.ready: list[pulumi.Resource] = [propagated(f"{name}-certificate-propagation", [reader], parent)]
        if certificate.create is CertificateCreate.NONE:
            found = keyvault.get_secret_output(
                resource_group_name=resource_group,
                vault_name=vault,
                secret_name=certificate.name,
                opts=pulumi.InvokeOutputOptions(parent=parent),
            )
            checked = pulumi.Output.all(found.properties.content_type, vault).apply(
                lambda args: _certificate_checked(args[0], certificate.name, args[1])
            )
        else:
            script = self._create(name, inputs, settings, parent)
            self.ready.append(script)
            checked = script.name.apply(lambda _: certificate.name)
        #: Version-less: the gateway follows renewals.
        self.secret_id: pulumi.Output[str] = pulumi.Output.all(uri, checked).apply(
            lambda args: f"{args[0].rstrip('/')}/secrets/{args[1]}/"
        )

    @staticmethod
    def policy(settings: FrontConfig) -> str:
        """The Key Vault certificate policy (JSON): the deployments' hosts, self-signed or from the named issuer."""
        certificate = settings.certificate
        issuer = certificate.issuer if certificate.create is CertificateCreate.ISSUER else "Self"
        return json.dumps(
            {
                "issuerParameters": {"name": issuer},
                "keyProperties": {"exportable": True, "keyType": "RSA", "keySize": 2048, "reuseKey": False},
                "secretProperties": {"contentType": PKCS12},
                "x509CertificateProperties": {
                    "subject": f"CN=*.{settings.domain}",
                    "subjectAlternativeNames": {"dnsNames": [f"*.{settings.domain}"]},
                    "validityInMonths": 12,
                },
                "lifetimeActions": [{"action": {"actionType": "AutoRenew"}, "trigger": {"daysBeforeExpiry": 30}}],
            },
            sort_keys=True,
        )

    def _create(
        self, name: str, inputs: HostInputs, settings: FrontConfig, parent: pulumi.Resource
    ) -> resources.AzureCliScript:
        """A deployment script that creates the certificate in the stack's vault unless it exists."""
        writer_identity, officer = _identity_with_role(
            f"{name}-certificate-writer",
            f"{name}-certificate-officer",
            catalog.Role.KEY_VAULT_CERTIFICATES_OFFICER,
            inputs.vault.id,
            inputs,
            parent,
        )
        writable = propagated(f"{name}-certificate-writer-propagation", [officer], parent)
        script = (
            'az keyvault certificate show --vault-name "$VAULT" --name "$CERTIFICATE" --query id -o tsv '
            '|| az keyvault certificate create --vault-name "$VAULT" --name "$CERTIFICATE" --policy "$POLICY" '
            "--query id -o tsv"
        )
        return resources.AzureCliScript(
            f"{name}-certificate",
            kind="AzureCLI",
            resource_group_name=inputs.resource_group_name,
            location=inputs.location,
            az_cli_version=AZ_CLI_VERSION,
            retention_interval="PT1H",
            timeout="PT30M",
            cleanup_preference="OnSuccess",
            identity=resources.ManagedServiceIdentityArgs(
                type="UserAssigned",
                user_assigned_identities=[writer_identity.id],
            ),
            environment_variables=[
                resources.EnvironmentVariableArgs(name="VAULT", value=inputs.vault.name),
                resources.EnvironmentVariableArgs(name="CERTIFICATE", value=settings.certificate.name),
                resources.EnvironmentVariableArgs(name="POLICY", value=self.policy(settings)),
            ],
            script_content=script,
            tags=inputs.tags,
            opts=pulumi.ResourceOptions(parent=parent, depends_on=[writable]),
        )
