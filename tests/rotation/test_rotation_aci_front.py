"""ACI rotation behind the front (stack output aciFront): each batch leaves the gateway's pools and drains before it
restarts, and goes back at its new address once it is ready and reports the key valid."""

from __future__ import annotations

import pytest

from rotation.aci_outputs import Group, Instance
from rotation.container_groups import ContainerGroupId
from rotation.gateway import Front, GatewayPools
from rotation.waiting import Waits
from tests.rotation.rotation_harness import Rotator


@pytest.fixture
def front(aci: Rotator, monkeypatch: pytest.MonkeyPatch) -> Rotator:
    """ACI groups in a VNet behind the gateway, reached at their private addresses (which move on restart)."""
    aci.enable_front(drain_seconds=0.05)
    aci.vnet_connections(monkeypatch)
    return aci


def _pool_ips(aci: Rotator) -> dict[str, set[str]]:
    assert aci.world.gateway_pools is not None
    return {name: set(ips) for name, ips in aci.world.gateway_pools.items()}


def test_each_batch_is_drained_before_its_restart_and_put_back_after_it_is_valid(front: Rotator) -> None:
    before = dict(front.world.aci_ips)

    outcome = front.run([*front.stack_args(), "--apply"])

    assert outcome.code == 0, outcome.text
    front.assert_rotated()
    world = front.world
    assert world.undrained_restarts == []  # every restart came after the full drain
    # Every group is back in its pool at the address it restarted on, and only there.
    assert _pool_ips(front) == {
        f"pool-{name}": {world.aci_ips[i] for i in instances} for name, instances in world.aci_instances.items()
    }
    # Every group moved: its /status was found at its new address (the old ones refuse connections).
    assert set(world.aci_ips.values()).isdisjoint(before.values())
    log = world.aci_log
    first, second = log.index("restart en-us-1"), log.index("restart en-us-2")
    assert log.index(f"drain {before['en-us-1']}") < first
    assert log.index(f"serve {world.aci_ips['en-us-1']}") > log.index("valid en-us-1")
    assert log.index(f"serve {world.aci_ips['en-us-1']}") < log.index(f"drain {before['en-us-2']}") < second


def test_busy_or_throttled_gateway_updates_are_retried_and_a_concurrent_change_is_never_overwritten(
    front: Rotator,
) -> None:
    front.world.gateway_rejections = [409, 429]  # another update in progress, then throttling
    front.world.gateway_update_polls = 3  # each PUT keeps the gateway Updating for a few reads

    outcome = front.run([*front.stack_args(), "--apply"])

    assert outcome.code == 0, outcome.text
    front.assert_rotated()
    assert front.world.undrained_restarts == []
    assert front.world.routes.count("arm.putGateway") == 4 + 2  # drain + restore per batch, plus the two refusals


def test_a_concurrent_change_of_the_gateway_is_reread_never_overwritten(front: Rotator) -> None:
    outsider = "10.9.9.9"
    front.world.concurrent_member = outsider  # lands between the rotation's first read and its PUT

    outcome = front.run([*front.stack_args(), "--apply"])

    assert outcome.code == 0, outcome.text
    assert "arm.putGateway" in front.world.routes
    assert outsider in _pool_ips(front)["pool-en-us"], "the other operator's member survives every PUT"
    front.assert_rotated()


def test_a_gateway_the_rotation_may_not_edit_is_a_one_line_error(front: Rotator) -> None:
    front.world.forbidden_routes.add("arm.getGateway")

    outcome = front.run([*front.stack_args(), "--apply"])

    assert outcome.code != 0
    (line,) = [line for line in outcome.stderr.splitlines() if "gateway" in line]
    assert "Network Contributor" in line
    assert front.world.undrained_restarts == []


def test_dry_run_says_each_batch_is_drained_first(front: Rotator) -> None:

    outcome = front.run([*front.stack_args(), "--dry-run"])

    assert outcome.code == 0, outcome.text
    assert "batch 1 of 2: take them out of gateway front's pools and wait 0.05 s for their streams" in outcome.stdout
    assert "then put them back in the pools" in outcome.stdout
    assert front.world.routes.count("arm.putGateway") == 0


def test_without_apply_it_says_the_printed_commands_do_not_drain(front: Rotator) -> None:

    paused = front.run([*front.stack_args(), "--json"])

    assert paused.code == 3, paused.text
    action = next(event for event in paused.events() if event["event"] == "action-required")
    assert "behind gateway front these commands restart each batch without draining it first" in action["reason"]
    assert front.world.routes.count("arm.putGateway") == 0


def test_a_batch_drained_before_a_failed_up_goes_back_on_the_rerun(front: Rotator) -> None:
    stack = front.stack()
    stack["fail_ups"] = [1]  # the first batch's `pulumi up --target` fails, after its drain
    front.write_stack(stack)

    failed = front.run([*front.stack_args(), "--apply"])

    assert failed.code != 0, failed.text
    drained = {front.world.aci_ips[f"{name}-1"] for name in front.world.aci_instances}
    assert drained.isdisjoint(ip for ips in _pool_ips(front).values() for ip in ips), "batch 1 is out of the pools"
    resumed = front.run([*front.stack_args(), "--apply"])

    assert resumed.code == 0, resumed.text
    front.assert_rotated()
    assert front.world.undrained_restarts == []
    assert _pool_ips(front) == {
        f"pool-{name}": {front.world.aci_ips[i] for i in instances}
        for name, instances in front.world.aci_instances.items()
    }


def test_status_urls_that_name_a_host_are_kept_as_they_are() -> None:
    """Only an IP in the stack outputs can be stale after a restart; a host name (a TLS group's FQDN) is not
    re-resolved, and ARM is not even asked."""
    group_id = ContainerGroupId.parse(
        "/subscriptions/s/resourceGroups/g/providers/Microsoft.ContainerInstance/containerGroups/en-us-1"
    )
    assert group_id is not None
    instance = Instance("en-us", "speech-to-text", 1, 2, "https://en-us-1.example:443/status")
    pools = GatewayPools(None, Front("/gw", 1, {"en-us": "pool-en-us"}), Waits())  # type: ignore[arg-type]
    assert pools.at_current_address(Group("urn", group_id, instance)) is instance
