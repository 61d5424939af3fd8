"""How many nodes of one size hold a set of pods, as the scheduler will place them.

Every Speech Deployment spreads its pods over the pool's nodes with `maxSkew: 1` on the hostname
(components/aks/workload.py), so on n nodes each node holds either floor(r/n) or ceil(r/n) of a Deployment's r
pods. A node count is feasible when the floor part (the same on every node) fits and the remainders, at most one
more pod of each Deployment per node, can be placed: bin packing where two pods of one Deployment never share a
node. First-fit decreasing settles most counts; when it fails, a search with symmetry breaking decides exactly
within a budget of steps (no budget: always exact, for the benchmark), and a count it cannot decide in the budget
counts as infeasible, so a pool is never planned too small.

Sizes are integers (millicores, MiB) so that fitting never depends on float rounding.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

from components.catalog import Size

#: Search steps allowed per node count before the planner falls back to first-fit decreasing's answer.
DEFAULT_BUDGET = 4000


@dataclass(frozen=True)
class Units:
    """A size in millicores and MiB."""

    cpu: int
    memory: int

    @classmethod
    def of(cls, size: Size, round_up: bool = True) -> Units:
        """Pods round up, so they never take less than asked; node capacity rounds down."""
        to_int = math.ceil if round_up else math.floor
        return cls(to_int(round(size.cpu * 1000, 6)), to_int(round(size.memory_gb * 1024, 6)))

    def fits_in(self, other: Units) -> bool:
        return self.cpu <= other.cpu and self.memory <= other.memory


@dataclass(frozen=True)
class Pods:
    """`count` pods of one Deployment, each of `size`."""

    size: Units
    count: int


@dataclass
class _Search:
    budget: int | None
    steps: int = 0

    def spend(self) -> bool:
        self.steps += 1
        return self.budget is None or self.steps <= self.budget


def _remainders_fit(items: list[tuple[int, Units]], free: Units, nodes: int, budget: int | None) -> bool | None:
    """Whether the remainder pods (deployment index, size) fit on `nodes` nodes with `free` room each, at most one
    pod of a deployment per node. None: undecided within the budget."""
    if not items:
        return True
    if sum(u.cpu for _, u in items) > free.cpu * nodes or sum(u.memory for _, u in items) > free.memory * nodes:
        return False
    items = sorted(items, key=lambda item: item[1].cpu / max(free.cpu, 1) + item[1].memory / max(free.memory, 1))
    items.reverse()
    if _first_fit(items, free, nodes):
        return True
    search = _Search(budget)
    loads = [(0, 0, frozenset[int]())] * nodes
    found = _place(items, 0, loads, free, -1, search)
    return found if found or search.budget is None or search.steps <= search.budget else None


def _first_fit(items: list[tuple[int, Units]], free: Units, nodes: int) -> bool:
    cpu, memory, owners = [0] * nodes, [0] * nodes, [set[int]() for _ in range(nodes)]
    for owner, size in items:
        for i in range(nodes):
            if owner not in owners[i] and cpu[i] + size.cpu <= free.cpu and memory[i] + size.memory <= free.memory:
                cpu[i] += size.cpu
                memory[i] += size.memory
                owners[i].add(owner)
                break
        else:
            return False
    return True


def _place(
    items: list[tuple[int, Units]],
    index: int,
    loads: list[tuple[int, int, frozenset[int]]],
    free: Units,
    last: int,
    search: _Search,
) -> bool:
    """Depth-first placement; pods of one deployment go to increasing node indexes (they are interchangeable) and
    nodes with the same load and owners are tried once."""
    if index == len(items):
        return True
    if not search.spend():
        return False
    owner, size = items[index]
    same_owner = index > 0 and items[index - 1][0] == owner
    tried: set[tuple[int, int, frozenset[int]]] = set()
    for i, (cpu, memory, owners) in enumerate(loads):
        if (same_owner and i <= last) or owner in owners or (cpu, memory, owners) in tried:
            continue
        if cpu + size.cpu > free.cpu or memory + size.memory > free.memory:
            continue
        tried.add((cpu, memory, owners))
        loads[i] = (cpu + size.cpu, memory + size.memory, owners | {owner})
        if _place(items, index + 1, loads, free, i, search):
            return True
        loads[i] = (cpu, memory, owners)
        if search.budget is not None and search.steps > search.budget:
            return False
    return False


def feasible(pods: Sequence[Pods], capacity: Units, nodes: int, budget: int | None = DEFAULT_BUDGET) -> bool | None:
    """Whether `nodes` nodes with `capacity` each hold the pods under the hostname spread (None: undecided)."""
    base_cpu = sum(p.size.cpu * (p.count // nodes) for p in pods)
    base_memory = sum(p.size.memory * (p.count // nodes) for p in pods)
    free = Units(capacity.cpu - base_cpu, capacity.memory - base_memory)
    if free.cpu < 0 or free.memory < 0:
        return False
    items = [(owner, p.size) for owner, p in enumerate(pods) for _ in range(p.count % nodes)]
    return _remainders_fit(items, free, nodes, budget)


def lower_bound(pods: Sequence[Pods], capacity: Units) -> int:
    """No fewer nodes can hold the pods: their total size over one node's."""
    cpu = sum(p.size.cpu * p.count for p in pods)
    memory = sum(p.size.memory * p.count for p in pods)
    return max(math.ceil(cpu / capacity.cpu), math.ceil(memory / capacity.memory), 0)


def nodes_needed(pods: Sequence[Pods], capacity: Units, budget: int | None = DEFAULT_BUDGET) -> int | None:
    """The fewest nodes that hold the pods (None: a pod is larger than a node). With a budget, a node count the
    search cannot settle counts as too few, so the answer may be one or two above the optimum, never below."""
    pods = [p for p in pods if p.count > 0]
    if not pods:
        return 0
    if any(not p.size.fits_in(capacity) for p in pods):
        return None
    total = sum(p.count for p in pods)
    for nodes in range(max(1, lower_bound(pods, capacity)), total + 1):
        if feasible(pods, capacity, nodes, budget):
            return nodes
    return total
