"""The policy pack against every sample stack (planned offline) and against hand-made bad resources.

Resources reach each policy the way the engine hands them over: `ResourceValidationArgs` with the inputs behind
pulumi-policy's own unknown-checking proxies, through the pack's `ResourceValidationPolicy.validate`.
"""

from __future__ import annotations

import json
import subprocess
import sys
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import grpc
import pytest
from google.protobuf import empty_pb2, struct_pb2
from pulumi.runtime import proto
from pulumi.runtime.proto import analyzer_pb2_grpc
from pulumi_policy import (
    EnforcementLevel,
    PolicyCustomTimeouts,
    PolicyResourceOptions,
    ResourceValidationArgs,
)
from pulumi_policy.proxy import UNKNOWN_STRING_VALUE as UNKNOWN
from pulumi_policy.proxy import unknown_checking_proxy

from components import catalog
from plan import offline
from policy import pack, rules
from tests.security.samples import Sample, samples

ROOT = Path(__file__).resolve().parent.parent
POLICIES = {p.name: p for p in pack.policies()}
STT_IMAGE = catalog.CONTAINERS[catalog.Kind.SPEECH_TO_TEXT].image("5.1.0-amd64-en-us")
TAGS = {"managed-by": "pulumi", "app": "speech-containers", "stack": "test"}

#: Violations the sample stacks have today, each to be fixed in components/ (listed in the pack's report).
#: A listed violation that stops occurring fails the test, so the entry is removed with the fix.
PENDING_COMPONENT_FIXES: dict[tuple[str, str], str] = {}


def validation_args(
    resource_type: str, props: Mapping[str, Any], name: str = "bad", config: Mapping[str, Any] | None = None
) -> ResourceValidationArgs:
    """What the engine passes a resource validation (props behind the proxies that raise on unknowns)."""
    options = PolicyResourceOptions(False, [], None, [], PolicyCustomTimeouts(0, 0, 0), [])
    proxied = unknown_checking_proxy(dict(props))
    urn = f"urn:pulumi:test::p::{resource_type}::{name}"
    return ResourceValidationArgs(resource_type, proxied, urn, name, options, None, config)


def violations(policy: str, args: ResourceValidationArgs) -> list[str]:
    reported: list[str] = []

    def report(message: str, urn: str | None = None) -> None:
        reported.append(message)

    POLICIES[policy].validate(args, report)
    return reported


def registration_args(registration: offline.Registration) -> ResourceValidationArgs:
    return validation_args(registration.type, offline.reveal(registration.inputs), registration.name)


# --- sample stacks -------------------------------------------------------------------------------------------


@pytest.fixture(scope="session", params=samples(), ids=lambda s: s.label)
def sample_violations(request: pytest.FixtureRequest) -> dict[str, set[str]]:
    """Policy name -> names of the sample's resources it flags (each sample planned once per session)."""
    sample: Sample = request.param
    found: dict[str, set[str]] = {name: set() for name in POLICIES}
    for registration in sample.plan().registrations:
        if registration.custom:
            for name in POLICIES:
                if violations(name, registration_args(registration)):
                    found[name].add(registration.name)
    return found


@pytest.mark.parametrize("policy", sorted(POLICIES))
def test_sample_stacks_pass_every_policy(sample_violations: dict[str, set[str]], policy: str) -> None:
    pending = {resource for (name, resource) in PENDING_COMPONENT_FIXES if name == policy}
    assert sample_violations[policy] == pending


def test_the_samples_cover_both_hosts_and_every_stack_file() -> None:
    labels = {s.label for s in samples()}
    assert {"ACI_STACK", "AKS_STACK", "stacks/dev", "stacks/prod"} <= labels
    assert {s.host for s in samples()} == {"aci", "aks"}


# --- hand-made bad resources ---------------------------------------------------------------------------------


def aci_group(*, ports: tuple[int, ...] = (443,), address: str = "Public", **container: Any) -> dict[str, Any]:
    speech = {
        "name": "stt",
        "image": STT_IMAGE,
        "resources": {"requests": {"cpu": 8, "memoryInGB": 12}},
        "environmentVariables": [{"name": "ApiKey", "secureValue": "k"}],
        **container,
    }
    return {"containers": [speech], "ipAddress": {"type": address, "ports": [{"port": p} for p in ports]}, "tags": TAGS}


def deployment(**container: Any) -> dict[str, Any]:
    speech = {"name": "stt", "image": STT_IMAGE, "resources": {"requests": {"cpu": "8", "memory": "12Gi"}}, **container}
    return {"spec": {"template": {"spec": {"containers": [speech]}}}}


def vault(properties: dict[str, Any], environment: str | None) -> dict[str, Any]:
    return {"properties": properties, "tags": {**TAGS, **({"environment": environment} if environment else {})}}


POOL = "azure-native:containerservice:AgentPool"
CLUSTER = "azure-native:containerservice:ManagedCluster"
GROUP = "azure-native:containerinstance:ContainerGroup"
VAULT = "azure-native:keyvault:Vault"
DEPLOYMENT = "kubernetes:apps/v1:Deployment"
SERVICE = "kubernetes:core/v1:Service"
INGRESS = "kubernetes:networking.k8s.io/v1:Ingress"
RBAC = {"enableRbacAuthorization": True}
SECRET_REF = {"secretKeyRef": {"name": "speech-credentials", "key": "api-key"}}

AVX2, SIZE, API_KEY = "speech-avx2-node-pools", "speech-container-minimum-size", "speech-api-key-from-secret"
KEY_VAULT, TLS, TAGGED = "key-vault-rbac-and-purge-protection", "no-public-endpoint-without-tls", "required-tags"


def case(policy: str, type_: str, props: dict[str, Any], *fragments: str, config: dict[str, Any] | None = None) -> Any:
    """A resource and the fragments of the one message it must get (none: it must pass)."""
    return pytest.param(
        policy,
        type_,
        props,
        config,
        fragments,
        id=f"{policy}-{type_.rsplit(':', 1)[-1]}-{'bad' if fragments else 'ok'}",
    )


CASES = [
    case(AVX2, POOL, {"vmSize": "Standard_D4", "tags": TAGS}, "'bad'", "no AVX2", "Dv3"),
    case(AVX2, POOL, {"vmSize": "Standard_D8s_v5"}),
    case(AVX2, "azure-native:containerservice/v20240901:AgentPool", {"vmSize": "Basic_A2"}, "Basic A series"),
    case(
        AVX2, CLUSTER, {"agentPoolProfiles": [{"name": "system", "vmSize": "Standard_A4"}]}, "pool 'system'", "no AVX2"
    ),
    case(AVX2, CLUSTER, {"agentPoolProfiles": [{"name": "system"}]}, "sets no vmSize"),
    case(
        SIZE,
        GROUP,
        aci_group(resources={"requests": {"cpu": 2, "memoryInGB": 4}}),
        "'stt'",
        "2 cores / 4 GB",
        "speech-to-text",
        "minimum of 4 cores / 4 GB",
    ),
    case(
        SIZE,
        DEPLOYMENT,
        deployment(resources={"requests": {"cpu": "3500m", "memory": "8Gi"}}),
        "'bad'",
        "3.5 cores",
        "containers.speech-to-text.cpu",
    ),
    case(SIZE, DEPLOYMENT, deployment(resources={"limits": {"cpu": "4", "memory": "2Gi"}}), "2 Gi"),
    case(SIZE, DEPLOYMENT, deployment(image=STT_IMAGE.split(":")[0] + "@sha256:0", resources={}), "0 cores"),
    case(SIZE, DEPLOYMENT, deployment(image="nginx:1.27", resources={})),
    case(API_KEY, GROUP, aci_group(environmentVariables=[{"name": "ApiKey", "value": "k"}]), "'stt'", "secureValue"),
    case(
        API_KEY,
        GROUP,
        aci_group(environmentVariables=[{"name": "apikey", "value": UNKNOWN, "secureValue": "k"}]),
        "not value",
    ),
    case(API_KEY, DEPLOYMENT, deployment(env=[{"name": "ApiKey", "value": "k"}]), "'bad'", "secretKeyRef"),
    case(API_KEY, DEPLOYMENT, deployment(env=[{"name": "ApiKey", "valueFrom": {"configMapKeyRef": {}}}]), "Secret"),
    case(API_KEY, DEPLOYMENT, deployment(env=[{"name": "ApiKey", "valueFrom": SECRET_REF}])),
    case(KEY_VAULT, VAULT, vault({"enablePurgeProtection": True}, "prod"), "enableRbacAuthorization"),
    case(
        KEY_VAULT, VAULT, vault(RBAC, "prod"), "'prod' is prod-like", "enablePurgeProtection", "purgeProtection: true"
    ),
    case(KEY_VAULT, VAULT, vault(RBAC, None), "'untagged' is prod-like"),
    case(KEY_VAULT, VAULT, vault(RBAC, "dev")),
    case(KEY_VAULT, VAULT, vault(RBAC, "dev"), "'dev' is prod-like", config={"purgeableEnvironments": []}),
    case(TLS, GROUP, aci_group(ports=(443, 5000)), "port(s) 5000", "only TLS port(s) 443", "aci.subnetId"),
    case(TLS, GROUP, aci_group(ports=(5000,), address="Private")),
    case(TLS, GROUP, aci_group(ports=(8443,)), config={"tlsPorts": [8443]}),
    case(TLS, SERVICE, {"spec": {"type": "LoadBalancer", "ports": [{"port": 5000}]}}, "LoadBalancer", "Ingress"),
    case(TLS, SERVICE, {"spec": {"type": "LoadBalancer", "ports": [{"port": 443, "targetPort": 5000}]}}, "5000"),
    case(TLS, SERVICE, {"spec": {"type": "ClusterIP", "ports": [{"port": 5000}]}}),
    case(TLS, INGRESS, {"spec": {"rules": [{"host": "a.example.com"}]}}, "must terminate TLS", "spec.tls"),
    case(
        TLS,
        INGRESS,
        {"spec": {"tls": [{"hosts": ["a.example.com"]}], "rules": [{"host": "b.example.com"}]}},
        "b.example.com",
        "spec.tls[].hosts",
    ),
    case(
        TAGGED, GROUP, {"tags": {"managed-by": "pulumi", "app": "speech-containers"}}, "'bad'", "missing tag(s) stack"
    ),
    case(TAGGED, GROUP, {"tags": TAGS}, "missing tag(s) owner", config={"requiredTags": ["owner"]}),
    case(TAGGED, "azure-native:keyvault:Secret", {"tags": {"speech-key-name": "Key1"}}, "managed-by, app, stack"),
    case(TAGGED, "azure-native:storage:FileShare", {}),
    case(TAGGED, "azure-native:notamodule:Thing", {"tags": {}}, "managed-by"),
    case(TAGGED, "azure-native:notamodule:Thing", {}),
]


@pytest.mark.parametrize(("policy", "resource_type", "props", "config", "fragments"), CASES)
def test_hand_made_resources(
    policy: str,
    resource_type: str,
    props: dict[str, Any],
    config: dict[str, Any] | None,
    fragments: tuple[str, ...],
) -> None:
    reported = violations(policy, validation_args(resource_type, props, config=config))
    if not fragments:
        assert reported == []
        return
    assert len(reported) == 1, reported
    assert resource_type in reported[0]
    for fragment in fragments:
        assert fragment in reported[0]


def test_every_policy_is_mandatory_and_documents_its_config_defaults() -> None:
    assert len(POLICIES) == len(pack.DEFINITIONS) == 6
    for definition in pack.DEFINITIONS:
        assert POLICIES[definition.name].enforcement_level is EnforcementLevel.MANDATORY
        for setting in definition.config.values():
            assert setting["default"], definition.name


def test_the_example_config_only_sets_settings_the_policies_declare() -> None:
    example = json.loads((ROOT / "policy" / "config.example.json").read_text())
    declared = {d.name: set(d.config) for d in pack.DEFINITIONS}
    for policy, settings in example.items():
        assert set(settings) <= declared[policy], policy


def test_taggable_types_come_from_the_sdk() -> None:
    assert rules.sdk_takes_tags("azure-native:keyvault:Vault") is True
    assert rules.sdk_takes_tags("azure-native:authorization:RoleAssignment") is False
    assert rules.sdk_takes_tags("azure-native:notamodule:Thing") is None


# --- the pack as the Pulumi CLI runs it ----------------------------------------------------------------------


def test_the_pack_serves_the_engine_and_reports_mandatory_violations() -> None:
    """`python -m pulumi.policy <engine> policy` is how the CLI starts a Python pack; ask it over gRPC."""
    server = subprocess.Popen(
        [sys.executable, "-m", "pulumi.policy", "127.0.0.1:0", str(ROOT / "policy")],
        stdout=subprocess.PIPE,
        cwd=ROOT / "policy",
    )
    try:
        assert server.stdout is not None
        port = int(server.stdout.readline())
        with grpc.insecure_channel(f"127.0.0.1:{port}") as channel:
            analyzer = analyzer_pb2_grpc.AnalyzerStub(channel)
            info = analyzer.GetAnalyzerInfo(empty_pb2.Empty())
            props = struct_pb2.Struct()
            props.update({"vmSize": "Standard_D4", "tags": TAGS})
            response = analyzer.Analyze(
                proto.AnalyzeRequest(type=POOL, properties=props, urn="urn:pulumi:s::p::t::pool", name="pool")
            )
    finally:
        server.kill()
        server.wait()
    assert sorted(p.name for p in info.policies) == sorted(POLICIES)
    [diagnostic] = response.diagnostics
    assert diagnostic.policyName == "speech-avx2-node-pools"
    assert diagnostic.enforcementLevel == proto.MANDATORY
    assert "Standard_D4" in diagnostic.message
