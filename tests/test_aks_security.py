"""AKS hardening on top of the hosting: TLS ingress, private API server, diagnostics, billing preflight Job."""

from __future__ import annotations

import pytest

from components import catalog, config, program
from components.aks.preflight import JOB_NAME
from components.config import NAMESPACE
from plan import offline
from tests.sample_stacks import AKS_INGRESS_STACK, AKS_STACK, namespaced, plan_program, with_changes

INGRESS = AKS_INGRESS_STACK["aks"]["ingress"]


@pytest.fixture(scope="module")
def ingress_plan() -> offline.Plan:
    return plan_program(AKS_INGRESS_STACK)


#: Independent options in one plan: an internal ingress, authorized API ranges, and no preflight.
VARIANT = with_changes(
    AKS_STACK,
    preflight=False,
    aks={"ingress": {**INGRESS, "internal": True}, "cluster": {"apiServerAuthorizedIpRanges": ["203.0.113.0/24"]}},
)


@pytest.fixture(scope="module")
def variant_plan() -> offline.Plan:
    return plan_program(VARIANT)


def test_ingress_serves_every_kind_over_tls_with_the_vault_certificate(ingress_plan: offline.Plan) -> None:
    ingress = ingress_plan.one("kubernetes:networking.k8s.io/v1:Ingress")
    spec = ingress.get("spec")
    hosts = ["speech-to-text.speech.contoso.com", "neural-text-to-speech.speech.contoso.com"]
    assert spec["ingressClassName"] == "webapprouting.kubernetes.azure.com"
    (tls,) = spec["tls"]
    assert (sorted(tls["hosts"]), tls["secretName"]) == (sorted(hosts), "keyvault-speech")
    backends = {r["host"]: r["http"]["paths"][0]["backend"]["service"] for r in spec["rules"]}
    assert backends["speech-to-text.speech.contoso.com"] == {"name": "speech-to-text", "port": {"name": "http"}}
    annotations = ingress.get("metadata.annotations")
    vault_uri = ingress_plan.outputs["keyVaultUri"].rstrip("/")
    assert annotations["kubernetes.azure.com/tls-cert-keyvault-uri"] == f"{vault_uri}/certificates/speech-wildcard"
    assert annotations["nginx.ingress.kubernetes.io/proxy-read-timeout"] == "3600"  # the default stream budget
    assert annotations["nginx.ingress.kubernetes.io/ssl-redirect"] == "true"


def test_the_add_on_may_read_the_certificate_before_the_ingress_exists(ingress_plan: offline.Plan) -> None:
    cluster = ingress_plan.one("azure-native:containerservice:ManagedCluster")
    identity = cluster.outputs["ingressProfile"]["webAppRouting"]["identity"]["objectId"]
    (grant,) = [
        r
        for r in ingress_plan.of_type("azure-native:authorization:RoleAssignment")
        if r.get("roleDefinitionId").endswith(catalog.Role.KEY_VAULT_CERTIFICATE_USER.value)
    ]
    assert grant.get("principalId") == identity
    assert grant.get("scope") == ingress_plan.one("azure-native:keyvault:Vault").id
    (wait,) = [r for r in ingress_plan.of_type("time:index/sleep:Sleep") if grant.urn in r.dependencies]
    assert wait.urn in ingress_plan.one("kubernetes:networking.k8s.io/v1:Ingress").dependencies
    assert cluster.get("ingressProfile.webAppRouting.enabled") is True
    assert cluster.get("ingressProfile.webAppRouting.nginx.defaultIngressControllerType") == "External"


def test_endpoints_behind_the_ingress_are_wss_and_https_on_443(ingress_plan: offline.Plan) -> None:
    endpoints = ingress_plan.outputs["containers"]
    assert endpoints["speech-to-text"]["url"] == "wss://speech-to-text.speech.contoso.com:443"
    assert (
        endpoints["neural-text-to-speech"]["statusUrl"] == "https://neural-text-to-speech.speech.contoso.com:443/status"
    )


def test_services_stay_cluster_internal_even_with_an_ingress(ingress_plan: offline.Plan) -> None:
    assert {s.get("spec.type") for s in ingress_plan.of_type("kubernetes:core/v1:Service")} == {"ClusterIP"}


def test_internal_ingress_uses_an_internal_load_balancer(variant_plan: offline.Plan) -> None:
    cluster = variant_plan.one("azure-native:containerservice:ManagedCluster")
    assert cluster.get("ingressProfile.webAppRouting.nginx.defaultIngressControllerType") == "Internal"


def test_without_an_ingress_there_is_no_add_on_and_no_public_entry(aks_plan: offline.Plan) -> None:
    assert aks_plan.of_type("kubernetes:networking.k8s.io/v1:Ingress") == []
    assert aks_plan.one("azure-native:containerservice:ManagedCluster").get("ingressProfile") is None


def test_private_api_server_and_authorized_ranges(variant_plan: offline.Plan) -> None:
    private = plan_program(with_changes(AKS_STACK, aks={"cluster": {"privateCluster": True}}))
    cluster = private.one("azure-native:containerservice:ManagedCluster")
    assert cluster.get("apiServerAccessProfile.enablePrivateCluster") is True
    profile = variant_plan.one("azure-native:containerservice:ManagedCluster").get("apiServerAccessProfile")
    assert profile == {"enablePrivateCluster": False, "authorizedIPRanges": ["203.0.113.0/24"]}


@pytest.mark.parametrize(
    ("aks", "key", "fragment"),
    [
        (
            {"cluster": {"privateCluster": True, "apiServerAuthorizedIpRanges": ["203.0.113.0/24"]}},
            "aks.cluster.apiServerAuthorizedIpRanges",
            "public API server only",
        ),
        ({"ingress": {"domain": "speech.contoso.com"}}, "aks.ingress.certificateName", "is required"),
        ({"ingress": {"domain": "Not A Domain", "certificateName": "c"}}, "aks.ingress.domain", "DNS domain"),
        ({"ingress": {**INGRESS, "tls": "on"}}, "aks.ingress.tls", "unknown key"),
    ],
)
def test_aks_hardening_config_errors(aks: dict[str, object], key: str, fragment: str) -> None:
    with pytest.raises(config.ConfigError) as caught:
        config.parse(with_changes(AKS_STACK, aks=aks))
    assert any(p.startswith(f"{key}:") and fragment in p for p in caught.value.problems), caught.value.problems


def test_cluster_logs_and_metrics_go_to_the_workspace(aks_plan: offline.Plan) -> None:
    cluster = aks_plan.one("azure-native:containerservice:ManagedCluster")
    setting = next(
        s for s in aks_plan.of_type("azure-native:monitor:DiagnosticSetting") if s.get("resourceUri") == cluster.id
    )
    assert setting.get("workspaceId") == aks_plan.one("azure-native:operationalinsights:Workspace").id


def test_preflight_job_checks_billing_from_the_speech_pool_without_a_literal_key(aks_plan: offline.Plan) -> None:
    job = aks_plan.one("kubernetes:batch/v1:Job")
    assert job.get("metadata.name") == JOB_NAME
    spec = job.get("spec")
    pod = spec["template"]["spec"]
    (container,) = pod["containers"]
    assert container["image"] == "mcr.microsoft.com/azure-cli:2.67.0"  # curl and a shell, a version tag
    assert container["command"] == catalog.PREFLIGHT.command
    assert "args" not in container
    script = container["command"][-1]
    assert "curl --fail" in script and '"${Billing%/}/sts/v1.0/issueToken"' in script  # exit code is the verdict
    assert '"Ocp-Apim-Subscription-Key: $ApiKey"' in script  # read from the env, never a literal
    assert job.get("metadata.annotations")["pulumi.com/replaceUnready"] == "true"  # a failed check runs again
    refs = {e["name"]: e["valueFrom"]["secretKeyRef"] for e in container["env"]}
    assert refs["ApiKey"] == {"name": catalog.AKS.credentials_secret, "key": catalog.AKS.api_key_data_key}
    assert pod["restartPolicy"] == "Never"
    assert pod["nodeSelector"] == {catalog.AKS.agentpool_label: "speech"}
    assert container["securityContext"]["allowPrivilegeEscalation"] is False
    assert spec["activeDeadlineSeconds"] == catalog.PREFLIGHT.deadline_seconds
    spc = aks_plan.one("kubernetes:secrets-store.csi.x-k8s.io/v1:SecretProviderClass")
    assert spc.urn in job.dependencies
    assert "spec" in job.inputs  # replaced, not patched, when the check changes
    assert offline.MOCK_KEYS["key1"] not in str(job.inputs)


def test_preflight_false_registers_no_job(variant_plan: offline.Plan, aks_plan: offline.Plan) -> None:
    assert [j.get("metadata.name") for j in aks_plan.of_type("kubernetes:batch/v1:Job")] == [JOB_NAME]
    assert [j.get("metadata.name") for j in variant_plan.of_type("kubernetes:batch/v1:Job")] == [
        "speech-certificate-check"  # the variant has an ingress; its certificate is checked, billing is not
    ]


def test_the_ingress_waits_for_its_certificate_to_be_in_the_vault(ingress_plan: offline.Plan) -> None:
    """Nothing in ARM creates a Key Vault certificate: a missing one fails pulumi up with what to do, instead of an
    ingress that silently serves the controller's default certificate."""
    (check,) = [j for j in ingress_plan.of_type("kubernetes:batch/v1:Job") if "certificate" in j.name]
    pod = check.get("spec.template.spec")
    (container,) = pod["containers"]
    script = container["command"][-1]
    assert script.startswith("az cloud set --name AzureCloud -o none && az login ")  # the stack's cloud
    assert '--federated-token "$(cat "$AZURE_FEDERATED_TOKEN_FILE")"' in script  # the pods' workload identity
    assert "az keyvault secret show" in script and "--name speech-wildcard" in script
    assert "az keyvault certificate import" in script and "exit 1" in script  # the message says what to do
    assert check.get("spec.template.metadata.labels")["azure.workload.identity/use"] == "true"
    assert check.get("metadata.annotations")["pulumi.com/replaceUnready"] == "true"  # checked again next time
    assert check.urn in ingress_plan.one("kubernetes:networking.k8s.io/v1:Ingress").dependencies


def test_one_network_policy_covers_every_speech_pod_in_and_out(aks_plan: offline.Plan) -> None:
    policy = aks_plan.one("kubernetes:networking.k8s.io/v1:NetworkPolicy")
    spec = policy.get("spec")
    selector = spec["podSelector"]["matchLabels"]
    assert selector == {"app.kubernetes.io/part-of": catalog.AKS.part_of}
    pods = [d.get("spec.template.metadata.labels") for d in aks_plan.of_type("kubernetes:apps/v1:Deployment")]
    pods.append(aks_plan.one("kubernetes:batch/v1:Job").get("spec.template.metadata.labels"))
    assert all(selector.items() <= labels.items() for labels in pods)
    assert spec["policyTypes"] == ["Ingress", "Egress"]
    (ingress,) = spec["ingress"]
    assert ingress["ports"] == [{"protocol": "TCP", "port": 5000}, {"protocol": "TCP", "port": 5003}]  # LID: 5003
    assert ingress["from"] == [{"namespaceSelector": {}}]  # in-cluster clients only
    egress_ports = sorted((p["protocol"], p["port"]) for rule in spec["egress"] for p in rule["ports"])
    assert egress_ports == [("TCP", 53), ("TCP", catalog.TLS_PORT), ("UDP", 53)]


def test_new_clusters_enforce_network_policy_with_cilium(aks_plan: offline.Plan) -> None:
    profile = aks_plan.one("azure-native:containerservice:ManagedCluster").get("networkProfile")
    assert (profile["networkPolicy"], profile["networkDataplane"]) == ("cilium", "cilium")


def test_rollouts_wait_out_model_loading_instead_of_the_default_600_s(aks_plan: offline.Plan) -> None:
    for deployment in aks_plan.of_type("kubernetes:apps/v1:Deployment"):
        kind = catalog.Kind(deployment.get("metadata.name"))
        deadline = deployment.get("spec.progressDeadlineSeconds")
        assert deadline > catalog.CONTAINERS[kind].startup_budget_seconds > 600


def test_pods_wait_for_their_service_account(aks_plan: offline.Plan) -> None:
    account = aks_plan.one("kubernetes:core/v1:ServiceAccount")
    for pod_owner in [*aks_plan.of_type("kubernetes:apps/v1:Deployment"), aks_plan.one("kubernetes:batch/v1:Job")]:
        assert account.urn in pod_owner.dependencies, pod_owner.name


def test_env_values_from_secret_config_live_in_a_secret_not_the_pod_spec() -> None:
    values = with_changes(AKS_STACK, containers={"speech-to-text": {"env": {"APP_TOKEN": "user:hunter2"}}})
    plan = offline.run(program.main, namespaced(values), secret_keys=(f"{NAMESPACE}:containers",))
    secret = plan.one("kubernetes:core/v1:Secret")
    assert secret.get("metadata.name") == "speech-to-text-settings"
    assert isinstance(secret.raw("stringData"), offline.Secret)
    assert secret.get("stringData") == {"APP_TOKEN": "user:hunter2"}
    deployment = next(
        d for d in plan.of_type("kubernetes:apps/v1:Deployment") if d.get("metadata.name") == "speech-to-text"
    )
    env = {e["name"]: e for e in deployment.get("spec.template.spec.containers.0.env")}
    assert env["APP_TOKEN"] == {
        "name": "APP_TOKEN",
        "valueFrom": {"secretKeyRef": {"name": "speech-to-text-settings", "key": "APP_TOKEN"}},
    }
    assert "hunter2" not in str(deployment.inputs)
    assert secret.urn in deployment.dependencies
