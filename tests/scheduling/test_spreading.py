"""Replicas of a Deployment spread over the nodes: at the HPA's minimum they land on distinct nodes whenever the
pool has as many nodes as replicas (a node's failure or drain then takes one replica, not several); scaled up to the
maximum, the HPA adds pods before the autoscaler adds nodes, so under `maxSkew: 1` a replica may join a node once
every node holds one (and nodes added later start empty: nothing rebalances); the guarantee then is that no node
holds more than half of a Deployment's replicas, so losing one node never takes most of them. Single-replica
Deployments are found: any drain or upgrade leaves them with nothing serving until the replacement has loaded its
model."""

from __future__ import annotations

from collections import Counter

from tests.scheduling.disruptions import drain, single_replica
from tests.scheduling.from_plan import AUTOSCALER, Bound
from tests.scheduling.stacks import placed, plan_of


def test_replicas_land_on_distinct_nodes_when_the_pool_has_room(stack: str, bound: Bound) -> None:
    cluster = placed(stack, bound)
    problems = []
    for name, deployment in cluster.deployments.items():
        per_node = Counter(p.node for p in cluster.pods_of(name) if p.node)
        counts = [per_node.get(node, 0) for node in cluster.nodes]
        if bound == "max":
            if deployment.replicas >= 2 and max(counts, default=0) > deployment.replicas / 2:
                problems.append(f"{name}: {deployment.replicas} replicas spread {sorted(counts)} over the nodes")
            continue
        if 2 <= deployment.replicas <= len(cluster.nodes) and max(per_node.values(), default=0) > 1:
            shared = ", ".join(f"{n}: {k}" for n, k in sorted(per_node.items(), key=str) if k > 1)
            problems.append(
                f"{name}: {deployment.replicas} replicas on {len(per_node)} of {len(cluster.nodes)} nodes ({shared})"
            )
    assert not problems, f"{stack} ({bound} replicas): " + "\n".join(problems)


def test_single_replica_deployments_are_reported(stack: str) -> None:
    cluster = placed(stack, "min")
    planned = sorted(
        str(hpa.get("spec.scaleTargetRef.name"))
        for hpa in plan_of(stack).of_type(AUTOSCALER)
        if int(hpa.get("spec.minReplicas")) == 1
    )
    assert single_replica(cluster) == planned
    for name in planned:
        (pod,) = cluster.pods_of(name)
        assert pod.node is not None, f"{stack}: {cluster.why_pending(pod)}"
        outcome = drain(cluster.clone(), pod.node)
        assert outcome.lowest_serving[name] == 0, f"{name}: a drain of {pod.node} leaves nothing serving"
