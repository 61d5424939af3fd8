"""ACI rotation: the stack injects the key, so the rotation re-applies one rollout batch at a time with
`pulumi up --target` (or pauses for a person to, unless --apply is given)."""

from __future__ import annotations

import json

import pytest

from tests.rotation.rotation_fake_cloud import ACI_DEPLOYMENTS
from tests.rotation.rotation_harness import STACK, Rotator, aci_urn, instant_waits

BATCH_UPS = [
    f"up --yes --stack {STACK} " + " ".join(f"--target {aci_urn(f'{name}-{n}')}" for name in ACI_DEPLOYMENTS)
    for n in (1, 2)
]
FINAL_UP = f"up --yes --stack {STACK}"


def _ups(aci: Rotator) -> list[str]:
    return [call for call in aci.stack()["calls"] if call.startswith("up ")]


def test_without_apply_it_prints_the_batch_commands_in_order_and_pauses_then_a_rerun_finishes(
    aci: Rotator, monkeypatch: pytest.MonkeyPatch
) -> None:
    paused = aci.run([*aci.stack_args(), "--json"])

    assert paused.code == 3, paused.text
    action = next(event for event in paused.events() if event["event"] == "action-required")
    assert [command.split(" && ")[1] for command in action["commands"]] == [
        f"pulumi config set --path speech.activeKey Key2 --stack {STACK}",
        *(f"pulumi {up}" for up in BATCH_UPS),
        f"pulumi {FINAL_UP}",
    ]
    assert "after each `pulumi up --target`, wait until every group of that batch" in action["reason"]
    assert "answers /ready (neural text to speech 3.10+: /synthesize/health)" in action["reason"]
    assert aci.world.regenerated == ["Key2"]
    assert aci.world.latest["tags"]["rotation-phase"] == "rolling"

    with monkeypatch.context() as without_pulumi:
        without_pulumi.setenv("PATH", aci.path_with_pulumi(present=False))
        targets = ["--account-id", aci.stack()["outputs"]["speechAccountId"], "--vault-url", aci.cloud.base_url]
        rerun_without_the_cli = aci.run([*aci.stack_args(), *targets, "--host", "aci", "--apply", "--json"])
    assert rerun_without_the_cli.code == 3, rerun_without_the_cli.text
    action_without_the_cli = next(e for e in rerun_without_the_cli.events() if e["event"] == "action-required")
    assert "the Pulumi CLI is not installed" in action_without_the_cli["reason"]
    assert not any("pulumi up" in command for command in action_without_the_cli["commands"])
    assert aci.world.regenerated == ["Key2"], "the old key stays valid until the containers are moved"

    aci.run_printed_commands(action["commands"])
    finished = aci.run(aci.stack_args())

    assert finished.code == 0, finished.text
    aci.assert_rotated()


def test_with_apply_it_runs_the_pulumi_executable_and_finishes_in_one_run(aci: Rotator) -> None:
    """The one test that runs `pulumi` as a process: the others call the same fake in-process."""
    aci.pulumi_in_process = False

    outcome = aci.run([*aci.stack_args(), "--apply"])

    assert outcome.code == 0, outcome.text
    aci.assert_rotated()
    assert _ups(aci) == [*BATCH_UPS, FINAL_UP]
    assert aci.stack()["config"]["activeKey"] == "Key2"


def test_each_batch_is_restarted_only_once_the_previous_one_is_ready_and_reports_the_key_valid(aci: Rotator) -> None:
    """/status answers while the model still loads: only readiness (/ready, or neural TTS's /synthesize/health)
    says a group serves again, so the next batch waits for both."""
    aci.world.restart_polls = 3  # the model loads for a while after each restart

    outcome = aci.run([*aci.stack_args(), "--apply"])

    assert outcome.code == 0, outcome.text
    aci.assert_rotated()  # including: no deployment ever had every group loading at once
    assert _ups(aci) == [*BATCH_UPS, FINAL_UP]
    log = aci.world.aci_log
    second_batch = log.index("restart en-us-2")
    assert log[:2] == ["restart en-us-1", "restart neural-text-to-speech-1"]
    first_batch_checks = {
        "ready en-us-1",
        "valid en-us-1",
        "ready neural-text-to-speech-1",
        "valid neural-text-to-speech-1",
    }
    assert first_batch_checks <= set(log[:second_batch])
    assert log[second_batch : second_batch + 2] == ["restart en-us-2", "restart neural-text-to-speech-2"]
    assert not any(entry.startswith("restart") for entry in log[second_batch + 2 :]), "the final up restarts none"


@pytest.mark.parametrize("failing_up", [2, 3])
def test_a_failed_pulumi_up_of_any_batch_is_reported_and_a_rerun_finishes(aci: Rotator, failing_up: int) -> None:
    stack = aci.stack()
    stack["fail_ups"] = [failing_up]
    aci.write_stack(stack)

    failed = aci.run([*aci.stack_args(), "--apply"])
    assert failed.code == 1
    assert f"`pulumi {[*BATCH_UPS, FINAL_UP][failing_up - 1]}` failed: error: update failed" in failed.stderr
    assert aci.world.regenerated == ["Key2"]

    assert aci.run([*aci.stack_args(), "--apply"]).code == 0
    aci.assert_rotated()


@pytest.mark.parametrize(
    "step",
    ["regenerate-unused-key", "set-stack-config", "deploy-stack", "verify-status"],
)
def test_an_interrupt_after_any_aci_roll_step_leaves_a_state_the_rerun_finishes(aci: Rotator, step: str) -> None:
    """The steps before and after the roll are the host-independent ones the AKS tests interrupt already; the
    batches have their own test below."""
    aci.assert_interrupt_after_step_is_resumed("aci", [*aci.stack_args(), "--apply"], step)


def test_a_batch_that_does_not_come_up_stops_the_rollout_and_a_rerun_finishes_it(aci: Rotator) -> None:
    aci.world.starting_aci_instances.add("neural-text-to-speech-1")

    waits = ["--timeout", "10", "--poll-interval", "5"]
    outcome = aci.run([*aci.stack_args(), "--apply", *waits], waits=instant_waits())

    assert outcome.code == 1
    assert (
        "timed out after 10s" in outcome.stderr
        and "neural-text-to-speech #1: not ready (/ready: HTTP 404 Not Found; /synthesize/health: HTTP 503"
        in outcome.stderr
    )
    assert _ups(aci) == BATCH_UPS[:1], "the next batch waits"
    assert aci.world.regenerated == ["Key2"]

    aci.world.starting_aci_instances.clear()
    assert aci.run([*aci.stack_args(), "--apply"]).code == 0
    aci.assert_rotated()


def test_a_deployment_with_a_single_replica_is_warned_about_before_its_group_restarts(aci: Rotator) -> None:
    aci.world.single_replica("en-us")
    aci.publish_status(aci.bench.servers.containers)

    outcome = aci.run([*aci.stack_args(), "--apply"])

    assert outcome.code == 0, outcome.text
    warning = (
        "WARNING: en-us has a single replica: its one container group restarts, so the deployment is "
        "unavailable while the model loads (minutes); set `replicas: 2` for zero-downtime rotation"
    )
    assert outcome.stdout.count("WARNING") == 1
    assert outcome.stdout.index(warning) < outcome.stdout.index("batch 1 of 2: restart en-us, ")
    aci.assert_rotated(downtime=["en-us"])


def test_dry_run_lists_every_batch_with_its_command_and_changes_nothing(aci: Rotator) -> None:
    outcome = aci.run([*aci.stack_args(), "--dry-run", "--json"])

    assert outcome.code == 0, outcome.text
    planned = {event["step"]: event["summary"] for event in outcome.events() if event["event"] == "step"}
    assert list(planned) == [
        "check-key-in-use",
        "regenerate-unused-key",
        "confirm-stored-key",
        "set-stack-config",
        "roll-batch-1",
        "roll-batch-2",
        "deploy-stack",
        "verify-status",
        "mark-verified",
        "regenerate-previous-key",
        "mark-complete",
    ]
    for n in (1, 2):
        assert planned[f"roll-batch-{n}"] == (
            f"batch {n} of 2: restart en-us #{n}, neural-text-to-speech #{n} "
            f"with `pulumi {BATCH_UPS[n - 1]}`, then wait until their /status reports Key2 valid"
        )
    assert f"`pulumi {FINAL_UP}`" in planned["deploy-stack"]
    assert not any(event["event"] == "warning" for event in outcome.events())
    assert aci.stack()["calls"] == [f"stack output --json --stack {STACK}"]
    assert aci.world.regenerated == []


def test_a_stack_older_than_the_group_tags_is_refused_until_deployed_once_with_this_version(aci: Rotator) -> None:
    deploy_once = f"run `pulumi up --yes --stack {STACK}` once with this version, then rerun"
    current = aci.stack()
    older = json.loads(json.dumps(current))
    del older["outputs"]["aciRolloutBatches"]
    without_ids = json.loads(json.dumps(current))
    for batch in without_ids["outputs"]["aciRolloutBatches"]:
        for entry in batch:
            del entry["id"]
    del aci.world.aci_key_tags["en-us-2"]

    for stack, fragment in [
        (older, "stack output aciRolloutBatches of 'prod' is missing or not a list of batches"),
        (without_ids, "not a list of batches of {urn, id, statusUrl}"),
        (current, "not tagged speech-key-name=Key1: en-us-2 (untagged)"),
    ]:
        aci.write_stack(stack)
        refused = aci.run([*aci.stack_args(), "--apply"])
        assert refused.code == 1 and fragment in refused.stderr and deploy_once in refused.stderr, refused.stderr
    assert aci.world.regenerated == []

    aci.world.deploy_aci("Key1")  # what `pulumi up` with this version does: it adds the tags, restarting nothing
    assert aci.run([*aci.stack_args(), "--apply"]).code == 0
    aci.assert_rotated()


@pytest.mark.parametrize(
    ("active_key", "group_tag", "fragment"),
    [
        ("Key2", "Key1", "stack output activeKey is Key2 but the secret holds Key1"),
        (None, "Key1", "has no output 'activeKey', so the key the containers got is unknown"),
        (
            "Key1",
            "Key2",
            "not tagged speech-key-name=Key1: neural-text-to-speech-1 (tagged Key2); they may use Key2",
        ),
    ],
)
def test_refuses_to_start_unless_the_deployed_key_and_every_group_tag_are_the_vaults(
    aci: Rotator, active_key: str | None, group_tag: str, fragment: str
) -> None:
    stack = aci.stack()
    del stack["outputs"]["activeKey"]
    if active_key is not None:
        stack["outputs"]["activeKey"] = active_key
    aci.write_stack(stack)
    aci.world.aci_key_tags["neural-text-to-speech-1"] = group_tag

    outcome = aci.run(aci.stack_args())

    assert outcome.code == 1
    assert fragment in outcome.stderr
    assert aci.world.regenerated == []


def test_refuses_to_start_without_the_pulumi_cli(aci: Rotator, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PATH", aci.path_with_pulumi(present=False))
    targets = ["--account-id", aci.stack()["outputs"]["speechAccountId"], "--vault-url", aci.cloud.base_url]

    outcome = aci.run([*aci.stack_args(), *targets, "--host", "aci", "--apply"])

    assert outcome.code == 1
    assert "listed in stack output aciRolloutBatches, which needs the Pulumi CLI" in outcome.stderr
    assert aci.world.regenerated == []


def test_containers_moved_back_after_verification_keep_the_old_key_from_being_regenerated(aci: Rotator) -> None:
    """E.g. a `pulumi up` from a checkout with the old config between two runs: a targeted one may leave output
    activeKey alone (the group tag still tells), an untargeted one changes it too."""

    def stop_when_verified(step: str) -> None:
        if step == "mark-verified":
            raise KeyboardInterrupt

    assert aci.run([*aci.stack_args(), "--apply"], after_step=stop_when_verified).code == 130
    for moved_back, active_key, fragment in [
        (
            ["en-us-2"],
            "Key2",
            "container groups not tagged speech-key-name=Key2: en-us-2 (tagged Key1)",
        ),
        (None, "Key1", "stack output activeKey is Key1 but the secret holds Key2"),
    ]:
        stack = aci.stack()
        stack["outputs"]["activeKey"] = active_key
        aci.write_stack(stack)
        aci.world.deploy_aci("Key1", moved_back)

        outcome = aci.run([*aci.stack_args(), "--apply"])

        assert outcome.code == 1 and fragment in outcome.stderr, outcome.stderr
    assert aci.world.regenerated == ["Key2"] and aci.world.outages == []


@pytest.mark.parametrize(
    ("interrupted_after", "targeted_up_refreshes_outputs"),
    [("roll-batch-1", False), ("roll-batch-2", False), ("roll-batch-1", True)],
    ids=["after-batch-1", "after-batch-2", "after-batch-1-with-activeKey-refreshed"],
)
def test_a_rerun_after_an_interrupted_batch_applies_exactly_the_batches_whose_groups_lack_the_new_key(
    aci: Rotator, targeted_up_refreshes_outputs: bool, interrupted_after: str
) -> None:
    """Whether or not a targeted `pulumi up` refreshes output activeKey, the group tags decide: were activeKey
    trusted, the rerun would skip batch 2 and regenerate Key1 while its groups still use it."""
    stack = aci.stack()
    stack["targeted_up_refreshes_outputs"] = targeted_up_refreshes_outputs
    aci.write_stack(stack)

    def interrupt(step: str) -> None:
        if step == interrupted_after:
            raise KeyboardInterrupt

    assert aci.run([*aci.stack_args(), "--apply"], after_step=interrupt).code == 130
    assert aci.world.regenerated == ["Key2"]

    resumed = aci.run([*aci.stack_args(), "--apply"])

    assert resumed.code == 0, resumed.text
    aci.assert_rotated()
    assert aci.world.regenerated == ["Key2", "Key1"]
    final_up = [] if targeted_up_refreshes_outputs else [FINAL_UP]  # a refreshed activeKey leaves nothing to do
    assert _ups(aci) == [*BATCH_UPS, *final_up], "each batch once: a rolled batch is not applied again"


def test_a_group_deleted_mid_rollout_is_pointed_to_a_targeted_refresh_and_up_of_that_group(aci: Rotator) -> None:
    """An untargeted `pulumi up` would restart every replica at once; only the deleted group needs one."""

    def interrupt(step: str) -> None:
        if step == "roll-batch-1":
            raise KeyboardInterrupt

    assert aci.run([*aci.stack_args(), "--apply"], after_step=interrupt).code == 130
    del aci.world.aci_keys["en-us-2"], aci.world.aci_key_tags["en-us-2"]

    outcome = aci.run([*aci.stack_args(), "--apply"])

    assert outcome.code == 1, outcome.text
    urn = aci_urn("en-us-2")
    assert f"`pulumi refresh --yes --stack {STACK} --target {urn}`" in outcome.stderr
    assert f"then `pulumi up --yes --stack {STACK} --target {urn}`" in outcome.stderr
    assert f"`pulumi up --yes --stack {STACK}`" not in outcome.stderr
    aci.world.aci_keys["en-us-2"] = aci.world.keys["Key1"]  # what the targeted refresh and up bring back
    aci.world.deploy_aci("Key2", ["en-us-2"])
    assert aci.run([*aci.stack_args(), "--apply"]).code == 0
    aci.assert_rotated()


def test_groups_rolled_onto_a_key_regenerated_in_the_portal_are_rolled_again_once_it_is_adopted(aci: Rotator) -> None:
    """Batch 1 got Key2 before someone regenerated it in the portal: those groups fail to authenticate (an outage
    the rotation did not cause). Adopting the current Key2 re-applies every batch whose /status rejects the key."""

    def regenerate_in_the_portal(step: str) -> None:
        if step == "roll-batch-1":
            aci.world.regenerate("Key2")
            raise KeyboardInterrupt

    assert aci.run([*aci.stack_args(), "--apply"], after_step=regenerate_in_the_portal).code == 130
    caused_by_the_portal = ["en-us-1 runs on an invalidated key", "neural-text-to-speech-1 runs on an invalidated key"]
    stopped = aci.run([*aci.stack_args(), "--apply"])
    assert stopped.code == 1 and "rerun with --adopt-regenerated-key" in stopped.stderr, stopped.text

    adopted = aci.run([*aci.stack_args(), "--apply", "--adopt-regenerated-key"])

    assert adopted.code == 0, adopted.text
    assert sorted(aci.world.outages) == sorted(caused_by_the_portal)
    aci.world.outages.clear()
    aci.assert_rotated()
    assert _ups(aci) == [BATCH_UPS[0], BATCH_UPS[0], BATCH_UPS[1], FINAL_UP]
