"""The AKS host under the mocks: cluster, Speech pool, Key Vault-backed credentials, workloads, endpoints."""

from __future__ import annotations

import base64
import functools
import re
from collections.abc import Callable, Iterator
from typing import Any

import pytest
import yaml

from components import catalog
from components.aks.cluster import KUBELOGIN_MODE, non_interactive_kubeconfig
from components.catalog import Kind
from plan import offline
from tests.sample_stacks import AKS_STACK, plan_program, with_changes

AKS = catalog.AKS
DEPLOYMENT = "kubernetes:apps/v1:Deployment"
SPC = "kubernetes:secrets-store.csi.x-k8s.io/v1:SecretProviderClass"
AGENT_POOL = "azure-native:containerservice:AgentPool"
SLEEP = "time:index/sleep:Sleep"
MAINTENANCE = "azure-native:containerservice:MaintenanceConfiguration"
CLUSTER = "azure-native:containerservice:ManagedCluster"
MODEL_ID = "0123abcd-4567-89ef-0123-456789abcdef"

#: Every kind, with the optional settings set, on a new cluster with a custom poll interval and namespace.
FULL_STACK = with_changes(
    AKS_STACK,
    aks={
        "cluster": {"secretRotationPollInterval": "5m"},
        "pool": {"vmSize": "Standard_D32s_v5", "zones": ["1", "2"]},
        "namespace": "voice",
    },
    containers={
        "speech-to-text": {"replicas": 2, "maxReplicas": 4, "decoderMaxCount": 4, "env": {"Logging__Level": "Info"}},
        "custom-speech-to-text": {"modelId": MODEL_ID, "modelStorageGb": 64},
        "language-identification": {},
        "neural-text-to-speech": {"cpu": 6, "memoryGb": 12},
    },
)
#: One small kind keeps this second program run cheap.
OPERATORS_GROUP = "11111111-1111-1111-1111-111111111111"
EXISTING_STACK = with_changes(
    AKS_STACK,
    aks={"existingCluster": {"name": "shared-aks", "resourceGroupName": "rg-platform"}},
    containers={"language-identification": {}},
    keyVault={"rotationOperators": [{"objectId": OPERATORS_GROUP, "type": "Group"}]},
)


OTHER_MODEL_ID = "fedcba98-4567-89ef-0123-456789abcdef"
#: Independent options in two more plans: tuned (scale-down, a maintenance window, the model id in capitals) and
#: off (no zones, no maintenance window, another model id).
TUNED_STACK = with_changes(
    AKS_STACK,
    aks={
        **AKS_STACK["aks"],
        "scaleDown": {"periodSeconds": 600},
        "maintenance": {"dayOfWeek": "Saturday", "startTime": "22:30", "durationHours": 6, "utcOffset": "-05:00"},
    },
    containers={"speech-to-text": {}, "custom-speech-to-text": {"modelId": MODEL_ID.upper()}},
)
OFF_STACK = with_changes(
    AKS_STACK,
    aks={"maintenance": {"enabled": False}},
    containers={"speech-to-text": {}, "custom-speech-to-text": {"modelId": OTHER_MODEL_ID}},
)


@pytest.fixture(scope="module")
def tuned_plan() -> offline.Plan:
    return plan_program(TUNED_STACK)


@pytest.fixture(scope="module")
def off_plan() -> offline.Plan:
    return plan_program(OFF_STACK)


@pytest.fixture(scope="module")
def full_plan() -> offline.Plan:
    return plan_program(FULL_STACK)


@pytest.fixture(scope="module")
def existing_plan() -> offline.Plan:
    return plan_program(EXISTING_STACK)


def deployment(plan: offline.Plan, kind: Kind) -> offline.Registration:
    return next(r for r in plan.of_type(DEPLOYMENT) if r.get("metadata.name") == kind.value)


def container_of(plan: offline.Plan, kind: Kind) -> dict[str, Any]:
    spec: dict[str, Any] = deployment(plan, kind).get("spec.template.spec.containers.0")
    return spec


def env_of(plan: offline.Plan, kind: Kind) -> dict[str, Any]:
    return {e["name"]: e.get("value", e.get("valueFrom")) for e in container_of(plan, kind)["env"]}


# --- components ---------------------------------------------------------------------------------------------


def test_components_are_typed_and_parent_their_children(aks_plan: offline.Plan) -> None:
    host = aks_plan.one("speech-containers:aks:AksHost")
    for token in ("AksCluster", "SpeechNodePool", "SpeechCredentials"):
        assert aks_plan.one(f"speech-containers:aks:{token}").parent == host.urn
    workloads = aks_plan.of_type("speech-containers:aks:SpeechWorkload")
    assert sorted(w.name for w in workloads) == ["speech-aks-neural-text-to-speech", "speech-aks-speech-to-text"]
    components = {r.urn for r in aks_plan.registrations if r.type.startswith("speech-containers:aks:")}
    aks_resources = [
        r for r in aks_plan.registrations if r.custom and (r.type.startswith("kubernetes:") or "speech-aks" in r.name)
    ]
    assert aks_resources
    for resource in aks_resources:
        assert resource.parent in components, resource.name


def test_kubernetes_objects_use_the_cluster_provider(aks_plan: offline.Plan) -> None:
    provider = aks_plan.one("pulumi:providers:kubernetes")
    for resource in aks_plan.registrations:
        if resource.type.startswith("kubernetes:"):
            assert resource.provider.startswith(provider.urn), resource.name


# --- cluster and pool ---------------------------------------------------------------------------------------


def test_new_cluster_has_workload_identity_csi_rotation_and_no_local_accounts(full_plan: offline.Plan) -> None:
    cluster = full_plan.one(CLUSTER)
    assert cluster.get("disableLocalAccounts") is True
    assert cluster.get("aadProfile") == {"managed": True, "enableAzureRBAC": True, "tenantID": offline.TENANT_ID}
    assert cluster.get("oidcIssuerProfile.enabled") is True
    assert cluster.get("securityProfile.workloadIdentity.enabled") is True
    csi = cluster.get("addonProfiles.azureKeyvaultSecretsProvider")
    assert csi == {"enabled": True, "config": {"enableSecretRotation": "true", "rotationPollInterval": "5m"}}
    [system] = cluster.get("agentPoolProfiles")
    assert system["mode"] == "System"
    assert system["name"] != full_plan.one(AGENT_POOL).get("agentPoolName")


def test_deployer_gets_cluster_admin_before_kubernetes_objects(aks_plan: offline.Plan) -> None:
    grant = next(r for r in aks_plan.of_type("azure-native:authorization:RoleAssignment") if "deployer" in r.name)
    assert grant.get("principalId") == offline.DEPLOYER_OBJECT_ID
    assert grant.get("roleDefinitionId").endswith(catalog.Role.AKS_RBAC_CLUSTER_ADMIN.value)
    assert grant.get("scope") == aks_plan.one(CLUSTER).id
    # Azure RBAC for AKS answers 403 for up to 10 minutes after the grant: the provider waits that out, once.
    (wait,) = [r for r in aks_plan.of_type(SLEEP) if grant.urn in r.dependencies]
    assert wait.get("createDuration") == "10m"
    assert wait.get("triggers") == {"grant0": grant.id}  # a replaced grant waits again
    assert wait.urn in aks_plan.one("pulumi:providers:kubernetes").dependencies


def test_the_first_vault_mount_waits_for_the_reader_role_to_propagate(aks_plan: offline.Plan) -> None:
    reader = next(r for r in aks_plan.of_type("azure-native:authorization:RoleAssignment") if "vault-reader" in r.name)
    (wait,) = [r for r in aks_plan.of_type(SLEEP) if reader.urn in r.dependencies]
    provider_class = aks_plan.one("kubernetes:secrets-store.csi.x-k8s.io/v1:SecretProviderClass")
    assert wait.urn in provider_class.dependencies
    for deployment in aks_plan.of_type("kubernetes:apps/v1:Deployment"):
        assert provider_class.urn in deployment.dependencies


def test_an_existing_cluster_grants_nothing_and_so_waits_for_nothing_but_the_vault_role(
    existing_plan: offline.Plan,
) -> None:
    assert [r.name for r in existing_plan.of_type(SLEEP)] == ["speech-aks-credentials-vault-propagation"]


def test_speech_pool_is_a_separate_autoscaled_tainted_agent_pool(full_plan: offline.Plan) -> None:
    pool = full_plan.one(AGENT_POOL)
    assert pool.get("resourceName") == full_plan.one(CLUSTER).outputs["name"]
    assert pool.get("agentPoolName") == "speech"
    assert pool.get("maxPods") == 30  # what the sizing's kube-reserved memory assumes
    assert pool.get("mode") == "User"
    assert pool.get("vmSize") == "Standard_D32s_v5"
    assert pool.get("enableAutoScaling") is True
    assert 1 <= pool.get("minCount") <= pool.get("maxCount")
    assert pool.get("availabilityZones") == ["1", "2"]
    assert pool.get("nodeLabels") == {AKS.pool_taint_key: AKS.pool_taint_value}
    assert pool.get("nodeTaints") == [f"{AKS.pool_taint_key}={AKS.pool_taint_value}:NoSchedule"]
    assert pool.ignore_changes == ("count",)


def test_existing_cluster_is_read_not_created(existing_plan: offline.Plan) -> None:
    assert not existing_plan.of_type(CLUSTER)
    assert not [r for r in existing_plan.registrations if "deployer" in r.name]
    pool = existing_plan.one(AGENT_POOL)
    assert (pool.get("resourceName"), pool.get("resourceGroupName")) == ("shared-aks", "rg-platform")
    federation = existing_plan.one("azure-native:managedidentity:FederatedIdentityCredential")
    assert federation.get("issuer") == "https://oidc.example.invalid/shared-aks/"


def test_rotation_operators_on_an_existing_cluster_with_entra_may_fetch_a_kubeconfig(
    existing_plan: offline.Plan,
) -> None:
    """The mocks' existing clusters have Entra integration (except local-*: tests/test_scheduled_rotation.py)."""
    cluster_user = f"/roleDefinitions/{catalog.Role.AKS_CLUSTER_USER}"
    grants = [
        g
        for g in existing_plan.of_type("azure-native:authorization:RoleAssignment")
        if g.get("roleDefinitionId").endswith(cluster_user)
    ]
    assert [(g.get("principalId"), g.get("principalType")) for g in grants] == [(OPERATORS_GROUP, "Group")]
    assert grants[0].get("scope").endswith("/managedClusters/shared-aks")


def test_kubeconfig_is_a_secret_user_kubeconfig(aks_plan: offline.Plan) -> None:
    provider = aks_plan.one("pulumi:providers:kubernetes")
    assert isinstance(provider.raw("kubeconfig"), offline.Secret)
    assert yaml.safe_load(provider.get("kubeconfig")) == yaml.safe_load(offline.MOCK_KUBECONFIG)
    assert provider.get("enableServerSideApply") in (True, "true")


def test_kubelogin_runs_non_interactively() -> None:
    exec_config = {
        "apiVersion": "v1",
        "kind": "Config",
        "users": [
            {
                "name": "clusterUser",
                "user": {"exec": {"command": "kubelogin", "args": ["get-token", "--login", "devicecode", "-x"]}},
            },
            {"name": "token", "user": {"token": "t"}},
        ],
    }
    encoded = base64.b64encode(yaml.safe_dump(exec_config).encode()).decode()
    converted = yaml.safe_load(non_interactive_kubeconfig(encoded))
    assert converted["users"][0]["user"]["exec"]["args"] == ["get-token", "--login", KUBELOGIN_MODE, "-x"]
    assert converted["users"][1] == exec_config["users"][1]


# --- credentials --------------------------------------------------------------------------------------------


def test_identity_is_federated_with_the_service_account(full_plan: offline.Plan) -> None:
    identity = full_plan.one("azure-native:managedidentity:UserAssignedIdentity")
    federation = full_plan.one("azure-native:managedidentity:FederatedIdentityCredential")
    cluster = full_plan.one(CLUSTER)
    assert federation.get("issuer") == cluster.outputs["oidcIssuerProfile"]["issuerURL"]
    assert federation.get("subject") == "system:serviceaccount:voice:speech-containers"
    assert federation.get("audiences") == [AKS.token_exchange_audience]
    assert federation.get("resourceName") == identity.outputs["name"]
    account = full_plan.one("kubernetes:core/v1:ServiceAccount")
    assert account.get("metadata.name") == "speech-containers"
    assert account.get("metadata.namespace") == "voice"
    assert account.get("metadata.annotations") == {"azure.workload.identity/client-id": identity.outputs["clientId"]}


def test_identity_may_read_the_vault(full_plan: offline.Plan) -> None:
    identity = full_plan.one("azure-native:managedidentity:UserAssignedIdentity")
    vault = full_plan.one("azure-native:keyvault:Vault")
    reader = next(
        r
        for r in full_plan.of_type("azure-native:authorization:RoleAssignment")
        if r.get("principalId") == identity.outputs["principalId"]
    )
    assert reader.get("roleDefinitionId").endswith("/roleDefinitions/4633458b-17de-408a-b874-0445c86b69e6")
    assert reader.get("scope") == vault.id
    assert reader.get("principalType") == "ServicePrincipal"


def test_secret_provider_class_syncs_the_contract_secret(full_plan: offline.Plan) -> None:
    spc = full_plan.one(SPC)
    identity = full_plan.one("azure-native:managedidentity:UserAssignedIdentity")
    vault = full_plan.one("azure-native:keyvault:Vault")
    params = spc.get("spec.parameters")
    assert params["usePodIdentity"] == "false"
    assert params["clientID"] == identity.outputs["clientId"]
    assert params["keyvaultName"] == vault.outputs["name"]
    assert params["tenantId"] == offline.TENANT_ID
    objects = [yaml.safe_load(item) for item in yaml.safe_load(params["objects"])["array"]]
    assert objects == [
        {"objectName": "speech-api-key", "objectType": "secret", "objectAlias": "api-key"},
        {"objectName": "speech-billing-endpoint", "objectType": "secret", "objectAlias": "billing-endpoint"},
    ]
    [synced] = spc.get("spec.secretObjects")
    assert synced["secretName"] == "speech-credentials"
    assert {d["key"] for d in synced["data"]} == {"api-key", "billing-endpoint"}
    assert {d["objectName"] for d in synced["data"]} == {o["objectAlias"] for o in objects}
    federation = full_plan.one("azure-native:managedidentity:FederatedIdentityCredential")
    assert federation.urn in spc.dependencies


def test_no_kubernetes_object_holds_the_key(full_plan: offline.Plan) -> None:
    for resource in full_plan.registrations:
        if resource.type.startswith("kubernetes:"):
            text = repr(offline.reveal(resource.inputs))
            assert not any(key in text for key in offline.MOCK_KEYS.values()), resource.name


# --- workloads ----------------------------------------------------------------------------------------------


#: What the docs say, per kind (not read from the catalog): the port from each page's `docker run -p host:container`,
#: the readiness path from the how-to's `/ready` and NTTS 3.10's release note (`/synthesize/health`).
DOCUMENTED = {
    Kind.SPEECH_TO_TEXT: (5000, "/ready"),
    Kind.CUSTOM_SPEECH_TO_TEXT: (5000, "/ready"),
    Kind.LANGUAGE_IDENTIFICATION: (5003, "/ready"),
    Kind.NEURAL_TEXT_TO_SPEECH: (5000, "/synthesize/health"),
}


@pytest.mark.parametrize("kind", list(Kind))
def test_deployment_is_sized_probed_and_pinned_to_the_pool(full_plan: offline.Plan, kind: Kind) -> None:
    port, ready = DOCUMENTED[kind]
    spec = catalog.CONTAINERS[kind]
    found = deployment(full_plan, kind)
    container = container_of(full_plan, kind)
    pod = found.get("spec.template.spec")
    assert container["image"].startswith(spec.repository + ":")
    assert container["ports"] == [{"name": "http", "containerPort": port, "protocol": "TCP"}]
    requests, limits = container["resources"]["requests"], container["resources"]["limits"]
    assert limits == {"memory": requests["memory"]}
    startup = container["startupProbe"]
    assert startup["httpGet"] == {"path": ready, "port": "http"}
    assert startup["periodSeconds"] * startup["failureThreshold"] >= spec.startup_budget_seconds
    assert container["readinessProbe"]["httpGet"] == {"path": ready, "port": "http"}
    assert container["livenessProbe"]["httpGet"]["path"] == catalog.LIVENESS_PATH
    assert pod["nodeSelector"] == {AKS.agentpool_label: "speech"}
    assert pod["tolerations"] == [
        {"key": AKS.pool_taint_key, "operator": "Equal", "value": AKS.pool_taint_value, "effect": "NoSchedule"}
    ]
    assert pod["securityContext"]["seccompProfile"] == {"type": "RuntimeDefault"}
    assert "fsGroup" in pod["securityContext"]
    assert container["securityContext"]["allowPrivilegeEscalation"] is False
    assert container["securityContext"]["capabilities"] == {"drop": ["ALL"]}
    assert pod["serviceAccountName"] == "speech-containers"
    csi = next(v for v in pod["volumes"] if "csi" in v)
    assert csi["csi"]["driver"] == AKS.secrets_store_driver
    assert csi["name"] in {m["name"] for m in container["volumeMounts"]}
    assert found.get("spec.strategy") == {
        "type": "RollingUpdate",
        "rollingUpdate": {"maxSurge": 1, "maxUnavailable": 0},
    }


def test_default_size_is_shaped_to_the_pool_within_the_documented_bounds(aks_plan: offline.Plan) -> None:
    """Unset sizes start from the catalog's recommendation and are shaped to the chosen node (planning/shaping.py):
    never above the recommendation, never below the documented minimum."""
    for kind in (Kind.SPEECH_TO_TEXT, Kind.NEURAL_TEXT_TO_SPEECH):
        spec = catalog.CONTAINERS[kind]
        requests = container_of(aks_plan, kind)["resources"]["requests"]
        cpu, memory = float(requests["cpu"]), float(requests["memory"].removesuffix("Gi"))
        assert spec.minimum.cpu <= cpu <= spec.default_size.cpu
        assert spec.minimum.memory_gb + spec.model_memory_gb <= memory <= spec.default_size.memory_gb


def test_configured_size_is_requested(full_plan: offline.Plan) -> None:
    requests = container_of(full_plan, Kind.NEURAL_TEXT_TO_SPEECH)["resources"]["requests"]
    assert requests == {"cpu": "6", "memory": "12Gi"}


def test_deployment_waits_for_credentials_and_pool(aks_plan: offline.Plan) -> None:
    spc, pool = aks_plan.one(SPC), aks_plan.one(AGENT_POOL)
    for found in aks_plan.of_type(DEPLOYMENT):
        assert {spc.urn, pool.urn} <= set(found.dependencies)


def test_settings_come_from_the_synced_secret_and_config(full_plan: offline.Plan) -> None:
    env = env_of(full_plan, Kind.SPEECH_TO_TEXT)
    assert env["Eula"] == "accept"
    assert env["ApiKey"] == {"secretKeyRef": {"name": "speech-credentials", "key": "api-key"}}
    assert env["Billing"] == {"secretKeyRef": {"name": "speech-credentials", "key": "billing-endpoint"}}
    assert env["DECODER_MAX_COUNT"] == "4"
    assert env["Logging__Level"] == "Info"
    assert "ModelId" not in env
    assert env_of(full_plan, Kind.CUSTOM_SPEECH_TO_TEXT)["ModelId"] == MODEL_ID


def test_labels_and_restart_contract(full_plan: offline.Plan) -> None:
    for kind in Kind:
        found = deployment(full_plan, kind)
        for labels in (found.get("metadata.labels"), found.get("spec.template.metadata.labels")):
            assert labels["app.kubernetes.io/part-of"] == "speech-containers"
            assert labels["app.kubernetes.io/component"] == kind.value
        assert found.get("spec.selector.matchLabels").items() <= found.get("spec.template.metadata.labels").items()
        assert AKS.restarted_at_annotation not in (found.get("spec.template.metadata.annotations") or {})
        # One restart mechanism on a key change (the rotation command's): no Reloader annotation to fire a second.
        assert "secret.reloader.stakater.com/reload" not in found.get("metadata.annotations")
        # The HPA owns the replica count, so `pulumi up` never scales a busy Deployment down.
        assert found.get("spec.replicas") is None
        budget = int(found.get("metadata.annotations")["pulumi.com/timeoutSeconds"])
        assert budget > catalog.CONTAINERS[kind].startup_budget_seconds


def test_service_budget_and_autoscaler_per_kind(full_plan: offline.Plan) -> None:
    replicas = {Kind.SPEECH_TO_TEXT: (2, 4)}
    for kind in Kind:
        selector = deployment(full_plan, kind).get("spec.selector.matchLabels")
        service = next(r for r in full_plan.of_type("kubernetes:core/v1:Service") if r.get("metadata.name") == kind)
        assert service.get("spec.type") == "ClusterIP"
        assert service.get("spec.selector") == selector
        assert service.get("spec.ports") == [
            {"name": "http", "port": DOCUMENTED[kind][0], "targetPort": "http", "protocol": "TCP"}
        ]
        budget = next(
            r for r in full_plan.of_type("kubernetes:policy/v1:PodDisruptionBudget") if r.get("metadata.name") == kind
        )
        assert budget.get("spec") == {
            "maxUnavailable": 1,
            "unhealthyPodEvictionPolicy": "AlwaysAllow",  # a pod that never became ready never blocks a drain
            "selector": {"matchLabels": selector},
        }
        hpa = next(
            r
            for r in full_plan.of_type("kubernetes:autoscaling/v2:HorizontalPodAutoscaler")
            if r.get("metadata.name") == kind
        )
        assert hpa.get("spec.scaleTargetRef") == {"apiVersion": "apps/v1", "kind": "Deployment", "name": kind.value}
        low, high = replicas.get(kind, (1, 1))
        assert (hpa.get("spec.minReplicas"), hpa.get("spec.maxReplicas")) == (low, high)
        assert hpa.get("spec.metrics.0.resource.name") == "cpu"


def test_custom_model_volume_is_shared_and_mounted(full_plan: offline.Plan) -> None:
    [claim] = full_plan.of_type("kubernetes:core/v1:PersistentVolumeClaim")
    assert claim.get("spec.accessModes") == ["ReadWriteMany"]
    assert claim.get("spec.storageClassName") == AKS.model_storage_class
    assert claim.get("spec.resources.requests.storage") == "64Gi"
    pod = deployment(full_plan, Kind.CUSTOM_SPEECH_TO_TEXT).get("spec.template.spec")
    volume = next(v for v in pod["volumes"] if "persistentVolumeClaim" in v)
    assert volume["persistentVolumeClaim"]["claimName"] == claim.get("metadata.name")
    mount = next(m for m in pod["containers"][0]["volumeMounts"] if m["name"] == volume["name"])
    assert mount["mountPath"] == catalog.MODEL_MOUNT_PATH
    startup = pod["containers"][0]["startupProbe"]
    budget = startup["periodSeconds"] * startup["failureThreshold"]
    # The FAQ gives the download an hour; loading comes after it.
    assert budget == catalog.CUSTOM_MODEL_STARTUP_BUDGET_SECONDS > 60 * 60


def test_the_model_claim_is_named_after_the_model_id(
    full_plan: offline.Plan, off_plan: offline.Plan, tuned_plan: offline.Plan
) -> None:
    """The container ignores ModelId when a model is already on its volume: a new id must get a new volume."""

    def claim_name(plan: offline.Plan) -> str:
        (claim,) = plan.of_type("kubernetes:core/v1:PersistentVolumeClaim")
        name: str = claim.get("metadata.name")
        return name

    first, second = claim_name(full_plan), claim_name(off_plan)  # MODEL_ID, OTHER_MODEL_ID
    assert first.startswith("custom-speech-to-text-model-") and first != second
    assert claim_name(tuned_plan) == first  # the same GUID, spelled in capitals


def test_one_job_downloads_the_model_before_any_replica_starts(full_plan: offline.Plan) -> None:
    (job,) = [j for j in full_plan.of_type("kubernetes:batch/v1:Job") if "download" in j.name]
    (claim,) = full_plan.of_type("kubernetes:core/v1:PersistentVolumeClaim")
    pod = job.get("spec.template.spec")
    (speech,) = pod["initContainers"]
    assert speech["restartPolicy"] == "Always"  # a native sidecar: stopped when the Job's container finishes
    assert speech["image"] == container_of(full_plan, Kind.CUSTOM_SPEECH_TO_TEXT)["image"]
    assert {"name": "ModelId", "value": MODEL_ID} in speech["env"]
    assert any(
        v.get("persistentVolumeClaim", {}).get("claimName") == claim.get("metadata.name") for v in pod["volumes"]
    )
    (waiter,) = pod["containers"]
    assert waiter["image"] == catalog.BUSYBOX_IMAGE
    assert "wget -q -O /dev/null http://127.0.0.1:5000/ready" in waiter["command"][-1]
    assert pod["restartPolicy"] == "Never"
    assert job.get("spec.activeDeadlineSeconds") > catalog.CUSTOM_MODEL_STARTUP_BUDGET_SECONDS
    assert job.get("metadata.annotations") == {
        "pulumi.com/replaceUnready": "true",  # a failed download runs again on the next pulumi up
        "pulumi.com/timeoutSeconds": str(int(job.get("spec.activeDeadlineSeconds"))),
    }
    target = deployment(full_plan, Kind.CUSTOM_SPEECH_TO_TEXT)
    assert job.urn in target.dependencies
    selector = target.get("spec.selector.matchLabels")
    assert not selector.items() <= job.get("spec.template.metadata.labels").items()  # the Service never routes to it


# --- outputs ------------------------------------------------------------------------------------------------


def test_endpoints_are_in_cluster_service_urls(full_plan: offline.Plan) -> None:
    assert full_plan.outputs["kubernetesNamespace"] == "voice"
    endpoints = full_plan.outputs["containers"]
    assert set(endpoints) == {k.value for k in Kind}
    for kind in Kind:
        host = f"{kind.value}.voice.svc.cluster.local:{DOCUMENTED[kind][0]}"
        scheme = "ws" if catalog.CONTAINERS[kind].protocol is catalog.Protocol.WS else "http"
        assert endpoints[kind.value]["url"] == f"{scheme}://{host}"
        assert endpoints[kind.value]["statusUrl"] == f"http://{host}{catalog.STATUS_PATH}"
        assert endpoints[kind.value]["instances"] == [f"{scheme}://{host}"]


# --- schema validation --------------------------------------------------------------------------------------

#: The SecretProviderClass CRD (secrets-store.csi.x-k8s.io/v1) is not in the Kubernetes OpenAPI schema; this is
#: the part of its published schema the stack uses, closed so that a misspelt field fails.
_STRING_MAP = {"type": "object", "additionalProperties": {"type": "string"}}
SECRET_PROVIDER_CLASS_SCHEMA: dict[str, Any] = {
    "type": "object",
    "required": ["apiVersion", "kind", "metadata", "spec"],
    "additionalProperties": False,
    "properties": {
        "apiVersion": {"const": "secrets-store.csi.x-k8s.io/v1"},
        "kind": {"const": "SecretProviderClass"},
        "metadata": {
            "type": "object",
            "required": ["name", "namespace"],
            "properties": {"name": {"type": "string", "pattern": r"^[a-z0-9]([-a-z0-9.]*[a-z0-9])?$"}},
        },
        "spec": {
            "type": "object",
            "required": ["provider", "parameters"],
            "additionalProperties": False,
            "properties": {
                "provider": {"const": "azure"},
                "parameters": {**_STRING_MAP, "required": ["clientID", "keyvaultName", "tenantId", "objects"]},
                "secretObjects": {
                    "type": "array",
                    "items": {
                        "type": "object",
                        "required": ["secretName", "type", "data"],
                        "additionalProperties": False,
                        "properties": {
                            "secretName": {"type": "string"},
                            "type": {"type": "string"},
                            "labels": _STRING_MAP,
                            "annotations": _STRING_MAP,
                            "data": {
                                "type": "array",
                                "items": {
                                    "type": "object",
                                    "required": ["objectName", "key"],
                                    "additionalProperties": False,
                                    "properties": {"objectName": {"type": "string"}, "key": {"type": "string"}},
                                },
                            },
                        },
                    },
                },
            },
        },
    },
}
CUSTOM_SCHEMAS = {SPC: SECRET_PROVIDER_CLASS_SCHEMA}


def manifest(resource: offline.Registration) -> dict[str, Any]:
    """The object as the API server would receive it (the engine's wire numbers are floats)."""

    def plain(value: Any) -> Any:
        if isinstance(value, float) and value.is_integer():
            return int(value)
        if isinstance(value, dict):
            return {k: plain(v) for k, v in value.items()}
        if isinstance(value, list):
            return [plain(v) for v in value]
        return value

    found: dict[str, Any] = plain(offline.reveal(resource.inputs))
    return found


@pytest.fixture(scope="module")
def validate_kubernetes() -> Iterator[Callable[[dict[str, Any]], str]]:
    """kubernetes_validate (pinned) against its newest schema, strict; it re-reads its 1.8 MB definitions file
    for every object, so the file reads are cached while this module runs."""
    import kubernetes_validate
    from kubernetes_validate import utils

    original = utils.schema_contents
    utils.schema_contents = functools.cache(original)
    version = kubernetes_validate.latest_version()
    try:
        yield lambda body: str(kubernetes_validate.validate(body, version, strict=True))
    finally:
        utils.schema_contents = original


@pytest.mark.parametrize("plan_name", ["aks_plan", "full_plan"])
def test_every_kubernetes_object_is_valid(
    plan_name: str, request: pytest.FixtureRequest, validate_kubernetes: Callable[[dict[str, Any]], str]
) -> None:
    import jsonschema

    plan: offline.Plan = request.getfixturevalue(plan_name)
    objects = [r for r in plan.registrations if r.type.startswith("kubernetes:")]
    assert len(objects) >= 7
    for resource in objects:
        group_version, kind = resource.type.removeprefix("kubernetes:").rsplit(":", 1)
        body = manifest(resource)
        assert (body["apiVersion"], body["kind"]) == (group_version.removeprefix("core/"), kind)
        if resource.type in CUSTOM_SCHEMAS:
            jsonschema.validate(body, CUSTOM_SCHEMAS[resource.type])
        else:
            validate_kubernetes(body)


def test_validation_catches_a_misspelt_field(
    full_plan: offline.Plan, validate_kubernetes: Callable[[dict[str, Any]], str]
) -> None:
    import jsonschema

    body = manifest(deployment(full_plan, Kind.SPEECH_TO_TEXT))
    body["spec"]["template"]["spec"]["containers"][0]["startupProbes"] = {}
    with pytest.raises(jsonschema.ValidationError):
        validate_kubernetes(body)
    spc = manifest(full_plan.one(SPC))
    spc["spec"]["secretObjects"][0]["data"][0]["name"] = "api-key"
    with pytest.raises(jsonschema.ValidationError):
        jsonschema.validate(spc, SECRET_PROVIDER_CLASS_SCHEMA)


# --- streams survive rollouts, scale-down and drains --------------------------------------------------------


def test_a_stopping_pod_serves_its_open_streams_until_they_end_or_the_budget_is_spent(full_plan: offline.Plan) -> None:
    for kind in Kind:
        pod = deployment(full_plan, kind).get("spec.template.spec")
        (drain,) = pod["initContainers"]
        assert drain["restartPolicy"] == "Always"  # a native sidecar: it outlives the Speech container's stop
        assert drain["image"] == catalog.BUSYBOX_IMAGE  # the Speech image may have no shell
        script = next(e["value"] for e in drain["env"] if e["name"] == "DRAIN_SCRIPT")
        port = catalog.CONTAINERS[kind].port
        assert f":{port:04X} [0-9A-F]+:[0-9A-F]+ 01 " in script  # ESTABLISHED connections to the Speech port
        assert "end=$(( $(date +%s) + 3600 ))" in script  # at most the stream budget
        speech = pod["containers"][0]
        assert speech["lifecycle"] == {"preStop": {"httpGet": {"path": "/cgi-bin/drain", "port": 8099}}}
        assert pod["terminationGracePeriodSeconds"] > 3600 + 10  # the kubelet never kills a draining pod first


def test_the_drain_script_counts_only_established_connections_to_the_speech_port() -> None:
    """Run the script's test against /proc/net/tcp lines: a LISTEN socket and outbound calls are not streams."""
    from components.aks.drain import drain_script

    pattern = re.search(r"grep -qE '([^']+)'", drain_script(5000, 3600))
    assert pattern is not None
    lines = {
        "listen": "   0: 00000000:1388 00000000:0000 0A 00000000:00000000 00:00000000 00000000     0 0 1 1",
        "stream": "   1: 0A00000B:1388 0A000005:C3A2 01 00000000:00000000 00:00000000 00000000     0 0 2 1",
        "billing": "   2: 0A00000B:D4F2 14BD0A03:01BB 01 00000000:00000000 00:00000000 00000000     0 0 3 1",
        "v6 stream": "   3: 0000000000000000FFFF00000A00000B:1388 0000000000000000FFFF00000A000005:C3A4 01 0 0 0",
        "other port": "   4: 0A00000B:1F90 0A000005:C3A6 01 00000000:00000000 00:00000000 00000000     0 0 4 1",
    }
    found = {name for name, line in lines.items() if re.search(pattern.group(1), line)}
    assert found == {"stream", "v6 stream"}


def test_scale_down_removes_one_pod_per_period_after_a_window(
    full_plan: offline.Plan, tuned_plan: offline.Plan
) -> None:
    for hpa in full_plan.of_type("kubernetes:autoscaling/v2:HorizontalPodAutoscaler"):
        assert hpa.get("spec.behavior.scaleDown") == {
            "stabilizationWindowSeconds": 900,
            "selectPolicy": "Min",
            "policies": [{"type": "Pods", "value": 1, "periodSeconds": 300}],
        }
    hpa = tuned_plan.of_type("kubernetes:autoscaling/v2:HorizontalPodAutoscaler")[0]
    assert hpa.get("spec.behavior.scaleDown.policies.0.periodSeconds") == 600


def test_replicas_spread_over_nodes_and_zones(aks_plan: offline.Plan, off_plan: offline.Plan) -> None:
    for found in aks_plan.of_type(DEPLOYMENT):
        constraints = found.get("spec.template.spec.topologySpreadConstraints")
        assert [(c["topologyKey"], c["whenUnsatisfiable"]) for c in constraints] == [
            ("kubernetes.io/hostname", "DoNotSchedule"),
            ("topology.kubernetes.io/zone", "DoNotSchedule"),
        ]
        assert all(c["labelSelector"]["matchLabels"] == found.get("spec.selector.matchLabels") for c in constraints)
    constraints = off_plan.of_type(DEPLOYMENT)[0].get("spec.template.spec.topologySpreadConstraints")
    assert [c["topologyKey"] for c in constraints] == ["kubernetes.io/hostname"]


def test_the_cluster_waits_out_draining_pods_and_upgrades_only_in_its_window(full_plan: offline.Plan) -> None:
    cluster = full_plan.one(CLUSTER)
    grace = 3600 + 10 + 60
    assert cluster.get("autoScalerProfile") == {"maxGracefulTerminationSec": str(grace)}  # default 600 cuts calls
    pool = full_plan.one(AGENT_POOL)
    assert pool.get("upgradeSettings") == {"drainTimeoutInMinutes": -(-grace // 60), "maxSurge": "1"}
    windows = {m.get("configName"): m.get("maintenanceWindow") for m in full_plan.of_type(MAINTENANCE)}
    expected = {
        "schedule": {"weekly": {"dayOfWeek": "Sunday", "intervalWeeks": 1}},
        "startTime": "02:00",
        "durationHours": 4,
        "utcOffset": "+00:00",
    }
    assert windows == {"aksManagedAutoUpgradeSchedule": expected, "aksManagedNodeOSUpgradeSchedule": expected}
    (diagnostics,) = [d for d in full_plan.of_type("azure-native:monitor:DiagnosticSetting") if "aks" in d.name]
    assert diagnostics.get("logs") == [{"category": "kube-audit-admin", "enabled": True}]  # not the costly kube-audit


def test_maintenance_windows_follow_config_and_can_be_turned_off(
    tuned_plan: offline.Plan, off_plan: offline.Plan
) -> None:
    windows = [m.get("maintenanceWindow") for m in tuned_plan.of_type(MAINTENANCE)]
    assert {(w["startTime"], w["durationHours"], w["utcOffset"]) for w in windows} == {("22:30", 6, "-05:00")}
    assert {w["schedule"]["weekly"]["dayOfWeek"] for w in windows} == {"Saturday"}
    assert off_plan.of_type(MAINTENANCE) == []


def test_single_replica_deployments_and_existing_clusters_are_warned_about(
    aks_plan: offline.Plan, existing_plan: offline.Plan
) -> None:
    assert any(w.startswith("containers.neural-text-to-speech: one replica") for w in aks_plan.warnings)
    assert not any(w.startswith("containers.speech-to-text: one replica") for w in aks_plan.warnings)
    existing = existing_plan
    assert any("max-graceful-termination-sec to at least 3670" in w for w in existing.warnings)
    assert existing.of_type(MAINTENANCE) == []  # a cluster the stack does not own keeps its settings
