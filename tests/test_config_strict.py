"""Strict config, class by class: nulls, values stored as strings, numbers out of bounds, secrets never echoed,
each problem once against the key the user set, and what Azure would refuse at deploy time refused at plan time."""

from __future__ import annotations

import math
from typing import Any

import pytest

from components import config
from components.args import Host
from components.catalog import Kind
from tests.sample_stacks import ACI_STACK, AKS_STACK, with_changes

GUID = "0123abcd-4567-89ef-0123-456789abcdef"
ZONE = "/subscriptions/s/resourceGroups/g/providers/Microsoft.Network/privateDnsZones/privatelink.x"
PEM = "-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n"


def problems_of(values: dict[str, Any], secret_keys: frozenset[str] = frozenset()) -> list[str]:
    with pytest.raises(config.ConfigError) as caught:
        config.parse(values, secret_keys)
    return caught.value.problems


def deployment(**settings: Any) -> dict[str, Any]:
    return with_changes(ACI_STACK, containers={"speech-to-text": settings})


def aks_deployment(**settings: Any) -> dict[str, Any]:
    return with_changes(AKS_STACK, containers={"speech-to-text": settings})


STT = "containers.speech-to-text"

#: (class, values, the one key blamed, a fragment of what is allowed)
BAD: list[tuple[str, dict[str, Any], str, str]] = [
    # A key present with null is an error, never a silent default (null documents nothing here).
    ("null", with_changes(ACI_STACK, speech={"sku": None}), "speech.sku", "is empty (null)"),
    ("null", with_changes(ACI_STACK, containers={"speech-to-text": None}), "containers.speech-to-text", "null"),
    ("null", deployment(replicas=None), f"{STT}.replicas", "set a whole number from 1 to 50"),
    ("null", with_changes(AKS_STACK, aks={"ingress": None}), "aks.ingress", "is empty (null)"),
    ("null", {**ACI_STACK, "privateEndpoints": None}, "privateEndpoints", "is empty (null)"),
    (
        "null",
        with_changes(ACI_STACK, aci={"tls": {"mode": "certificate", "certificate": PEM, "privateKey": None}}),
        "aci.tls.privateKey",
        "is empty (null)",
    ),
    (
        "null",
        with_changes(ACI_STACK, containers={"custom-speech-to-text": {"modelId": None}}),
        "containers.custom-speech-to-text.modelId",
        "is empty (null)",
    ),
    ("null", deployment(env={"LOG_LEVEL": None}), f"{STT}.env.LOG_LEVEL", "null"),
    # Missing parts of an object that is present.
    (
        "required",
        with_changes(AKS_STACK, aks={"ingress": {"domain": "speech.contoso.com"}}),
        "aks.ingress.certificateName",
        "is required",
    ),
    (
        "required",
        with_changes(ACI_STACK, privateEndpoints={"speechDnsZoneId": ZONE}),
        "privateEndpoints.subnetId",
        "is required",
    ),
    (
        "required",
        with_changes(ACI_STACK, containers={"call-center": {"locale": "en-us"}}),
        "containers.call-center.kind",
        "is required (the name is not a kind)",
    ),
    # Numbers: bounded, finite, whole where whole, ASCII digits only, never booleans.
    ("number", deployment(replicas=0), f"{STT}.replicas", "allowed: 1 to 50"),
    ("number", deployment(replicas=10**40), f"{STT}.replicas", "allowed: 1 to 50"),
    ("number", deployment(replicas=2.5), f"{STT}.replicas", "must be a whole number"),
    ("number", deployment(replicas=True), f"{STT}.replicas", "must be a whole number"),
    ("number", deployment(replicas="٣"), f"{STT}.replicas", "must be a whole number"),
    ("number", deployment(replicas="\uff13"), f"{STT}.replicas", "must be a whole number"),  # fullwidth 3
    ("number", deployment(replicas="3e1"), f"{STT}.replicas", "must be a whole number"),
    ("number", deployment(replicas=""), f"{STT}.replicas", "must be a whole number"),
    ("number", deployment(cpu=math.inf), f"{STT}.cpu", "must be a number of cores"),
    ("number", deployment(cpu=math.nan), f"{STT}.cpu", "must be a number of cores"),
    ("number", deployment(cpu="inf"), f"{STT}.cpu", "must be a number of cores"),
    ("number", deployment(cpu="1e309"), f"{STT}.cpu", "must be a number of cores"),
    ("number", deployment(cpu=1e308), f"{STT}.cpu", "out of range"),
    (
        "number",
        with_changes(ACI_STACK, keyVault={"softDeleteRetentionDays": 6}),
        "keyVault.softDeleteRetentionDays",
        "allowed: 7 to 90 days",
    ),
    ("boolean", with_changes(ACI_STACK, preflight="no"), "preflight", "must be true or false"),
    ("boolean", with_changes(ACI_STACK, preflight=1), "preflight", "must be true or false"),
    (
        "string",
        with_changes(AKS_STACK, aks={"cluster": {"kubernetesVersion": 1.3}}),
        "aks.cluster.kubernetesVersion",
        "quote it",
    ),
    ("string", with_changes(ACI_STACK, location=["eastus"]), "location", "must be a string"),
    ("object", with_changes(ACI_STACK, speech="S0"), "speech", "must be an object"),
    ("list", with_changes(ACI_STACK, speech={"allowedIpRanges": "20.1.2.3"}), "speech.allowedIpRanges", "a list"),
    # Keys: unknown, or given twice in both spellings.
    ("key", with_changes(ACI_STACK, keyvault={}), "keyvault", "unknown key; allowed keys: eula, host, location"),
    ("key", deployment(memoryGB=8), f"{STT}.memoryGB", "allowed keys: kind, tag, version"),
    ("key", deployment(memoryGb=8, memory_gb=8), f"{STT}.memoryGb", "is given twice"),
    # What Azure refuses at deploy time.
    (
        "azure",
        with_changes(ACI_STACK, speech={"allowedIpRanges": ["10.1.0.0/16"]}),
        "speech.allowedIpRanges[0]",
        "Azure IP rules take public ranges only",
    ),
    (
        "azure",
        with_changes(ACI_STACK, keyVault={"allowedIpRanges": ["20.1.2.3", "192.168.1.7"]}),
        "keyVault.allowedIpRanges[1]",
        "private or loopback",
    ),
    (
        "azure",
        with_changes(AKS_STACK, aks={"cluster": {"apiServerAuthorizedIpRanges": ["172.20.0.0/14"]}}),
        "aks.cluster.apiServerAuthorizedIpRanges[0]",
        "public ranges only",
    ),
    (
        "azure",
        with_changes(AKS_STACK, aks={"pool": {"vmSize": "Standard_D12s_v5"}}),
        "aks.pool.vmSize",
        "they come with 2, 4, 8, 16, 32, 48, 64, 96 vCPUs",
    ),
    (
        "azure",
        with_changes(AKS_STACK, aks={"pool": {"vmSize": "Standard_D16ps_v6"}}),
        "aks.pool.vmSize",
        "Arm (p) size; the Speech images are amd64 only",
    ),
    ("azure", with_changes(ACI_STACK, tags={"x" * 513: "v"}), f"tags.{'x' * 513}", "1-512 characters"),
    ("azure", with_changes(ACI_STACK, tags={"cost<center": "v"}), "tags.cost<center", "without < > % & \\ ? /"),
    ("azure", with_changes(ACI_STACK, tags={"owner": "v" * 257}), "tags.owner", "up to 256"),
    ("azure", with_changes(ACI_STACK, tags={f"t{i}": "v" for i in range(46)}), "tags", "allowed: up to 45"),
    ("azure", with_changes(ACI_STACK, tags={"stack": "mine"}), "tags.stack", "is set by the package"),
    ("azure", with_changes(ACI_STACK, resourceGroupName="rg-speech."), "resourceGroupName", "not ending in a period"),
    ("azure", with_changes(ACI_STACK, resourceGroupName="r" * 91), "resourceGroupName", "up to 90"),
    ("azure", with_changes(ACI_STACK, resourceGroupName="rg speech"), "resourceGroupName", "letters, digits"),
    (
        "azure",
        with_changes(ACI_STACK, keyVault={"apiKeySecretName": "speech", "billingEndpointSecretName": "SPEECH"}),
        "keyVault.billingEndpointSecretName",
        "same secret as keyVault.apiKeySecretName",
    ),
    (
        "azure",
        with_changes(ACI_STACK, containers={"custom-speech-to-text": {"modelId": "0123abcd4567"}}),
        "containers.custom-speech-to-text.modelId",
        "a GUID",
    ),
    ("azure", deployment(env={"DECODER_MAX_COUNT": "4"}), f"{STT}.env.DECODER_MAX_COUNT", "use decoderMaxCount"),
    ("azure", deployment(env={"Billing": "https://x"}), f"{STT}.env.Billing", "is set by the package"),
    ("azure", deployment(env={"LogLevel": "a", "LOGLEVEL": "b"}), f"{STT}.env.LOGLEVEL", "duplicates LogLevel"),
    # Names of deployments are DNS labels; kinds must agree with names that are kinds.
    (
        "name",
        with_changes(ACI_STACK, containers={"EN_US": {"kind": "speech-to-text"}}),
        "containers.EN_US",
        "lowercase DNS label",
    ),
    (
        "name",
        with_changes(ACI_STACK, containers={"speech-to-text": {"kind": "neural-text-to-speech"}}),
        f"{STT}.kind",
        "named after speech-to-text",
    ),
    # Sizes: the key the user set, never the pool.
    ("size", aks_deployment(memoryGb=1024), f"{STT}.memoryGb", "fits no priced size"),
    ("size", deployment(cpu=3), f"{STT}.cpu", "allowed: 4 to 31 cores"),
    ("size", deployment(cpu=4, decoderMaxCount=6), f"{STT}.decoderMaxCount", "allowed: 1 to 4"),
]


@pytest.mark.parametrize(("kind", "values", "key", "fragment"), BAD, ids=[f"{b[0]}-{b[2]}" for b in BAD])
def test_bad_value_is_reported_once_against_its_key(kind: str, values: dict[str, Any], key: str, fragment: str) -> None:
    problems = problems_of(values)
    mine = [p for p in problems if p.startswith(f"{key}: ")]
    assert len(mine) == 1, problems
    assert fragment in mine[0], mine[0]
    assert len(problems) == 1, f"one mistake, one problem: {problems}"


#: Values `pulumi config set --path` or hand-written YAML store as strings, read as what they mean.
AS_STRINGS: list[tuple[dict[str, Any], Any, Any]] = [
    (
        deployment(replicas="3", maxReplicas=" 4 "),
        lambda s: (s.containers[0].replicas, s.containers[0].max_replicas),
        (3, 4),
    ),
    (
        deployment(cpu="12.5", memoryGb="16"),
        lambda s: (s.containers[0].size.cpu, s.containers[0].size.memory_gb),
        (12.5, 16.0),
    ),
    (with_changes(ACI_STACK, preflight="false"), lambda s: s.preflight, False),
    (with_changes(ACI_STACK, keyVault={"purgeProtection": "True"}), lambda s: s.key_vault.purge_protection, True),
    (
        with_changes(AKS_STACK, aks={"pool": {"zones": [1, 2], "maxCount": "7"}}),
        lambda s: (s.aks.pool.zones, s.aks.pool.max_count),
        (("1", "2"), 7),
    ),
    (deployment(replicas=3.0), lambda s: s.containers[0].replicas, 3),
]


@pytest.mark.parametrize(("values", "read", "expected"), AS_STRINGS)
def test_unambiguous_strings_are_read_as_what_they_mean(values: dict[str, Any], read: Any, expected: Any) -> None:
    assert read(config.parse(values)) == expected


def test_values_of_secret_keys_are_never_echoed() -> None:
    leaked = "hunter2-not-a-number"
    problems = problems_of(deployment(cpu=leaked, env={"APP_TOKEN": 7.5}), frozenset({"containers"}))
    assert leaked not in "\n".join(problems)
    assert any(p.startswith(f"{STT}.cpu: must be a number") and "(a secret value, not shown)" in p for p in problems)
    tls = {"tls": {"mode": "certificate", "certificate": "-----BEGIN CERTIFICATE-----", "privateKey": leaked}}
    problems = problems_of(with_changes(ACI_STACK, aci=tls), frozenset({"aci"}))
    assert leaked not in "\n".join(problems) and "BEGIN CERTIFICATE" not in "\n".join(problems)
    assert {p.split(":")[0] for p in problems} == {"aci.tls.certificate", "aci.tls.privateKey"}


def test_an_empty_containers_map_is_the_platform_without_containers() -> None:
    """No deployments: the account, vault and host foundation still deploy, and no license is accepted."""
    for stack in (ACI_STACK, AKS_STACK):
        settings = config.parse(with_changes(stack, containers={}, eula=None))
        assert settings.containers == ()
        assert settings.eula_accepted is False
    aks = config.parse(with_changes(AKS_STACK, containers={}))
    assert aks.aks is not None and (aks.aks.pool.min_count, aks.aks.pool.max_count) == (0, 1)


def test_args_from_python_use_the_same_checks_with_snake_case_names() -> None:
    settings = config.from_args(
        {
            "host": Host.ACI,
            "location": "eastus",
            "eula": "accept",
            "containers": {"en-us": {"kind": Kind.SPEECH_TO_TEXT, "memory_gb": 8, "cpu": 4}},
            "aci": {"dns_name_label_prefix": "contoso"},
        }
    )
    assert (settings.containers[0].name, settings.containers[0].size.memory_gb) == ("en-us", 8)
    with pytest.raises(config.ConfigError, match=r"containers\.en-us\.memoryGb: 2 GB is out of range"):
        config.from_args(
            {
                "host": Host.ACI,
                "location": "eastus",
                "eula": "accept",
                "containers": {"en-us": {"kind": Kind.SPEECH_TO_TEXT, "memory_gb": 2}},
            }
        )
