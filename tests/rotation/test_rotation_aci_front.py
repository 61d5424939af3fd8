"""ACI rotation behind the front (stack output aciFront): each batch leaves the gateway's pools and drains before it
restarts, and goes back at its new address once it is ready and reports the key valid."""

from __future__ import annotations

from tests.rotation.rotation_harness import Rotator


def _pool_ips(aci: Rotator) -> dict[str, set[str]]:
    assert aci.world.gateway_pools is not None
    return {name: set(ips) for name, ips in aci.world.gateway_pools.items()}


def test_each_batch_is_drained_before_its_restart_and_put_back_after_it_is_valid(aci: Rotator) -> None:
    aci.enable_front(drain_seconds=0.05)
    before = dict(aci.world.aci_ips)

    outcome = aci.run([*aci.stack_args(), "--apply"])

    assert outcome.code == 0, outcome.text
    aci.assert_rotated()
    world = aci.world
    assert world.undrained_restarts == []  # every restart came after the full drain
    # Every group is back in its pool at the address it restarted on, and only there.
    assert _pool_ips(aci) == {
        f"pool-{name}": {world.aci_ips[i] for i in instances} for name, instances in world.aci_instances.items()
    }
    assert set(world.aci_ips.values()).isdisjoint(before.values())
    log = world.aci_log
    first, second = log.index("restart en-us-1"), log.index("restart en-us-2")
    assert log.index(f"drain {before['en-us-1']}") < first
    assert log.index(f"serve {world.aci_ips['en-us-1']}") > log.index("valid en-us-1")
    assert log.index(f"serve {world.aci_ips['en-us-1']}") < log.index(f"drain {before['en-us-2']}") < second


def test_busy_or_throttled_gateway_updates_are_retried_and_a_concurrent_change_is_never_overwritten(
    aci: Rotator,
) -> None:
    aci.enable_front()
    aci.world.gateway_rejections = [409, 429]  # another update in progress, then throttling
    aci.world.gateway_update_polls = 3  # each PUT keeps the gateway Updating for a few reads

    outcome = aci.run([*aci.stack_args(), "--apply"])

    assert outcome.code == 0, outcome.text
    aci.assert_rotated()
    assert aci.world.undrained_restarts == []
    assert aci.world.routes.count("arm.putGateway") == 4 + 2  # drain + restore per batch, plus the two refusals


def test_a_concurrent_change_of_the_gateway_is_reread_never_overwritten(aci: Rotator) -> None:
    aci.enable_front()
    outsider = "10.9.9.9"
    aci.world.concurrent_member = outsider  # lands between the rotation's first read and its PUT

    outcome = aci.run([*aci.stack_args(), "--apply"])

    assert outcome.code == 0, outcome.text
    assert "arm.putGateway" in aci.world.routes
    assert outsider in _pool_ips(aci)["pool-en-us"], "the other operator's member survives every PUT"
    aci.assert_rotated()


def test_a_gateway_the_rotation_may_not_edit_is_a_one_line_error(aci: Rotator) -> None:
    aci.enable_front()
    aci.world.forbidden_routes.add("arm.getGateway")

    outcome = aci.run([*aci.stack_args(), "--apply"])

    assert outcome.code != 0
    (line,) = [line for line in outcome.stderr.splitlines() if "gateway" in line]
    assert "Network Contributor" in line
    assert aci.world.undrained_restarts == []


def test_dry_run_says_each_batch_is_drained_first(aci: Rotator) -> None:
    aci.enable_front(drain_seconds=3600)

    outcome = aci.run([*aci.stack_args(), "--dry-run"])

    assert outcome.code == 0, outcome.text
    assert "batch 1 of 2: take them out of gateway front's pools and wait 3600 s for their streams" in outcome.stdout
    assert "then put them back in the pools" in outcome.stdout
    assert aci.world.routes.count("arm.putGateway") == 0


def test_without_apply_it_says_the_printed_commands_do_not_drain(aci: Rotator) -> None:
    aci.enable_front()

    paused = aci.run([*aci.stack_args(), "--json"])

    assert paused.code == 3, paused.text
    action = next(event for event in paused.events() if event["event"] == "action-required")
    assert "behind gateway front these commands restart each batch without draining it first" in action["reason"]
    assert aci.world.routes.count("arm.putGateway") == 0


def test_a_batch_drained_before_a_failed_up_goes_back_on_the_rerun(aci: Rotator) -> None:
    aci.enable_front()
    stack = aci.stack()
    stack["fail_ups"] = [1]  # the first batch's `pulumi up --target` fails, after its drain
    aci.write_stack(stack)

    failed = aci.run([*aci.stack_args(), "--apply"])

    assert failed.code != 0, failed.text
    drained = {aci.world.aci_ips[f"{name}-1"] for name in aci.world.aci_instances}
    assert drained.isdisjoint(ip for ips in _pool_ips(aci).values() for ip in ips), "batch 1 is out of the pools"
    resumed = aci.run([*aci.stack_args(), "--apply"])

    assert resumed.code == 0, resumed.text
    aci.assert_rotated()
    assert aci.world.undrained_restarts == []
    assert _pool_ips(aci) == {
        f"pool-{name}": {aci.world.aci_ips[i] for i in instances} for name, instances in aci.world.aci_instances.items()
    }
