"""The pool sizing the package used before the planner (components/planning/planner.py): the smallest default
size that fits the largest container, node counts by first-fit decreasing. Only the capacity benchmark uses it,
as the baseline the planner's choices are compared with."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Protocol

from components import catalog
from components.catalog import Size, VmSize
from components.planning.planner import pod_room


class Workload(Protocol):
    """What sizing needs of a deployment (config's ContainerConfig is one)."""

    @property
    def name(self) -> str: ...
    @property
    def size(self) -> Size: ...
    @property
    def replicas(self) -> int: ...
    @property
    def max_replicas(self) -> int: ...


class SizingError(ValueError):
    """The pool cannot be sized as asked; `deployment` names the deployment that does not fit, if that is why."""

    def __init__(self, message: str, deployment: str | None = None) -> None:
        super().__init__(message)
        self.deployment = deployment


@dataclass(frozen=True)
class PoolPlan:
    vm_size: VmSize
    min_count: int
    max_count: int
    reason: str


def nodes_needed(pods: Iterable[Size], vm: VmSize) -> int:
    """Nodes for these pods by first-fit decreasing, which is what the scheduler approximates."""
    capacity = pod_room(vm)
    nodes: list[Size] = []
    for pod in sorted(pods, key=lambda s: (s.cpu, s.memory_gb), reverse=True):
        for i, free in enumerate(nodes):
            if pod.fits_in(free):
                nodes[i] = Size(free.cpu - pod.cpu, free.memory_gb - pod.memory_gb)
                break
        else:
            nodes.append(Size(capacity.cpu - pod.cpu, capacity.memory_gb - pod.memory_gb))
    return len(nodes)


def _largest(containers: Sequence[Workload]) -> Workload:
    return max(containers, key=lambda c: (c.size.cpu, c.size.memory_gb))


def _describe(size: Size) -> str:
    return f"{size.cpu:g} cores / {size.memory_gb:g} GB"


def plan_pool(containers: Sequence[Workload], vm_size_name: str | None, zones: int = 0) -> PoolPlan:
    """Pick (or check) the VM size, then the node counts: at least one node per zone and room for the minimum
    replicas; at most what the maximum replicas need plus one surge pod per Deployment, since a rollout (or a key
    rotation's restart of every Deployment at once) adds a pod before it removes one, and a surge pod the pool has
    no room for leaves the rollout stuck."""
    if vm_size_name is not None:
        try:
            vm = catalog.vm_size(vm_size_name)
        except catalog.UnknownVmSizeError as error:
            raise SizingError(f"{error}; allowed AVX2 families: {', '.join(catalog.AVX2_FAMILY_NAMES)}") from None
    if not containers:
        vm = catalog.vm_size(vm_size_name or catalog.DEFAULT_VM_SIZES[0])
        return PoolPlan(vm, 0, 1, "no containers configured")
    largest = _largest(containers)
    if vm_size_name is None:
        fitting = [v for v in map(catalog.vm_size, catalog.DEFAULT_VM_SIZES) if largest.size.fits_in(pod_room(v))]
        if not fitting:
            raise SizingError(
                f"{_describe(largest.size)} fits no default VM size ({', '.join(catalog.DEFAULT_VM_SIZES)}); "
                "lower it or set aks.pool.vmSize to a larger AVX2 size",
                largest.name,
            )
        vm = fitting[0]
        why = f"smallest Dsv5 size that fits {largest.name} ({_describe(largest.size)})"
    elif not largest.size.fits_in(pod_room(vm)):
        raise SizingError(
            f"{vm.name} ({_describe(largest.size)} asked by {largest.name}) offers "
            f"{_describe(pod_room(vm))} to pods after AKS reservations, too small for one replica of "
            f"{largest.name}; choose a larger AVX2 size or lower its cpu/memoryGb"
        )
    else:
        why = f"{vm.name} as configured"
    minimum = max(zones, nodes_needed((c.size for c in containers for _ in range(c.replicas)), vm))
    maximum = max(minimum, nodes_needed((c.size for c in containers for _ in range(c.max_replicas + 1)), vm))
    capacity = pod_room(vm)
    reason = (
        f"{why}; {_describe(capacity)} per node for pods; {minimum} node(s) for min replicas"
        f"{f' and {zones} zones' if zones else ''}, {maximum} for max replicas plus a rollout's surge pods"
    )
    return PoolPlan(vm, minimum, maximum, reason)
