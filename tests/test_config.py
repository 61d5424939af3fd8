"""Config parsing: defaults, and every invalid value reported with its key before anything is registered."""

from __future__ import annotations

from typing import Any

import pulumi
import pytest

from components import catalog, config, program
from components.args import Host, KeyName, TlsMode
from components.catalog import Kind
from plan import offline
from tests.sample_stacks import ACI_STACK, AKS_STACK, namespaced, with_changes

SUBNET_ID = "/subscriptions/s/resourceGroups/g/providers/Microsoft.Network/virtualNetworks/v/subnets/aci"


def problems_of(values: dict[str, Any]) -> list[str]:
    with pytest.raises(config.ConfigError) as caught:
        config.parse(values)
    return caught.value.problems


def container(kind: str, **settings: Any) -> dict[str, Any]:
    return with_changes(ACI_STACK, containers={kind: settings})


def test_defaults_are_the_recommended_sizes_and_built_tags() -> None:
    settings = config.parse(
        with_changes(ACI_STACK, containers={k.value: {} for k in Kind if k != "custom-speech-to-text"})
    )
    by_kind = {c.kind: c for c in settings.containers}
    stt = by_kind[Kind.SPEECH_TO_TEXT]
    assert stt.size == catalog.Size(8, 12)  # recommended 8 GB + 4 GB for the memory-mapped model
    assert stt.image.endswith("/speech-to-text:5.1.0-amd64-en-us")
    assert by_kind[Kind.NEURAL_TEXT_TO_SPEECH].tag == "4.1.0-amd64-en-us-arianeural"
    assert by_kind[Kind.LANGUAGE_IDENTIFICATION].tag == "1.18.0-amd64-preview"
    assert settings.speech.active_key is KeyName.KEY1
    assert settings.key_vault.purge_protection is True
    assert settings.key_vault.api_key_secret_name == "speech-api-key"


def test_explicit_tag_is_kept_and_locale_voice_build_the_tag() -> None:
    settings = config.parse(
        with_changes(
            ACI_STACK,
            containers={
                "speech-to-text": {"tag": "4.12.0-amd64-de-de"},
                "neural-text-to-speech": {"version": "3.10.0", "locale": "de-de", "voice": "katja"},
            },
        )
    )
    assert [c.tag for c in settings.containers] == ["4.12.0-amd64-de-de", "3.10.0-amd64-de-de-katjaneural"]


@pytest.mark.parametrize(
    ("values", "key", "fragment"),
    [
        (with_changes(ACI_STACK, host=None), "host", "is required; allowed: aci, aks"),
        (with_changes(ACI_STACK, host="k8s"), "host", "allowed: aci, aks"),
        (with_changes(ACI_STACK, location=None), "location", "is required"),
        (with_changes(ACI_STACK, eula=None), "eula", "must be 'accept'"),
        (with_changes(ACI_STACK, eula="yes"), "eula", "'yes' is not allowed; expected accept"),
        (with_changes(ACI_STACK, colour="blue"), "colour", "unknown key; allowed keys: eula, host, location"),
        (with_changes(ACI_STACK, containers={"tts": {}}), "containers.tts.kind", "allowed: speech-to-text"),
        (container("speech-to-text", cpu=2), "containers.speech-to-text.cpu", "allowed: 4 to 31 cores"),
        (container("speech-to-text", memoryGb=3), "containers.speech-to-text.memoryGb", "allowed: 4 to 240 GB"),
        (container("speech-to-text", cpu=40), "containers.speech-to-text.cpu", "4 to 31"),
        (container("neural-text-to-speech", memoryGb=8), "containers.neural-text-to-speech.memoryGb", "12 to 240"),
        (container("speech-to-text", cpu="eight"), "containers.speech-to-text.cpu", "must be a number of cores"),
        (container("speech-to-text", tag="latest"), "containers.speech-to-text.tag", "5.1.0-amd64-en-us"),
        (container("speech-to-text", tag="5.1.0-amd64-EN-US"), "containers.speech-to-text.tag", "expected the form"),
        (
            container("speech-to-text", tag="5.1.0-amd64-en-us", locale="de-de"),
            "containers.speech-to-text.locale",
            "either tag or version",
        ),
        (container("speech-to-text", version="5.1"), "containers.speech-to-text.version", "like 5.1.0"),
        (container("speech-to-text", locale="en_US"), "containers.speech-to-text.locale", "lowercase locale"),
        (container("language-identification", locale="en-us"), "containers.language-identification.locale", "takes no"),
        (container("speech-to-text", voice="aria"), "containers.speech-to-text.voice", "takes no voice"),
        (container("custom-speech-to-text"), "containers.custom-speech-to-text.modelId", "is required"),
        (container("custom-speech-to-text", modelId="x"), "containers.custom-speech-to-text.modelId", "GUID"),
        (
            container("speech-to-text", modelId="0123abcd-4567-89ef-0123-456789abcdef"),
            "containers.speech-to-text.modelId",
            "only custom",
        ),
        (container("speech-to-text", replicas=0), "containers.speech-to-text.replicas", "1 to 50"),
        (container("speech-to-text", replicas=3, maxReplicas=2), "containers.speech-to-text.maxReplicas", "below"),
        (container("speech-to-text", replicas=True), "containers.speech-to-text.replicas", "whole number"),
        (
            container("neural-text-to-speech", decoderMaxCount=2),
            "containers.neural-text-to-speech.decoderMaxCount",
            "only speech-to-text",
        ),
        (container("speech-to-text", cpu=4, decoderMaxCount=9), "containers.speech-to-text.decoderMaxCount", "1 to 4"),
        (
            container("speech-to-text", env={"ApiKey": "x"}),
            "containers.speech-to-text.env.ApiKey",
            "is set by the package",
        ),
        (container("speech-to-text", env={"Logging:Level": "x"}), "containers.speech-to-text.env.Logging:Level", "__"),
        (container("speech-to-text", size=8), "containers.speech-to-text.size", "unknown key"),
        (container("speech-to-text", digest="sha256:abc"), "containers.speech-to-text.digest", "64 hex digits"),
        (with_changes(ACI_STACK, speech={"sku": "S1"}), "speech.sku", "allowed: S0, F0"),
        (with_changes(ACI_STACK, speech={"activeKey": "key3"}), "speech.activeKey", "allowed: Key1, Key2"),
        (with_changes(ACI_STACK, speech={"customSubdomain": "Bad_Name"}), "speech.customSubdomain", "lowercase"),
        (with_changes(ACI_STACK, speech={"allowedIpRanges": ["10.0.0.0/8", "x"]}), "speech.allowedIpRanges[1]", "CIDR"),
        (
            with_changes(ACI_STACK, keyVault={"softDeleteRetentionDays": 3}),
            "keyVault.softDeleteRetentionDays",
            "7 to 90",
        ),
        (with_changes(ACI_STACK, keyVault={"purgeProtection": "no"}), "keyVault.purgeProtection", "true or false"),
        (with_changes(ACI_STACK, keyVault={"name": "a"}), "keyVault.name", "3-24"),
        (
            with_changes(ACI_STACK, keyVault={"secretReaders": [{"objectId": "nope"}]}),
            "keyVault.secretReaders[0].objectId",
            "GUID",
        ),
        (
            with_changes(ACI_STACK, keyVault={"rotationOperators": [{"type": "User"}]}),
            "keyVault.rotationOperators[0].objectId",
            "is required",
        ),
        (
            with_changes(
                ACI_STACK,
                keyVault={"secretReaders": [{"objectId": "33333333-3333-3333-3333-333333333333", "type": "Robot"}]},
            ),
            "keyVault.secretReaders[0].type",
            "allowed: User, Group, ServicePrincipal",
        ),
        (with_changes(ACI_STACK, logAnalytics={"workspaceId": "ws"}), "logAnalytics.workspaceId", "workspace"),
        (with_changes(ACI_STACK, logAnalytics={"retentionDays": 7}), "logAnalytics.retentionDays", "30 to 730"),
        (with_changes(ACI_STACK, aci={"restartPolicy": "Sometimes"}), "aci.restartPolicy", "Always, OnFailure, Never"),
        (with_changes(ACI_STACK, aci={"subnetId": "subnet-1"}), "aci.subnetId", "subnet resource id"),
        (
            with_changes(
                ACI_STACK,
                aci={
                    "dnsNameLabelPrefix": "speech",
                    "subnetId": SUBNET_ID,
                },
            ),
            "aci.dnsNameLabelPrefix",
            "no public IP or DNS label",
        ),
        (
            with_changes(ACI_STACK, containers={"speech-to-text": {"replicas": 13}}),
            "aci.regionalCoreQuota",
            "need 107.75 cores (TLS sidecars and the preflight included), over the regional ACI quota of 100",
        ),
        (with_changes(ACI_STACK, aci={"tls": {"mode": "none"}}), "aci.tls.mode", "must terminate TLS"),
        (with_changes(ACI_STACK, aci={"tls": {"mode": "certificate"}}), "aci.tls.certificate", "is required"),
        (
            with_changes(ACI_STACK, aci={"tls": {"mode": "ssl"}}),
            "aci.tls.mode",
            "allowed: self-signed, certificate, none",
        ),
        (
            with_changes(ACI_STACK, aci={"tls": {"privateKey": "-----BEGIN X-----\nk\n-----END X-----"}}),
            "aci.tls.privateKey",
            "only used with mode: certificate",
        ),
        (
            with_changes(ACI_STACK, containers={"speech-to-text": {"cpu": 31}}),
            "containers.speech-to-text.cpu",
            "with the TLS sidecar its group needs 31.25 cores",
        ),
        (
            with_changes(
                ACI_STACK,
                aci={"dnsNameLabelPrefix": "a" * 40},
                containers={"custom-speech-to-text": {"modelId": "00000000-0000-0000-0000-000000000000"}},
            ),
            "aci.dnsNameLabelPrefix",
            "characters long (max 63)",
        ),
        (with_changes(ACI_STACK, speech={"accountName": "Speech_Prod"}), "speech.accountName", "lowercase DNS label"),
        (with_changes(ACI_STACK, keyVault={"name": "kv--speech"}), "keyVault.name", "single hyphens"),
        (with_changes(ACI_STACK, speech={"allowedIpRanges": ["999.1.1.1/99"]}), "speech.allowedIpRanges[0]", "IPv4"),
        (with_changes(ACI_STACK, speech={"allowedIpRanges": ["2001:db8::/32"]}), "speech.allowedIpRanges[0]", "IPv4"),
        (with_changes(ACI_STACK, aks={}), "aks", "is set but host is aci"),
        (with_changes(AKS_STACK, aci={}), "aci", "is set but host is aks"),
        (with_changes(ACI_STACK, tags=["a"]), "tags", "must be an object"),
    ],
)
def test_each_invalid_value_names_its_key_and_what_is_allowed(values: dict[str, Any], key: str, fragment: str) -> None:
    problems = problems_of(values)
    matching = [p for p in problems if p.startswith(f"{key}:")]
    assert matching, f"no problem reported for {key}: {problems}"
    assert fragment in matching[0]


def test_all_problems_are_reported_together_with_the_namespace() -> None:
    with pytest.raises(config.ConfigError) as caught:
        config.parse({"host": "nope", "containers": {"speech-to-text": {"cpu": 1}}})
    message = str(caught.value)
    assert "4 problem(s)" in message
    for key in ("host", "location", "containers.speech-to-text.cpu", "eula"):
        assert f"speech-containers:{key}:" in message


def test_config_error_is_a_run_error_so_pulumi_prints_no_traceback() -> None:
    assert issubclass(config.ConfigError, pulumi.RunError)


def test_no_containers_needs_no_eula() -> None:
    settings = config.parse(with_changes(ACI_STACK, eula=None, containers=None))
    assert settings.containers == ()
    assert settings.eula_accepted is False


def test_load_reads_structured_config_and_flags_unknown_keys() -> None:
    def read() -> None:
        settings = config.from_args(config.load())
        assert settings.host is Host.ACI
        assert [c.kind for c in settings.containers] == [Kind.SPEECH_TO_TEXT, Kind.NEURAL_TEXT_TO_SPEECH]

    offline.run(read, namespaced(ACI_STACK))
    with pytest.raises(config.ConfigError, match="speech-containers:contaners: unknown key"):
        offline.run(config.load, namespaced(with_changes(ACI_STACK, contaners={})))


def test_invalid_config_registers_no_resource() -> None:
    valid, invalid = offline.Plan(), offline.Plan()
    offline.run(program.main, namespaced(ACI_STACK), plan=valid)
    with pytest.raises(config.ConfigError):
        offline.run(program.main, namespaced(with_changes(ACI_STACK, eula="no")), plan=invalid)
    assert valid.registrations, "the valid stack must register resources, or this test proves nothing"
    assert invalid.registrations == []


def test_a_bad_secret_value_is_never_echoed_in_the_error() -> None:
    leaked = "MIIEvQIBADANBgkqhkiG9w0BAQEFAASC-not-a-pem"
    problems = problems_of(with_changes(ACI_STACK, aci={"tls": {"mode": "certificate", "privateKey": leaked}}))
    key_problem = next(p for p in problems if p.startswith("aci.tls.privateKey:"))
    assert "expected a PEM private key" in key_problem
    assert leaked not in "\n".join(problems)


def test_private_groups_may_skip_tls() -> None:
    settings = config.parse(with_changes(ACI_STACK, aci={"subnetId": SUBNET_ID}))
    assert settings.aci is not None
    assert settings.aci.tls.mode is TlsMode.NONE


def test_private_groups_have_no_sidecar_so_31_cores_fit() -> None:
    settings = config.parse(
        with_changes(ACI_STACK, aci={"subnetId": SUBNET_ID}, containers={"speech-to-text": {"cpu": 31}})
    )
    assert settings.containers[0].size.cpu == 31


def test_account_name_with_its_own_subdomain_may_use_underscores() -> None:
    speech = {"accountName": "Speech_Prod", "customSubdomain": "contoso-speech-prod"}
    assert config.parse(with_changes(ACI_STACK, speech=speech)).speech.account_name == "Speech_Prod"


def test_load_knows_which_keys_are_secret() -> None:
    values = with_changes(ACI_STACK, containers={"speech-to-text": {"env": {"APP_TOKEN": "u:p"}}})

    def read(expected: bool) -> None:
        assert config.from_args(config.load()).containers[0].env_secret is expected

    offline.run(lambda: read(True), namespaced(values), secret_keys=(f"{config.NAMESPACE}:containers",))
    offline.run(lambda: read(False), namespaced(values))
