"""Network isolation: private endpoints, deny-by-default rules, and the checks that keep billing reachable."""

from __future__ import annotations

import pytest

from components import config
from plan import offline
from tests.sample_stacks import ACI_STACK, AKS_STACK, plan_program, with_changes
from tests.security.samples import stack_file_values

SUBNET = "/subscriptions/s/resourceGroups/net/providers/Microsoft.Network/virtualNetworks/hub/subnets/endpoints"
ACI_SUBNET = "/subscriptions/s/resourceGroups/net/providers/Microsoft.Network/virtualNetworks/hub/subnets/aci"
ZONES = "/subscriptions/s/resourceGroups/dns/providers/Microsoft.Network/privateDnsZones"
SPEECH_ZONE = f"{ZONES}/privatelink.cognitiveservices.azure.com"
VAULT_ZONE = f"{ZONES}/privatelink.vaultcore.azure.net"
PRIVATE = {"publicNetworkAccess": False}
LINKS = {"subnetId": SUBNET, "speechDnsZoneId": SPEECH_ZONE, "vaultDnsZoneId": VAULT_ZONE}


NODES_SUBNET = "/subscriptions/s/resourceGroups/net/providers/Microsoft.Network/virtualNetworks/hub/subnets/nodes"
#: AKS nodes in the VNet the private DNS zones are linked to.
PRIVATE_AKS = {**AKS_STACK["aks"], "cluster": {"vnetSubnetId": NODES_SUBNET}}


@pytest.fixture(scope="module")
def private_plan() -> offline.Plan:
    return plan_program(
        with_changes(AKS_STACK, speech=PRIVATE, keyVault=PRIVATE, privateEndpoints=LINKS, aks=PRIVATE_AKS)
    )


def test_aks_nodes_join_the_given_subnet_so_they_resolve_the_private_zones(private_plan: offline.Plan) -> None:
    (system,) = private_plan.one("azure-native:containerservice:ManagedCluster").get("agentPoolProfiles")
    assert system["vnetSubnetID"] == NODES_SUBNET
    assert private_plan.one("azure-native:containerservice:AgentPool").get("vnetSubnetID") == NODES_SUBNET
    problems = config_problems(with_changes(AKS_STACK, speech=PRIVATE, privateEndpoints=LINKS))
    assert any(p.startswith("aks.cluster.vnetSubnetId: is required with private endpoints") for p in problems)


def test_account_and_vault_get_private_endpoints_with_dns_zone_groups(private_plan: offline.Plan) -> None:
    endpoints = {e.name: e for e in private_plan.of_type("azure-native:network:PrivateEndpoint")}
    account = private_plan.one("azure-native:cognitiveservices:Account")
    vault = private_plan.one("azure-native:keyvault:Vault")
    expected = {
        "speech-account-link-endpoint": (account.id, "account"),
        "speech-vault-link-endpoint": (vault.id, "vault"),
    }
    for name, (target, group) in expected.items():
        connection = endpoints[name].get("privateLinkServiceConnections")[0]
        assert (connection["privateLinkServiceId"], connection["groupIds"]) == (target, [group])
        assert endpoints[name].get("subnet.id") == SUBNET
    zones = {
        z.get("privateDnsZoneConfigs")[0]["privateDnsZoneId"]
        for z in private_plan.of_type("azure-native:network:PrivateDnsZoneGroup")
    }
    assert zones == {SPEECH_ZONE, VAULT_ZONE}


def test_public_access_off_means_deny_by_default(private_plan: offline.Plan) -> None:
    account = private_plan.one("azure-native:cognitiveservices:Account")
    assert account.get("properties.publicNetworkAccess") == "Disabled"
    assert account.get("properties.networkAcls.defaultAction") == "Deny"
    vault = private_plan.one("azure-native:keyvault:Vault")
    assert vault.get("properties.publicNetworkAccess") == "Disabled"
    assert vault.get("properties.networkAcls.defaultAction") == "Deny"
    assert vault.get("properties.networkAcls.bypass") == "AzureServices"


#: Private endpoints without DNS zones, and encryption at host: independent, in one plan.
ZONELESS_ENCRYPTED = with_changes(
    AKS_STACK, privateEndpoints={"subnetId": SUBNET}, aks={**AKS_STACK["aks"], "encryptionAtHost": True}
)


def test_endpoints_without_dns_zones_create_no_zone_groups() -> None:
    plan = plan_program(ZONELESS_ENCRYPTED)
    assert len(plan.of_type("azure-native:network:PrivateEndpoint")) == 2
    assert plan.of_type("azure-native:network:PrivateDnsZoneGroup") == []


def test_vnet_injected_aci_can_use_a_private_speech_account() -> None:
    values = with_changes(ACI_STACK, speech=PRIVATE, privateEndpoints=LINKS, aci={"subnetId": ACI_SUBNET})
    assert config.parse(values).speech.network.public_access is False


@pytest.mark.parametrize(
    ("values", "key", "fragment"),
    [
        (with_changes(AKS_STACK, speech=PRIVATE), "speech.publicNetworkAccess", "need privateEndpoints"),
        (
            with_changes(ACI_STACK, speech=PRIVATE, privateEndpoints=LINKS),
            "speech.publicNetworkAccess",
            "public ACI groups reach billing over the internet",
        ),
        (with_changes(AKS_STACK, keyVault=PRIVATE), "keyVault.publicNetworkAccess", "only through privateEndpoints"),
        (
            with_changes(AKS_STACK, privateEndpoints={"speechDnsZoneId": SPEECH_ZONE}),
            "privateEndpoints.subnetId",
            "is required",
        ),
        (
            with_changes(AKS_STACK, privateEndpoints={"subnetId": SUBNET, "vaultDnsZoneId": "zone"}),
            "privateEndpoints.vaultDnsZoneId",
            "vaultcore",
        ),
    ],
)
def test_isolation_that_would_cut_off_billing_or_the_vault_is_refused(
    values: dict[str, object], key: str, fragment: str
) -> None:
    with pytest.raises(config.ConfigError) as caught:
        config.parse(values)
    assert any(p.startswith(f"{key}:") and fragment in p for p in caught.value.problems), caught.value.problems


def test_a_private_account_without_containers_needs_no_private_path() -> None:
    assert config.parse(with_changes(AKS_STACK, containers=None, speech=PRIVATE)).containers == ()


def test_containers_and_the_preflight_wait_for_the_private_dns_records() -> None:
    """With public access off, billing and the vault resolve only through the private zones: a container or the
    preflight started before the zone groups exist would resolve the public address and fail."""
    values = with_changes(
        ACI_STACK, speech=PRIVATE, keyVault=PRIVATE, privateEndpoints=LINKS, aci={"subnetId": ACI_SUBNET}
    )
    plan = plan_program(values)
    zone_groups = {r.urn for r in plan.of_type("azure-native:network:PrivateDnsZoneGroup")}
    assert len(zone_groups) == 2
    groups = plan.of_type("azure-native:containerinstance:ContainerGroup")
    assert {g.name for g in groups} >= {"speech-aci-preflight"}
    for group in groups:
        assert zone_groups <= set(group.dependencies), group.name


def test_aks_pods_and_the_preflight_job_wait_for_the_private_dns_records(private_plan: offline.Plan) -> None:
    zone_groups = {r.urn for r in private_plan.of_type("azure-native:network:PrivateDnsZoneGroup")}
    waiting = private_plan.of_type("kubernetes:apps/v1:Deployment") + private_plan.of_type("kubernetes:batch/v1:Job")
    assert waiting
    for workload in waiting:
        assert zone_groups <= set(workload.dependencies), workload.name


def config_problems(values: dict[str, object]) -> list[str]:
    with pytest.raises(config.ConfigError) as caught:
        config.parse(values)
    return caught.value.problems


def test_encryption_at_host_covers_every_pool() -> None:
    plan = plan_program(ZONELESS_ENCRYPTED)
    (system,) = plan.one("azure-native:containerservice:ManagedCluster").get("agentPoolProfiles")
    assert system["enableEncryptionAtHost"] is True
    assert plan.one("azure-native:containerservice:AgentPool").get("enableEncryptionAtHost") is True
    default = plan_program(AKS_STACK).one("azure-native:containerservice:AgentPool")
    assert default.get("enableEncryptionAtHost") is None


def test_the_prod_sample_is_private() -> None:
    """What an Azure policy scan flagged in the old prod sample: the account and vault open to the internet, the
    API server public without authorized ranges."""
    settings = config.parse(stack_file_values("prod"))
    assert not settings.speech.network.public_access and not settings.key_vault.network.public_access
    assert settings.private_endpoints is not None
    assert settings.aks is not None and settings.aks.new_cluster is not None
    assert settings.aks.new_cluster.api_server_authorized_ip_ranges or settings.aks.new_cluster.private_api_server
    assert settings.aks.encryption_at_host
