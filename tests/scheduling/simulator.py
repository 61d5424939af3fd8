"""A small, deterministic model of the Kubernetes scheduler, the cluster autoscaler and the Deployment controller.

Why: the tests plan the program under mocks, which accept any pool size and any spreading rule. A real cluster
leaves a surge pod Pending when the pool's maxCount just holds the replicas, and then the rollout never ends.

Modelled: nodes (allocatable, labels, taints, cordon), pods (requests, tolerations, nodeSelector, topology spread
constraints), the scheduler (filter: taints, nodeSelector, fit, DoNotSchedule spread; score: ScheduleAnyway spread,
then least allocated; ties by node name; the default spreading when a pod has no constraint of its own), the
cluster autoscaler (one node at a time for a Pending pod that an empty node of a pool below maxCount would hold;
zones balanced, lost zones skipped) and Deployments (replicas, rolling updates with maxSurge/maxUnavailable).
PodDisruptionBudgets, drains and zone loss are in `disruptions.py`.

Simplified: a pod is ready as soon as it is scheduled, unless it is broken (`fail_readiness`, `never_ready`):
model loading is not timed; neither the HPA nor the autoscaler scales down; one namespace; no affinity, priorities,
preemption or pod-count limit; the autoscaler cannot choose a zone (one scale set spans the pool's zones), it
checks only that the pod fits an empty node, not its spread constraints.
"""

from __future__ import annotations

import copy
import dataclasses
from collections import Counter

from tests.scheduling.model import (
    AGENTPOOL,
    HOSTNAME,
    SCHEDULE_ANYWAY,
    UNSCHEDULABLE,
    ZONE,
    Deployment,
    Node,
    Pod,
    Pool,
    Resources,
    Spread,
    Taint,
    scaled,
)


class Cluster:
    """Nodes, pods and Deployments; `run()` lets the controllers, scheduler and autoscaler settle."""

    def __init__(self, pools: list[Pool], deployments: list[Deployment]) -> None:
        self.pools = {p.name: p for p in pools}
        self.deployments = {d.name: d for d in deployments}
        self.nodes: dict[str, Node] = {}
        self.pods: list[Pod] = []
        self.lost_zones: set[str] = set()
        #: Fewest ready pods seen per Deployment since `watch()`.
        self.lowest: dict[str, int] = {}
        self._serials: Counter[str] = Counter()
        for pool in pools:
            for _ in range(pool.min_count):
                self.add_node(pool.name)

    def clone(self) -> Cluster:
        """An independent copy (specs, pools and labels are shared: nothing changes them)."""
        other = copy.copy(self)
        other.deployments = {k: dataclasses.replace(d) for k, d in self.deployments.items()}
        other.nodes = {k: dataclasses.replace(n) for k, n in self.nodes.items()}
        other.pods = [dataclasses.replace(p) for p in self.pods]
        other.lost_zones = set(self.lost_zones)
        other.lowest = dict(self.lowest)
        other._serials = Counter(self._serials)
        return other

    # --- state -------------------------------------------------------------------------------------------------
    def pods_of(self, owner: str) -> list[Pod]:
        return [p for p in self.pods if p.owner == owner]

    def pods_on(self, node: str) -> list[Pod]:
        return [p for p in self.pods if p.node == node]

    def pending(self) -> list[Pod]:
        return [p for p in self.pods if p.node is None]

    def serving(self, owner: str) -> int:
        return sum(p.ready for p in self.pods_of(owner))

    def pool_nodes(self, pool: str) -> list[Node]:
        return [n for n in self.nodes.values() if n.pool == pool]

    def watch(self) -> None:
        """Start recording the fewest ready pods per Deployment (an operation's worst moment)."""
        self.lowest = {name: self.serving(name) for name in self.deployments}

    def observe(self) -> None:
        for name in self.deployments:
            self.lowest[name] = min(self.lowest.get(name, self.serving(name)), self.serving(name))

    def _signature(self) -> tuple[object, ...]:
        return tuple(self.nodes), tuple((p.name, p.node, p.ready) for p in self.pods)

    # --- nodes and pods ----------------------------------------------------------------------------------------
    def add_node(self, pool_name: str) -> Node:
        """A new node in the pool's zone with the fewest nodes (Azure balances a zonal scale set)."""
        pool = self.pools[pool_name]
        zone = self._next_zone(pool)
        if zone is None:
            raise ValueError(f"pool {pool_name}: every zone is lost")
        name = f"aks-{pool.name}-vmss{self._serials['node:' + pool.name]:06d}"
        self._serials["node:" + pool.name] += 1
        labels = {**pool.labels, AGENTPOOL: pool.name, HOSTNAME: name, ZONE: f"{pool.region}-{zone}" if zone else "0"}
        node = Node(name, pool.name, zone, pool.allocatable, labels, pool.taints)
        self.nodes[name] = node
        return node

    def _next_zone(self, pool: Pool) -> str | None:
        zones = [z for z in pool.zones or ("",) if z not in self.lost_zones]
        if not zones:
            return None
        counts = Counter(n.zone for n in self.pool_nodes(pool.name))
        return min(zones, key=lambda z: (counts[z], (pool.zones or ("",)).index(z)))

    def remove_node(self, name: str) -> None:
        """The node goes; its pods are gone (their Deployments make replacements on the next `run()`)."""
        del self.nodes[name]
        self.pods = [p for p in self.pods if p.node != name]

    def delete_pod(self, pod: Pod) -> None:
        self.pods.remove(pod)

    def create_pod(self, deployment: Deployment) -> Pod:
        serial = self._serials[deployment.name]
        self._serials[deployment.name] += 1
        name = f"{deployment.name}-{deployment.revision}-{serial:03d}"
        pod = Pod(name, deployment.name, serial, deployment.spec, deployment.revision, broken=deployment.never_ready)
        self.pods.append(pod)
        return pod

    # --- the scheduler -----------------------------------------------------------------------------------------
    def used(self, node: str) -> Resources:
        total = Resources(0, 0)
        for pod in self.pods_on(node):
            total += pod.spec.requests
        return total

    def _untolerated(self, pod: Pod, node: Node) -> list[Taint]:
        taints = (*node.taints, UNSCHEDULABLE) if node.cordoned else node.taints
        return [
            t
            for t in taints
            if t.effect in ("NoSchedule", "NoExecute") and not any(tol.tolerates(t) for tol in pod.spec.tolerations)
        ]

    def _selected(self, pod: Pod, node: Node) -> bool:
        return all(node.labels.get(k) == v for k, v in pod.spec.node_selector.items())

    def constraints(self, pod: Pod) -> tuple[Spread, ...]:
        """The pod's own constraints, or the scheduler's default spreading (hostname skew 3, zone skew 5, soft)."""
        if pod.spec.spread:
            return pod.spec.spread
        own = dict(pod.labels)
        return (Spread(3, HOSTNAME, SCHEDULE_ANYWAY, own), Spread(5, ZONE, SCHEDULE_ANYWAY, own))

    def domain_counts(self, pod: Pod, spread: Spread) -> dict[str, int]:
        """Matching pods per topology domain, over the nodes the pod's nodeSelector admits (nodeAffinityPolicy
        Honor); taints count only with nodeTaintsPolicy Honor, so cordoned nodes stay domains by default."""
        eligible = {
            n.name: n.labels[spread.topology_key]
            for n in self.nodes.values()
            if spread.topology_key in n.labels
            and self._selected(pod, n)
            and (spread.node_taints_policy != "Honor" or not self._untolerated(pod, n))
        }
        counts = dict.fromkeys(eligible.values(), 0)
        for other in self.pods:
            if other.node in eligible and spread.selects(pod.labels, other.labels):
                counts[eligible[other.node]] += 1
        return counts

    def _skew(self, pod: Pod, node: Node, spread: Spread) -> tuple[int, int] | None:
        """(skew if the pod went to `node`, matching pods already in its domain); None when the node has no domain."""
        domain = node.labels.get(spread.topology_key)
        counts = self.domain_counts(pod, spread)
        if domain is None or domain not in counts:
            return None
        lowest = min(counts.values())
        if spread.min_domains is not None and len(counts) < spread.min_domains:
            lowest = 0
        self_match = 1 if spread.selects(pod.labels, pod.labels) else 0
        return counts[domain] + self_match - lowest, counts[domain]

    def reject(self, pod: Pod, node: Node, spread: bool = True) -> str | None:
        """Why the filter phase turns the node down for the pod, or None if it passes."""
        untolerated = self._untolerated(pod, node)
        if untolerated:
            return "cordoned" if node.cordoned and UNSCHEDULABLE in untolerated else "untolerated taint"
        if not self._selected(pod, node):
            return "nodeSelector mismatch"
        if not pod.spec.requests.fits_in(node.allocatable - self.used(node.name)):
            return "insufficient cpu/memory"
        for constraint in self.constraints(pod) if spread else ():
            if not constraint.hard:
                continue
            skew = self._skew(pod, node, constraint)
            if skew is None or skew[0] > constraint.max_skew:
                return f"{constraint.topology_key} spread (DoNotSchedule, maxSkew {constraint.max_skew})"
        return None

    def _score(self, pod: Pod, node: Node) -> tuple[int, int, float, str]:
        """Lower is better: soft constraints broken, matching pods in the node's domains, then the least allocated
        node first, then the name."""
        broken = crowd = 0
        for constraint in self.constraints(pod):
            skew = None if constraint.hard else self._skew(pod, node, constraint)
            if skew is not None:
                broken += skew[0] > constraint.max_skew
                crowd += skew[1]
        free = node.allocatable - self.used(node.name) - pod.spec.requests
        least_allocated = (free.cpu_m / node.allocatable.cpu_m + free.memory_b / node.allocatable.memory_b) / 2
        return broken, crowd, -least_allocated, node.name

    def schedule(self, pod: Pod) -> bool:
        feasible = [n for n in self.nodes.values() if self.reject(pod, n) is None]
        if not feasible:
            return False
        pod.node = min(feasible, key=lambda n: self._score(pod, n)).name
        return True

    def autoscale(self) -> bool:
        """Add one node for the first Pending pod that an empty node of a pool below maxCount would hold."""
        for pod in self.pending():
            for pool in sorted(self.pools.values(), key=lambda p: p.name):
                if len(self.pool_nodes(pool.name)) >= pool.max_count or self._next_zone(pool) is None:
                    continue
                if self.reject(pod, _template(pool), spread=False) is None:
                    self.add_node(pool.name)
                    return True
        return False

    def settle(self) -> None:
        """Schedule Pending pods in creation order, growing pools while that helps; scheduled pods become ready."""
        while True:
            for pod in self.pending():
                self.schedule(pod)
            if not self.pending() or not self.autoscale():
                break
        for pod in self.pods:
            pod.ready = pod.node is not None and not pod.broken

    def fail_readiness(self, owner: str) -> None:
        """Every pod of the Deployment, present and future, stops being ready (and stays scheduled)."""
        self.deployments[owner].never_ready = True
        for pod in self.pods_of(owner):
            pod.broken = True
        self.settle()

    # --- the Deployment controller -----------------------------------------------------------------------------
    def reconcile(self, deployment: Deployment) -> None:
        """One pass of the Deployment controller: scale the new revision up within maxSurge, then the old revisions
        down as far as maxUnavailable allows (unhealthy old pods first), as `rolling.go` does."""
        mine = self.pods_of(deployment.name)
        new = [p for p in mine if p.revision == deployment.revision]
        old = [p for p in mine if p.revision != deployment.revision]
        surge = scaled(deployment.max_surge, deployment.replicas, round_up=True)
        unavailable = scaled(deployment.max_unavailable, deployment.replicas, round_up=False)
        ceiling = deployment.replicas + surge if old else deployment.replicas
        for _ in range(max(0, min(ceiling - len(mine), deployment.replicas - len(new)))):
            mine.append(self.create_pod(deployment))
        for extra in sorted(new, key=_deletion_order)[: max(0, len(new) - deployment.replicas)]:
            self.delete_pod(extra)
        minimum = deployment.replicas - unavailable
        new_unready = sum(not p.ready for p in mine if p.revision == deployment.revision)
        removable = len(mine) - minimum - new_unready
        if removable <= 0:
            return
        for pod in sorted((p for p in old if not p.ready), key=_deletion_order)[:removable]:
            self.delete_pod(pod)
        for pod in sorted((p for p in old if p.ready), key=_deletion_order):
            if self.serving(deployment.name) - 1 < minimum:
                return
            self.delete_pod(pod)

    def run(self) -> None:
        """Controllers, scheduler and autoscaler until nothing changes."""
        for _ in range(10_000):
            before = self._signature()
            for deployment in self.deployments.values():
                self.reconcile(deployment)
            self.observe()
            self.settle()
            self.observe()
            if self._signature() == before:
                return
        raise RuntimeError("the cluster never settled")

    def why_pending(self, pod: Pod) -> str:
        """The scheduler's and the autoscaler's reasons, as `kubectl describe` would give them."""
        reasons = Counter(self.reject(pod, n) for n in self.nodes.values())
        parts = [f"{count} node(s): {reason}" for reason, count in sorted(reasons.items(), key=str) if reason]
        for pool in self.pools.values():
            size = len(self.pool_nodes(pool.name))
            if size >= pool.max_count:
                parts.append(f"pool {pool.name} at maxCount {pool.max_count}")
            elif self._next_zone(pool) is None:
                parts.append(f"pool {pool.name}: every zone lost")
            elif reason := self.reject(pod, _template(pool), spread=False):
                parts.append(f"pool {pool.name}: a new node would not hold it ({reason})")
        return f"{pod.name} ({pod.spec.requests}) Pending: {'; '.join(parts) or 'no nodes'}"


def _template(pool: Pool) -> Node:
    """An empty node of the pool, as the autoscaler imagines it before adding one."""
    return Node("template", pool.name, "", pool.allocatable, {**pool.labels, AGENTPOOL: pool.name}, pool.taints)


def _deletion_order(pod: Pod) -> tuple[bool, bool, int]:
    """Which pod a controller removes first: unscheduled, then not ready, then the newest."""
    return pod.node is not None, pod.ready, -pod.serial
