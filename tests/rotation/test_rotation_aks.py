"""AKS rotation end to end: real SDK clients against the fake cloud, with failures injected at every step."""

from __future__ import annotations

from collections import Counter

import pytest

from tests.rotation.rotation_fake_cloud import Fault
from tests.rotation.rotation_harness import Rotator, instant_waits

AKS_STEPS = [
    "check-key-in-use",
    "regenerate-unused-key",
    "confirm-stored-key",
    "set-stack-config",
    "wait-for-secret-sync",
    "restart-deployments",
    "wait-for-rollout",
    "verify-status",
    "mark-verified",
    "regenerate-previous-key",
    "mark-complete",
]
MUTATING_ROUTES = {"kv.set", "kv.update", "arm.regenerateKey", "kube.patchDeployment", "lease.set", "lease.update"}


def test_rotation_moves_containers_to_the_other_key_and_regenerates_the_old_one_last(aks: Rotator) -> None:
    outcome = aks.run([*aks.aks_args(), "--json"])

    assert outcome.code == 0, outcome.text
    aks.assert_rotated()
    assert aks.world.regenerated == ["Key2", "Key1"]
    assert {pod.key for pod in aks.world.pods} == {aks.world.keys["Key2"]}
    events = outcome.events()
    assert events[0] == {"event": "state", "phase": "idle", "activeKey": "Key1", "previousKey": None}
    assert events[-1]["event"] == "result" and events[-1]["status"] == "complete"


def test_rotating_twice_returns_to_the_first_key(aks: Rotator) -> None:
    assert aks.run(aks.aks_args()).code == 0
    assert aks.run(aks.aks_args()).code == 0

    aks.assert_rotated(rotations=2)
    assert aks.world.regenerated == ["Key2", "Key1", "Key1", "Key2"]


def test_dry_run_lists_every_remaining_step_and_changes_nothing(aks: Rotator) -> None:
    before = [dict(version) for version in aks.world.versions]

    outcome = aks.run([*aks.aks_args(), "--dry-run", "--json"])

    assert outcome.code == 0, outcome.text
    planned = [event["step"] for event in outcome.events() if event["event"] == "step"]
    assert planned == AKS_STEPS
    assert aks.world.versions == before
    assert aks.world.regenerated == []
    assert all(route.split(".")[0] != "kube" or "list" in route or "read" in route for route in aks.world.routes)


def _failure_points(routes: list[str]) -> list[Fault]:
    """An error reply to the first request of every kind, and every change whose reply is lost after it took
    effect (the hardest case for resuming; from Azure as a dropped connection, which the SDK reports apart). A
    change failing before it takes effect leaves the state an interrupt between two steps leaves, which
    `test_an_interrupt_after_any_step...` covers."""
    seen: Counter[str] = Counter()
    faults = []
    for route in routes:
        seen[route] += 1
        if seen[route] == 1:
            faults.append(Fault(route))
        if route in MUTATING_ROUTES:
            faults.append(Fault(route, seen[route], status=500 if route.startswith("kube.") else 0, after_effect=True))
    return faults


@pytest.mark.parametrize("api", ["azure", "kube"])
def test_a_failed_request_at_any_step_leaves_a_state_the_rerun_finishes(aks: Rotator, api: str) -> None:
    """Split by API, so the two halves run in parallel."""
    assert aks.run(aks.aks_args()).code == 0
    faults = [
        fault for fault in _failure_points(aks.world.routes) if fault.route.startswith("kube.") == (api == "kube")
    ]
    assert len(faults) > 5
    faults.sort(key=lambda fault: fault.route.startswith("aad."))  # last: only they need fresh credentials

    for fault in faults:
        aks.reset("aks", new_credentials=fault.route.startswith("aad."))
        aks.world.faults.append(fault)
        failed = aks.run(aks.aks_args())
        assert aks.world.fired == [fault] and failed.code in (0, 1), (fault, failed.text)
        if failed.code == 0:  # a wait retried it, or the lease's release failed (the lease then expires)
            aks.assert_rotated(lease_released=fault.route != "lease.update")
            continue
        assert failed.stderr.count("\n") == 1 and "Traceback" not in failed.text, (fault, failed.stderr)
        if not aks.world.untouched or fault.route.startswith("lease."):  # else a rerun is a first run
            aks.assert_rerun_finishes(aks.aks_args(), fault)


@pytest.mark.parametrize("step", AKS_STEPS)
def test_an_interrupt_after_any_step_leaves_a_state_the_rerun_finishes(aks: Rotator, step: str) -> None:
    aks.assert_interrupt_after_step_is_resumed("aks", aks.aks_args(), step)


def test_a_secret_that_never_syncs_times_out_resumably_without_touching_the_old_key(aks: Rotator) -> None:
    aks.world.csi_syncs = False

    outcome = aks.run([*aks.aks_args(), "--timeout", "15", "--poll-interval", "5"], waits=instant_waits())

    assert outcome.code == 1
    assert "timed out after 15s waiting for the CSI driver to sync Key2" in outcome.stderr
    assert aks.world.regenerated == ["Key2"]
    aks.world.csi_syncs = True
    assert aks.run(aks.aks_args()).code == 0
    aks.assert_rotated()


def test_refuses_to_start_when_the_cluster_holds_a_key_other_than_the_vaults(aks: Rotator) -> None:
    aks.world.synced_value, aks.world.csi_syncs = aks.world.keys["Key2"], False

    outcome = aks.run(aks.aks_args())

    assert outcome.code == 1
    assert "does not hold Key1" in outcome.stderr
    assert aks.world.regenerated == []


def test_stack_mode_reads_the_outputs_and_records_the_active_key_in_the_stack_config(aks: Rotator) -> None:
    outcome = aks.run([*aks.stack_args(), "--kubeconfig", str(aks.bench.kubeconfig)])

    assert outcome.code == 0, outcome.text
    aks.assert_rotated()
    assert aks.stack()["config"]["activeKey"] == "Key2"


def test_without_the_pulumi_cli_the_config_command_is_printed(aks: Rotator, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PATH", aks.path_with_pulumi(present=False))

    outcome = aks.run([*aks.aks_args(), "--stack", "prod"])

    assert outcome.code == 0, outcome.text
    assert (
        "run later: cd " in outcome.stdout
        and "pulumi config set --path speech.activeKey Key2 --stack prod" in outcome.stdout
    )
    aks.assert_rotated()
