"""The simulated cluster of a planned stack: the node pools from its AgentPools, one Deployment per planned
Deployment at its HPA's bounds, with the rollout strategy and the PodDisruptionBudget the plan gives it.

Node capacity is what sizing assumes (`pod_room`: allocatable less the AKS daemonsets). The pool starts at its
minCount nodes and the simulated autoscaler adds the rest, up to maxCount, as the replicas need them.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Literal

from components import catalog
from components.planning.planner import pod_room
from plan.offline import Plan, Registration
from tests.scheduling.model import Budget, Deployment, PodSpec, Pool, Resources, Spread, Taint, Toleration
from tests.scheduling.simulator import Cluster

Bound = Literal["min", "max"]
DEPLOYMENT = "kubernetes:apps/v1:Deployment"
AUTOSCALER = "kubernetes:autoscaling/v2:HorizontalPodAutoscaler"
BUDGET = "kubernetes:policy/v1:PodDisruptionBudget"
JOB = "kubernetes:batch/v1:Job"
AGENT_POOL = "azure-native:containerservice:AgentPool"
CLUSTER = "azure-native:containerservice:ManagedCluster"


def _int_or_percent(value: Any) -> int | str:
    """Mocked inputs carry numbers as floats; percentages stay strings."""
    return value if isinstance(value, str) else int(value)


def _labels(value: Any) -> dict[str, str]:
    return {str(k): str(v) for k, v in (value or {}).items()}


def _requests(container: Mapping[str, Any]) -> Resources:
    requests = (container.get("resources") or {}).get("requests") or {}
    return Resources.parse(requests.get("cpu", "0"), requests.get("memory", "0"))


def pod_requests(spec: Mapping[str, Any]) -> Resources:
    """What the scheduler charges a pod: its containers plus native sidecars (init containers that keep running),
    or a plain init container's request if larger, as the API computes effective requests."""
    total = Resources(0, 0)
    for container in spec.get("containers") or []:
        total += _requests(container)
    sidecars = Resources(0, 0)
    peak = Resources(0, 0)
    for init in spec.get("initContainers") or []:
        if init.get("restartPolicy") == "Always":
            sidecars += _requests(init)
            continue
        alone = sidecars + _requests(init)
        peak = Resources(max(peak.cpu_m, alone.cpu_m), max(peak.memory_b, alone.memory_b))
    total += sidecars
    return Resources(max(total.cpu_m, peak.cpu_m), max(total.memory_b, peak.memory_b))


def pod_spec(template: Mapping[str, Any]) -> PodSpec:
    """A pod template (camelCase, as planned) in the simulator's terms."""
    spec = template.get("spec") or {}
    tolerations = tuple(
        Toleration(t.get("key", ""), t.get("operator", "Equal"), t.get("value", ""), t.get("effect", ""))
        for t in spec.get("tolerations") or []
    )
    spread = tuple(
        Spread(
            max_skew=int(c["maxSkew"]),
            topology_key=c["topologyKey"],
            when_unsatisfiable=c["whenUnsatisfiable"],
            match_labels=_labels((c.get("labelSelector") or {}).get("matchLabels")),
            match_label_keys=tuple(c.get("matchLabelKeys") or ()),
            min_domains=int(c["minDomains"]) if c.get("minDomains") is not None else None,
            node_taints_policy=c.get("nodeTaintsPolicy") or "Ignore",
        )
        for c in spec.get("topologySpreadConstraints") or []
    )
    return PodSpec(
        requests=pod_requests(spec),
        labels=_labels((template.get("metadata") or {}).get("labels")),
        node_selector=_labels(spec.get("nodeSelector")),
        tolerations=tolerations,
        spread=spread,
    )


def speech_pools(plan: Plan) -> list[Pool]:
    """Every AgentPool the stack creates (the Speech pool, and any pool of its own a kind gets) as a pool the
    autoscaler grows, by name; nodes in `<region>-<zone>` zones."""
    clusters = plan.of_type(CLUSTER)
    region = str(clusters[0].get("location")) if clusters else "region"
    pools = [
        Pool(
            name=str(pool.get("agentPoolName")),
            allocatable=_capacity(str(pool.get("vmSize"))),
            min_count=int(pool.get("minCount") or 0),
            max_count=int(pool.get("maxCount") or pool.get("count") or 1),
            zones=tuple(str(z) for z in pool.get("availabilityZones") or ()),
            region=region,
            labels=_labels(pool.get("nodeLabels")),
            taints=tuple(Taint.parse(t) for t in pool.get("nodeTaints") or ()),
        )
        for pool in plan.of_type(AGENT_POOL)
    ]
    return sorted(pools, key=lambda p: p.name)


def _capacity(vm_size: str) -> Resources:
    size = pod_room(catalog.vm_size(vm_size))
    return Resources.cores_gib(size.cpu, size.memory_gb)


def _budget(plan: Plan, name: str, labels: Mapping[str, str]) -> Budget | None:
    """The PDB whose selector picks these pod labels; the eviction API refuses pods that more than one picks."""
    found = []
    for pdb in plan.of_type(BUDGET):
        selector = _labels(pdb.get("spec.selector.matchLabels"))
        if selector and all(labels.get(k) == v for k, v in selector.items()):
            given = [pdb.get("spec.maxUnavailable"), pdb.get("spec.minAvailable")]
            found.append(
                Budget(
                    max_unavailable=None if given[0] is None else _int_or_percent(given[0]),
                    min_available=None if given[1] is None else _int_or_percent(given[1]),
                    unhealthy_pod_eviction_policy=pdb.get("spec.unhealthyPodEvictionPolicy") or "IfHealthyBudget",
                )
            )
    if len(found) > 1:
        raise AssertionError(f"{len(found)} PodDisruptionBudgets select the pods of {name}: none could be evicted")
    return found[0] if found else None


def replica_bounds(plan: Plan, deployment: Registration) -> tuple[int, int]:
    """(minReplicas, maxReplicas) of the HPA that scales the Deployment, or its own replicas (default 1)."""
    name = deployment.get("metadata.name")
    for hpa in plan.of_type(AUTOSCALER):
        if hpa.get("spec.scaleTargetRef.name") == name:
            return int(hpa.get("spec.minReplicas") or 1), int(hpa.get("spec.maxReplicas"))
    replicas = int(deployment.get("spec.replicas") or 1)
    return replicas, replicas


def deployment(plan: Plan, registration: Registration, bound: Bound) -> Deployment:
    template = registration.get("spec.template")
    spec = pod_spec(template)
    low, high = replica_bounds(plan, registration)
    strategy = registration.get("spec.strategy") or {}
    rolling = strategy.get("rollingUpdate") or {}
    recreate = strategy.get("type") == "Recreate"
    name = str(registration.get("metadata.name"))
    return Deployment(
        name=name,
        spec=spec,
        replicas=high if bound == "max" else low,
        max_surge=0 if recreate else _int_or_percent(rolling.get("maxSurge", "25%")),
        max_unavailable="100%" if recreate else _int_or_percent(rolling.get("maxUnavailable", "25%")),
        budget=_budget(plan, name, spec.labels),
    )


def cluster_of(plan: Plan, bound: Bound) -> Cluster:
    """The stack's Speech pool with every Deployment at its HPA's min or max replicas, scheduled: the pool starts at
    minCount nodes and the autoscaler adds what the pods need, up to maxCount. Maximum replicas come as the HPA
    brings them: every Deployment at its minimum first, then all scaled up at once (a surge of load)."""
    # By name: the mocks register resources in whatever order the program's outputs resolve.
    deployments = sorted((deployment(plan, r, "min") for r in plan.of_type(DEPLOYMENT)), key=lambda d: d.name)
    cluster = Cluster(speech_pools(plan), deployments)
    cluster.run()
    if bound == "max":
        for registration in plan.of_type(DEPLOYMENT):
            cluster.deployments[str(registration.get("metadata.name"))].replicas = replica_bounds(plan, registration)[1]
        cluster.run()
    return cluster


def job_pods(plan: Plan) -> dict[str, PodSpec]:
    """Each Job's pod, by Job name: they run on the Speech pool beside the Deployments on a later `pulumi up`."""
    jobs = {str(job.get("metadata.name")): pod_spec(job.get("spec.template")) for job in plan.of_type(JOB)}
    return dict(sorted(jobs.items()))
