"""ACI hosting: container groups per kind and replica, sized, configured, probed and logged."""

from __future__ import annotations

import base64
import re
from types import SimpleNamespace
from typing import Any

import pytest

from components import catalog, program
from components.aci import host as aci_host
from components.aci.tls_proxy import TLS_DIR
from components.config import NAMESPACE
from plan import offline
from tests.sample_stacks import ACI_STACK, namespaced, plan_program, with_changes

MODEL_ID = "0123abcd-4567-89ef-0123-456789abcdef"
SUBNET_ID = "/subscriptions/s/resourceGroups/net/providers/Microsoft.Network/virtualNetworks/v/subnets/aci"


PINNED_BUSYBOX = "mcr.microsoft.com/azurelinux/busybox@sha256:" + "ab" * 32
DIGEST = "sha256:" + "0123456789abcdef" * 4
#: Independent public-group options in one plan (a plan costs a third of a second; each test reads its part).
PUBLIC_MIX = with_changes(
    ACI_STACK,
    aci={"dnsNameLabelPrefix": "contoso-speech", "avx2CheckImage": PINNED_BUSYBOX, "restartPolicy": "OnFailure"},
    containers={
        "speech-to-text": {
            "replicas": 2,
            "cpu": 4,
            "memoryGb": 8,
            "decoderMaxCount": 2,
            "env": {"Logging__Console__LogLevel__Default": "Warning"},
            "digest": DIGEST,
        },
        "language-identification": {"replicas": 3, "cpu": 4, "memoryGb": 8},
        "custom-speech-to-text": {"modelId": MODEL_ID, "modelStorageGb": 50},
        "neural-text-to-speech": {"version": "3.10.0"},
    },
)
#: The same for VNet-injected (private) groups.
PRIVATE_MIX = with_changes(
    ACI_STACK,
    aci={"subnetId": SUBNET_ID, "restartPolicy": "Never"},
    containers={
        "speech-to-text": {},
        "language-identification": {"cpu": 4, "memoryGb": 8},
        "neural-text-to-speech": {"version": "3.9.0"},
    },
)


@pytest.fixture(scope="module")
def public_mix() -> offline.Plan:
    return plan_program(PUBLIC_MIX)


@pytest.fixture(scope="module")
def private_mix() -> offline.Plan:
    return plan_program(PRIVATE_MIX)


def groups(plan: offline.Plan) -> dict[str, offline.Registration]:
    """The Speech container groups (not the one-shot preflight)."""
    found = plan.of_type("azure-native:containerinstance:ContainerGroup")
    return {g.name: g for g in found if g.name != "speech-aci-preflight"}


def env_of(group: offline.Registration) -> dict[str, Any]:
    """Env var name -> the raw value entry (value or secureValue), secrets still marked."""
    containers = group.raw("containers")
    variables = offline.reveal(containers)[0]["environmentVariables"]
    return {v["name"]: v.get("value", v.get("secureValue")) for v in variables}


def test_one_group_per_container_kind_under_the_host_component(aci_plan: offline.Plan) -> None:
    found = groups(aci_plan)
    assert set(found) == {"speech-aci-speech-to-text-0", "speech-aci-neural-text-to-speech-0"}
    host = aci_plan.one("speech-containers:aci:AciHost")
    assert {g.parent for g in found.values()} == {host.urn}


def test_group_runs_the_catalog_image_with_config_sizes(aci_plan: offline.Plan) -> None:
    group = groups(aci_plan)["speech-aci-speech-to-text-0"]
    container = group.get("containers")[0]
    assert container["image"] == f"{catalog.IMAGE_ROOT}/speech-to-text:5.1.0-amd64-en-us"
    assert container["resources"]["requests"] == {"cpu": 8, "memoryInGB": 12}
    assert container["ports"] == [{"port": 5000, "protocol": "TCP"}]  # docker run -p 5000:5000 (STT page)
    assert group.get("osType") == "Linux"
    assert group.get("sku") == "Standard"
    assert group.get("restartPolicy") == "Always"
    tts = groups(aci_plan)["speech-aci-neural-text-to-speech-0"].get("containers")[0]
    assert tts["image"].endswith("/neural-text-to-speech:4.1.0-amd64-en-us-jennyneural")  # overview: latest 4.1.0
    assert tts["resources"]["requests"] == {"cpu": 8, "memoryInGB": 16}


def test_billing_settings_with_the_key_only_as_a_secure_secret_value(aci_plan: offline.Plan) -> None:
    group = groups(aci_plan)["speech-aci-speech-to-text-0"]
    assert isinstance(group.raw("containers"), offline.Secret)  # the engine encrypts the whole property
    variables = offline.reveal(group.raw("containers"))[0]["environmentVariables"]
    api_key = next(v for v in variables if v["name"] == "ApiKey")
    assert api_key == {"name": "ApiKey", "secureValue": offline.MOCK_KEYS["key1"]}
    env = env_of(group)
    assert env["Eula"] == "accept"
    assert env["Billing"] == aci_plan.outputs["speechEndpoint"]
    assert "ModelId" not in env


def test_readiness_on_ready_and_liveness_independent_of_billing_after_the_startup_budget(
    aci_plan: offline.Plan,
) -> None:
    container = groups(aci_plan)["speech-aci-speech-to-text-0"].get("containers")[0]
    assert container["readinessProbe"]["httpGet"] == {"path": "/ready", "port": 5000, "scheme": "http"}
    liveness = container["livenessProbe"]
    assert liveness["httpGet"]["path"] == catalog.LIVENESS_PATH
    assert liveness["httpGet"]["path"] not in (catalog.STATUS_PATH, catalog.READY_PATH)  # no billing dependency
    assert liveness["initialDelaySeconds"] == catalog.STARTUP_BUDGET_SECONDS


def test_avx2_is_checked_by_an_init_container_in_a_small_image_known_to_have_a_shell(
    aci_plan: offline.Plan, public_mix: offline.Plan
) -> None:
    """Whether the Speech images have /bin/sh or grep is not published: the check runs in busybox instead."""
    group = groups(aci_plan)["speech-aci-speech-to-text-0"]
    (init,) = group.get("initContainers")
    assert init["image"] == "mcr.microsoft.com/azurelinux/busybox:1.36" != group.get("containers")[0]["image"]
    assert init["command"][:2] == ["/bin/sh", "-c"]
    assert "grep -q avx2 /proc/cpuinfo" in init["command"][-1]
    assert {g.get("initContainers")[0]["image"] for g in groups(public_mix).values()} == {PINNED_BUSYBOX}


def test_public_groups_get_dns_labels_and_ws_or_http_urls(aci_plan: offline.Plan) -> None:
    group = groups(aci_plan)["speech-aci-speech-to-text-0"]
    assert group.get("ipAddress") == {
        "type": "Public",
        "ports": [{"port": catalog.TLS_PORT, "protocol": "TCP"}],  # never the plain 5000
        "dnsNameLabel": "contoso-speech-speech-to-text-0",
        "autoGeneratedDomainNameLabelScope": "TenantReuse",
    }
    stt = aci_plan.outputs["containers"]["speech-to-text"]
    assert stt["url"] == "wss://contoso-speech-speech-to-text-0.eastus.azurecontainer.io:443"
    assert stt["statusUrl"] == "https://contoso-speech-speech-to-text-0.eastus.azurecontainer.io:443/status"
    tts = aci_plan.outputs["containers"]["neural-text-to-speech"]
    assert tts["url"].startswith("https://contoso-speech-neural-text-to-speech-0.")


def test_vnet_injected_groups_are_private_with_no_dns_label_and_no_tls_by_default(private_mix: offline.Plan) -> None:
    plan = private_mix
    group = groups(plan)["speech-aci-speech-to-text-0"]
    assert group.get("ipAddress.type") == "Private"
    assert group.get("ipAddress.ports") == [{"port": 5000, "protocol": "TCP"}]
    assert [c["name"] for c in group.get("containers")] == ["speech-to-text"]
    assert group.get("ipAddress.dnsNameLabel") is None
    assert group.get("subnetIds") == [{"id": SUBNET_ID}]
    assert plan.outputs["containers"]["speech-to-text"]["url"] == "ws://10.1.0.4:5000"


def test_replicas_become_separate_groups_listed_as_instances(public_mix: offline.Plan) -> None:
    plan = public_mix
    lid = {name for name in groups(plan) if "language-identification" in name}
    assert lid == {f"speech-aci-language-identification-{i}" for i in range(3)}
    instances = plan.outputs["containers"]["language-identification"]["instances"]
    assert [i.split(".")[0] for i in instances] == [
        f"https://contoso-speech-language-identification-{i}" for i in range(3)
    ]
    status = plan.outputs["containers"]["language-identification"]["statusUrls"]
    assert status == [f"{url}/status" for url in instances]


def test_logs_go_to_log_analytics_with_the_key_as_a_secret(aci_plan: offline.Plan) -> None:
    group = groups(aci_plan)["speech-aci-speech-to-text-0"]
    workspace = aci_plan.one("azure-native:operationalinsights:Workspace")
    log_analytics = group.raw("diagnostics")
    assert isinstance(log_analytics, offline.Secret)
    plain = offline.reveal(log_analytics)["logAnalytics"]
    assert plain["workspaceId"] == workspace.outputs["customerId"]
    assert plain["workspaceKey"] == "mock-workspace-key"
    assert plain["workspaceResourceId"] == workspace.id
    assert workspace.urn in group.dependencies


def test_custom_speech_gets_model_id_and_an_azure_files_model_volume(public_mix: offline.Plan) -> None:
    plan = public_mix
    group = groups(plan)["speech-aci-custom-speech-to-text-0"]
    assert env_of(group)["ModelId"] == MODEL_ID
    container = group.get("containers")[0]
    assert container["volumeMounts"] == [{"name": "model", "mountPath": catalog.MODEL_MOUNT_PATH}]
    volume = next(v for v in group.get("volumes") if v["name"] == "model")
    share = plan.one("azure-native:storage:FileShare")
    assert share.get("shareQuota") == 50
    assert volume["azureFile"]["shareName"] == share.outputs["name"]
    assert isinstance(group.raw("volumes"), offline.Secret)  # carries the storage key
    account = plan.one("azure-native:storage:StorageAccount")
    assert account.get("minimumTlsVersion") == "TLS1_2"
    assert account.get("allowBlobPublicAccess") is False


def test_decoder_count_and_user_env_are_passed_through(public_mix: offline.Plan) -> None:
    env = env_of(groups(public_mix)["speech-aci-speech-to-text-0"])
    assert env["DECODER_MAX_COUNT"] == "2"
    assert env["Logging__Console__LogLevel__Default"] == "Warning"


def test_large_groups_warn_about_regional_capacity(aci_plan: offline.Plan) -> None:
    assert any("speech-to-text: its group needs 8.25 cores / 12.5 GB" in w for w in aci_plan.warnings)


def test_restart_policy_is_configurable(public_mix: offline.Plan, private_mix: offline.Plan) -> None:
    assert {g.get("restartPolicy") for g in groups(public_mix).values()} == {"OnFailure"}
    assert {g.get("restartPolicy") for g in groups(private_mix).values()} == {"Never"}


def _tls_files(group: offline.Registration) -> dict[str, str]:
    volume = next(v for v in group.get("volumes") if v["name"] == "tls")
    return {name: base64.b64decode(value).decode() for name, value in volume["secret"].items()}


def test_public_groups_terminate_tls_in_an_nginx_sidecar(aci_plan: offline.Plan) -> None:
    group = groups(aci_plan)["speech-aci-speech-to-text-0"]
    speech, proxy = group.get("containers")
    assert speech["ports"] == [{"port": 5000, "protocol": "TCP"}]  # group-internal only
    assert proxy["name"] == "tls-proxy"
    assert proxy["image"] == catalog.TLS_PROXY_IMAGE
    assert proxy["ports"] == [{"port": catalog.TLS_PORT, "protocol": "TCP"}]
    assert proxy["command"] == ["nginx", "-c", f"{TLS_DIR}/nginx.conf", "-g", "daemon off;"]
    assert proxy["volumeMounts"] == [{"name": "tls", "mountPath": TLS_DIR, "readOnly": True}]
    files = _tls_files(group)
    assert "proxy_pass http://127.0.0.1:5000;" in files["nginx.conf"]
    assert "proxy_set_header Upgrade $http_upgrade;" in files["nginx.conf"]
    assert "proxy_read_timeout 3600s;" in files["nginx.conf"]  # the default stream budget
    assert f"listen {catalog.TLS_PORT} ssl;" in files["nginx.conf"]
    assert isinstance(group.raw("volumes"), offline.Secret)


def test_self_signed_certificate_is_generated_and_exported_for_clients_to_trust(aci_plan: offline.Plan) -> None:
    host = aci_plan.one("speech-containers:aci:AciHost")
    key = aci_plan.one("tls:index/privateKey:PrivateKey")
    cert = aci_plan.one("tls:index/selfSignedCert:SelfSignedCert")
    assert key.parent == cert.parent == host.urn
    assert key.get("algorithm") == "ECDSA"
    assert "server_auth" in cert.get("allowedUses")
    assert key.urn in cert.dependencies
    assert aci_plan.outputs["tlsCertificate"] == cert.outputs["certPem"]
    assert "tlsCertificate" not in aci_plan.secret_outputs  # a certificate is public; its key is not exported
    files = _tls_files(groups(aci_plan)["speech-aci-speech-to-text-0"])
    assert files["tls.key"] == key.outputs["privateKeyPem"]


def test_your_own_certificate_replaces_the_self_signed_one() -> None:
    certificate = "-----BEGIN CERTIFICATE-----\nours\n-----END CERTIFICATE-----\n"
    private_key = "-----BEGIN PRIVATE KEY-----\nsecret-key\n-----END PRIVATE KEY-----\n"
    tls = {"mode": "certificate", "certificate": certificate, "privateKey": private_key}
    plan = plan_program(with_changes(ACI_STACK, aci={"dnsNameLabelPrefix": "contoso-speech", "tls": tls}))
    assert plan.of_type("tls:index/selfSignedCert:SelfSignedCert") == []
    assert "tlsCertificate" not in plan.outputs
    files = _tls_files(groups(plan)["speech-aci-speech-to-text-0"])
    assert (files["tls.crt"], files["tls.key"]) == (certificate, private_key)


def test_preflight_asks_billing_for_a_token_once_with_the_billing_settings(aci_plan: offline.Plan) -> None:
    preflight = aci_plan.named("speech-aci-preflight")
    assert preflight.get("restartPolicy") == "Never"
    assert preflight.get("ipAddress") is None  # it only calls out
    (container,) = preflight.get("containers")
    assert container["image"] == catalog.PREFLIGHT.image
    assert container["command"] == catalog.PREFLIGHT.command
    assert "$ApiKey" in container["command"][-1] and offline.MOCK_KEYS["key1"] not in container["command"][-1]
    # ACI does not wait for a Never group to finish: the verdict is an output, readable after a refresh.
    assert aci_plan.outputs["preflight"].startswith("not reported yet")
    assert "preflight" not in aci_plan.secret_outputs
    env = env_of(preflight)
    assert (env["Eula"], env["Billing"]) == ("accept", aci_plan.outputs["speechEndpoint"])
    assert env["ApiKey"] == offline.MOCK_KEYS["key1"]
    assert isinstance(preflight.raw("containers"), offline.Secret)
    assert preflight.parent == aci_plan.one("speech-containers:aci:AciHost").urn


def test_preflight_uses_the_containers_network_path_and_can_be_turned_off(private_mix: offline.Plan) -> None:
    private = private_mix
    assert private.named("speech-aci-preflight").get("subnetIds") == [{"id": SUBNET_ID}]
    off = plan_program(with_changes(ACI_STACK, preflight=False))
    assert [g.name for g in off.of_type("azure-native:containerinstance:ContainerGroup") if "preflight" in g.name] == []


def test_a_digest_pins_the_image_in_the_group(public_mix: offline.Plan) -> None:
    group = groups(public_mix)["speech-aci-speech-to-text-0"]
    expected = f"{catalog.IMAGE_ROOT}/speech-to-text:5.1.0-amd64-en-us@{DIGEST}"
    assert group.get("containers")[0]["image"] == expected


def test_rollout_batches_hold_one_replica_of_every_kind_each(public_mix: offline.Plan) -> None:
    plan = public_mix
    found = groups(plan)

    def entry(name: str) -> dict[str, str]:
        host = f"contoso-speech-{name.removeprefix('speech-aci-')}.eastus.azurecontainer.io"
        return {"urn": found[name].urn, "id": found[name].id, "statusUrl": f"https://{host}:443/status"}

    def batch(*names: str) -> list[dict[str, str]]:
        return sorted((entry(f"speech-aci-{name}") for name in names), key=lambda e: e["urn"])

    batches = [sorted(batch, key=lambda e: e["urn"]) for batch in plan.outputs["aciRolloutBatches"]]
    kinds = ("speech-to-text", "language-identification", "custom-speech-to-text", "neural-text-to-speech")
    assert batches == [
        batch(*(f"{kind}-0" for kind in kinds)),
        batch("speech-to-text-1", "language-identification-1"),
        batch("language-identification-2"),
    ]


def test_each_group_is_tagged_with_the_key_it_runs_with() -> None:
    for active in ("Key1", "Key2"):
        plan = plan_program(with_changes(ACI_STACK, speech={"activeKey": active}))
        for group in groups(plan).values():
            assert group.get("tags")[catalog.KEY_NAME_TAG] == active
            expected = offline.MOCK_KEYS["key1" if active == "Key1" else "key2"]
            assert offline.reveal(group.raw("containers"))[0]["environmentVariables"][2]["secureValue"] == expected


def test_env_values_from_secret_config_become_secure_values() -> None:
    values = with_changes(ACI_STACK, containers={"speech-to-text": {"env": {"APP_TOKEN": "user:hunter2"}}})
    secret = offline.run(program.main, namespaced(values), secret_keys=(f"{NAMESPACE}:containers",))
    variables = offline.reveal(groups(secret)["speech-aci-speech-to-text-0"].raw("containers"))[0][
        "environmentVariables"
    ]
    assert {"name": "APP_TOKEN", "secureValue": "user:hunter2"} in variables
    plain = plan_program(values)
    variables = offline.reveal(groups(plain)["speech-aci-speech-to-text-0"].raw("containers"))[0][
        "environmentVariables"
    ]
    assert {"name": "APP_TOKEN", "value": "user:hunter2"} in variables


def test_language_identification_is_served_on_5003_everywhere(
    public_mix: offline.Plan, private_mix: offline.Plan
) -> None:
    """The LID page runs `docker run -p 5000:5003`: the container listens on 5003, so probes, the exposed port,
    the TLS sidecar's upstream and the URL all use 5003 (5000 would never answer)."""
    private = private_mix
    group = groups(private)["speech-aci-language-identification-0"]
    container = group.get("containers")[0]
    assert container["ports"] == [{"port": 5003, "protocol": "TCP"}]
    assert group.get("ipAddress.ports") == [{"port": 5003, "protocol": "TCP"}]
    assert container["readinessProbe"]["httpGet"] == {"path": "/ready", "port": 5003, "scheme": "http"}
    assert container["livenessProbe"]["httpGet"]["port"] == 5003
    assert private.outputs["containers"]["language-identification"]["url"] == "http://10.1.0.4:5003"
    public = groups(public_mix)["speech-aci-language-identification-0"]
    assert "proxy_pass http://127.0.0.1:5003;" in _tls_files(public)["nginx.conf"]


def test_neural_tts_from_3_10_is_probed_on_its_documented_health_check(
    private_mix: offline.Plan, public_mix: offline.Plan, aci_plan: offline.Plan
) -> None:
    """NTTS 3.10.0 release notes: "The health check endpoint is now /synthesize/health"."""
    for plan, path in ((private_mix, "/ready"), (public_mix, "/synthesize/health"), (aci_plan, "/synthesize/health")):
        container = groups(plan)["speech-aci-neural-text-to-speech-0"].get("containers")[0]
        assert container["readinessProbe"]["httpGet"]["path"] == path
        assert container["livenessProbe"]["httpGet"]["path"] == "/"


def test_the_capacity_warning_counts_the_tls_sidecar(public_mix: offline.Plan, private_mix: offline.Plan) -> None:
    """Groups over 4 vCPU / 16 GB may fail on regional capacity: 4 cores plus the sidecar's 0.25 are over it."""
    public = public_mix
    assert [w for w in public.warnings if "regional capacity" in w and "language-identification" in w] == [
        "containers.language-identification: its group needs 4.25 cores / 8.5 GB (TLS sidecar included), above "
        "4 cores / 16 GB; ACI may lack regional capacity for it, so a quota request may be needed"
    ]
    assert not [w for w in private_mix.warnings if "regional capacity" in w and "language-identification" in w]
    assert any(
        w.startswith("containers.neural-text-to-speech: its group needs 8 cores / 16 GB, above")
        for w in private_mix.warnings
    )


def test_each_custom_model_replica_has_its_own_share_named_after_the_model_id() -> None:
    """One downloader per share, and a new model id gets new, empty shares (the container ignores ModelId when a
    model is already on its volume)."""

    def shares(model_id: str) -> list[str]:
        values = with_changes(ACI_STACK, containers={"custom-speech-to-text": {"modelId": model_id, "replicas": 2}})
        plan = plan_program(values)
        names = sorted(s.get("shareName") for s in plan.of_type("azure-native:storage:FileShare"))
        for replica in range(2):
            group = groups(plan)[f"speech-aci-custom-speech-to-text-{replica}"]
            volume = next(v for v in group.get("volumes") if v["name"] == "model")
            assert volume["azureFile"]["shareName"] == names[replica]
            assert names[replica].startswith(f"custom-speech-to-text-{replica}-model-")
        return names

    first = shares("0123abcd-4567-89ef-0123-456789abcdef")
    assert len(set(first)) == 2 and all(re.fullmatch(r"[a-z0-9]+(-[a-z0-9]+)*", n) and len(n) <= 63 for n in first)
    assert set(first).isdisjoint(shares("fedcba98-4567-89ef-0123-456789abcdef"))


@pytest.mark.parametrize(
    ("state", "exit_code", "verdict"),
    [
        ("Terminated", 0, "passed"),
        ("Terminated", 22, "FAILED (exit code 22)"),  # curl --fail: the endpoint answered an HTTP error
        ("Terminated", 6, "FAILED (exit code 6)"),  # curl: could not resolve the host
        ("Running", None, "Running: run `pulumi refresh`"),
        (None, None, "not reported yet"),
    ],
)
def test_the_preflight_verdict_reads_the_group_instance_view(
    state: str | None, exit_code: int | None, verdict: str
) -> None:
    view = SimpleNamespace(current_state=SimpleNamespace(state=state, exit_code=exit_code, detail_status="Completed"))
    assert aci_host.preflight_verdict(view).startswith(verdict)
    assert aci_host.preflight_verdict(None).startswith("not reported yet")
