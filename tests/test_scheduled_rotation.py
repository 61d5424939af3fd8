"""The rotation's access on AKS (its Kubernetes Role, the operators' bindings), the scheduled rotation CronJob with
its own least-privilege identity, and the key secret's expiry."""

from __future__ import annotations

from typing import Any

import pulumi
import pytest

from components import catalog, config, program
from components.aks.rotation_access import ROLE_NAME, check_entra_integration
from components.aks.scheduled_rotation import (
    ACCOUNT_ACTIONS,
    JOB_NAME,
    SERVICE_ACCOUNT,
    checked_account_role,
)
from components.aks.vault_cli import az_login
from components.args import PrincipalType
from components.azure import log_tables
from components.azure.cloud import stack_cloud
from components.config.model import ExistingCluster
from plan import offline
from plan.azure_mocks import MOCK_NOW_UNIX, SUBSCRIPTION_ID
from rotation.clouds import KNOWN_CLOUDS
from tests.kql_check import syntax_errors
from tests.sample_stacks import ACI_STACK, AKS_STACK, namespaced, plan_program, with_changes

GROUP = "11111111-1111-1111-1111-111111111111"
ROBOT = "22222222-2222-2222-2222-222222222222"
PERSON = "33333333-3333-3333-3333-333333333333"
GUEST = "44444444-4444-4444-4444-444444444444"
OPERATORS = [
    {"objectId": GROUP, "type": "Group"},
    {"objectId": ROBOT},
    {"objectId": PERSON, "type": "User", "userPrincipalName": "ops@contoso.com"},
    {"objectId": GUEST, "type": "User", "userPrincipalName": "ops_fabrikam.com#EXT#@contoso.onmicrosoft.com"},
]
IMAGE = "contoso.azurecr.io/speech-rotation:1.0"
SCHEDULED = with_changes(
    AKS_STACK,
    keyVault={"rotationOperators": OPERATORS},
    aks={**AKS_STACK["aks"], "scheduledRotation": {"schedule": "30 3 * * 1-5", "image": IMAGE}},
    alerts={"rotationPeriodDays": 60},
)


@pytest.fixture(scope="module")
def scheduled() -> offline.Plan:
    return plan_program(SCHEDULED)


def _api_key_secret(plan: offline.Plan) -> offline.Registration:
    return next(s for s in plan.of_type("azure-native:keyvault:Secret") if s.get("secretName") == "speech-api-key")


def _assignments(plan: offline.Plan, role: str) -> list[offline.Registration]:
    return [r for r in plan.of_type("azure-native:authorization:RoleAssignment") if r.get("roleDefinitionId") == role]


def _built_in(role: catalog.Role) -> str:
    return (
        f"/subscriptions/00000000-0000-0000-0000-000000000000/providers/Microsoft.Authorization/roleDefinitions/{role}"
    )


def test_the_role_allows_exactly_the_calls_of_the_aks_rotation(scheduled: offline.Plan) -> None:
    role = scheduled.one("kubernetes:rbac.authorization.k8s.io/v1:Role")
    assert role.get("metadata.name") == ROLE_NAME
    rules = {(tuple(r["apiGroups"]), tuple(r["resources"])): r for r in role.get("rules")}
    assert set(rules) == {
        (("apps",), ("deployments",)),
        (("",), ("pods",)),
        (("",), ("pods/proxy",)),
        (("",), ("secrets",)),
    }
    assert rules[("apps",), ("deployments",)]["verbs"] == ["get", "list", "patch"]
    assert rules[("",), ("pods/proxy",)]["verbs"] == ["get"]
    secrets = rules[("",), ("secrets",)]
    assert (secrets["verbs"], secrets["resourceNames"]) == (["get"], [catalog.AKS.credentials_secret])


def test_operators_are_bound_by_the_names_aks_gives_them(scheduled: offline.Plan) -> None:
    bindings = {
        b.get("metadata.name"): b for b in scheduled.of_type("kubernetes:rbac.authorization.k8s.io/v1:RoleBinding")
    }
    operators = bindings["speech-rotation-operators"]
    assert operators.get("roleRef") == {"apiGroup": "rbac.authorization.k8s.io", "kind": "Role", "name": ROLE_NAME}
    assert [(s["kind"], s["name"]) for s in operators.get("subjects")] == [
        ("Group", GROUP),
        ("User", ROBOT),  # a service principal: its object id
        ("User", "ops@contoso.com"),  # a user: the UPN
        ("User", GUEST),  # a guest, from another tenant: its object id
    ]


def test_operators_may_fetch_a_kubeconfig_and_nothing_more_in_azure(scheduled: offline.Plan) -> None:
    cluster = scheduled.one("azure-native:containerservice:ManagedCluster")
    grants = _assignments(scheduled, _built_in(catalog.Role.AKS_CLUSTER_USER))
    assert sorted((g.get("principalId"), g.get("principalType")) for g in grants) == sorted(
        [(GROUP, "Group"), (ROBOT, "ServicePrincipal"), (PERSON, "User"), (GUEST, "User")]
    )
    assert {g.get("scope") for g in grants} == {cluster.id}


def test_the_cron_job_rotates_due_keys_in_cluster_with_explicit_targets(scheduled: offline.Plan) -> None:
    cron = _cron(scheduled)
    spec = cron.get("spec")
    assert (spec["schedule"], spec["timeZone"], spec["concurrencyPolicy"]) == ("30 3 * * 1-5", "Etc/UTC", "Forbid")
    pod = spec["jobTemplate"]["spec"]["template"]
    (container,) = pod["spec"]["containers"]
    assert container["image"] == IMAGE
    account = scheduled.one("azure-native:cognitiveservices:Account")
    args = container["args"]
    assert args[:4] == ["rotate", "--host=aks", "--in-cluster", "--cloud=AzurePublicCloud"]
    assert f"--account-id={account.id}" in args
    assert f"--vault-url={scheduled.outputs['keyVaultUri']}" in args
    assert "--if-older-than-days=60" in args  # alerts.rotationPeriodDays
    assert "--expiry-days=90" in args  # 60 + Key Vault's 30-day SecretNearExpiry notice
    assert pod["spec"]["serviceAccountName"] == SERVICE_ACCOUNT
    assert pod["metadata"]["labels"]["azure.workload.identity/use"] == "true"
    # The Speech pods' NetworkPolicy (part-of) is not for it: it calls the API server and Azure.
    assert "app.kubernetes.io/part-of" not in pod["metadata"]["labels"]
    security = pod["spec"]["securityContext"]
    assert (security["runAsNonRoot"], security["runAsUser"]) == (True, 65532)
    assert container["securityContext"]["readOnlyRootFilesystem"] is True


def _cloud_of(provider_config: dict[str, str]) -> str:
    return str(offline.run(lambda: pulumi.export("cloud", stack_cloud().rotation), provider_config).outputs["cloud"])


def test_the_cron_job_signs_in_to_the_cloud_the_stack_deploys_to(monkeypatch: pytest.MonkeyPatch) -> None:
    """Else its explicit public authority would override the sovereign one the workload identity webhook sets."""
    monkeypatch.delenv("ARM_ENVIRONMENT", raising=False)
    assert _cloud_of({"azure-native:environment": "usgovernment"}) == "AzureUSGovernment"
    sign_in = offline.run(lambda: pulumi.export("az", az_login()), {"azure-native:environment": "usgovernment"})
    assert sign_in.outputs["az"].startswith("az cloud set --name AzureUSGovernment -o none && az login ")
    monkeypatch.setenv("ARM_ENVIRONMENT", "AzureChinaCloud")  # an alias the provider accepts too
    assert _cloud_of({}) == "AzureChinaCloud"
    assert _cloud_of({"azure-native:environment": "usgov"}) == "AzureUSGovernment"
    assert {c.rotation for c in catalog.AZURE_CLOUDS.values()} <= set(KNOWN_CLOUDS)  # names the command accepts
    with pytest.raises(Exception, match="azure-native:environment: 'germany' is not a cloud"):
        _cloud_of({"azure-native:environment": "germany"})
    monkeypatch.setenv("ARM_ENVIRONMENT", "mars")
    with pytest.raises(Exception, match="ARM_ENVIRONMENT: 'mars' is not a cloud"):
        _cloud_of({})
    monkeypatch.delenv("ARM_ENVIRONMENT")
    assert _cloud_of({"azure-native:metadataHost": "management.usgovcloudapi.net"}) == "AzureUSGovernment"
    with pytest.raises(Exception, match="is AzureCloud but azure-native:environment is 'usgovernment': set one"):
        _cloud_of({"azure-native:metadataHost": "management.azure.com", "azure-native:environment": "usgovernment"})
    with pytest.raises(Exception, match=r"azure-native:metadataHost: 'management\.azs' names a custom cloud"):
        _cloud_of({"azure-native:metadataHost": "management.azs", "azure-native:environment": "public"})
    monkeypatch.setenv("ARM_METADATA_HOSTNAME", "management.azs")
    with pytest.raises(Exception, match=r"ARM_METADATA_HOSTNAME: 'management\.azs' names a custom cloud"):
        _cloud_of({"azure-native:environment": "public"})


def _cron(plan: offline.Plan) -> offline.Registration:
    (cron,) = [c for c in plan.of_type("kubernetes:batch/v1:CronJob") if c.get("metadata.name") == JOB_NAME]
    return cron


def test_the_rotation_identity_has_least_privilege_and_waits_for_it(scheduled: offline.Plan) -> None:
    identity = scheduled.named("speech-aks-scheduled-rotation-identity")
    principal = identity.outputs["principalId"]
    account = scheduled.one("azure-native:cognitiveservices:Account")
    definition = scheduled.one("azure-native:authorization:RoleDefinition")
    assert definition.get("permissions") == [{"actions": ACCOUNT_ACTIONS}]
    group = account.id.split("/providers/")[0]
    assert definition.get("assignableScopes") == [group] and definition.get("scope") == group
    assert group.count("/") == 4 and "/resourceGroups/" in group
    account_grants = _assignments(scheduled, definition.id)
    assert [(g.get("principalId"), g.get("scope")) for g in account_grants] == [(principal, account.id)]
    vault_grants = [
        g
        for g in _assignments(scheduled, _built_in(catalog.Role.KEY_VAULT_SECRETS_OFFICER))
        if g.get("principalId") == principal
    ]
    assert [g.get("scope") for g in vault_grants] == [scheduled.one("azure-native:keyvault:Vault").id]
    service_account = next(
        s for s in scheduled.of_type("kubernetes:core/v1:ServiceAccount") if s.get("metadata.name") == SERVICE_ACCOUNT
    )
    assert (
        service_account.get("metadata.annotations")["azure.workload.identity/client-id"] == identity.outputs["clientId"]
    )
    federation = scheduled.named("speech-aks-scheduled-rotation-federation")
    assert federation.get("subject") == f"system:serviceaccount:speech:{SERVICE_ACCOUNT}"
    cron = _cron(scheduled)
    waits = [s.urn for s in scheduled.of_type("time:index/sleep:Sleep") if account_grants[0].urn in s.dependencies]
    assert waits and waits[0] in cron.dependencies
    assert service_account.urn in cron.dependencies


def test_the_new_role_is_assigned_only_after_it_has_replicated(scheduled: offline.Plan) -> None:
    definition = scheduled.one("azure-native:authorization:RoleDefinition")
    (assignment,) = _assignments(scheduled, definition.id)
    (replication,) = [s for s in scheduled.of_type("time:index/sleep:Sleep") if definition.urn in s.dependencies]
    assert replication.get("createDuration") == "10m" and replication.get("triggers") == {"grant0": definition.id}
    assert replication.urn in assignment.dependencies


def _with_role(definition_id: str) -> dict[str, Any]:
    rotation = {**SCHEDULED["aks"]["scheduledRotation"], "accountRoleDefinitionId": definition_id}
    return with_changes(SCHEDULED, aks={**SCHEDULED["aks"], "scheduledRotation": rotation})


def _scheduled(schedule: str, **key_vault: int) -> dict[str, Any]:
    rotation = {**SCHEDULED["aks"]["scheduledRotation"], "schedule": schedule}
    return with_changes(SCHEDULED, aks={**SCHEDULED["aks"], "scheduledRotation": rotation}, keyVault=key_vault)


def test_the_default_expiry_outlasts_the_longest_wait_for_the_next_scheduled_run() -> None:
    monthly = config.parse(_scheduled("0 3 1 * *"))  # up to 31 days between runs, more than Key Vault's notice
    assert monthly.key_vault.api_key_expiry_days == 60 + 31 + 1
    weekdays = config.parse(_scheduled("30 3 * * 1-5"))
    assert weekdays.key_vault.api_key_expiry_days == 60 + 30


def _role_id(guid: str) -> str:
    return f"/subscriptions/{SUBSCRIPTION_ID}/providers/Microsoft.Authorization/roleDefinitions/{guid}"


def test_a_role_created_beforehand_is_assigned_none_is_defined_and_a_broader_one_is_called_out() -> None:
    """For deployers who may assign roles but not define them (Role Based Access Control Administrator)."""
    role = _role_id("bbbbbbbb-4444-4444-4444-444444444444")  # the mocks' role of Microsoft.CognitiveServices/*
    plan = plan_program(_with_role(role))
    assert plan.of_type("azure-native:authorization:RoleDefinition") == []
    principal = plan.named("speech-aks-scheduled-rotation-identity").outputs["principalId"]
    account = plan.one("azure-native:cognitiveservices:Account")
    assert [(g.get("principalId"), g.get("scope")) for g in _assignments(plan, role)] == [(principal, account.id)]
    assert [w for w in plan.warnings if "accountRoleDefinitionId" in w] == [
        "aks.scheduledRotation.accountRoleDefinitionId: role 'custom-bbbbbbbb' allows more than the rotation needs: "
        "Microsoft.CognitiveServices/*"
    ]


def test_a_role_that_also_grants_data_actions_is_called_out() -> None:
    checked = offline.run(lambda: checked_account_role(_role_id("eeeeeeee-4444-4444-4444-444444444444")), {})
    assert checked.warnings == [
        "aks.scheduledRotation.accountRoleDefinitionId: role 'custom-eeeeeeee' allows more than the rotation needs: "
        "Microsoft.CognitiveServices/*"
    ]


@pytest.mark.parametrize("guid", ["44444444-4444-4444-4444-444444444444", "cccccccc-4444-4444-4444-444444444444"])
def test_a_role_of_exactly_the_actions_in_any_case_passes_without_a_warning(guid: str) -> None:
    checked = offline.run(lambda: checked_account_role(_role_id(guid)), {})
    assert checked.warnings == []


@pytest.mark.parametrize(
    ("guid", "expected"),
    [
        (
            "aaaaaaaa-4444-4444-4444-444444444444",
            "aks.scheduledRotation.accountRoleDefinitionId: role 'custom-aaaaaaaa' does not allow "
            "Microsoft.CognitiveServices/accounts/listKeys/action, "
            "Microsoft.CognitiveServices/accounts/regenerateKey/action",
        ),
        ("dddddddd-4444-4444-4444-444444444444", "RoleDefinitionDoesNotExist"),
    ],
)
def test_a_role_created_beforehand_that_cannot_rotate_stops_the_plan(guid: str, expected: str) -> None:
    with pytest.raises(Exception, match=expected):
        offline.run(lambda: checked_account_role(_role_id(guid)), {})


def test_failed_scheduled_rotations_alert(scheduled: offline.Plan) -> None:
    rotation = scheduled.named("speech-alerts-rotation")
    assert rotation.get("displayName") == "speech: The scheduled key rotation failed"
    query = rotation.get("criteria.allOf")[0]["query"]
    assert f'Name startswith "{JOB_NAME}-"' in query and 'PodStatus == "Failed"' in query
    # A run stopped at the Job's deadline, an image that cannot be pulled, a missed schedule: Warning events.
    assert log_tables.tables_of(query) == {log_tables.PODS, log_tables.KUBE_EVENTS}
    assert '"DeadlineExceeded"' in query and f'(ObjectKind == "CronJob" and Name == "{JOB_NAME}"' in query
    assert f'(ObjectKind == "Pod" and Name startswith "{JOB_NAME}-" and Reason in ("Failed"' in query
    assert syntax_errors(query) == () and log_tables.check_columns(query) == []


def test_the_first_key_version_expires_when_the_key_is_due_plus_the_notice(scheduled: offline.Plan) -> None:
    secret = _api_key_secret(scheduled)
    assert secret.get("properties.attributes.expires") == MOCK_NOW_UNIX + 90 * 86_400
    assert "properties.attributes" in secret.ignore_changes  # later expiries belong to the rotation
    assert scheduled.outputs["apiKeyExpiryDays"] == 90


def test_without_operators_or_schedule_only_the_role_exists(aks_plan: offline.Plan) -> None:
    assert len(aks_plan.of_type("kubernetes:rbac.authorization.k8s.io/v1:Role")) == 1
    assert aks_plan.of_type("kubernetes:rbac.authorization.k8s.io/v1:RoleBinding") == []
    assert [c for c in aks_plan.of_type("kubernetes:batch/v1:CronJob") if c.get("metadata.name") == JOB_NAME] == []
    assert aks_plan.of_type("azure-native:authorization:RoleDefinition") == []


def test_expiry_zero_sets_none() -> None:
    plan = plan_program(with_changes(ACI_STACK, keyVault={"apiKeyExpiryDays": 0}))
    secret = _api_key_secret(plan)
    assert secret.get("properties.attributes") is None
    assert plan.of_type("time:index/offset:Offset") == []


@pytest.mark.parametrize(
    ("values", "key", "fragment"),
    [
        (
            with_changes(AKS_STACK, keyVault={"rotationOperators": [{"objectId": PERSON, "type": "User"}]}),
            "keyVault.rotationOperators[0].userPrincipalName",
            "Kubernetes RBAC names Entra users by UPN",
        ),
        (
            with_changes(AKS_STACK, aks={"scheduledRotation": {"schedule": "daily", "image": IMAGE}}),
            "aks.scheduledRotation.schedule",
            "cron expression of five fields",
        ),
        (
            with_changes(AKS_STACK, aks={"scheduledRotation": {"schedule": "0 3 * * *"}}),
            "aks.scheduledRotation.image",
            "is required",
        ),
        (with_changes(AKS_STACK, keyVault={"apiKeyExpiryDays": 4000}), "keyVault.apiKeyExpiryDays", "3650"),
        (
            with_changes(ACI_STACK, keyVault={"apiKeyExpiryDays": 90}),
            "keyVault.apiKeyExpiryDays",
            "90 days: the key would expire before it is rotated, after alerts.rotationPeriodDays (90); give more "
            "than 90, or 0 for no expiry",
        ),
        (
            _scheduled("0 3 * * 1", apiKeyExpiryDays=65),
            "keyVault.apiKeyExpiryDays",
            "after alerts.rotationPeriodDays (60) plus up to 7 day(s) until aks.scheduledRotation's next run; give "
            "more than 67",
        ),
        (_scheduled("0 24 * * *"), "aks.scheduledRotation.schedule", "hour: 24 is outside 0-23"),
        (_scheduled("0 3 30 2 *"), "aks.scheduledRotation.schedule", "matches no day of the year"),
        (_scheduled("0 3 1- * *"), "aks.scheduledRotation.schedule", "day of month: '1-' is not a value"),
        (
            _with_role("/subscriptions/x/resourceGroups/g/providers/Microsoft.Authorization/roleDefinitions/y"),
            "aks.scheduledRotation.accountRoleDefinitionId",
            "a role definition id: /subscriptions",
        ),
    ],
)
def test_bad_rotation_settings_fail_before_any_resource(values: dict[str, Any], key: str, fragment: str) -> None:
    with pytest.raises(config.ConfigError) as caught:
        config.parse(values)
    assert any(p.startswith(f"{key}:") and fragment in p for p in caught.value.problems), caught.value.problems


def _on_existing_cluster(name: str, operators: list[dict[str, str]]) -> dict[str, Any]:
    return with_changes(
        AKS_STACK,
        aks={"existingCluster": {"name": name, "resourceGroupName": "rg-platform"}},
        keyVault={"rotationOperators": operators},
        containers={"language-identification": {}},
    )


def test_operators_on_an_existing_cluster_without_entra_are_refused_before_anything_is_registered() -> None:
    """There the Cluster User Role's kubeconfig is the cluster admin's (the mocks give local-* no Entra)."""
    partial = offline.Plan()
    with pytest.raises(Exception, match=r"keyVault.rotationOperators: cluster local-aks .* no Microsoft Entra"):
        offline.run(program.main, namespaced(_on_existing_cluster("local-aks", OPERATORS[:1])), plan=partial)
    assert [r.name for r in partial.registrations if r.name.startswith("speech-aks-")] == []
    assert [r.name for r in partial.registrations if r.name == "speech-aks"]  # the host, and nothing under it


def test_an_existing_cluster_is_not_read_for_entra_without_operators() -> None:
    """Nothing to refuse: no invoke, so a cluster without Entra integration stays usable."""
    cluster = ExistingCluster("local-aks", "rg-platform")  # reading it would raise: the mocks give it no Entra
    offline.run(lambda: check_entra_integration(cluster, ()), {})
    with pytest.raises(Exception, match="no Microsoft Entra integration"):
        offline.run(lambda: check_entra_integration(cluster, (config.model.Principal(GROUP, PrincipalType.GROUP),)), {})


def test_a_user_operator_needs_no_upn_on_aci() -> None:
    settings = config.parse(
        with_changes(ACI_STACK, keyVault={"rotationOperators": [{"objectId": PERSON, "type": "User"}]})
    )
    assert settings.key_vault.rotation_operators[0].user_principal_name is None
