"""The Speech node pools by cost: which VM family and size, how many nodes, and whether a second pool pays.

For every priced AVX2 size of the region (catalog.prices, plus `aks.pool.prices`), it shapes the pods to the size
(shaping.py), packs them as the scheduler will (packing.py) in two states, and prices the pool:

- floor: every deployment at its `replicas`; the autoscaler's minCount, at least one node per zone;
- peak: every deployment at `maxReplicas` plus one surge pod (a rollout, or a key rotation restarting every
  Deployment at once, adds a pod before it removes one); the autoscaler's maxCount.

The cost compared is the hourly price of the floor plus that of the peak, so a size must be good both most of the
time and at the peak. Sizes are visited cheapest lower bound first and the search stops once no unvisited size can
win, so it is exhaustive in effect while evaluating few sizes. With speech-to-text and text-to-speech deployments
both present it also plans one pool for each (e.g. compute-optimized for speech-to-text, memory-rich for TTS) and
keeps two pools when they cost at least `SPLIT_SAVING` less than one.
"""

from __future__ import annotations

import functools
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from components import catalog
from components.catalog import Kind, Size, VmSize
from components.planning import packing
from components.planning.packing import Pods, Units
from components.planning.shaping import Request, shaped

#: Two pools must save this share of one pool's cost to be worth a second pool to run.
SPLIT_SAVING = 0.03
#: Kinds that may get a pool of their own: text-to-speech (8 GB per 4 cores, more memory per core than STT).
SPLIT_KINDS = frozenset({Kind.NEURAL_TEXT_TO_SPEECH})


class PlanningError(ValueError):
    """No priced size holds a deployment's pod; `deployment` names it."""

    def __init__(self, message: str, deployment: str | None = None) -> None:
        super().__init__(message)
        self.deployment = deployment


def pod_room(vm: VmSize) -> Size:
    """What one node offers Speech pods: allocatable capacity less the daemonsets on every node."""
    free, overhead = vm.allocatable, catalog.NODE_DAEMONSET_OVERHEAD
    return Size(round(free.cpu - overhead.cpu, 3), round(free.memory_gb - overhead.memory_gb, 3))


@dataclass(frozen=True)
class PoolChoice:
    """One pool: its size, hourly price (None: unpriced), deployments, their shaped sizes, and node counts."""

    vm: VmSize
    price: float | None
    deployments: tuple[str, ...]
    sizes: tuple[tuple[str, Size], ...]
    min_count: int
    max_count: int

    @property
    def hourly_floor(self) -> float | None:
        return None if self.price is None else self.price * self.min_count

    @property
    def hourly_peak(self) -> float | None:
        return None if self.price is None else self.price * self.max_count

    @property
    def score(self) -> float:
        """What the planner minimizes: the floor's hourly cost plus the peak's."""
        return (self.price or 0.0) * (self.min_count + self.max_count)

    def size_of(self, deployment: str) -> Size:
        return dict(self.sizes)[deployment]


@dataclass(frozen=True)
class CapacityPlan:
    """The chosen pools (the first is the stack's `aks.pool`) and the best alternatives, cheapest first."""

    pools: tuple[PoolChoice, ...]
    alternatives: tuple[tuple[PoolChoice, ...], ...]

    @property
    def score(self) -> float:
        return sum(p.score for p in self.pools)


def _pods(requests: Sequence[Request], sizes: Sequence[Size], peak: bool) -> list[Pods]:
    """The pods to place: each Speech container with the sidecars every pod carries."""
    sidecars = catalog.POD_SIDECARS
    return [
        Pods(
            Units.of(Size(size.cpu + sidecars.cpu, size.memory_gb + sidecars.memory_gb)),
            r.max_replicas + 1 if peak else r.replicas,
        )
        for r, size in zip(requests, sizes, strict=True)
    ]


def evaluate(
    requests: Sequence[Request], vm: VmSize, price: float | None, zones: int, budget: int | None
) -> PoolChoice | None:
    """The pool of `vm` nodes for these deployments, or None when a pod does not fit a node."""
    room = pod_room(vm)
    if room.cpu <= 0 or room.memory_gb <= 0:
        return None
    capacity = Units.of(room, round_up=False)
    sizes = [shaped(r, vm, room) for r in requests]
    floor = packing.nodes_needed(_pods(requests, sizes, peak=False), capacity, budget)
    peak = packing.nodes_needed(_pods(requests, sizes, peak=True), capacity, budget)
    if floor is None or peak is None:
        return None
    low = max(zones, floor)
    names = tuple(r.name for r in requests)
    # Replicas spread over zones without exception (DoNotSchedule): a drain's replacement pod must land in the
    # drained node's zone, so each further zone keeps a spare node.
    spare = max(0, zones - 1)
    return PoolChoice(vm, price, names, tuple(zip(names, sizes, strict=True)), low, max(low, peak + spare))


def _lower_bound(requests: Sequence[Request], vm: VmSize, price: float, zones: int) -> float:
    """No pool of `vm` for these deployments costs less (its pods at their smallest, packed perfectly)."""
    room = Units.of(pod_room(vm), round_up=False)
    if room.cpu <= 0 or room.memory <= 0:
        return float("inf")
    smallest = [r.smallest for r in requests]
    floor = packing.lower_bound(_pods(requests, smallest, peak=False), room)
    peak = packing.lower_bound(_pods(requests, smallest, peak=True), room)
    low = max(zones, floor, 1 if any(r.replicas for r in requests) else 0)
    return price * (low + max(low, peak))


@functools.cache
def _vm(name: str) -> VmSize:
    return catalog.vm_size(name)


def _candidates(prices: Mapping[str, float]) -> list[tuple[VmSize, float]]:
    """Priced sizes, the cheapest of each (vCPUs, memory) shape only."""
    best: dict[tuple[int, float], tuple[VmSize, float]] = {}
    for name, price in sorted(prices.items()):
        vm = _vm(name)
        shape = (vm.vcpus, vm.memory_gb)
        if shape not in best or price < best[shape][1]:
            best[shape] = (vm, price)
    return list(best.values())


def family(vm: VmSize) -> str:
    """The family a size name belongs to (`Standard_D16s_v5` -> `Ds_v5`)."""
    short = vm.name.removeprefix("Standard_")
    return "".join(ch for ch in short if not ch.isdigit()).replace("-", "")


def cheapest(
    requests: Sequence[Request],
    prices: Mapping[str, float],
    zones: int,
    budget: int | None = packing.DEFAULT_BUDGET,
    exhaustive: bool = False,
) -> list[PoolChoice]:
    """Pools for these deployments, cheapest first: the best, then the best of each other family visited.
    `exhaustive` evaluates every size (the benchmark's reference); otherwise the search stops when no unvisited size's
    lower bound can beat the best found."""
    ranked = sorted(
        ((_lower_bound(requests, vm, price, zones), vm.name, vm, price) for vm, price in _candidates(prices)),
        key=lambda item: (item[0], item[1]),
    )
    found: list[PoolChoice] = []
    best = float("inf")
    for bound, _, vm, price in ranked:
        if bound == float("inf") or (not exhaustive and bound > best * 1.25):
            break
        choice = evaluate(requests, vm, price, zones, budget)
        if choice is not None:
            found.append(choice)
            best = min(best, choice.score)
    found.sort(key=lambda c: (c.score, c.vm.vcpus, c.vm.name))
    first_of_family: dict[str, PoolChoice] = {}
    for choice in found:
        first_of_family.setdefault(family(choice.vm), choice)
    return [*found[:1], *(c for c in first_of_family.values() if found and c is not found[0])]


def _unfit(requests: Sequence[Request], prices: Mapping[str, float]) -> PlanningError:
    """Which deployment no priced size holds, and the most any priced size offers one pod."""
    sizes = [_vm(name) for name in prices]
    most_cpu = max(sizes, key=lambda vm: pod_room(vm).cpu)
    most_memory = max(sizes, key=lambda vm: pod_room(vm).memory_gb)
    offers = (
        f"the most a priced size offers pods is {pod_room(most_cpu).cpu:.2f} cores ({most_cpu.name}) and "
        f"{pod_room(most_memory).memory_gb:.2f} GB ({most_memory.name})"
    )
    for r in requests:
        if not any(r.smallest.fits_in(pod_room(vm)) for vm in sizes):
            size = f"{r.smallest.cpu:g} cores / {r.smallest.memory_gb:g} GB"
            return PlanningError(f"one pod of {r.name} ({size} at least) fits no priced size: {offers}", r.name)
    return PlanningError(f"no priced size holds these deployments together: {offers}")


@functools.cache
def _plan(
    requests: tuple[Request, ...], prices: tuple[tuple[str, float], ...], zones: int, split: bool, budget: int | None
) -> CapacityPlan:
    table = dict(prices)
    one = cheapest(requests, table, zones, budget)
    if not one:
        raise _unfit(requests, table)
    plan = CapacityPlan((one[0],), tuple((c,) for c in one[1:4]))
    apart = [r for r in requests if r.kind in SPLIT_KINDS]
    rest = [r for r in requests if r.kind not in SPLIT_KINDS]
    if not split or not apart or not rest:
        return plan
    first, second = cheapest(rest, table, zones, budget), cheapest(apart, table, zones, budget)
    if not first or not second:
        return plan
    two = CapacityPlan((first[0], second[0]), ())
    if two.score <= plan.score * (1 - SPLIT_SAVING):
        return CapacityPlan(two.pools, ((one[0],), *plan.alternatives[:2]))
    return CapacityPlan(plan.pools, (*plan.alternatives[:3], two.pools))


def plan(
    requests: Sequence[Request],
    prices: Mapping[str, float],
    zones: int = 0,
    split: bool = True,
    budget: int | None = packing.DEFAULT_BUDGET,
) -> CapacityPlan:
    """The cheapest pools for these deployments at these hourly prices (see the module's docstring)."""
    return _plan(tuple(requests), tuple(sorted(prices.items())), zones, split, budget)


def fixed(requests: Sequence[Request], vm: VmSize, price: float | None, zones: int) -> PoolChoice | None:
    """The pool when the stack names its size: counts and shaped sizes for `vm` (None: a pod does not fit)."""
    return evaluate(requests, vm, price, zones, packing.DEFAULT_BUDGET)
