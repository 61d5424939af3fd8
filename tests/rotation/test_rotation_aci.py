"""ACI rotation: the stack injects the key, so the rotation pauses for `pulumi up` unless --apply is given."""

from __future__ import annotations

import pytest

from tests.rotation.rotation_harness import STACK, Rotator, instant_waits


def test_without_apply_it_prints_the_commands_and_pauses_then_a_rerun_finishes(
    aci: Rotator, monkeypatch: pytest.MonkeyPatch
) -> None:
    paused = aci.run([*aci.stack_args(), "--json"])

    assert paused.code == 3, paused.text
    action = next(event for event in paused.events() if event["event"] == "action-required")
    assert [command.split(" && ")[1] for command in action["commands"]] == [
        f"pulumi config set --path speech.activeKey Key2 --stack {STACK}",
        f"pulumi up --yes --stack {STACK}",
    ]
    assert aci.world.regenerated == ["Key2"]
    assert aci.world.latest["tags"]["rotation-phase"] == "rolling"

    with monkeypatch.context() as without_pulumi:
        without_pulumi.setenv("PATH", aci.path_with_pulumi(present=False))
        targets = ["--account-id", aci.stack()["outputs"]["speechAccountId"], "--vault-url", aci.cloud.base_url]
        rerun_without_the_cli = aci.run([*aci.stack_args(), *targets, "--host", "aci", "--apply"])
    assert rerun_without_the_cli.code == 3, rerun_without_the_cli.text
    assert "the Pulumi CLI is not installed" in rerun_without_the_cli.stdout
    assert aci.world.regenerated == ["Key2"], "the old key stays valid until the containers are moved"

    stack = aci.stack()
    stack["outputs"]["activeKey"] = "Key2"  # what the printed `pulumi up` does
    aci.write_stack(stack)
    aci.world.deploy_aci("Key2")
    finished = aci.run(aci.stack_args())

    assert finished.code == 0, finished.text
    aci.assert_rotated()


def test_with_apply_it_runs_the_pulumi_executable_and_finishes_in_one_run(aci: Rotator) -> None:
    """The one test that runs `pulumi` as a process: the others call the same fake in-process."""
    aci.pulumi_in_process = False

    outcome = aci.run([*aci.stack_args(), "--apply"])

    assert outcome.code == 0, outcome.text
    aci.assert_rotated()
    assert f"up --yes --stack {STACK}" in aci.stack()["calls"]
    assert aci.stack()["config"]["activeKey"] == "Key2"


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


@pytest.mark.parametrize("step", ["regenerate-unused-key", "set-stack-config", "deploy-stack", "verify-status"])
def test_an_interrupt_after_any_aci_roll_step_leaves_a_state_the_rerun_finishes(aci: Rotator, step: str) -> None:
    """The steps before and after the roll are the host-independent ones the AKS tests interrupt already."""
    aci.assert_interrupt_after_step_is_resumed("aci", [*aci.stack_args(), "--apply"], step)


def test_every_instance_must_report_the_key_valid_before_the_old_key_is_regenerated(aci: Rotator) -> None:
    aci.world.starting_aci_instances.add("neural-text-to-speech-2")

    waits = ["--timeout", "10", "--poll-interval", "5"]
    outcome = aci.run([*aci.stack_args(), "--apply", *waits], waits=instant_waits())

    assert outcome.code == 1
    assert (
        "timed out after 10s" in outcome.stderr
        and "neural-text-to-speech #2: /status unreachable (HTTP 503" in outcome.stderr
    )
    assert aci.world.regenerated == ["Key2"]


def test_stacks_older_than_status_urls_are_verified_through_their_status_url(aci: Rotator) -> None:
    stack = aci.stack()
    for container in stack["outputs"]["containers"].values():
        del container["statusUrls"]
    aci.write_stack(stack)

    outcome = aci.run([*aci.stack_args(), "--apply"])

    assert outcome.code == 0, outcome.text
    assert "2 container(s) report the key valid: speech-to-text, neural-text-to-speech" in outcome.stdout
    aci.assert_rotated()


@pytest.mark.parametrize(
    ("active_key", "fragment"),
    [
        ("Key2", "stack output activeKey is Key2 but the secret holds Key1"),
        (None, "has no output 'activeKey', so the key the containers got is unknown"),
    ],
)
def test_refuses_to_start_unless_the_deployed_key_is_the_vaults(
    aci: Rotator, active_key: str | None, fragment: str
) -> None:
    stack = aci.stack()
    del stack["outputs"]["activeKey"]
    if active_key is not None:
        stack["outputs"]["activeKey"] = active_key
    aci.write_stack(stack)

    outcome = aci.run(aci.stack_args())

    assert outcome.code == 1
    assert fragment in outcome.stderr
    assert aci.world.regenerated == []


def test_refuses_to_start_without_the_pulumi_cli(aci: Rotator, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PATH", aci.path_with_pulumi(present=False))
    targets = ["--account-id", aci.stack()["outputs"]["speechAccountId"], "--vault-url", aci.cloud.base_url]

    outcome = aci.run([*aci.stack_args(), *targets, "--host", "aci", "--apply"])

    assert outcome.code == 1
    assert "stack output activeKey, which needs the Pulumi CLI" in outcome.stderr
    assert aci.world.regenerated == []


def test_containers_moved_back_after_verification_keep_the_old_key_from_being_regenerated(aci: Rotator) -> None:
    """E.g. a `pulumi up` from a checkout with the old config between two runs."""

    def stop_when_verified(step: str) -> None:
        if step == "mark-verified":
            raise KeyboardInterrupt

    assert aci.run([*aci.stack_args(), "--apply"], after_step=stop_when_verified).code == 130
    stack = aci.stack()
    stack["outputs"]["activeKey"] = "Key1"
    aci.write_stack(stack)
    aci.world.deploy_aci("Key1")

    outcome = aci.run([*aci.stack_args(), "--apply"])

    assert outcome.code == 1
    assert "stack output activeKey is Key1 but the secret holds Key2" in outcome.stderr
    assert aci.world.regenerated == ["Key2"] and aci.world.outages == []
