"""Key Vault-backed credentials for Speech pods: workload identity plus the Secrets Store CSI driver.

Pods never see the key as a literal in any manifest. A user-assigned identity federated with the namespace's
service account may read the vault (Key Vault Secrets User); the `SecretProviderClass` mounts the API key and
billing endpoint with that identity and syncs them into the Kubernetes Secret `speech-credentials`, which the
containers read through `secretKeyRef`. The CSI driver only creates and refreshes that Secret while a pod
mounts the volume, so every Speech pod mounts it. When the vault's key changes, the add-on's rotation poll
updates the Secret; pods pick it up on restart (rotation patches the restart annotation, or Reloader does).
"""

from __future__ import annotations

from typing import Any

import pulumi
import pulumi_kubernetes as k8s

from components import catalog
from components.aks.workload_identity import identity_service_account, namespaced_identity
from components.azure import roles
from components.azure.propagation import propagated
from components.hosting import HostInputs, VaultRef

SERVICE_ACCOUNT = "speech-containers"
SECRET_PROVIDER_CLASS = "speech-key-vault"
#: Where the CSI volume shows the secrets as files (the containers use the synced Secret instead).
MOUNT_PATH = "/mnt/secrets-store"
SECRET_PROVIDER_API = "secrets-store.csi.x-k8s.io/v1"


def secret_objects(vault: VaultRef) -> str:
    """The provider's `objects` parameter (YAML whose array items are YAML documents, as the Azure provider
    reads it): each vault secret, aliased to its data key in the synced Secret."""
    facts = catalog.AKS
    pairs = (
        (vault.api_key_secret_name, facts.api_key_data_key),
        (vault.billing_endpoint_secret_name, facts.billing_endpoint_data_key),
    )
    items = "".join(
        f"  - |\n    objectName: {name}\n    objectType: secret\n    objectAlias: {alias}\n" for name, alias in pairs
    )
    return f"array:\n{items}"


def azure_provider_parameters(client_id: pulumi.Input[str], vault: VaultRef, objects: str) -> dict[str, Any]:
    """A SecretProviderClass's `parameters` for the Azure provider: these vault `objects`, read with workload
    identity as `client_id`."""
    return {
        "usePodIdentity": "false",
        "clientID": client_id,
        "keyvaultName": vault.name,
        "tenantId": vault.tenant_id,
        "objects": objects,
    }


class SpeechCredentials(pulumi.ComponentResource):
    """The identity, service account and SecretProviderClass that bring the vault's secrets to Speech pods."""

    service_account_name: str
    secret_provider_class: k8s.apiextensions.CustomResource

    def __init__(
        self,
        name: str,
        inputs: HostInputs,
        namespace: pulumi.Input[str],
        oidc_issuer_url: pulumi.Input[str],
        provider: k8s.Provider,
        opts: pulumi.ResourceOptions | None = None,
    ) -> None:
        super().__init__("speech-containers:aks:SpeechCredentials", name, None, opts)
        self.service_account_name = SERVICE_ACCOUNT
        #: The Azure CLI image of the checks that run with these credentials (the preflight, the certificate gate,
        #: the key-age report), from the stack's private registry when it has one, and the proxy they go through.
        self.azure_cli_image = inputs.pull(catalog.PREFLIGHT.image)
        self.proxy = inputs.proxy
        identity, federation = namespaced_identity(name, inputs, namespace, oidc_issuer_url, SERVICE_ACCOUNT, self)
        reader = roles.grant(
            f"{name}-vault-reader",
            catalog.Role.KEY_VAULT_SECRETS_USER,
            identity.principal_id,
            "ServicePrincipal",
            inputs.vault.id,
            parent=self,
        )
        # The first mount fails with 403 until the identity's vault role propagates.
        mountable = propagated(f"{name}-vault-propagation", [reader], self)
        k8s_opts = pulumi.ResourceOptions(parent=self, provider=provider)
        service_account = identity_service_account(name, SERVICE_ACCOUNT, namespace, identity, k8s_opts)
        facts = catalog.AKS
        self.secret_provider_class = k8s.apiextensions.CustomResource(
            f"{name}-secret-provider-class",
            api_version=SECRET_PROVIDER_API,
            kind="SecretProviderClass",
            metadata={"name": SECRET_PROVIDER_CLASS, "namespace": namespace},
            spec={
                "provider": "azure",
                "parameters": azure_provider_parameters(identity.client_id, inputs.vault, secret_objects(inputs.vault)),
                "secretObjects": [
                    {
                        "secretName": facts.credentials_secret,
                        "type": "Opaque",
                        "data": [
                            {"objectName": facts.api_key_data_key, "key": facts.api_key_data_key},
                            {"objectName": facts.billing_endpoint_data_key, "key": facts.billing_endpoint_data_key},
                        ],
                    }
                ],
            },
            # Mounting fails until the identity can sign in and read the vault.
            opts=pulumi.ResourceOptions.merge(k8s_opts, pulumi.ResourceOptions(depends_on=[federation, mountable])),
        )
        #: What a pod using these credentials must wait for: its service account and the secret mount.
        #: Private endpoints' DNS records too: pods mount the vault and call billing as they start.
        self.pod_prerequisites: list[pulumi.Resource] = [
            service_account,
            self.secret_provider_class,
            *inputs.network_ready,
        ]
        self.register_outputs({"identityClientId": identity.client_id, "secretProviderClass": SECRET_PROVIDER_CLASS})

    @staticmethod
    def volume_mount() -> k8s.core.v1.VolumeMountArgsDict:
        """Where a container sees the vault secrets (read-only)."""
        return {"name": SECRET_PROVIDER_CLASS, "mount_path": MOUNT_PATH, "read_only": True}

    @staticmethod
    def volume() -> k8s.core.v1.VolumeArgsDict:
        """The pod volume that mounts the vault secrets (and so keeps the synced Secret alive)."""
        return {
            "name": SECRET_PROVIDER_CLASS,
            "csi": {
                "driver": catalog.AKS.secrets_store_driver,
                "read_only": True,
                "volume_attributes": {"secretProviderClass": SECRET_PROVIDER_CLASS},
            },
        }
