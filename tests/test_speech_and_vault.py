"""The Speech account, its Key Vault, secrets and role assignments, as registered in the graph."""

from __future__ import annotations

import re
from typing import Any

import pytest

from components import program
from components.catalog import KEY_NAME_TAG, Role
from plan import offline
from tests.sample_stacks import ACI_STACK, namespaced, plan_program, with_changes

READER = "33333333-3333-3333-3333-333333333333"
ROTATOR = "44444444-4444-4444-4444-444444444444"
NETWORK = {"publicNetworkAccess": True, "allowedIpRanges": ["203.0.113.0/24"]}
WORKSPACE_ID = "/subscriptions/s/resourceGroups/ops/providers/Microsoft.OperationalInsights/workspaces/central-logs"
#: Independent account, vault, logs and group options in one plan (each test reads its part).
MIX = with_changes(
    ACI_STACK,
    speech={**NETWORK, "activeKey": "Key2"},
    keyVault={
        **NETWORK,
        "purgeProtection": False,
        "softDeleteRetentionDays": 7,
        "secretReaders": [{"objectId": READER, "type": "Group"}],
        "rotationOperators": [{"objectId": ROTATOR}],
    },
    logAnalytics={"workspaceId": WORKSPACE_ID},
    resourceGroupName="rg-shared",
)


@pytest.fixture(scope="module")
def mix() -> offline.Plan:
    return plan_program(MIX)


def test_account_is_speech_services_with_local_auth_kept_for_the_containers(aci_plan: offline.Plan) -> None:
    account = aci_plan.one("azure-native:cognitiveservices:Account")
    assert account.get("kind") == "SpeechServices"
    assert account.get("sku.name") == "S0"
    assert account.get("properties.disableLocalAuth") is False
    assert account.get("properties.publicNetworkAccess") == "Enabled"
    assert account.get("properties.networkAcls.defaultAction") == "Allow"
    subdomain = account.get("properties.customSubDomainName")
    assert subdomain == account.get("accountName")
    assert subdomain.startswith("speech-test-")


def test_account_name_is_stable_and_differs_per_stack(aci_plan: offline.Plan) -> None:
    # A fresh run, not the memoized plan: stability across runs is the point.
    again = offline.run(program.main, namespaced(ACI_STACK), stack="test")
    first, other = aci_plan, plan_program(ACI_STACK, stack="prod")
    names = [p.one("azure-native:cognitiveservices:Account").get("accountName") for p in (first, again, other)]
    assert names[0] == names[1] != names[2]


def test_ip_ranges_deny_by_default_on_account_and_vault(mix: offline.Plan) -> None:
    plan = mix
    account = plan.one("azure-native:cognitiveservices:Account")
    assert account.get("properties.networkAcls") == {"defaultAction": "Deny", "ipRules": [{"value": "203.0.113.0/24"}]}
    vault = plan.one("azure-native:keyvault:Vault")
    assert vault.get("properties.networkAcls.defaultAction") == "Deny"
    assert vault.get("properties.networkAcls.ipRules") == [{"value": "203.0.113.0/24"}]


def test_vault_uses_rbac_soft_delete_and_purge_protection(aci_plan: offline.Plan) -> None:
    vault = aci_plan.one("azure-native:keyvault:Vault")
    assert vault.get("properties.enableRbacAuthorization") is True
    assert vault.get("properties.enableSoftDelete") is True
    assert vault.get("properties.enablePurgeProtection") is True
    assert vault.get("properties.softDeleteRetentionInDays") == 90
    assert vault.get("properties.tenantId") == offline.TENANT_ID
    assert len(vault.get("vaultName")) <= 24


def test_dev_vault_can_leave_purge_protection_unset(mix: offline.Plan) -> None:
    vault = mix.one("azure-native:keyvault:Vault")
    assert vault.get("properties.enablePurgeProtection") is None  # `false` is rejected by ARM once it was on
    assert vault.get("properties.softDeleteRetentionInDays") == 7


def test_api_key_secret_holds_the_active_key_as_a_secret_and_rotation_owns_it_afterwards(
    aci_plan: offline.Plan,
) -> None:
    secret = aci_plan.named("speech-vault-api-key")
    assert isinstance(secret.raw("properties"), offline.Secret)
    assert secret.get("properties.value") == offline.MOCK_KEYS["key1"]
    assert secret.get("secretName") == "speech-api-key"
    assert secret.get("tags")[KEY_NAME_TAG] == "Key1"
    assert secret.get("tags")["managed-by"] == "pulumi"  # the common tags too
    assert set(secret.ignore_changes) == {"properties.value", "properties.attributes", "tags"}
    vault = aci_plan.one("azure-native:keyvault:Vault")
    assert secret.get("vaultName") == vault.get("vaultName")
    assert vault.urn in secret.dependencies


def test_active_key2_writes_key2_and_tags_it(mix: offline.Plan) -> None:
    secret = mix.named("speech-vault-api-key")
    assert secret.get("properties.value") == offline.MOCK_KEYS["key2"]
    assert secret.get("tags")[KEY_NAME_TAG] == "Key2"


def test_billing_endpoint_secret_is_the_account_endpoint(aci_plan: offline.Plan) -> None:
    secret = aci_plan.named("speech-vault-billing-endpoint")
    assert secret.get("secretName") == "speech-billing-endpoint"
    assert secret.get("properties.value") == aci_plan.outputs["speechEndpoint"]
    assert secret.get("properties.value").startswith("https://speech-test-")
    assert aci_plan.one("azure-native:cognitiveservices:Account").urn in secret.dependencies
    assert secret.ignore_changes == ()


def _assignments(plan: offline.Plan, principal: str) -> list[offline.Registration]:
    return [r for r in plan.of_type("azure-native:authorization:RoleAssignment") if r.get("principalId") == principal]


def test_readers_and_rotation_operators_get_their_roles_on_the_right_scopes(mix: offline.Plan) -> None:
    plan = mix
    vault_id = plan.one("azure-native:keyvault:Vault").id
    account_id = plan.outputs["speechAccountId"]

    def roles(principal: str) -> set[tuple[str, str, str]]:
        return {
            (r.get("roleDefinitionId").rsplit("/", 1)[-1], r.get("scope"), r.get("principalType"))
            for r in _assignments(plan, principal)
        }

    assert roles(READER) == {(Role.KEY_VAULT_SECRETS_USER.value, vault_id, "Group")}
    assert roles(ROTATOR) == {
        (Role.KEY_VAULT_SECRETS_OFFICER.value, vault_id, "ServicePrincipal"),
        (Role.COGNITIVE_SERVICES_CONTRIBUTOR.value, account_id, "ServicePrincipal"),
    }
    for assignment in _assignments(plan, ROTATOR):
        assert assignment.get("roleDefinitionId").startswith(f"/subscriptions/{offline.SUBSCRIPTION_ID}/providers/")


def test_account_and_vault_send_all_logs_and_metrics_to_the_workspace(aci_plan: offline.Plan) -> None:
    workspace = aci_plan.one("azure-native:operationalinsights:Workspace")
    settings = aci_plan.of_type("azure-native:monitor:DiagnosticSetting")
    targets = {s.get("resourceUri") for s in settings}
    assert targets == {
        aci_plan.one("azure-native:cognitiveservices:Account").id,
        aci_plan.one("azure-native:keyvault:Vault").id,
    }
    for setting in settings:
        assert setting.get("workspaceId") == workspace.id
        assert setting.get("logs") == [{"categoryGroup": "allLogs", "enabled": True}]


def test_existing_workspace_is_used_instead_of_creating_one(mix: offline.Plan) -> None:
    assert mix.of_type("azure-native:operationalinsights:Workspace") == []
    assert {s.get("workspaceId") for s in mix.of_type("azure-native:monitor:DiagnosticSetting")} == {WORKSPACE_ID}


def test_existing_resource_group_is_not_created(mix: offline.Plan) -> None:
    plan = mix
    assert plan.of_type("azure-native:resources:ResourceGroup") == []
    assert plan.one("azure-native:cognitiveservices:Account").get("resourceGroupName") == "rg-shared"


def _plain_leaks(value: Any, needles: set[str], path: str = "") -> list[str]:
    """Paths where a secret value appears outside a Secret marker."""
    if isinstance(value, offline.Secret):
        return []
    if isinstance(value, dict):
        return [leak for k, v in value.items() for leak in _plain_leaks(v, needles, f"{path}.{k}")]
    if isinstance(value, list):
        return [leak for i, v in enumerate(value) for leak in _plain_leaks(v, needles, f"{path}[{i}]")]
    return [path] if isinstance(value, str) and any(n in value for n in needles) else []


def test_no_key_appears_in_plaintext_in_any_input_or_output(aci_plan: offline.Plan) -> None:
    needles = {*offline.MOCK_KEYS.values(), "mock-workspace-key"}
    leaks = [f"{r.name}{leak}" for r in aci_plan.registrations for leak in _plain_leaks(r.inputs, needles)]
    assert leaks == []
    assert _plain_leaks(aci_plan.outputs, needles) == []
    # The checker itself must see a plain key.
    assert _plain_leaks({"env": [{"value": offline.MOCK_KEYS["key1"]}]}, needles) == [".env[0].value"]


def test_stack_outputs_are_what_rotation_and_clients_read(aci_plan: offline.Plan) -> None:
    outputs = aci_plan.outputs
    assert outputs["host"] == "aci"
    assert outputs["activeKey"] == "Key1"
    assert outputs["apiKeySecretName"] == "speech-api-key"
    assert outputs["keyVaultUri"].startswith("https://kv-test-")
    assert outputs["speechAccountId"].endswith(
        "/providers/Microsoft.CognitiveServices/accounts/"
        + aci_plan.one("azure-native:cognitiveservices:Account").get("accountName")
    )
    assert aci_plan.secret_outputs == set()


def test_every_child_resource_has_a_component_parent(aci_plan: offline.Plan) -> None:
    components = {r.urn for r in aci_plan.registrations if not r.custom}
    orphans = [r.name for r in aci_plan.registrations if r.custom and r.parent not in components]
    assert orphans == []
    roots = [r.type for r in aci_plan.registrations if r.parent not in components]
    assert roots == ["speech-containers:index:SpeechContainers"]  # one component holds the whole platform


def test_derived_names_fit_azure_rules_for_any_stack_name() -> None:
    for stack in ("dev", "a-very-long-production-stack-name-for-region-westeurope", "__"):
        plan = plan_program(ACI_STACK, stack=stack)
        vault = plan.one("azure-native:keyvault:Vault").get("vaultName")
        assert re.fullmatch(r"[a-z][a-z0-9-]{1,22}[a-z0-9]", vault) and "--" not in vault, vault
        account = plan.one("azure-native:cognitiveservices:Account").get("accountName")
        assert len(account) <= 64 and "--" not in account, account


def test_soft_deleted_account_and_vault_can_be_taken_back_for_one_update() -> None:
    """Destroy then recreate collides with soft-deleted names (accounts 48 h, vaults their retention): the stack can
    restore them instead of failing on the name."""
    default = plan_program(ACI_STACK)
    assert default.one("azure-native:cognitiveservices:Account").get("properties.restore") is None
    assert default.one("azure-native:keyvault:Vault").get("properties.createMode") is None
    back = plan_program(
        with_changes(ACI_STACK, speech={"restoreDeleted": True}, keyVault={"recoverDeleted": True}), stack="back"
    )
    assert back.one("azure-native:cognitiveservices:Account").get("properties.restore") is True
    assert back.one("azure-native:keyvault:Vault").get("properties.createMode") == "recover"
