"""What a Speech pool lives through: rollouts (a key rotation restarts every Deployment at once), node drains under
PodDisruptionBudgets (upgrades, scale-down), and the loss of a zone. Each says whether it completed and, if not,
why, in the words an operator would see (`kubectl describe`, the eviction API's 429).

PDB arithmetic follows the disruption controller and the eviction subresource: desiredHealthy is `minAvailable`,
or replicas minus `maxUnavailable`; disruptionsAllowed is currentHealthy (ready pods) minus desiredHealthy; a ready
pod may go only while that is above zero; a running pod that is not ready may go anyway under `AlwaysAllow`, or
under `IfHealthyBudget` (the default) only while currentHealthy >= desiredHealthy > 0.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field

from tests.scheduling.model import Deployment, Pod, scaled
from tests.scheduling.simulator import Cluster


@dataclass
class Outcome:
    """Whether an operation completed, what blocked it, and the fewest ready pods each Deployment had meanwhile."""

    done: bool
    problems: list[str] = field(default_factory=list)
    lowest_serving: dict[str, int] = field(default_factory=dict)
    #: Pods still Pending at the end, with the scheduler's and the autoscaler's reasons.
    pending: list[str] = field(default_factory=list)

    def __str__(self) -> str:
        extra = [p for p in self.pending if not any(p in problem for problem in self.problems)]
        return "; ".join([*self.problems, *extra]) or "completed"


def budget_status(cluster: Cluster, deployment: Deployment) -> tuple[int, int]:
    """(currentHealthy, desiredHealthy) of the Deployment's PDB."""
    budget = deployment.budget
    current = cluster.serving(deployment.name)
    if budget is None:
        return current, 0
    if budget.min_available is not None:
        return current, scaled(budget.min_available, deployment.replicas, round_up=True)
    unavailable = scaled(budget.max_unavailable or 0, deployment.replicas, round_up=True)
    return current, max(0, deployment.replicas - unavailable)


def eviction_refusal(cluster: Cluster, pod: Pod) -> str | None:
    """Why the eviction API refuses (429) to evict the pod, or None when it may go."""
    deployment = cluster.deployments[pod.owner]
    if deployment.budget is None or pod.node is None:
        return None
    current, desired = budget_status(cluster, deployment)
    if not pod.ready:
        if deployment.budget.unhealthy_pod_eviction_policy == "AlwaysAllow":
            return None
        if current >= desired > 0:
            return None
    if current - desired > 0 and deployment.replicas > 0:
        return None
    state = "ready" if pod.ready else "unready"
    return (
        f"PDB {deployment.name} refuses evicting {state} pod {pod.name}: {current} healthy, {desired} desired, "
        f"0 disruptions allowed (unhealthyPodEvictionPolicy {deployment.budget.unhealthy_pod_eviction_policy})"
    )


def _pending(cluster: Cluster) -> list[str]:
    return [cluster.why_pending(p) for p in cluster.pending()]


def restart(cluster: Cluster, names: Iterable[str] | None = None) -> Outcome:
    """Roll the named Deployments (all by default) to a new revision at once, as a pod-template annotation does,
    and report those that did not finish: new pods Pending or not ready, old pods left."""
    chosen = list(cluster.deployments) if names is None else list(names)
    cluster.watch()
    for name in chosen:
        cluster.deployments[name].revision += 1
    cluster.run()
    problems = []
    for name in chosen:
        deployment = cluster.deployments[name]
        pods = cluster.pods_of(name)
        new = [p for p in pods if p.revision == deployment.revision]
        if len(new) == deployment.replicas == len(pods) and all(p.ready for p in new):
            continue
        stuck = [cluster.why_pending(p) for p in new if p.node is None]
        unready = [p.name for p in new if p.node is not None and not p.ready]
        detail = "; ".join(stuck) or (f"new pods not ready: {', '.join(unready)}" if unready else "no new pod")
        problems.append(
            f"rollout of {name} stuck with {len(new)}/{deployment.replicas} new and {len(pods) - len(new)} old "
            f"pod(s): {detail}"
        )
    return Outcome(not problems, problems, dict(cluster.lowest), _pending(cluster))


def drain(cluster: Cluster, node_name: str, remove: bool = True) -> Outcome:
    """`kubectl drain`: cordon, then evict the node's pods one at a time through their PDBs, letting replacements
    schedule (and the autoscaler grow the pool) between evictions; stuck when no eviction is allowed and nothing
    else can change. `pending` is what the evicted pods left Pending while the drained node still counted against
    maxCount; the node is then removed, as an upgrade or scale-down does."""
    cluster.watch()
    cluster.nodes[node_name].cordoned = True
    while cluster.pods_on(node_name):
        victim = next((p for p in cluster.pods_on(node_name) if eviction_refusal(cluster, p) is None), None)
        if victim is None:
            refusals = {p.owner: str(eviction_refusal(cluster, p)) for p in cluster.pods_on(node_name)}
            problem = f"drain of {node_name} stuck: {'; '.join(refusals.values())}"
            return Outcome(False, [problem], dict(cluster.lowest), _pending(cluster))
        cluster.delete_pod(victim)
        cluster.observe()
        cluster.run()
    pending = _pending(cluster)
    if remove:
        cluster.remove_node(node_name)
        cluster.run()
    return Outcome(True, [], dict(cluster.lowest), pending)


@dataclass
class ZoneLoss:
    """Per Deployment: ready pods before, right after the zone went (replacements take minutes to load), and once
    replacements were scheduled where they could be."""

    zone: str
    before: dict[str, int]
    serving_now: dict[str, int]
    serving_after: dict[str, int]
    pending: list[str]


def lose_zone(cluster: Cluster, zone: str) -> ZoneLoss:
    """Every node of the zone disappears and the autoscaler can no longer add nodes there."""
    before = {name: cluster.serving(name) for name in cluster.deployments}
    cluster.lost_zones.add(zone)
    for node in [n.name for n in cluster.nodes.values() if n.zone == zone]:
        cluster.remove_node(node)
    now = {name: cluster.serving(name) for name in cluster.deployments}
    cluster.run()
    after = {name: cluster.serving(name) for name in cluster.deployments}
    return ZoneLoss(zone, before, now, after, _pending(cluster))


def single_replica(cluster: Cluster) -> list[str]:
    """Deployments with one replica: any drain, upgrade or rollout-free restart leaves them with nothing serving."""
    return sorted(name for name, d in cluster.deployments.items() if d.replicas == 1)
