"""The AKS stacks the scheduling properties run on: the sample stacks, and workload mixes that vary kinds, replica
bounds, sizes (within the documented minimums), VM sizes and zones. Plans and scheduled clusters are memoized;
`placed()` hands out a copy to change."""

from __future__ import annotations

import functools
from typing import Any

from plan.command import own_values, read_stack_config
from plan.offline import Plan
from tests.sample_stacks import AKS_INGRESS_STACK, AKS_STACK, plan_program
from tests.scheduling.from_plan import Bound, cluster_of
from tests.scheduling.simulator import Cluster

ZONES = ["1", "2", "3"]
MODEL_ID = "0123abcd-4567-89ef-0123-456789abcdef"


def _aks(containers: dict[str, Any], zones: list[str] | None = None, vm_size: str | None = None) -> dict[str, Any]:
    pool: dict[str, Any] = {}
    if zones:
        pool["zones"] = zones
    if vm_size:
        pool["vmSize"] = vm_size
    return {"eula": "accept", "host": "aks", "location": "eastus", "aks": {"pool": pool}, "containers": containers}


#: Workload mixes by name: what each stresses is in its name.
MIXES: dict[str, dict[str, Any]] = {
    "stt-single": _aks({"speech-to-text": {}}),
    "stt-2to6-zonal": _aks({"speech-to-text": {"replicas": 2, "maxReplicas": 6}}, ZONES),
    "lid-tiny-1to4": _aks({"language-identification": {"replicas": 1, "maxReplicas": 4, "cpu": 1, "memoryGb": 1}}),
    "lid-dense-3to6-d8-zonal": _aks(
        {"language-identification": {"replicas": 3, "maxReplicas": 6, "cpu": 1, "memoryGb": 2}},
        ZONES,
        "Standard_D8s_v5",
    ),
    "tts-min-size-3to6-zonal": _aks(
        {"neural-text-to-speech": {"replicas": 3, "maxReplicas": 6, "cpu": 6, "memoryGb": 12}}, ZONES
    ),
    "all-kinds-d32-zonal": _aks(
        {
            "speech-to-text": {"replicas": 2, "maxReplicas": 4},
            "custom-speech-to-text": {"modelId": MODEL_ID, "maxReplicas": 2},
            "language-identification": {"replicas": 2, "maxReplicas": 3},
            "neural-text-to-speech": {"replicas": 2, "maxReplicas": 4},
        },
        ZONES,
        "Standard_D32s_v5",
    ),
    "stt-4core-lid-d8": _aks(
        {
            "speech-to-text": {"replicas": 2, "maxReplicas": 5, "cpu": 4, "memoryGb": 4},
            "language-identification": {"replicas": 2, "maxReplicas": 2},
        },
        vm_size="Standard_D8s_v5",
    ),
    "two-locales-zonal": _aks(
        {
            "speech-to-text": {"replicas": 2, "maxReplicas": 3},
            "stt-de": {"kind": "speech-to-text", "locale": "de-de", "replicas": 2, "maxReplicas": 3},
        },
        ZONES,
    ),
    "stt-fills-a-d16-zonal": _aks(
        {"speech-to-text": {"replicas": 2, "maxReplicas": 3, "cpu": 15.44, "memoryGb": 16}}, ZONES
    ),
    "stt-6-d48-zonal": _aks({"speech-to-text": {"replicas": 6, "maxReplicas": 6}}, ZONES, "Standard_D48s_v5"),
    "custom-and-stt-odd-sizes-2-zones": _aks(
        {
            "custom-speech-to-text": {
                "modelId": MODEL_ID,
                "replicas": 2,
                "maxReplicas": 4,
                "cpu": 7.5,
                "memoryGb": 10,
            },
            "speech-to-text": {"replicas": 2, "maxReplicas": 4, "cpu": 4.5, "memoryGb": 6},
        },
        ["1", "2"],
    ),
    "lid-tts-e16-zonal": _aks(
        {
            "language-identification": {"replicas": 3, "maxReplicas": 6, "cpu": 2, "memoryGb": 2},
            "neural-text-to-speech": {"replicas": 2, "maxReplicas": 4},
        },
        ZONES,
        "Standard_E16s_v5",
    ),
}

#: Every stack by name: (the `speech-containers` values, the Pulumi stack name).
STACKS: dict[str, tuple[dict[str, Any], str]] = {
    "prod": (own_values(read_stack_config("prod")), "prod"),
    "AKS_STACK": (AKS_STACK, "test"),
    "AKS_INGRESS_STACK": (AKS_INGRESS_STACK, "test"),
    **{name: (values, "test") for name, values in MIXES.items()},
}
BOUNDS: tuple[Bound, ...] = ("min", "max")
#: Stacks whose pool spans two zones or more.
ZONAL = [name for name, (values, _) in STACKS.items() if len(values["aks"].get("pool", {}).get("zones", [])) >= 2]


@functools.cache
def plan_of(stack: str) -> Plan:
    """The stack planned offline (shared between xdist's workers by tests.sample_stacks)."""
    values, name = STACKS[stack]
    return plan_program(values, stack=name)


@functools.cache
def _placed(stack: str, bound: Bound) -> Cluster:
    return cluster_of(plan_of(stack), bound)


def placed(stack: str, bound: Bound) -> Cluster:
    """The stack's pool with every Deployment at its HPA's `bound` replicas, scheduled (a copy to change)."""
    return _placed(stack, bound).clone()
