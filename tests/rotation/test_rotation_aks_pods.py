"""AKS: the key in use is proven from the pods themselves (each started after the Secret's last sync), every pod
of every Deployment is verified, and a passing API server error during a wait is retried."""

from __future__ import annotations

import pytest

from tests.rotation.rotation_fake_cloud import Fault
from tests.rotation.rotation_harness import Rotator, instant_waits


def test_every_pod_of_every_deployment_is_verified_through_its_own_port(aks: Rotator) -> None:
    outcome = aks.run(aks.aks_args())

    assert outcome.code == 0, outcome.text
    verified = outcome.stdout.split("4 container(s) report the key valid: ")[1].splitlines()[0].split(", ")
    assert sorted(label.split("/")[0] for label in verified) == ["en-us", "en-us", "lid", "lid"]
    aks.assert_rotated()


def test_a_pod_that_does_not_validate_the_new_key_keeps_the_old_key_from_being_regenerated(aks: Rotator) -> None:
    """A Service would forward the check to one pod only; the pod behind it that cannot validate goes unnoticed."""

    def block_billing_on_one_pod(step: str) -> None:
        if step == "wait-for-rollout":
            aks.world.deployments["lid"].pods[-1].billing_blocked = True

    waits = ["--timeout", "30", "--poll-interval", "5"]
    outcome = aks.run([*aks.aks_args(), *waits], after_step=block_billing_on_one_pod, waits=instant_waits())

    blocked = aks.world.deployments["lid"].pods[-1].name
    assert outcome.code == 1, outcome.text
    assert f"lid/{blocked}: apiStatus Invalid" in outcome.stderr
    assert aks.world.regenerated == ["Key2"]


def test_a_version_synced_but_not_yet_in_any_pod_is_not_taken_as_the_key_in_use(aks: Rotator) -> None:
    """Someone stored Key2 by hand and the CSI driver synced it, but no pod restarted: the pods still run Key1,
    which the rotation would otherwise regenerate as the unused key."""
    aks.world.store_out_of_band("Key2")
    aks.world.sync_now()

    outcome = aks.run(aks.aks_args())

    assert outcome.code == 1, outcome.text
    assert "started before Secret speech-credentials was last synced" in outcome.stderr
    assert "kubectl rollout restart deployment" in outcome.stderr
    assert aks.world.regenerated == [] and aks.world.outages == []


def test_a_phase_tag_deleted_by_hand_is_not_taken_as_idle(aks: Rotator) -> None:
    def interrupt(step: str) -> None:
        if step == "regenerate-unused-key":
            raise KeyboardInterrupt

    assert aks.run(aks.aks_args(), after_step=interrupt).code == 130
    del aks.world.latest["tags"]["rotation-phase"]
    aks.world.sync_now()

    outcome = aks.run(aks.aks_args())

    assert outcome.code == 1, outcome.text
    assert "secret tag rotation-phase is missing on version v1" in outcome.stderr
    assert "set tag rotation-phase=rolling on that version" in outcome.stderr
    assert aks.world.regenerated == ["Key2"] and aks.world.outages == []


@pytest.mark.parametrize(
    "fault",
    [Fault("kube.readSecret", 2), Fault("kube.listDeployments", 3), Fault("kube.listPods", 3, status=503)],
    ids=["csi-sync-wait", "rollout-wait", "verify-wait"],
)
def test_a_passing_api_server_error_during_a_wait_is_retried_within_the_deadline(aks: Rotator, fault: Fault) -> None:
    aks.world.faults.append(fault)

    outcome = aks.run(aks.aks_args())

    assert outcome.code == 0, outcome.text
    assert aks.world.fired == [fault]
    aks.assert_rotated()
