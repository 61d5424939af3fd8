"""`SpeechContainers` composed by a Python program (no stack config): named deployments, several per kind, each with
its own groups or Kubernetes objects, routes and outputs; bad args register nothing."""

from __future__ import annotations

from typing import Any

import pulumi
import pytest

from components import SpeechContainers, SpeechContainersArgs
from components.args import Host, TlsMode
from components.catalog import Kind
from components.config import ConfigError
from plan import offline

#: What a README reader writes: two speech-to-text locales and two neural voices behind one ingress.
CALL_CENTER: SpeechContainersArgs = {
    "eula": "accept",
    "host": Host.AKS,
    "location": "westeurope",
    "aks": {"ingress": {"domain": "speech.contoso.com", "certificate_name": "speech-wildcard"}},
    "containers": {
        "en-us": {"kind": Kind.SPEECH_TO_TEXT, "locale": "en-us", "replicas": 2, "max_replicas": 4},
        "es-us": {"kind": Kind.SPEECH_TO_TEXT, "locale": "es-us"},
        "jenny": {"kind": Kind.NEURAL_TEXT_TO_SPEECH, "voice": "jenny"},
        "guy": {"kind": Kind.NEURAL_TEXT_TO_SPEECH, "voice": "guy"},
    },
}


def run(args: SpeechContainersArgs, plan: offline.Plan | None = None) -> offline.Plan:
    def program() -> None:
        platform = SpeechContainers("calls", args)
        pulumi.export("deployments", platform.deployments)
        pulumi.export("endpoint", platform.speech_endpoint)

    return offline.run(program, {}, stack="prod", plan=plan)


@pytest.fixture(scope="module")
def call_center() -> offline.Plan:
    return run(CALL_CENTER)


def test_the_component_is_the_one_root(call_center: offline.Plan) -> None:
    (root,) = [r for r in call_center.registrations if r.parent.split("::")[2] == offline.ROOT_STACK_TYPE]
    assert (root.type, root.name) == ("speech-containers:index:SpeechContainers", "calls")
    children = [r for r in call_center.registrations if r.parent == root.urn]
    assert {c.name for c in children} >= {"calls-rg", "calls-logs", "calls", "calls-vault", "calls-aks"}
    root_alias = {"name": "", "type": "", "parentUrn": "", "noParent": True}  # v1 stacks had them at the root
    assert all(root_alias in c.aliases for c in children)


def test_each_deployment_gets_its_own_kubernetes_objects(call_center: offline.Plan) -> None:
    deployments = {r.get("metadata.name"): r for r in call_center.of_type("kubernetes:apps/v1:Deployment")}
    assert set(deployments) == {"en-us", "es-us", "jenny", "guy"}
    images = {name: d.get("spec.template.spec.containers.0.image").rsplit(":", 1)[1] for name, d in deployments.items()}
    assert images == {
        "en-us": "5.1.0-amd64-en-us",
        "es-us": "5.1.0-amd64-es-us",
        "jenny": "4.1.0-amd64-en-us-jennyneural",
        "guy": "4.1.0-amd64-en-us-guyneural",
    }
    selectors = [tuple(sorted(d.get("spec.selector.matchLabels").items())) for d in deployments.values()]
    assert len(set(selectors)) == 4, "two deployments of one kind must not select each other's pods"
    services = {
        r.get("metadata.name"): r.get("spec.selector") for r in call_center.of_type("kubernetes:core/v1:Service")
    }
    assert {name: services[name] for name in deployments} == {
        name: d.get("spec.selector.matchLabels") for name, d in deployments.items()
    }
    autoscalers = {
        r.get("spec.scaleTargetRef.name")
        for r in call_center.of_type("kubernetes:autoscaling/v2:HorizontalPodAutoscaler")
    }
    assert autoscalers == set(deployments)


def test_each_deployment_has_its_route_and_output(call_center: offline.Plan) -> None:
    (ingress,) = call_center.of_type("kubernetes:networking.k8s.io/v1:Ingress")
    routes = {
        rule["host"]: rule["http"]["paths"][0]["backend"]["service"]["name"] for rule in ingress.get("spec.rules")
    }
    assert routes == {f"{n}.speech.contoso.com": n for n in ("en-us", "es-us", "jenny", "guy")}
    outputs = call_center.outputs["deployments"]
    assert outputs["es-us"]["url"] == "wss://es-us.speech.contoso.com:443"
    assert outputs["es-us"]["kind"] == "speech-to-text" and "voice" not in outputs["es-us"]
    assert (outputs["jenny"]["voice"], outputs["guy"]["voice"]) == ("en-US-JennyNeural", "en-US-GuyNeural")
    assert outputs["guy"]["url"] == "https://guy.speech.contoso.com:443"


def test_on_aci_each_deployment_gets_its_own_groups_and_labels() -> None:
    args: SpeechContainersArgs = {
        "eula": "accept",
        "host": Host.ACI,
        "location": "eastus",
        "aci": {"dns_name_label_prefix": "contoso", "tls": {"mode": TlsMode.SELF_SIGNED}},
        "containers": {
            "en-us": {"kind": Kind.SPEECH_TO_TEXT, "cpu": 4, "memory_gb": 8, "replicas": 2},
            "es-us": {"kind": Kind.SPEECH_TO_TEXT, "locale": "es-us", "cpu": 4, "memory_gb": 8},
        },
    }
    plan = run(args)
    groups = {g.name: g for g in plan.of_type("azure-native:containerinstance:ContainerGroup")}
    assert set(groups) == {"calls-aci-en-us-0", "calls-aci-en-us-1", "calls-aci-es-us-0", "calls-aci-preflight"}
    labels = {name: g.get("ipAddress.dnsNameLabel") for name, g in groups.items() if "preflight" not in name}
    assert labels == {
        "calls-aci-en-us-0": "contoso-en-us-0",
        "calls-aci-en-us-1": "contoso-en-us-1",
        "calls-aci-es-us-0": "contoso-es-us-0",
    }
    assert groups["calls-aci-es-us-0"].get("containers.0.image").endswith("speech-to-text:5.1.0-amd64-es-us")
    assert len(plan.outputs["deployments"]["en-us"]["instances"]) == 2


def test_bad_args_raise_a_config_error_and_register_nothing() -> None:
    plan = offline.Plan()
    bad: dict[str, Any] = {**CALL_CENTER, "containers": {"en-us": {"kind": "speech-to-text", "cpu": 2}}}
    with pytest.raises(ConfigError, match=r"containers\.en-us\.cpu: 2 cores is out of range"):
        run(bad, plan)  # type: ignore[arg-type]
    assert plan.registrations == []
