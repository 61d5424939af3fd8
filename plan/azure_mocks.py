"""Azure-shaped answers for Pulumi's mock engine: ARM ids, endpoints, FQDNs, identities and keys, computed from
each resource's inputs so the program's `apply`s see realistic values. Mock values only, never key material."""

from __future__ import annotations

import base64
import hashlib
from collections.abc import Callable, Mapping
from typing import Any

from pulumi.runtime import mocks as pulumi_mocks

from plan.values import reveal

SUBSCRIPTION_ID = "00000000-0000-0000-0000-000000000000"
TENANT_ID = "11111111-1111-1111-1111-111111111111"
#: Vault secrets named `missing-*` do not exist, `plain-*` ones are not certificates; vaults named `foreign-*` are
#: in this other tenant (for the ACI front's certificate checks).
OTHER_TENANT_ID = "22222222-2222-2222-2222-222222222222"
DEPLOYER_OBJECT_ID = "22222222-2222-2222-2222-222222222222"
MOCK_KEYS = {"key1": "mock-speech-key-1", "key2": "mock-speech-key-2"}
MOCK_KUBECONFIG = """apiVersion: v1
kind: Config
clusters: [{name: aks, cluster: {server: "https://aks.example.invalid:443"}}]
contexts: [{name: aks, context: {cluster: aks, user: clusterUser}}]
current-context: aks
users: [{name: clusterUser, user: {token: mock-token}}]
"""


#: ARM resource provider namespaces of the azure-native modules the package uses.
_PROVIDERS = {
    "cognitiveservices": "Microsoft.CognitiveServices",
    "keyvault": "Microsoft.KeyVault",
    "containerinstance": "Microsoft.ContainerInstance",
    "containerservice": "Microsoft.ContainerService",
    "operationalinsights": "Microsoft.OperationalInsights",
    "managedidentity": "Microsoft.ManagedIdentity",
    "storage": "Microsoft.Storage",
    "network": "Microsoft.Network",
    "monitor": "Microsoft.Insights",
    "authorization": "Microsoft.Authorization",
    "resources": "Microsoft.Resources",
    "servicenetworking": "Microsoft.ServiceNetworking",
}


def _arm_id(type_: str, name: str, inputs: Mapping[str, Any]) -> str:
    """An ARM-shaped id for an azure-native resource token like azure-native:keyvault:Vault."""
    _, module, kind = type_.split(":")
    if type_ == "azure-native:resources:ResourceGroup":
        return f"/subscriptions/{SUBSCRIPTION_ID}/resourceGroups/{name}"
    group = inputs.get("resourceGroupName", name)
    provider = _PROVIDERS.get(module, f"Microsoft.{module}")
    collection = f"{kind[0].lower()}{kind[1:]}s"
    return f"/subscriptions/{SUBSCRIPTION_ID}/resourceGroups/{group}/providers/{provider}/{collection}/{name}"


def _guid(seed: str) -> str:
    digest = hashlib.sha256(seed.encode()).hexdigest()
    return f"{digest[:8]}-{digest[8:12]}-{digest[12:16]}-{digest[16:20]}-{digest[20:32]}"


#: Outputs Azure computes, per resource type, from the inputs and the resource's own name.
_COMPUTED: dict[str, Callable[[dict[str, Any], str], dict[str, Any]]] = {
    "azure-native:cognitiveservices:Account": lambda i, n: {
        "properties": {
            **i.get("properties", {}),
            "endpoint": f"https://{reveal(i).get('properties', {}).get('customSubDomainName', n)}"
            ".cognitiveservices.azure.com/",
        }
    },
    "azure-native:keyvault:Vault": lambda i, n: {
        "properties": {**i.get("properties", {}), "vaultUri": f"https://{n}.vault.azure.net/"}
    },
    "azure-native:keyvault:Secret": lambda i, n: {
        "properties": {
            **i.get("properties", {}),
            "secretUri": f"https://vault.vault.azure.net/secrets/{n}",
        }
    },
    "azure-native:containerinstance:ContainerGroup": lambda i, n: {
        # ARM answers user-assigned identities as a map by id (the request takes a list of ids).
        **(
            {"identity": {**identity, "userAssignedIdentities": {u: {} for u in identity["userAssignedIdentities"]}}}
            if (identity := reveal(i).get("identity")) and "userAssignedIdentities" in identity
            else {}
        ),
        "ipAddress": {
            **reveal(i).get("ipAddress", {}),
            "ip": "10.1.0.4" if i.get("subnetIds") else "20.1.2.3",
            **(
                {"fqdn": f"{dns}.{i.get('location', 'eastus')}.azurecontainer.io"}
                if (dns := reveal(i).get("ipAddress", {}).get("dnsNameLabel"))
                else {}
            ),
        },
    },
    "azure-native:operationalinsights:Workspace": lambda i, n: {"customerId": _guid(n)},
    "azure-native:network:PublicIPAddress": lambda i, n: {"ipAddress": "20.50.60.70"},
    "azure-native:servicenetworking:FrontendsInterface": lambda i, n: {
        "fqdn": f"{_guid('frontend' + n)[:16]}.{_guid('agc' + n)[:8]}.alb.azure.com"
    },
    "azure-native:managedidentity:UserAssignedIdentity": lambda i, n: {
        "principalId": _guid("principal" + n),
        "clientId": _guid("client" + n),
        "tenantId": TENANT_ID,
    },
    "azure-native:containerservice:ManagedCluster": lambda i, n: {
        "oidcIssuerProfile": {"enabled": True, "issuerURL": f"https://oidc.example.invalid/{n}/"},
        "fqdn": f"{n}.hcp.eastus.azmk8s.io",
        "nodeResourceGroup": f"MC_{reveal(i).get('resourceGroupName', 'rg')}_{n}_eastus",
        "addonProfiles": {
            "azureKeyvaultSecretsProvider": {
                **reveal(i).get("addonProfiles", {}).get("azureKeyvaultSecretsProvider", {}),
                "identity": {"clientId": _guid("csi" + n), "objectId": _guid("csi-object" + n)},
            }
        },
        "identityProfile": {"kubeletidentity": {"objectId": _guid("kubelet" + n), "clientId": _guid("kc" + n)}},
        "ingressProfile": {
            "webAppRouting": {
                **reveal(i).get("ingressProfile", {}).get("webAppRouting", {"enabled": True}),
                "identity": {"objectId": _guid("approuting" + n), "clientId": _guid("ar" + n)},
            }
        },
    },
}

#: pulumi-tls outputs: PEM-shaped stand-ins, never real key material.
_TLS_OUTPUTS: dict[str, dict[str, Any]] = {
    "tls:index/privateKey:PrivateKey": {
        "privateKeyPem": "-----BEGIN EC PRIVATE KEY-----\nmock-tls-private-key\n-----END EC PRIVATE KEY-----\n",
        "publicKeyPem": "-----BEGIN PUBLIC KEY-----\nmock\n-----END PUBLIC KEY-----\n",
    },
    "tls:index/selfSignedCert:SelfSignedCert": {
        "certPem": "-----BEGIN CERTIFICATE-----\nmock-self-signed-certificate\n-----END CERTIFICATE-----\n",
    },
    # The time provider's rotation: created now, due after its rotation period.
    "time:index/rotating:Rotating": {"rfc3339": "2026-12-02T00:00:00Z", "rotationRfc3339": "2027-01-01T00:00:00Z"},
}


#: The time provider's Offset counts from when it is created; offline, from this fixed instant (2026-01-01Z).
MOCK_NOW_UNIX = 1_767_225_600


def _offset(inputs: Mapping[str, Any]) -> dict[str, Any]:
    seconds = inputs.get("offsetDays", 0) * 86_400 + inputs.get("offsetHours", 0) * 3_600
    return {"unix": MOCK_NOW_UNIX + seconds}


#: Resources whose name input is not `<type>Name` (azure-native follows the ARM path parameter's name).
_NAME_INPUTS = {"azure-native:storage:FileShare": "shareName"}


def _name_of(type_: str, name: str, inputs: Mapping[str, Any]) -> str:
    """The Azure name: the explicit input that names this resource, else the Pulumi name."""
    kind = type_.rsplit(":", 1)[-1]
    explicit = inputs.get(_NAME_INPUTS.get(type_, f"{kind[0].lower()}{kind[1:]}Name"))
    if isinstance(explicit, str):
        return explicit
    return name


class AzureMocks(pulumi_mocks.Mocks):
    """Answers resource registrations and invokes with Azure-shaped values."""

    def new_resource(self, args: pulumi_mocks.MockResourceArgs) -> tuple[str | None, dict[str, Any]]:
        inputs = dict(args.inputs)
        if args.typ in _TLS_OUTPUTS:
            return f"{args.name}-id", {**inputs, **_TLS_OUTPUTS[args.typ]}
        if args.typ == "time:index/offset:Offset":
            return f"{args.name}-id", {**inputs, **_offset(inputs)}
        if not args.typ.startswith("azure-native:"):
            return f"{args.name}-id", inputs
        azure_name = _name_of(args.typ, args.name, reveal(inputs))
        compute = _COMPUTED.get(args.typ)
        computed = compute(inputs, azure_name) if compute else {}
        state = {**inputs, "name": azure_name, **computed}
        identity = inputs.get("identity")
        if isinstance(identity, dict) and isinstance(identity.get("userAssignedIdentities"), list):
            # ARM takes a list of identity ids and answers a map of id -> {principalId, clientId}.
            state["identity"] = {
                **identity,
                "userAssignedIdentities": {i: {} for i in identity["userAssignedIdentities"]},
            }
        return _arm_id(args.typ, azure_name, reveal(inputs)), state

    def call(self, args: pulumi_mocks.MockCallArgs) -> tuple[dict[str, Any], list[tuple[str, str]]]:
        token = args.token
        if token == "azure-native:authorization:getClientConfig":
            return {
                "subscriptionId": SUBSCRIPTION_ID,
                "tenantId": TENANT_ID,
                "objectId": DEPLOYER_OBJECT_ID,
                "clientId": DEPLOYER_OBJECT_ID,
            }, []
        if token == "azure-native:cognitiveservices:listAccountKeys":
            return dict(MOCK_KEYS), []
        if token == "azure-native:operationalinsights:getSharedKeys":
            return {"primarySharedKey": "mock-workspace-key", "secondarySharedKey": "mock-workspace-key-2"}, []
        if token == "azure-native:storage:listStorageAccountKeys":
            return {"keys": [{"keyName": "key1", "value": "mock-storage-key", "permissions": "FULL"}]}, []
        if token in (
            "azure-native:containerservice:listManagedClusterUserCredentials",
            "azure-native:containerservice:listManagedClusterAdminCredentials",
        ):
            value = base64.b64encode(MOCK_KUBECONFIG.encode()).decode()
            return {"kubeconfigs": [{"name": "clusterUser", "value": value}]}, []
        if token == "azure-native:keyvault:getSecret":
            # A certificate's backing secret (metadata only, as ARM returns it).
            name = args.args.get("secretName", "secret")
            if name.startswith("missing-"):
                raise Exception(f"Secret {name} was not found")  # what ARM's 404 makes of the invoke
            content = "text/plain" if name.startswith("plain-") else "application/x-pkcs12"
            return {
                "name": name,
                "properties": {
                    "contentType": content,
                    "secretUri": f"https://{args.args.get('vaultName')}.vault.azure.net/secrets/{name}",
                    "secretUriWithVersion": f"https://{args.args.get('vaultName')}.vault.azure.net/secrets/{name}/1",
                },
            }, []
        if token == "azure-native:keyvault:getVault":
            name = args.args.get("vaultName", "vault")
            return {
                "name": name,
                "location": "eastus",
                "properties": {
                    "tenantId": OTHER_TENANT_ID if name.startswith("foreign-") else TENANT_ID,
                    "vaultUri": f"https://{name}.vault.azure.net/",
                    "sku": {"family": "A", "name": "standard"},
                },
            }, []
        if token == "azure-native:network:getSubnet":
            # An existing delegated subnet: the range a stack's own /24 would have.
            return {"addressPrefix": "10.225.0.0/24", "name": args.args.get("subnetName", "subnet")}, []
        if token == "azure-native:containerservice:getManagedCluster":
            name = args.args.get("resourceName", "cluster")
            # Entra integration with local accounts off, except a cluster named local-*: no Entra, local accounts.
            entra = {} if name.startswith("local-") else {"aadProfile": _ENTRA, "disableLocalAccounts": True}
            return _COMPUTED["azure-native:containerservice:ManagedCluster"]({}, name) | entra | {
                "id": _arm_id("azure-native:containerservice:ManagedCluster", name, args.args),
                "name": name,
                "location": "eastus",
            }, []
        if token == "azure-native:authorization:getRoleDefinition":
            return _role_definition(args.args.get("roleDefinitionId", "")), []
        return {}, []


_ENTRA = {"managed": True, "enableAzureRBAC": True, "tenantID": TENANT_ID}
#: A custom role's permissions by the first block of its GUID; any other GUID is a role of exactly the rotation's
#: account actions (components/aks/scheduled_rotation.py).
_ROLE_ACTIONS: dict[str, list[str]] = {
    "aaaaaaaa": ["Microsoft.CognitiveServices/accounts/read"],
    "bbbbbbbb": ["Microsoft.CognitiveServices/*"],
    # ARM compares actions case-insensitively, and roles created by hand or by tools differ in case.
    "cccccccc": [
        "microsoft.cognitiveservices/accounts/read",
        "Microsoft.CognitiveServices/accounts/listkeys/action",
        "MICROSOFT.COGNITIVESERVICES/ACCOUNTS/REGENERATEKEY/ACTION",
    ],
}


def _role_definition(guid: str) -> dict[str, Any]:
    """A custom role as ARM returns it; a GUID starting dddddddd does not exist (ARM's 404), one starting eeeeeeee
    also grants data actions."""
    if guid.startswith("dddddddd"):
        raise Exception(f"RoleDefinitionDoesNotExist: The specified role definition with ID '{guid}' does not exist.")
    data_actions = ["Microsoft.CognitiveServices/*"] if guid.startswith("eeeeeeee") else []
    actions = _ROLE_ACTIONS.get(
        guid[:8],
        [
            "Microsoft.CognitiveServices/accounts/read",
            "Microsoft.CognitiveServices/accounts/listKeys/action",
            "Microsoft.CognitiveServices/accounts/regenerateKey/action",
        ],
    )
    return {
        "id": f"/subscriptions/{SUBSCRIPTION_ID}/providers/Microsoft.Authorization/roleDefinitions/{guid}",
        "roleName": f"custom-{guid[:8]}",
        "roleType": "CustomRole",
        "permissions": [{"actions": actions, "notActions": [], "dataActions": data_actions}],
        "assignableScopes": [f"/subscriptions/{SUBSCRIPTION_ID}"],
    }
