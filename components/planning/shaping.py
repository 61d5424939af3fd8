"""Pod sizes shaped to nodes: default requests a little under what a node offers, so the pods a node's vCPUs are
meant for really fit.

The documented defaults are whole cores (8 for speech-to-text and neural TTS), but a node never offers all of its
vCPUs to pods: AKS reserves some and every node runs daemonsets. So a 16-vCPU node offers about 15 cores, and two
8-core pods do not fit: each takes a node of its own, half idle. The rule, for a deployment whose cpu and memoryGb
the stack does not set:

- k = how many default pods the node's vCPUs hold (at least 1);
- cpu = the smaller of the default and the node's pod cores / k, rounded down to 0.05 cores;
- memory = the smaller of the default and the node's pod memory / k, rounded down to 0.25 GB;
- never below the floor: the documented minimum (memory: plus the model's memory for speech-to-text), and for
  speech-to-text kinds the decoders' cores (`DECODER_CORES` each); a dimension that would go below keeps its
  default.

A size the stack sets (cpu or memoryGb) is kept as it is.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from components import catalog
from components.catalog import Kind, Size, VmSize

CPU_STEP = 0.05
MEMORY_STEP = 0.25

RULE = (
    "defaults shaped to the node: cpu and memory a little under the node's pod room / the pods its vCPUs hold, "
    "never below the documented minimum (and a core budget per decoder)"
)


@dataclass(frozen=True)
class Request:
    """One deployment as the planner sees it: the size asked for (the stack's or the kind's default), its replica
    bounds, and how far shaping may lower it (None per dimension: the stack set it)."""

    name: str
    kind: Kind
    size: Size
    replicas: int
    max_replicas: int
    cpu_floor: float | None = None
    memory_floor: float | None = None

    @property
    def smallest(self) -> Size:
        """The least this deployment's pods may request on any node."""
        return Size(
            min(self.size.cpu, self.cpu_floor if self.cpu_floor is not None else self.size.cpu),
            min(self.size.memory_gb, self.memory_floor if self.memory_floor is not None else self.size.memory_gb),
        )


def _down(value: float, step: float) -> float:
    return round(math.floor(round(value / step, 6)) * step, 4)


def shaped(request: Request, vm: VmSize, room: Size) -> Size:
    """The request's pod size on nodes of `vm`, which offer `room` to pods."""
    per_node = max(1, math.floor(vm.vcpus / request.size.cpu)) if request.size.cpu > 0 else 1
    cpu, memory = request.size.cpu, request.size.memory_gb
    sidecars = catalog.POD_SIDECARS  # every pod carries them too
    if request.cpu_floor is not None:
        fitted = _down(room.cpu / per_node - sidecars.cpu, CPU_STEP)
        if request.cpu_floor <= fitted < cpu:
            cpu = fitted
    if request.memory_floor is not None:
        fitted = _down(room.memory_gb / per_node - sidecars.memory_gb, MEMORY_STEP)
        if request.memory_floor <= fitted < memory:
            memory = fitted
    return Size(cpu, memory)
