"""ACI rotation: the stack injects the key, so the rotation pauses for `pulumi up` unless --apply is given."""

from __future__ import annotations

import pytest

from tests.rotation.rotation_harness import STACK, Rotator


def test_without_apply_it_prints_the_commands_and_pauses_then_a_rerun_finishes(aci: Rotator) -> None:
    paused = aci.run([*aci.stack_args(), "--json"])

    assert paused.code == 3, paused.text
    action = next(event for event in paused.events() if event["event"] == "action-required")
    assert [command.split(" && ")[1] for command in action["commands"]] == [
        f"pulumi config set --path speech.activeKey Key2 --stack {STACK}",
        f"pulumi up --yes --stack {STACK}",
    ]
    assert aci.world.regenerated == ["Key2"]
    assert aci.world.latest["tags"]["rotation-phase"] == "rolling"

    rerun_before_deploying = aci.run(aci.stack_args())
    assert rerun_before_deploying.code == 3
    assert aci.world.regenerated == ["Key2"], "the old key stays valid until the containers are moved"

    stack = aci.stack()
    stack["outputs"]["activeKey"] = "Key2"  # what the printed `pulumi up` does
    aci.write_stack(stack)
    aci.world.deploy_aci("Key2")
    finished = aci.run(aci.stack_args())

    assert finished.code == 0, finished.text
    aci.assert_rotated()


def test_with_apply_it_deploys_and_finishes_in_one_run(aci: Rotator) -> None:
    outcome = aci.run([*aci.stack_args(), "--apply"])

    assert outcome.code == 0, outcome.text
    aci.assert_rotated()
    assert f"up --yes --stack {STACK}" in aci.stack()["calls"]
    assert aci.stack()["config"]["activeKey"] == "Key2"


def test_without_the_pulumi_cli_and_explicit_targets_it_pauses_with_the_commands(
    aci: Rotator, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("PATH", aci.path_with_pulumi(present=False))
    args = ["--account-id", aci.stack()["outputs"]["speechAccountId"], "--vault-url", aci.cloud.base_url]

    outcome = aci.run([*aci.stack_args(), *args, "--host", "aci", "--apply"])

    assert outcome.code == 3, outcome.text
    assert "the Pulumi CLI is not installed" in outcome.stdout
    assert "pulumi up --yes --stack prod" in outcome.stdout
    assert aci.world.regenerated == ["Key2"]


def test_a_failed_pulumi_up_is_reported_and_a_rerun_finishes(aci: Rotator) -> None:
    stack = aci.stack()
    stack["fail_up"] = True
    aci.write_stack(stack)

    failed = aci.run([*aci.stack_args(), "--apply"])
    assert failed.code == 1
    assert "`pulumi up --yes --stack prod` failed: error: update failed" in failed.stderr
    assert aci.world.regenerated == ["Key2"]

    assert aci.run([*aci.stack_args(), "--apply"]).code == 0
    aci.assert_rotated()


def test_an_interrupt_after_any_aci_roll_step_leaves_a_state_the_rerun_finishes(aci: Rotator) -> None:
    """The steps before and after the roll are the host-independent ones the AKS tests interrupt already."""
    args = [*aci.stack_args(), "--apply"]
    assert aci.run(args).code == 0

    for step in ("regenerate-unused-key", "set-stack-config", "deploy-stack", "verify-status"):
        aci.assert_interrupt_after_step_is_resumed("aci", args, step)


def test_refuses_to_start_when_the_deployed_key_differs_from_the_vault(aci: Rotator) -> None:
    stack = aci.stack()
    stack["outputs"]["activeKey"] = "Key2"
    aci.write_stack(stack)

    outcome = aci.run(aci.stack_args())

    assert outcome.code == 1
    assert "stack output activeKey is Key2 but the secret holds Key1" in outcome.stderr
    assert aci.world.regenerated == []
