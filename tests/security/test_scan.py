"""The manifest rendering and the justification bookkeeping of `make security` (checkov itself runs there, once)."""

from __future__ import annotations

import dataclasses
from pathlib import Path

import yaml

from plan import offline
from plan.command import SECRET_PLACEHOLDER
from tests.sample_stacks import ACI_STACK, AKS_STACK, plan_program
from tests.security import render, scan


def test_kubernetes_objects_render_as_manifests_with_api_version_and_kind_from_the_type() -> None:
    manifests = {(m["kind"], m["metadata"]["name"]): m for m in render.kubernetes_manifests(plan_program(AKS_STACK))}
    deployment = manifests[("Deployment", "speech-to-text")]
    service = manifests[("Service", "speech-to-text")]
    assert (deployment["apiVersion"], service["apiVersion"]) == ("apps/v1", "v1")
    assert service["spec"]["ports"][0]["port"] == 5000  # the engine's 5000.0, back to an integer
    assert ("Namespace", "speech") in manifests


def test_secrets_become_placeholders_and_unnamed_objects_take_the_resource_name() -> None:
    deployment = plan_program(AKS_STACK).of_type("kubernetes:apps/v1:Deployment")[0]
    secret = dataclasses.replace(
        deployment,
        type="kubernetes:core/v1:Secret",
        name="credentials",
        inputs={"stringData": {"api-key": offline.Secret("mock-speech-key-1")}},
    )
    rendered = render.manifest(secret)
    assert rendered == {
        "apiVersion": "v1",
        "kind": "Secret",
        "stringData": {"api-key": SECRET_PLACEHOLDER},
        "metadata": {"name": "credentials"},
    }


def test_only_plans_with_kubernetes_objects_are_written(tmp_path: Path) -> None:
    plans = [("ACI_STACK", plan_program(ACI_STACK)), ("stacks/x", plan_program(AKS_STACK))]
    [written] = render.write_manifests(plans, tmp_path)
    assert written.name == "stacks-x.yaml"
    assert {d["kind"] for d in yaml.safe_load_all(written.read_text())} >= {"Deployment", "Service", "Namespace"}


def test_findings_without_justification_and_justifications_without_finding_both_fail() -> None:
    justified = scan.Justification("CKV_K8S_11", "Deployment.speech.*", "no CPU limit by design")
    stale = scan.Justification("CKV_K8S_99", "Deployment.speech.x", "fixed long ago")
    report = {
        "results": {
            "failed_checks": [
                {"check_id": "CKV_K8S_11", "resource": "Deployment.speech.speech-to-text"},
                {"check_id": "CKV_K8S_43", "resource": "Deployment.speech.speech-to-text"},
            ]
        }
    }
    found = scan.findings([report])
    verdict = scan.judge(found, [justified, stale])
    assert verdict.unjustified == [scan.Finding("CKV_K8S_43", "Deployment.speech.speech-to-text")]
    assert verdict.stale == [stale]
    assert not verdict.ok
    assert scan.judge(found - set(verdict.unjustified), [justified]).ok
    assert any("UNJUSTIFIED CKV_K8S_43" in line for line in scan.report_lines(verdict, found))


def test_every_justification_names_a_check_and_gives_a_reason() -> None:
    justifications = scan.load_justifications()
    assert justifications
    for justification in justifications:
        assert justification.check_id.startswith(("CKV_K8S_", "CKV2_K8S_"))
        assert len(justification.reason) > 40, justification
