"""Disconnected mode (the `airgapped` sample stack on AKS, and ACI): the DC0 account and its commitment plan, the
license downloads, containers on their license without billing, and what disconnected mode refuses."""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import Any

import pytest

from components import catalog, config
from components.aks.license import DEADLINE_SECONDS
from plan import offline
from tests.sample_stacks import AKS_STACK, plan_program, with_changes
from tests.security.samples import stack_file_values
from tests.test_aks import manifest, validate_kubernetes  # noqa: F401 (a fixture)
from tests.test_lockdown import locked_plan

COMMITMENT = {"planType": "STT", "tier": "T1"}
DEPLOYMENT = "kubernetes:apps/v1:Deployment"
JOB = "kubernetes:batch/v1:Job"
PVC = "kubernetes:core/v1:PersistentVolumeClaim"


@functools.cache
def airgapped() -> offline.Plan:
    return plan_program(stack_file_values("airgapped"), "airgapped")


def aci_plan_disconnected() -> offline.Plan:
    """ACI with output, proxy, registry and disconnected mode (shared with tests/test_lockdown.py)."""
    return locked_plan("aci")


def env(container: dict[str, Any]) -> dict[str, Any]:
    return {e["name"]: e.get("value", e.get("valueFrom")) for e in container["env"]}


def by_name(plan: offline.Plan, type_: str, name: str) -> offline.Registration:
    return next(r for r in plan.of_type(type_) if r.get("metadata.name") == name)


def test_the_account_is_on_the_disconnected_tier_with_its_commitment_plan() -> None:
    plan = airgapped()
    account = plan.one("azure-native:cognitiveservices:Account")
    assert account.get("sku") == {"name": "DC0"}  # "Commitment tier disconnected containers DC0" (FAQ)
    commitment = plan.one("azure-native:cognitiveservices:CommitmentPlan")
    assert commitment.get("accountName") == account.outputs["name"]
    assert commitment.get("properties") == {
        "hostingModel": "DisconnectedContainer",
        "planType": "STT",
        "autoRenew": False,
        "current": {"tier": "T1", "count": 1},
    }
    assert plan.outputs["disconnectedLicense"]["renewAfter"] == "2027-01-01T00:00:00Z"
    assert "/records/usage-logs/" in plan.outputs["disconnectedLicense"]["usageRecords"]


def test_aks_downloads_each_license_before_its_deployment_and_runs_without_billing() -> None:
    plan = airgapped()
    renewal = plan.one("time:index/rotating:Rotating")
    assert renewal.get("rotationDays") == 30
    for deployment in ("speech-to-text", "neural-text-to-speech"):
        job = by_name(plan, JOB, f"{deployment}-license-download")
        pod = job.get("spec.template.spec")
        download = pod["containers"][0]
        settings = env(download)
        assert settings["DownloadLicense"] == "True" and settings["Mounts__License"] == "/license"
        assert settings["Billing"]["secretKeyRef"]["name"] == catalog.AKS.credentials_secret
        assert settings[catalog.DISCONNECTED.round_setting] == renewal.outputs["rfc3339"]
        assert settings["HTTPS_PROXY"] == "http://proxy.contoso.internal:3128"
        assert {"name": "license", "persistentVolumeClaim": {"claimName": f"{deployment}-license"}} in pod["volumes"]
        assert job.get("spec.activeDeadlineSeconds") == DEADLINE_SECONDS
        served = by_name(plan, DEPLOYMENT, deployment)
        assert job.urn in served.dependencies
        # A renewed license rolls the pods onto it.
        assert served.get("spec.template.metadata.annotations") == {
            "speech-containers.io/license-round": renewal.outputs["rfc3339"]
        }
        speech = served.get("spec.template.spec.containers.0")
        running = env(speech)
        assert running["Mounts__License"] == "/license" and running["Mounts__Output"] == "/output"
        assert not {"Billing", "ApiKey", "DownloadLicense"} & set(running)
        assert {"name": "license", "mountPath": "/license"} in speech["volumeMounts"]
        assert by_name(plan, PVC, f"{deployment}-license").get("spec.accessModes") == ["ReadWriteMany"]
        assert download["image"] == speech["image"]  # a license is for the image it was downloaded with


def test_the_airgapped_stack_pulls_from_its_registry_through_no_public_path() -> None:
    plan = airgapped()
    registry = plan.one("azure-native:containerregistry:Registry")
    assert registry.get("publicNetworkAccess") == "Disabled" and registry.get("sku") == {"name": "Premium"}
    assert plan.one("azure-native:containerservice:ManagedCluster").get("apiServerAccessProfile.enablePrivateCluster")
    for resource in plan.of_type(JOB) + plan.of_type(DEPLOYMENT):
        spec = resource.get("spec.template.spec") or resource.get("spec.jobTemplate.spec.template.spec")
        for container in spec["containers"] + spec.get("initContainers", []):
            assert container["image"].startswith("contosospeechairgap.azurecr.io/"), container["image"]
    no_proxy = env(by_name(plan, DEPLOYMENT, "speech-to-text").get("spec.template.spec.containers.0"))["NO_PROXY"]
    # Billing has a private endpoint, so it bypasses the proxy.
    assert no_proxy.startswith("localhost,127.0.0.1,") and ".cognitiveservices.azure.com" in no_proxy


def test_airgapped_kubernetes_objects_are_valid(validate_kubernetes: Callable[[dict[str, Any]], str]) -> None:  # noqa: F811
    for resource in airgapped().registrations:
        if resource.type in (JOB, PVC, DEPLOYMENT):
            validate_kubernetes(manifest(resource))


def test_aci_downloads_each_license_in_a_one_shot_group_the_replicas_follow() -> None:
    plan = aci_plan_disconnected()
    assert plan.one("time:index/rotating:Rotating").get("rotationDays") == 14
    download = plan.named("speech-aci-speech-to-text-license")
    assert download.get("restartPolicy") == "Never"
    container = offline.reveal(download.raw("containers"))[0]
    settings = {v["name"]: v.get("value", v.get("secureValue")) for v in container["environmentVariables"]}
    assert settings["DownloadLicense"] == "True" and settings["ApiKey"] and settings["Billing"]
    shares = [r for r in plan.of_type("azure-native:storage:FileShare") if r.name.endswith("-license-share")]
    assert {s.get("shareName") for s in shares} == {"speech-to-text-license", "neural-text-to-speech-license"}
    replica = plan.named("speech-aci-speech-to-text-0")
    assert download.urn in replica.dependencies
    running = offline.reveal(replica.raw("containers"))[0]
    variables = {v["name"]: v.get("value", v.get("secureValue")) for v in running["environmentVariables"]}
    assert variables["Mounts__License"] == "/license" and variables["Mounts__Output"] == "/output"
    assert not {"Billing", "ApiKey"} & set(variables)
    assert {"name": "license", "mountPath": "/license"} in running["volumeMounts"]


@pytest.mark.parametrize(
    ("changes", "key", "fragment"),
    [
        ({"containers": {"language-identification": {}}}, "containers.language-identification", "not available"),
        (
            {"containers": {"custom-speech-to-text": {"modelId": "0123abcd-4567-89ef-0123-456789abcdef"}}},
            "containers.custom-speech-to-text",
            "second Speech resource",
        ),
        ({"speech": {"sku": "S0"}}, "speech.sku", "DC0"),
        ({"output": {"enabled": False}}, "output.enabled", "usage records"),
        ({"disconnected": {"renewDays": 7}}, "disconnected.commitment", "required"),
    ],
)
def test_disconnected_refuses_what_it_cannot_run(changes: dict[str, Any], key: str, fragment: str) -> None:
    values = with_changes(AKS_STACK, **{"disconnected": {"commitment": COMMITMENT}, **changes})
    with pytest.raises(config.ConfigError) as caught:
        config.parse(values)
    assert any(p.startswith(f"{key}:") and fragment in p for p in caught.value.problems), caught.value.problems


def test_dc0_is_set_by_disconnected_only() -> None:
    with pytest.raises(config.ConfigError) as caught:
        config.parse(with_changes(AKS_STACK, speech={"sku": "DC0"}))
    assert any(p.startswith("speech.sku:") and "set disconnected" in p for p in caught.value.problems)
    settings = config.parse(with_changes(AKS_STACK, disconnected={"commitment": COMMITMENT}))
    assert settings.output is not None  # turned on: usage records need it
