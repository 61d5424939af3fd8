"""Locked-down environments: the output volume and the HTTP proxy, on ACI and AKS, and their config errors."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

from components import catalog, config
from plan import offline
from tests.sample_stacks import ACI_STACK, AKS_STACK, plan_program, with_changes
from tests.test_aks import manifest, validate_kubernetes  # noqa: F401 (a fixture)

MODEL_ID = "0123abcd-4567-89ef-0123-456789abcdef"
PROXY = {"url": "http://proxy.contoso.com:3128", "credentials": "svc-speech:hunter2", "noProxy": [".contoso.com"]}
OUTPUT = {"storageGb": 8, "maxFileSizeMb": 10}
LINKS = {
    "subnetId": "/subscriptions/s/resourceGroups/n/providers/Microsoft.Network/virtualNetworks/v/subnets/pe",
}
DIGEST = "sha256:" + "ab" * 32
REGISTRY = {"name": "contosospeech"}
LOGIN = "contosospeech.azurecr.io"
REGISTRY_ID = "/subscriptions/s/resourceGroups/g/providers/Microsoft.ContainerRegistry/registries/SharedAcr"
#: ACI with everything, disconnected too (tests/test_disconnected.py reads its license steps).
ACI_LOCKED = with_changes(
    ACI_STACK,
    output=OUTPUT,
    proxy=PROXY,
    registry=REGISTRY,
    disconnected={"commitment": {"planType": "STT", "tier": "T1"}, "renewDays": 14},
    containers={**ACI_STACK["containers"], "speech-to-text": {"locale": "en-us", "digest": DIGEST}},
)
AKS_LOCKED = with_changes(
    AKS_STACK,
    output=OUTPUT,
    proxy=PROXY,
    registry=REGISTRY,
    containers={"speech-to-text": {"replicas": 2}, "custom-speech-to-text": {"modelId": MODEL_ID}},
)
PVC = "kubernetes:core/v1:PersistentVolumeClaim"
DEPLOYMENT = "kubernetes:apps/v1:Deployment"
JOB = "kubernetes:batch/v1:Job"


def locked_plan(host: str) -> offline.Plan:
    """The sample stack with an output volume, a registry and a proxy whose credentials were set as a secret (shared
    across xdist workers)."""
    return plan_program(ACI_LOCKED if host == "aci" else AKS_LOCKED, secret=("proxy",))


def problems_of(values: dict[str, Any], secret: bool = True) -> list[str]:
    with pytest.raises(config.ConfigError) as caught:
        config.parse(values, frozenset({"proxy"}) if secret else frozenset())
    return caught.value.problems


def aci_env(group: offline.Registration, container: int = 0) -> dict[str, Any]:
    variables = offline.reveal(group.raw("containers"))[container]["environmentVariables"]
    return {v["name"]: v.get("value", v.get("secureValue")) for v in variables}


def aci_group(plan: offline.Plan, name: str) -> offline.Registration:
    return plan.named(f"speech-aci-{name}")


def pod_env(container: dict[str, Any]) -> dict[str, Any]:
    return {e["name"]: e.get("value", e.get("valueFrom")) for e in container["env"]}


# --- output volume -------------------------------------------------------------------------------------------


def test_aci_groups_write_logs_to_their_own_output_share() -> None:
    plan = locked_plan("aci")
    shares = {s.name: s for s in plan.of_type("azure-native:storage:FileShare")}
    for deployment in ("speech-to-text", "neural-text-to-speech"):
        group = aci_group(plan, f"{deployment}-0")
        share = shares[f"speech-aci-{deployment}-0-output"]
        assert share.get("shareName") == f"{deployment}-0-output"
        assert share.get("shareQuota") == 8
        volume = next(v for v in offline.reveal(group.raw("volumes")) if v["name"] == "output")
        assert volume["azureFile"]["shareName"] == share.outputs["name"]
        assert isinstance(group.raw("volumes"), offline.Secret)  # the storage key travels as a secret
        speech = offline.reveal(group.raw("containers"))[0]
        assert {"name": "output", "mountPath": "/output"} in speech["volumeMounts"]
        env = aci_env(group)
        assert env["Mounts__Output"] == "/output"  # configuration page: the output mount's target
        assert env["Logging__Disk__Format"] == "json"  # the Disk provider's switch; needs the mount
        assert env["Logging__Disk__MaxFileSize"] == "10"
    account = plan.named("speech-aci-output")
    assert account.get("allowBlobPublicAccess") is False and account.get("minimumTlsVersion") == "TLS1_2"


def test_without_output_no_share_no_mount_and_no_disk_logs(aci_plan: offline.Plan) -> None:
    assert not [r for r in aci_plan.of_type("azure-native:storage:StorageAccount") if r.name.endswith("-output")]
    env = aci_env(aci_group(aci_plan, "speech-to-text-0"))
    assert not {"Mounts__Output", "Logging__Disk__Format", "HTTP_PROXY", "NO_PROXY"} & set(env)


def test_aks_pods_write_into_a_folder_of_their_own_on_a_shared_output_claim() -> None:
    plan = locked_plan("aks")
    claims = {c.get("metadata.name"): c for c in plan.of_type(PVC)}
    claim = claims["speech-to-text-output"]
    assert claim.get("spec.storageClassName") == "azurefile-csi"
    assert claim.get("spec.accessModes") == ["ReadWriteMany"]
    assert claim.get("spec.resources.requests.storage") == "8Gi"
    deployment = next(d for d in plan.of_type(DEPLOYMENT) if d.get("metadata.name") == "speech-to-text")
    pod = deployment.get("spec.template.spec")
    assert {"name": "output", "persistentVolumeClaim": {"claimName": "speech-to-text-output"}} in pod["volumes"]
    speech = pod["containers"][0]
    mount = next(m for m in speech["volumeMounts"] if m["name"] == "output")
    assert mount == {"name": "output", "mountPath": "/output", "subPathExpr": "$(POD_NAME)"}
    env = pod_env(speech)
    assert env["POD_NAME"] == {"fieldRef": {"fieldPath": "metadata.name"}}
    assert env["Mounts__Output"] == "/output" and env["Logging__Disk__Format"] == "json"


def test_the_model_download_writes_its_logs_to_the_output_claim_too() -> None:
    plan = locked_plan("aks")
    job = next(j for j in plan.of_type(JOB) if str(j.get("metadata.name")).endswith("-download"))
    speech = job.get("spec.template.spec.initContainers.0")
    assert any(m["name"] == "output" and m["subPathExpr"] == "$(POD_NAME)" for m in speech["volumeMounts"])
    assert pod_env(speech)["Mounts__Output"] == "/output"
    volumes = job.get("spec.template.spec.volumes")
    assert {"name": "output", "persistentVolumeClaim": {"claimName": "custom-speech-to-text-output"}} in volumes


def test_output_disabled_or_without_disk_logs() -> None:
    assert config.parse(with_changes(ACI_STACK, output={"enabled": False})).output is None
    settings = config.parse(with_changes(ACI_STACK, output={"diskLogs": False}))
    assert settings.output is not None and not settings.output.disk_logs
    assert all(c.output == settings.output for c in settings.containers)
    from components.lockdown import output_settings

    assert [s.name for s in output_settings(settings.output)] == ["Mounts__Output"]


# --- proxy ---------------------------------------------------------------------------------------------------


def test_aci_containers_and_preflight_go_through_the_proxy_with_secret_credentials() -> None:
    plan = locked_plan("aci")
    env = aci_env(aci_group(plan, "speech-to-text-0"))
    assert env["HTTP_PROXY"] == env["HTTPS_PROXY"] == "http://proxy.contoso.com:3128"
    assert env["NO_PROXY"] == "localhost,127.0.0.1,.contoso.com"
    assert isinstance(aci_group(plan, "speech-to-text-0").raw("containers"), offline.Secret)
    raw = offline.reveal(aci_group(plan, "speech-to-text-0").raw("containers"))[0]["environmentVariables"]
    assert {"name": "HTTP_PROXY_CREDS", "secureValue": "svc-speech:hunter2"} in raw  # never a plain `value`
    preflight = aci_group(plan, "preflight")
    checks = aci_env(preflight)
    assert checks["HTTPS_PROXY"] == "http://proxy.contoso.com:3128" and "localhost" in checks["NO_PROXY"]
    command = offline.reveal(preflight.raw("containers"))[0]["command"]
    assert '--proxy-user "$HTTP_PROXY_CREDS"' in command[2]


def test_without_credentials_the_preflight_command_is_unchanged(aci_plan: offline.Plan) -> None:
    command = offline.reveal(aci_group(aci_plan, "preflight").raw("containers"))[0]["command"]
    assert command == catalog.PREFLIGHT.command and "--proxy-user" not in command[2]


def test_aks_pods_read_the_proxy_credentials_from_a_secret() -> None:
    plan = locked_plan("aks")
    secret = plan.named("speech-aks-proxy")
    assert secret.get("metadata.name") == "speech-proxy"
    assert isinstance(secret.raw("stringData"), offline.Secret)
    assert offline.reveal(secret.raw("stringData")) == {"credentials": "svc-speech:hunter2"}
    deployment = next(d for d in plan.of_type(DEPLOYMENT) if d.get("metadata.name") == "speech-to-text")
    assert secret.urn in deployment.dependencies
    env = pod_env(deployment.get("spec.template.spec.containers.0"))
    assert env["HTTP_PROXY_CREDS"] == {"secretKeyRef": {"name": "speech-proxy", "key": "credentials"}}
    assert env["NO_PROXY"].split(",")[:2] == ["localhost", "127.0.0.1"]
    assert {".svc", ".cluster.local", ".contoso.com"} <= set(env["NO_PROXY"].split(","))
    assert "svc-speech:hunter2" not in str(deployment.inputs)


def test_aks_preflight_and_network_policy_let_the_proxy_through() -> None:
    plan = locked_plan("aks")
    job = plan.named("speech-aks-preflight-job")
    container = job.get("spec.template.spec.containers.0")
    env = pod_env(container)
    assert env["HTTPS_PROXY"] == "http://proxy.contoso.com:3128"
    assert env["HTTP_PROXY_CREDS"] == {"secretKeyRef": {"name": "speech-proxy", "key": "credentials"}}
    assert container["command"] == catalog.PREFLIGHT.command_with_proxy_user
    policy = plan.one("kubernetes:networking.k8s.io/v1:NetworkPolicy")
    assert {"ports": [{"protocol": "TCP", "port": 3128}]} in policy.get("spec.egress")


def test_locked_down_kubernetes_objects_are_valid(validate_kubernetes: Callable[[dict[str, Any]], str]) -> None:  # noqa: F811
    plan = locked_plan("aks")
    for type_ in (PVC, DEPLOYMENT, JOB, "kubernetes:core/v1:Secret", "kubernetes:networking.k8s.io/v1:NetworkPolicy"):
        for resource in plan.of_type(type_):
            validate_kubernetes(manifest(resource))


# --- bad combinations -------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("proxy", "key", "fragment"),
    [
        ({"url": "http://proxy:3128", "noProxy": [".azure.com"]}, "proxy.noProxy", "sends billing"),
        ({"url": "http://proxy:3128", "noProxy": ["cognitiveservices.azure.com"]}, "proxy.noProxy", "private path"),
        ({"url": "http://user:pw@proxy:3128"}, "proxy.url", "without credentials"),
        ({"url": "http://proxy"}, "proxy.url", "host:port"),
        ({"url": "http://proxy:3128", "noProxy": ["*"]}, "proxy.noProxy", ".domain"),
        ({"noProxy": ["localhost"]}, "proxy.url", "required"),
    ],
)
def test_bad_proxies_name_their_key(proxy: dict[str, Any], key: str, fragment: str) -> None:
    problems = problems_of(with_changes(ACI_STACK, proxy=proxy))
    assert any(p.startswith(key) and fragment in p for p in problems), problems
    assert not any("pw@" in p for p in problems)  # a URL with credentials is never echoed


def test_billing_may_bypass_the_proxy_through_its_private_endpoint() -> None:
    values = with_changes(ACI_STACK, proxy={"url": "http://proxy:3128"}, privateEndpoints=LINKS)
    settings = config.parse(values)
    assert settings.proxy is not None
    assert settings.proxy.no_proxy == ("localhost", "127.0.0.1", ".cognitiveservices.azure.com")


def test_proxy_credentials_must_be_a_secret() -> None:
    values = with_changes(ACI_STACK, proxy={"url": "http://proxy:3128", "credentials": "u:p"})
    assert any(p.startswith("proxy.credentials: must be a secret") for p in problems_of(values, secret=False))
    assert config.parse(values, frozenset({"proxy"})).proxy is not None


@pytest.mark.parametrize("name", ["HTTP_PROXY", "https_proxy", "NO_PROXY", "HTTP_PROXY_CREDS", "Mounts__Output"])
def test_env_may_not_set_proxy_or_output_settings(name: str) -> None:
    values = with_changes(ACI_STACK, containers={"speech-to-text": {"env": {name: "x"}}})
    assert any(
        p.startswith(f"containers.speech-to-text.env.{name}: is set by the package") for p in problems_of(values)
    )


# --- private registry ------------------------------------------------------------------------------------------


def images_in(value: Any) -> list[str]:
    """Every `image` anywhere in a resource's inputs."""
    if isinstance(value, dict):
        return [v for k, v in value.items() if k == "image" and isinstance(v, str)] + [
            i for v in value.values() for i in images_in(v)
        ]
    if isinstance(value, list):
        return [i for v in value for i in images_in(v)]
    return []


def test_the_stack_creates_a_registry_that_caches_every_mcr_repository_it_uses() -> None:
    plan = locked_plan("aci")
    registry = plan.one("azure-native:containerregistry:Registry")
    assert registry.get("registryName") == "contosospeech"
    assert registry.get("sku") == {"name": "Premium"}
    assert registry.get("adminUserEnabled") is False and registry.get("anonymousPullEnabled") is False
    assert registry.get("networkRuleBypassOptions") == "AzureServices"
    rules = {r.get("targetRepository"): r for r in plan.of_type("azure-native:containerregistry:CacheRule")}
    speech = "azure-cognitive-services/speechservices"
    assert set(rules) == {
        f"{speech}/speech-to-text",
        f"{speech}/neural-text-to-speech",
        "azurelinux/busybox",
        "azurelinux/base/nginx",
        "azure-cli",
    }
    for target, rule in rules.items():
        assert rule.get("sourceRepository") == f"mcr.microsoft.com/{target}"
        assert rule.get("registryName") == "contosospeech"
        assert len(rule.get("cacheRuleName")) <= 50


def test_aci_pulls_every_image_from_the_registry_with_a_user_assigned_identity() -> None:
    plan = locked_plan("aci")
    identity = plan.named("speech-aci-pull")
    grant = plan.named("speech-aci-acr-pull")
    assert grant.get("roleDefinitionId").endswith(catalog.Role.ACR_PULL.value)
    assert grant.get("principalId") == identity.outputs["principalId"]
    assert grant.get("scope") == plan.one("azure-native:containerregistry:Registry").id
    wait = plan.named("speech-aci-acr-pull-propagation")
    rules = {r.urn for r in plan.of_type("azure-native:containerregistry:CacheRule")}
    groups = plan.of_type("azure-native:containerinstance:ContainerGroup")
    assert len(groups) == 5  # two deployments, their license downloads and the preflight
    for group in groups:
        images = images_in(offline.reveal(group.inputs))
        assert images and all(i.startswith(f"{LOGIN}/") for i in images), images
        assert group.get("identity") == {"type": "UserAssigned", "userAssignedIdentities": [identity.id]}
        assert group.get("imageRegistryCredentials") == [{"server": LOGIN, "identity": identity.id}]
        assert wait.urn in group.dependencies and rules <= set(group.dependencies)
    stt = offline.reveal(aci_group(plan, "speech-to-text-0").raw("containers"))[0]["image"]
    # The digest stays pinned: a cached image is MCR's manifest.
    assert stt == f"{LOGIN}/azure-cognitive-services/speechservices/speech-to-text:5.1.0-amd64-en-us@{DIGEST}"


def test_aks_pulls_every_image_from_the_registry_with_the_kubelet_identity() -> None:
    plan = locked_plan("aks")
    cluster = plan.one("azure-native:containerservice:ManagedCluster")
    grant = plan.named("speech-aks-acr-pull")
    assert grant.get("principalId") == cluster.outputs["identityProfile"]["kubeletidentity"]["objectId"]
    assert grant.get("roleDefinitionId").endswith(catalog.Role.ACR_PULL.value)
    wait = plan.named("speech-aks-acr-pull-propagation")
    pods = [r for r in plan.registrations if r.type.startswith("kubernetes:") and images_in(r.inputs)]
    assert {r.type for r in pods} >= {DEPLOYMENT, JOB}
    for resource in pods:
        images = images_in(offline.reveal(resource.inputs))
        assert all(i.startswith(f"{LOGIN}/") for i in images), (resource.name, images)
        assert wait.urn in resource.dependencies, resource.name


def test_without_a_registry_every_image_comes_from_mcr(aks_plan: offline.Plan) -> None:
    pods = [r for r in aks_plan.registrations if r.type.startswith("kubernetes:") and images_in(r.inputs)]
    assert pods and all(i.startswith("mcr.microsoft.com/") for r in pods for i in images_in(r.inputs))
    assert not aks_plan.of_type("azure-native:containerregistry:Registry")


def test_an_existing_prefilled_registry_is_only_pulled_from() -> None:
    settings = config.parse(with_changes(AKS_STACK, registry={"existingId": REGISTRY_ID, "fill": "prefilled"}))
    assert settings.registry is not None and settings.registry.login_server == "sharedacr.azurecr.io"
    assert settings.containers[0].image.startswith("sharedacr.azurecr.io/azure-cognitive-services/")
    assert settings.registry.pull("docker.io/library/nginx:1") == "docker.io/library/nginx:1"


@pytest.mark.parametrize(
    ("changes", "key", "fragment"),
    [
        ({"registry": {"name": "contosospeech", "existingId": REGISTRY_ID}}, "registry", "exactly one"),
        ({"registry": {"fill": "cache"}}, "registry", "exactly one"),
        ({"registry": {"name": "contosospeech", "fill": "prefilled"}}, "registry.fill", "nothing would fill it"),
        ({"registry": {"name": "contosospeech", "sku": "Standard"}}, "registry.sku", "ACI's managed-identity"),
        ({"registry": {"existingId": REGISTRY_ID, "sku": "Basic"}}, "registry", "not existingId"),
        (
            {"registry": REGISTRY, "aci": {"tls": {"proxyImage": "docker.io/library/nginx:1.27"}}},
            "aci.tls.proxyImage",
            "not on mcr.microsoft.com",
        ),
    ],
)
def test_bad_registries_name_their_key(changes: dict[str, Any], key: str, fragment: str) -> None:
    problems = problems_of(with_changes(ACI_STACK, **changes))
    assert any(p.startswith(f"{key}:") and fragment in p for p in problems), problems


def test_a_private_aks_registry_needs_premium() -> None:
    values = with_changes(AKS_STACK, registry={"name": "contosospeech", "sku": "Basic", "publicNetworkAccess": False})
    assert any(p.startswith("registry.sku:") and "Premium" in p for p in problems_of(values))
    assert config.parse(with_changes(AKS_STACK, registry={"name": "contosospeech", "sku": "Basic"})).registry


def test_the_registry_resources_api_versions_are_listed_exceptions() -> None:
    from tests.test_api_versions import PREVIEW_EXCEPTIONS, api_version

    types = {r.type for host in ("aci", "aks") for r in locked_plan(host).registrations}
    for type_ in ("azure-native:containerregistry:Registry", "azure-native:containerregistry:CacheRule"):
        assert type_ in types
        assert PREVIEW_EXCEPTIONS[type_][0] == api_version(type_)


def test_the_vault_checks_sign_in_through_the_proxy_with_its_credentials() -> None:
    plan = locked_plan("aks")
    cron = plan.one("kubernetes:batch/v1:CronJob")
    container = cron.get("spec.jobTemplate.spec.template.spec.containers.0")
    settings = pod_env(container)
    assert settings["HTTPS_PROXY"] == "http://proxy.contoso.com:3128"
    assert settings["HTTP_PROXY_CREDS"] == {"secretKeyRef": {"name": "speech-proxy", "key": "credentials"}}
    script = container["command"][2]
    assert script.startswith('export HTTPS_PROXY="${HTTPS_PROXY%%://*}://$HTTP_PROXY_CREDS@${HTTPS_PROXY#*://}"')
    assert container["image"].startswith(f"{LOGIN}/azure-cli:")


def test_the_proxy_url_gets_the_credentials_only_at_run_time() -> None:
    import subprocess

    from components.lockdown import through_proxy

    proxy = config.parse(with_changes(ACI_STACK, proxy=PROXY), frozenset({"proxy"})).proxy
    command = through_proxy(["/bin/sh", "-c", 'echo "$HTTPS_PROXY $HTTP_PROXY"'], proxy)
    environment = {"HTTPS_PROXY": "http://proxy:3128", "HTTP_PROXY": "http://proxy:3128", "HTTP_PROXY_CREDS": "u:p"}
    ran = subprocess.run(command, env=environment, capture_output=True, text=True, check=True)
    assert ran.stdout.strip() == "http://u:p@proxy:3128 http://u:p@proxy:3128"
    assert through_proxy(["/bin/sh", "-c", "true"], None) == ["/bin/sh", "-c", "true"]
