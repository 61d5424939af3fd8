"""What the simulated cluster is made of: resources, taints and tolerations, spread constraints, pod specs, disruption
budgets, Deployments, nodes, pods and node pools, in the Kubernetes API's terms (see `simulator.py` for behaviour)."""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass, field
from decimal import Decimal

HOSTNAME = "kubernetes.io/hostname"
ZONE = "topology.kubernetes.io/zone"
AGENTPOOL = "kubernetes.azure.com/agentpool"
TEMPLATE_HASH = "pod-template-hash"
DO_NOT_SCHEDULE = "DoNotSchedule"
SCHEDULE_ANYWAY = "ScheduleAnyway"
_GIB = 2**30
_MEMORY_UNITS = {"Ki": 2**10, "Mi": 2**20, "Gi": 2**30, "Ti": 2**40, "k": 10**3, "M": 10**6, "G": 10**9, "T": 10**12}


@dataclass(frozen=True)
class Resources:
    """CPU in millicores and memory in bytes: integers, so fitting never depends on float rounding."""

    cpu_m: int
    memory_b: int

    @classmethod
    def parse(cls, cpu: str | float, memory: str | float) -> Resources:
        """Kubernetes quantities ("7.5", "500m"; "12Gi", "512Mi") as the API reads them."""
        text = str(cpu)
        millis = Decimal(text[:-1]) if text.endswith("m") else Decimal(text) * 1000
        text = str(memory)
        unit = next((u for u in _MEMORY_UNITS if text.endswith(u)), "")
        number = Decimal(text[: len(text) - len(unit)]) * _MEMORY_UNITS.get(unit, 1)
        return cls(math.ceil(millis), math.ceil(number))

    @classmethod
    def cores_gib(cls, cpu: float, memory_gib: float) -> Resources:
        return cls(round(cpu * 1000), round(memory_gib * _GIB))

    def __add__(self, other: Resources) -> Resources:
        return Resources(self.cpu_m + other.cpu_m, self.memory_b + other.memory_b)

    def __sub__(self, other: Resources) -> Resources:
        return Resources(self.cpu_m - other.cpu_m, self.memory_b - other.memory_b)

    def fits_in(self, other: Resources) -> bool:
        return self.cpu_m <= other.cpu_m and self.memory_b <= other.memory_b

    def __str__(self) -> str:
        return f"{self.cpu_m / 1000:g} cpu, {self.memory_b / _GIB:.3g} GiB"


@dataclass(frozen=True)
class Taint:
    key: str
    value: str
    effect: str

    @classmethod
    def parse(cls, text: str) -> Taint:
        """AKS's `key=value:Effect` form."""
        pair, effect = text.rsplit(":", 1)
        key, _, value = pair.partition("=")
        return cls(key, value, effect)


#: What cordoning adds to a node (TaintNodesByCondition); pods that do not tolerate it stay off.
UNSCHEDULABLE = Taint("node.kubernetes.io/unschedulable", "", "NoSchedule")


@dataclass(frozen=True)
class Toleration:
    key: str = ""
    operator: str = "Equal"
    value: str = ""
    effect: str = ""

    def tolerates(self, taint: Taint) -> bool:
        if self.effect and self.effect != taint.effect:
            return False
        if not self.key:
            return self.operator == "Exists"
        return self.key == taint.key and (self.operator == "Exists" or self.value == taint.value)


@dataclass(frozen=True)
class Spread:
    """A topology spread constraint; `match_label_keys` narrows the selector to pods sharing those labels' values."""

    max_skew: int
    topology_key: str
    when_unsatisfiable: str
    match_labels: Mapping[str, str]
    match_label_keys: tuple[str, ...] = ()
    min_domains: int | None = None
    node_taints_policy: str = "Ignore"

    @property
    def hard(self) -> bool:
        return self.when_unsatisfiable == DO_NOT_SCHEDULE

    def selects(self, incoming: Mapping[str, str], other: Mapping[str, str]) -> bool:
        return all(other.get(k) == v for k, v in self.match_labels.items()) and all(
            other.get(k) == incoming.get(k) for k in self.match_label_keys
        )


@dataclass(frozen=True)
class PodSpec:
    requests: Resources
    labels: Mapping[str, str] = field(default_factory=dict)
    node_selector: Mapping[str, str] = field(default_factory=dict)
    tolerations: tuple[Toleration, ...] = ()
    spread: tuple[Spread, ...] = ()


def scaled(value: int | str, total: int, round_up: bool) -> int:
    """An IntOrString (`1` or `"25%"`) against `total`, rounded as the API rounds it."""
    if isinstance(value, int):
        return value
    share = Decimal(value.rstrip("%")) * total / 100
    return math.ceil(share) if round_up else math.floor(share)


@dataclass(frozen=True)
class Budget:
    """A PodDisruptionBudget over one Deployment's pods."""

    max_unavailable: int | str | None = None
    min_available: int | str | None = None
    unhealthy_pod_eviction_policy: str = "IfHealthyBudget"


@dataclass
class Deployment:
    name: str
    spec: PodSpec
    replicas: int
    max_surge: int | str = "25%"
    max_unavailable: int | str = "25%"
    budget: Budget | None = None
    revision: int = 1
    #: Pods created from now on never become ready (a broken release, a model that never loads).
    never_ready: bool = False


@dataclass
class Node:
    name: str
    pool: str
    zone: str
    allocatable: Resources
    labels: dict[str, str]
    taints: tuple[Taint, ...]
    cordoned: bool = False


@dataclass
class Pod:
    name: str
    owner: str
    serial: int
    spec: PodSpec
    revision: int
    node: str | None = None
    ready: bool = False
    #: Never becomes ready, even when scheduled.
    broken: bool = False

    @property
    def labels(self) -> dict[str, str]:
        return {**self.spec.labels, TEMPLATE_HASH: f"{self.owner}-{self.revision}"}


@dataclass(frozen=True)
class Pool:
    """A node pool the autoscaler grows: every node gets `allocatable`, the labels and taints; zones round-robin."""

    name: str
    allocatable: Resources
    min_count: int
    max_count: int
    zones: tuple[str, ...] = ()
    region: str = "region"
    labels: Mapping[str, str] = field(default_factory=dict)
    taints: tuple[Taint, ...] = ()
