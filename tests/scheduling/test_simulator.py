"""The simulator on tiny hand-built clusters, so its verdicts on the real stacks can be trusted: each test is a
situation whose Kubernetes outcome is known."""

from __future__ import annotations

import pytest

from tests.scheduling.disruptions import drain, eviction_refusal, lose_zone, restart, single_replica
from tests.scheduling.model import (
    DO_NOT_SCHEDULE,
    HOSTNAME,
    SCHEDULE_ANYWAY,
    ZONE,
    Budget,
    Deployment,
    PodSpec,
    Pool,
    Resources,
    Spread,
    Taint,
    Toleration,
)
from tests.scheduling.simulator import Cluster

APP = {"app": "speech"}
TAINT = Taint("dedicated", "speech", "NoSchedule")
TOLERATE = (Toleration("dedicated", "Equal", "speech", "NoSchedule"),)


def pool(min_count: int, max_count: int, zones: tuple[str, ...] = ("1", "2", "3"), cpu: float = 8) -> Pool:
    return Pool("speech", Resources.cores_gib(cpu, 32), min_count, max_count, zones, "eastus", {}, (TAINT,))


def spec(
    cpu: float = 6,
    spread: tuple[Spread, ...] = (),
    tolerations: tuple[Toleration, ...] = TOLERATE,
    labels: dict[str, str] = APP,
) -> PodSpec:
    return PodSpec(Resources.cores_gib(cpu, 4), labels, {}, tolerations, spread)


def other(cpu: float) -> Deployment:
    """Another deployment, created first, so it takes the first node."""
    return Deployment("other", spec(cpu, labels={"app": "other"}), 1, 1, 0, None)


def speech(replicas: int, pod: PodSpec | None = None, budget: Budget | None = None, **strategy: int) -> Deployment:
    rolling = {"max_surge": 1, "max_unavailable": 0, **strategy}
    chosen = budget if budget is not None else Budget(max_unavailable=1)
    return Deployment("speech", pod or spec(), replicas, rolling["max_surge"], rolling["max_unavailable"], chosen)


def scheduled(pools: list[Pool], *deployments: Deployment) -> Cluster:
    cluster = Cluster(pools, list(deployments))
    cluster.run()
    return cluster


def zone_spread(when: str, skew: int = 1) -> Spread:
    return Spread(skew, ZONE, when, APP)


def test_quantities_parse_as_the_api_reads_them() -> None:
    assert Resources.parse("7.5", "12Gi") == Resources(7500, 12 * 2**30)
    assert Resources.parse("500m", "512Mi") == Resources(500, 2**29)
    assert Resources.parse(8.0, "1G") == Resources(8000, 10**9)


def test_the_autoscaler_adds_nodes_round_robin_across_zones_and_never_past_max_count() -> None:
    cluster = scheduled([pool(0, 4)], speech(5))
    assert [n.zone for n in cluster.nodes.values()] == ["1", "2", "3", "1"]
    assert {n.labels[ZONE] for n in cluster.nodes.values()} == {"eastus-1", "eastus-2", "eastus-3"}
    (waiting,) = cluster.pending()
    assert "pool speech at maxCount 4" in cluster.why_pending(waiting)
    assert "4 node(s): insufficient cpu/memory" in cluster.why_pending(waiting)


def test_pods_without_the_toleration_stay_off_the_tainted_pool() -> None:
    cluster = scheduled([pool(1, 3)], speech(1, spec(tolerations=())))
    (waiting,) = cluster.pending()
    assert len(cluster.nodes) == 1, "the autoscaler does not add a node the pod cannot use"
    assert "1 node(s): untolerated taint" in cluster.why_pending(waiting)
    assert "pool speech: a new node would not hold it (untolerated taint)" in cluster.why_pending(waiting)


def test_a_surge_pod_that_does_not_fit_leaves_the_rollout_stuck() -> None:
    cluster = scheduled([pool(0, 2)], speech(2))
    outcome = restart(cluster)
    assert not outcome.done
    assert "rollout of speech stuck with 1/2 new and 2 old pod(s)" in str(outcome)
    assert "pool speech at maxCount 2" in str(outcome)
    assert outcome.lowest_serving == {"speech": 2}, "maxUnavailable 0: the old pods keep serving"


def test_a_rollout_completes_with_one_node_of_room() -> None:
    cluster = scheduled([pool(0, 3)], speech(2))
    outcome = restart(cluster)
    assert outcome.done, str(outcome)
    assert {p.revision for p in cluster.pods} == {2} and len(cluster.pods) == 2
    assert outcome.lowest_serving == {"speech": 2}


def test_max_unavailable_lets_a_rollout_through_a_full_pool_at_the_cost_of_a_replica() -> None:
    cluster = scheduled([pool(0, 2)], speech(2, max_unavailable=1))
    outcome = restart(cluster)
    assert outcome.done, str(outcome)
    assert outcome.lowest_serving == {"speech": 1}


def test_a_release_that_never_gets_ready_stalls_the_rollout_but_keeps_the_old_pods() -> None:
    cluster = scheduled([pool(0, 3)], speech(2))
    cluster.deployments["speech"].never_ready = True
    outcome = restart(cluster)
    assert not outcome.done and "new pods not ready" in str(outcome)
    assert cluster.serving("speech") == 2


def test_min_available_equal_to_replicas_blocks_a_drain() -> None:
    cluster = scheduled([pool(0, 4)], speech(2, budget=Budget(min_available=2)))
    node = next(iter(cluster.nodes))
    outcome = drain(cluster, node)
    assert not outcome.done
    assert "2 healthy, 2 desired, 0 disruptions allowed" in str(outcome)


def test_a_drain_moves_pods_one_at_a_time_through_the_budget() -> None:
    big = pool(1, 3, zones=(), cpu=16)
    cluster = scheduled([big], speech(2))
    (node,) = cluster.nodes
    outcome = drain(cluster, node)
    assert outcome.done and not outcome.pending, str(outcome)
    assert outcome.lowest_serving == {"speech": 1}, "maxUnavailable 1: never two evicted at once"
    assert node not in cluster.nodes and cluster.serving("speech") == 2


def test_a_drain_is_stuck_when_the_evicted_pod_cannot_land_and_the_budget_is_spent() -> None:
    cluster = scheduled([pool(1, 1, zones=(), cpu=16)], speech(2))
    outcome = drain(cluster, next(iter(cluster.nodes)))
    assert not outcome.done
    assert "refuses evicting ready pod" in str(outcome) and "pool speech at maxCount 1" in str(outcome)


def test_a_single_replica_drains_with_nothing_serving_meanwhile() -> None:
    cluster = scheduled([pool(1, 2)], speech(1))
    assert single_replica(cluster) == ["speech"]
    outcome = drain(cluster, next(iter(cluster.nodes)))
    assert outcome.done and outcome.lowest_serving == {"speech": 0}


@pytest.mark.parametrize(
    ("policy", "blocked"), [("IfHealthyBudget", True), ("AlwaysAllow", False)], ids=["if-healthy", "always"]
)
def test_unready_pods_block_drains_unless_the_budget_always_allows_them(policy: str, blocked: bool) -> None:
    cluster = scheduled([pool(0, 4)], speech(2, budget=Budget(max_unavailable=1, unhealthy_pod_eviction_policy=policy)))
    cluster.fail_readiness("speech")
    outcome = drain(cluster, next(iter(cluster.nodes)))
    assert outcome.done is not blocked, str(outcome)
    if blocked:
        assert "refuses evicting unready pod" in str(outcome)


def test_an_unready_pod_may_go_under_if_healthy_budget_while_the_rest_are_healthy() -> None:
    cluster = scheduled([pool(0, 4)], speech(3))
    cluster.pods[0].ready = False
    assert eviction_refusal(cluster, cluster.pods[0]) is None
    assert eviction_refusal(cluster, cluster.pods[1]) is not None, "2 healthy of 2 desired: no ready pod may go"


def _zone_1_small(when: str) -> Cluster:
    """Three 16-core nodes, one per zone, but zone 1's holds one 4-core pod; six such pods spread by zone."""
    cluster = Cluster([pool(3, 3, cpu=16)], [speech(6, spec(cpu=4, spread=(zone_spread(when),)))])
    next(n for n in cluster.nodes.values() if n.zone == "1").allocatable = Resources.cores_gib(4, 32)
    cluster.run()
    return cluster


def _zones(cluster: Cluster) -> list[str]:
    return sorted(cluster.nodes[p.node].zone for p in cluster.pods if p.node)


def test_do_not_schedule_zone_spread_leaves_a_pod_pending_when_a_zone_is_full() -> None:
    cluster = _zone_1_small(DO_NOT_SCHEDULE)
    (waiting,) = cluster.pending()
    assert "topology.kubernetes.io/zone spread (DoNotSchedule, maxSkew 1)" in cluster.why_pending(waiting)
    assert _zones(cluster) == ["1", "2", "2", "3", "3"]


def test_schedule_anyway_zone_spread_places_the_pod_anyway() -> None:
    cluster = _zone_1_small(SCHEDULE_ANYWAY)
    assert not cluster.pending()
    assert _zones(cluster).count("1") == 1 and len(_zones(cluster)) == 6


def test_hard_hostname_spread_makes_the_autoscaler_give_each_replica_a_node() -> None:
    """Node 0 is nearly full with another deployment: a soft spread stacks both replicas on node 1, a hard one
    refuses node 1 while node 0 has none of them, so the autoscaler adds a node."""
    hostname = Spread(1, HOSTNAME, DO_NOT_SCHEDULE, APP)
    soft = scheduled([pool(2, 3, zones=(), cpu=16)], other(14), speech(2, spec(4, (zone_spread(SCHEDULE_ANYWAY),))))
    hard = scheduled([pool(2, 3, zones=(), cpu=16)], other(14), speech(2, spec(4, (hostname,))))
    assert len({p.node for p in soft.pods_of("speech")}) == 1 and len(soft.nodes) == 2
    assert len({p.node for p in hard.pods_of("speech")}) == 2 and len(hard.nodes) == 3


def test_hard_hostname_spread_doubles_up_once_every_node_has_a_replica() -> None:
    hostname = Spread(1, HOSTNAME, DO_NOT_SCHEDULE, APP)
    cluster = scheduled([pool(1, 3, zones=(), cpu=16)], speech(2, spec(4, (hostname,))))
    assert len(cluster.nodes) == 1 and not cluster.pending(), "the minimum is over the nodes there are"


def test_a_cordoned_node_still_counts_as_a_hostname_domain() -> None:
    """nodeTaintsPolicy defaults to Ignore: a node being drained, with none of the pods left, holds the minimum at 0,
    so a hard hostname spread refuses the other nodes and the replacement waits for a new node."""
    hostname = Spread(1, HOSTNAME, DO_NOT_SCHEDULE, APP)
    cluster = scheduled([pool(3, 3, zones=(), cpu=16)], speech(3, spec(4, (hostname,))))
    outcome = drain(cluster, next(iter(cluster.nodes)))
    assert outcome.done and len(outcome.pending) == 1
    assert "2 node(s): kubernetes.io/hostname spread" in outcome.pending[0]
    assert not cluster.pending(), "once the drained node is gone, the replacement lands"


def test_node_taints_policy_honor_drops_the_cordoned_node_from_the_domains() -> None:
    hostname = Spread(1, HOSTNAME, DO_NOT_SCHEDULE, APP, node_taints_policy="Honor")
    cluster = scheduled([pool(3, 3, zones=(), cpu=16)], speech(3, spec(4, (hostname,))))
    outcome = drain(cluster, next(iter(cluster.nodes)))
    assert outcome.done and not outcome.pending, str(outcome)


def test_match_label_keys_count_only_the_pods_of_the_same_revision() -> None:
    """During a rollout the old pods still count for a plain selector; with `pod-template-hash` among the
    matchLabelKeys only the new revision's pods do."""
    plain = zone_spread(DO_NOT_SCHEDULE)
    keyed = Spread(1, ZONE, DO_NOT_SCHEDULE, APP, ("pod-template-hash",))
    cluster = scheduled([pool(0, 4)], speech(3, spec(spread=(plain,))))
    cluster.deployments["speech"].revision = 2
    surge = cluster.create_pod(cluster.deployments["speech"])
    assert cluster.domain_counts(surge, plain) == {"eastus-1": 1, "eastus-2": 1, "eastus-3": 1}
    assert cluster.domain_counts(surge, keyed) == {"eastus-1": 0, "eastus-2": 0, "eastus-3": 0}


def test_without_constraints_the_default_spreading_prefers_other_nodes() -> None:
    """Least allocated alone would stack both replicas on the emptier node; the default hostname spreading does
    not, and an explicit constraint replaces it."""
    default = scheduled([pool(2, 2, zones=(), cpu=16)], other(10), speech(2, spec(2)))
    explicit = scheduled([pool(2, 2, zones=(), cpu=16)], other(10), speech(2, spec(2, (zone_spread(SCHEDULE_ANYWAY),))))
    assert len({p.node for p in default.pods_of("speech")}) == 2
    assert len({p.node for p in explicit.pods_of("speech")}) == 1


def test_losing_a_zone_reports_what_still_serves_and_what_came_back() -> None:
    cluster = scheduled([pool(0, 4)], speech(3, spec(spread=(zone_spread(DO_NOT_SCHEDULE),))))
    loss = lose_zone(cluster, "1")
    assert loss.before == {"speech": 3} and loss.serving_now == {"speech": 2}
    assert loss.serving_after == {"speech": 3}, "the autoscaler adds a node in a zone that is left"
    assert all(n.zone != "1" for n in cluster.nodes.values())


def test_the_simulation_is_deterministic() -> None:
    def placement() -> list[tuple[str, str | None]]:
        cluster = scheduled([pool(1, 6)], speech(5, spec(cpu=3, spread=(zone_spread(SCHEDULE_ANYWAY),))))
        restart(cluster)
        return [(p.name, p.node) for p in cluster.pods]

    assert placement() == placement()
