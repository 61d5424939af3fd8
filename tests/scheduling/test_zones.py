"""Losing a zone leaves every Deployment of two replicas or more with a replica still serving, on a pool that spans
two zones or more: right after the loss, not once replacements have loaded their models minutes later. Checked
where the scheduler first puts the pods, and again after a key rotation has moved them all."""

from __future__ import annotations

import pytest

from tests.scheduling.disruptions import lose_zone, restart
from tests.scheduling.from_plan import Bound
from tests.scheduling.simulator import Cluster
from tests.scheduling.stacks import ZONAL, placed

#: Only pools that span two zones or more.
pytestmark = pytest.mark.parametrize("stack", ZONAL, indirect=True)


def _outages(cluster: Cluster) -> list[str]:
    problems = []
    for zone in sorted({n.zone for n in cluster.nodes.values()}):
        loss = lose_zone(cluster.clone(), zone)
        for name, deployment in cluster.deployments.items():
            if deployment.replicas >= 2 and loss.serving_now[name] < 1:
                problems.append(
                    f"zone {zone} lost: {name} ({deployment.replicas} replicas, {loss.before[name]} ready) has none "
                    f"serving; {loss.serving_after[name]} back once rescheduled"
                )
    return problems


def test_losing_a_zone_leaves_every_replicated_deployment_serving(stack: str, bound: Bound) -> None:
    problems = _outages(placed(stack, bound))
    assert not problems, f"{stack} ({bound} replicas): " + "\n".join(problems)


def test_losing_a_zone_after_a_key_rotation_leaves_every_replicated_deployment_serving(
    stack: str, bound: Bound
) -> None:
    cluster = placed(stack, bound)
    restart(cluster)
    problems = _outages(cluster)
    assert not problems, f"{stack} ({bound} replicas, after a key rotation): " + "\n".join(problems)
