"""The ACI front (aci.front): one Application Gateway v2 in front of VNet-injected groups, and the bad combinations."""

from __future__ import annotations

import json
from typing import Any

import pytest

from components import catalog, config, program
from components.aci.front_certificate import PKCS12
from plan import azure_mocks, command, offline
from plan.command import own_values, read_stack
from tests.sample_stacks import ACI_STACK, namespaced, plan_program, with_changes

ACI_SUBNET = "/subscriptions/s/resourceGroups/net/providers/Microsoft.Network/virtualNetworks/vnet/subnets/aci"
FRONT = {"subnetPrefix": "10.0.4.0/24", "domain": "speech.contoso.com", "certificate": {"name": "speech-front"}}


def run(values: dict[str, Any]) -> offline.Plan:
    """An uncached plan (these tests change the mocks' vaults)."""
    return offline.run(program.main, namespaced(values), stack="front")


def front_stack(**front: Any) -> dict[str, Any]:
    """ACI_STACK in a VNet behind a front (each given key replaces FRONT's; None removes it)."""
    settings = {**FRONT, **front}
    settings = {k: v for k, v in settings.items() if v is not None}
    return with_changes(ACI_STACK, aci={"subnetId": ACI_SUBNET, "front": settings})


@pytest.fixture(scope="module")
def front_plan() -> offline.Plan:
    values, _ = read_stack("aci-front")
    return plan_program(own_values(values), stack="aci-front")


def gateway(plan: offline.Plan) -> offline.Registration:
    return plan.one("azure-native:network:ApplicationGateway")


def by_name(items: list[dict[str, Any]]) -> dict[str, dict[str, Any]]:
    return {item["name"]: item for item in items}


def test_one_listener_pool_probe_and_settings_per_deployment(front_plan: offline.Plan) -> None:
    gw = gateway(front_plan)
    assert gw.get("sku") == {"name": "WAF_v2", "tier": "WAF_v2"}
    listeners = by_name(gw.get("httpListeners"))
    assert {n: (x["protocol"], x["hostName"]) for n, x in listeners.items()} == {
        "https-stt-en-us": ("Https", "stt-en-us.speech.contoso.com"),
        "https-language-identification": ("Https", "language-identification.speech.contoso.com"),
        "https-tts-jenny": ("Https", "tts-jenny.speech.contoso.com"),
    }
    rules = by_name(gw.get("requestRoutingRules"))
    rule = rules["rule-language-identification"]
    assert rule["backendAddressPool"]["id"].endswith("/backendAddressPools/pool-language-identification")
    assert rule["httpListener"]["id"].endswith(
        "/applicationGateways/speech-aci-front/httpListeners/https-language-identification"
    )
    assert len({r["priority"] for r in rules.values()}) == 3  # v2 rules need distinct priorities
    pools = by_name(gw.get("backendAddressPools"))
    assert [a["ipAddress"] for a in pools["pool-stt-en-us"]["backendAddresses"]] == ["10.1.0.4", "10.1.0.4"]
    assert [p["port"] for p in gw.get("frontendPorts")] == [443]


def test_probes_on_ready_at_each_kinds_own_port(front_plan: offline.Plan) -> None:
    gw = gateway(front_plan)
    probes = by_name(gw.get("probes"))
    settings = by_name(gw.get("backendHttpSettingsCollection"))
    lid = catalog.CONTAINERS[catalog.Kind.LANGUAGE_IDENTIFICATION].port
    assert lid == 5003
    assert settings["settings-language-identification"]["port"] == lid
    assert settings["settings-stt-en-us"]["port"] == 5000
    assert probes["probe-language-identification"]["path"] == "/ready"
    assert probes["probe-tts-jenny"]["path"] == "/synthesize/health"  # neural TTS 3.10+: its documented check
    assert probes["probe-stt-en-us"]["protocol"] == "Http"
    assert settings["settings-stt-en-us"]["probe"]["id"].endswith("/probes/probe-stt-en-us")


def test_streams_last_the_budget_and_drain_as_long(front_plan: offline.Plan) -> None:
    for item in gateway(front_plan).get("backendHttpSettingsCollection"):
        assert item["requestTimeout"] == 3600
        assert item["connectionDraining"] == {"enabled": True, "drainTimeoutInSec": 3600}
        assert item["protocol"] == "Http"
    assert front_plan.outputs["aciFront"]["drainSeconds"] == 3600
    assert front_plan.outputs["aciFront"]["pools"]["tts-jenny"] == "pool-tts-jenny"


def test_certificate_from_the_vault_through_the_gateway_identity(front_plan: offline.Plan) -> None:
    gw = gateway(front_plan)
    (certificate,) = gw.get("sslCertificates")
    vault = front_plan.one("azure-native:keyvault:Vault")
    assert certificate["keyVaultSecretId"] == f"{vault.outputs['properties']['vaultUri']}secrets/speech-front/"
    identity = front_plan.named("speech-aci-front-identity")
    assert gw.get("identity")["userAssignedIdentities"] == [identity.id]
    reader = front_plan.named("speech-aci-front-certificate-reader")
    assert reader.get("roleDefinitionId").endswith(catalog.Role.KEY_VAULT_SECRETS_USER.value)
    assert reader.get("scope") == vault.id
    assert reader.get("principalId") == identity.outputs["principalId"]
    # The gateway waits for the role to reach Key Vault and for the certificate the script creates.
    waits = {front_plan.by_urn(u).name for u in gw.dependencies}
    assert {"speech-aci-front-certificate-propagation", "speech-aci-front-certificate"} <= waits


def test_the_stack_creates_a_self_signed_certificate_only_when_missing(front_plan: offline.Plan) -> None:
    script = front_plan.one("azure-native:resources:AzureCliScript")
    env = {e["name"]: e["value"] for e in script.get("environmentVariables")}
    policy = json.loads(env["POLICY"])
    assert policy["issuerParameters"] == {"name": "Self"}
    assert policy["secretProperties"]["contentType"] == PKCS12
    assert policy["x509CertificateProperties"]["subjectAlternativeNames"]["dnsNames"] == ["*.speech.contoso.com"]
    assert script.get("scriptContent").startswith("az keyvault certificate show")
    officer = front_plan.named("speech-aci-front-certificate-officer")
    assert officer.get("roleDefinitionId").endswith(catalog.Role.KEY_VAULT_CERTIFICATES_OFFICER.value)
    writer = front_plan.named("speech-aci-front-certificate-writer")
    assert script.get("identity")["userAssignedIdentities"] == [writer.id]


def test_the_gateway_subnet_gets_the_nsg_rules_v2_needs(front_plan: offline.Plan) -> None:
    nsg = front_plan.one("azure-native:network:NetworkSecurityGroup")
    rules = by_name(nsg.get("securityRules"))
    manager = rules["allow-gateway-manager"]
    assert (manager["sourceAddressPrefix"], manager["destinationPortRange"], manager["direction"]) == (
        "GatewayManager",
        "65200-65535",
        "Inbound",
    )
    assert rules["allow-azure-load-balancer"]["sourceAddressPrefix"] == "AzureLoadBalancer"
    assert all(r["access"] == "Allow" for r in rules.values())
    subnet = front_plan.one("azure-native:network:Subnet")
    assert subnet.get("virtualNetworkName") == "vnet-speech"
    assert subnet.get("addressPrefix") == "10.20.4.0/24"
    assert subnet.get("networkSecurityGroup") == {"id": nsg.id}
    assert gateway(front_plan).get("gatewayIPConfigurations")[0]["subnet"] == {"id": subnet.id}


def test_waf_turns_off_only_the_rules_speech_requests_trip(front_plan: offline.Plan) -> None:
    policy = front_plan.one("azure-native:network:WebApplicationFirewallPolicy")
    settings = policy.get("policySettings")
    assert (settings["mode"], settings["requestBodyCheck"], settings["requestBodyEnforcement"]) == (
        "Prevention",
        True,
        False,  # audio bodies are inspected, not refused for their size
    )
    (rule_set,) = policy.get("managedRules")["managedRuleSets"]
    assert (rule_set["ruleSetType"], rule_set["ruleSetVersion"]) == ("Microsoft_DefaultRuleSet", "2.1")
    disabled = {
        (g["ruleGroupName"], r["ruleId"])
        for g in rule_set["ruleGroupOverrides"]
        for r in g["rules"]
        if r["state"] == "Disabled"
    }
    assert disabled == {("PROTOCOL-ENFORCEMENT", "920420"), ("XSS", "941100"), ("XSS", "941110"), ("XSS", "941160")}
    assert gateway(front_plan).get("firewallPolicy") == {"id": policy.id}


def test_the_gateway_and_its_address_span_the_zones(front_plan: offline.Plan) -> None:
    assert gateway(front_plan).get("zones") == ["1", "2", "3"]
    assert front_plan.one("azure-native:network:PublicIPAddress").get("zones") == ["1", "2", "3"]
    assert front_plan.one("azure-native:network:PublicIPAddress").get("sku") == {"name": "Standard", "tier": "Regional"}


def test_gateway_logs_and_metrics_go_to_the_workspace(front_plan: offline.Plan) -> None:
    setting = front_plan.named("speech-aci-front-diagnostics")
    assert setting.get("resourceUri") == gateway(front_plan).id
    assert setting.get("workspaceId") == front_plan.one("azure-native:operationalinsights:Workspace").id
    assert setting.get("logs") == [{"categoryGroup": "allLogs", "enabled": True}]


def test_an_unhealthy_pool_member_alerts_only_past_a_model_load(front_plan: offline.Plan) -> None:
    alert = front_plan.named("speech-alerts-front-unhealthy")
    assert alert.get("scopes") == [gateway(front_plan).id]
    (criterion,) = alert.get("criteria")["allOf"]
    assert (criterion["metricName"], criterion["timeAggregation"], criterion["operator"], criterion["threshold"]) == (
        "UnhealthyHostCount",
        "Minimum",  # unhealthy all along the window: a restart's model load (20 minutes) does not fire it
        "GreaterThan",
        0,
    )
    assert alert.get("windowSize") == "PT30M"
    assert criterion["dimensions"] == [{"name": "BackendSettingsPool", "operator": "Include", "values": ["*"]}]


def test_dns_alias_records_per_deployment(front_plan: offline.Plan) -> None:
    records = {r.get("relativeRecordSetName"): r for r in front_plan.of_type("azure-native:dns:RecordSet")}
    assert set(records) == {"stt-en-us", "language-identification", "tts-jenny"}
    ip = front_plan.one("azure-native:network:PublicIPAddress")
    assert records["tts-jenny"].get("targetResource") == {"id": ip.id}
    assert records["tts-jenny"].get("zoneName") == "speech.contoso.com"


def test_containers_output_gives_the_front_url_and_keeps_the_replicas(front_plan: offline.Plan) -> None:
    out = front_plan.outputs["containers"]
    assert out["stt-en-us"]["url"] == "wss://stt-en-us.speech.contoso.com:443"
    assert out["tts-jenny"]["url"] == "https://tts-jenny.speech.contoso.com:443"
    assert (
        out["language-identification"]["statusUrl"] == "https://language-identification.speech.contoso.com:443/status"
    )
    assert out["language-identification"]["statusUrls"] == ["http://10.1.0.4:5003/status"] * 2
    assert out["stt-en-us"]["instances"] == ["ws://10.1.0.4:5000"] * 2


def test_stacks_without_a_front_register_none_of_it(aci_plan: offline.Plan) -> None:
    assert aci_plan.of_type("azure-native:network:ApplicationGateway") == []
    assert not [r for r in aci_plan.registrations if r.name.endswith("front-unhealthy")]
    assert "aciFront" not in aci_plan.outputs


def problems_of(values: dict[str, Any]) -> list[str]:
    with pytest.raises(config.ConfigError) as caught:
        config.parse(values)
    return caught.value.problems


@pytest.mark.parametrize(
    ("values", "expected"),
    [
        (front_stack(subnetPrefix=None), "aci.front.subnetId: the gateway needs a subnet of its own"),
        (front_stack(subnetId=ACI_SUBNET, subnetPrefix=None), "aci.front.subnetId: is the groups' subnet"),
        (front_stack(subnetId=ACI_SUBNET.replace("aci", "gw")), "aci.front.subnetPrefix: give either subnetId or"),
        (
            with_changes(ACI_STACK, aci={"dnsNameLabelPrefix": "contoso", "front": FRONT}),
            "aci.front: needs VNet-injected groups: set aci.subnetId",
        ),
        (
            with_changes(front_stack(), streamBudgetSeconds=7200),
            "streamBudgetSeconds: 7200 seconds is over the Application Gateway's longest connection draining (3600 s)",
        ),
        (front_stack(certificate={}), "aci.front.certificate.name: is required"),
        (front_stack(certificate=None), "aci.front.certificate: is required"),
        (
            front_stack(
                certificate={
                    "name": "c",
                    "create": "self-signed",
                    "keyVaultId": "/subscriptions/s/resourceGroups/g/providers/Microsoft.KeyVault/vaults/other",
                }
            ),
            "aci.front.certificate.keyVaultId: create: self-signed makes the certificate in the stack's own vault",
        ),
        (front_stack(certificate={"name": "c", "create": "issuer"}), "aci.front.certificate.issuer: is required"),
        (front_stack(minCapacity=5, maxCapacity=3), "aci.front.maxCapacity: 3 is below minCapacity (5)"),
        (
            front_stack(
                dnsZoneId="/subscriptions/s/resourceGroups/d/providers/Microsoft.Network/dnszones/fabrikam.com"
            ),
            "aci.front.dnsZoneId: zone fabrikam.com cannot hold records for speech.contoso.com",
        ),
    ],
)
def test_bad_combinations_are_refused_with_the_key(values: dict[str, Any], expected: str) -> None:
    found = problems_of(values)
    assert any(p.startswith(expected) for p in found), found


def test_a_created_certificate_needs_a_vault_the_script_reaches() -> None:
    values = with_changes(
        front_stack(certificate={"name": "c", "create": "self-signed"}),
        keyVault={"publicNetworkAccess": False},
        privateEndpoints={"subnetId": ACI_SUBNET.replace("aci", "pe")},
    )
    assert any(p.startswith("aci.front.certificate.create: the stack's vault has public") for p in problems_of(values))


def test_tls_sidecars_do_not_go_behind_the_front() -> None:
    values = front_stack()
    values["aci"]["tls"] = {"mode": "self-signed"}
    assert any(p.startswith("aci.tls.mode: is self-signed, but with aci.front") for p in problems_of(values))


OTHER_VAULT = (
    f"/subscriptions/{azure_mocks.SUBSCRIPTION_ID}/resourceGroups/certs/providers/Microsoft.KeyVault/vaults/certs"
)


def test_an_existing_subnet_and_a_vault_of_this_tenant_as_given_and_waf_without_tts() -> None:
    subnet = ACI_SUBNET.replace("/aci", "/gateway")
    values = front_stack(
        subnetPrefix=None, subnetId=subnet, waf=True, certificate={"name": "c", "keyVaultId": OTHER_VAULT}
    )
    values["containers"] = {"speech-to-text": {"locale": "en-us"}}
    plan = plan_program(values)
    assert plan.of_type("azure-native:network:Subnet") == []
    assert gateway(plan).get("zones") is None  # regional unless zones are given
    assert plan.of_type("azure-native:network:NetworkSecurityGroup") == []  # the user's subnet keeps its own NSG
    assert gateway(plan).get("gatewayIPConfigurations")[0]["subnet"] == {"id": subnet}
    assert plan.of_type("azure-native:resources:AzureCliScript") == []  # create: none -> checked, not created
    assert plan.named("speech-aci-front-certificate-reader").get("scope") == OTHER_VAULT
    (certificate,) = gateway(plan).get("sslCertificates")
    assert certificate["keyVaultSecretId"] == "https://certs.vault.azure.net/secrets/c/"
    # Without neural TTS no SSML reaches the gateway: the XSS rules stay on.
    (rule_set,) = plan.one("azure-native:network:WebApplicationFirewallPolicy").get("managedRules")["managedRuleSets"]
    assert [g["ruleGroupName"] for g in rule_set["ruleGroupOverrides"]] == ["PROTOCOL-ENFORCEMENT"]


def test_a_certificate_in_another_tenants_vault_is_refused() -> None:
    vault = OTHER_VAULT.replace("vaults/certs", "vaults/foreign-certs")  # the mocks put foreign-* in another tenant
    with pytest.raises(
        Exception, match=rf"keyVaultId: vault foreign-certs belongs to tenant {azure_mocks.OTHER_TENANT_ID}"
    ):
        run(front_stack(certificate={"name": "c", "keyVaultId": vault}))


def test_a_certificate_in_another_subscriptions_vault_is_refused() -> None:
    vault = OTHER_VAULT.replace(azure_mocks.SUBSCRIPTION_ID, "33333333-3333-3333-3333-333333333333")
    with pytest.raises(Exception, match="reads certificates only from vaults in its own subscription"):
        run(front_stack(certificate={"name": "c", "keyVaultId": vault}))


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        ("missing-front", "Secret missing-front was not found"),  # the mocks answer 404 for missing-*
        ("plain-front", r"plain-front in vault .* is a plain secret"),  # and a text/plain secret for plain-*
    ],
)
def test_a_missing_or_plain_secret_fails_the_update(name: str, expected: str) -> None:
    """Never a silent fallback: the gateway is not updated with a certificate that is not there."""
    with pytest.raises(Exception, match=expected):
        run(front_stack(certificate={"name": name}))


def test_the_offline_plan_shows_the_front(front_plan: offline.Plan) -> None:
    values, _ = read_stack("aci-front")
    rendered = command.render("aci-front", config.parse(own_values(values)), front_plan, 0.0)
    rows = rendered.split("FRONT (Application Gateway v2)\n", 1)[1].split("\n\n", 1)[0].splitlines()[2:]
    assert sorted(row.split() for row in rows) == sorted(
        [
            [
                "stt-en-us",
                "https://stt-en-us.speech.contoso.com",
                "2",
                "5000",
                "/ready",
                "every",
                "15s",
                "3600s",
                "3600s",
            ],
            [
                "language-identification",
                "https://language-identification.speech.contoso.com",
                "2",
                "5003",
                "/ready",
                "every",
                "15s",
                "3600s",
                "3600s",
            ],
            [
                "tts-jenny",
                "https://tts-jenny.speech.contoso.com",
                "2",
                "5000",
                "/synthesize/health",
                "every",
                "15s",
                "3600s",
                "3600s",
            ],
        ]
    )
    assert "FRONT" not in command.render("dev", config.parse(ACI_STACK), plan_program(ACI_STACK), 0.0)


def test_several_replicas_without_a_front_suggest_one(front_plan: offline.Plan) -> None:
    """The front is opt-in; with several replicas and no front the plan says what clients are left with."""
    several = plan_program(
        with_changes(ACI_STACK, containers={"speech-to-text": {"replicas": 2}, "language-identification": {}})
    )  # the same plan as tests/test_aci.py's
    assert [w for w in several.warnings if "aci.front" in w] == [
        "containers.speech-to-text: each replica has its own URL and clients must fail over between them; aci.front "
        "puts one load-balanced https/wss endpoint per deployment in front (VNet groups)"
    ]
    assert not [w for w in front_plan.warnings if "aci.front" in w]
