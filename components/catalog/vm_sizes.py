"""Azure VM sizes for the AKS Speech pool: which families have AVX2, and what a node offers pods."""

from __future__ import annotations

import functools
import re
from dataclasses import dataclass
from typing import Final

from components.catalog.containers import Size

#: AKS node resource reservations for Kubernetes 1.29 and later
#: (https://learn.microsoft.com/azure/aks/node-resource-reservations, read 2026-12-02): kube-reserved memory is
#: "the lesser value of: 20 MB * Max Pods supported on the Node + 50 MB or 25% of the total system memory", plus
#: the kubelet's "memory.available < 100 Mi" eviction rule; kube-reserved CPU by core count from the page's table.
RESERVATIONS: Final = "https://learn.microsoft.com/azure/aks/node-resource-reservations"
#: Max pods on the Speech pool, set on the pool so the memory reservation is known: a Speech node runs a few large
#: Speech pods and the daemonsets, far below it.
SPEECH_POOL_MAX_PODS: Final = 30
_RESERVED_CPU: Final = {1: 0.06, 2: 0.1, 4: 0.14, 8: 0.18, 16: 0.26, 32: 0.42, 64: 0.74}
_EVICTION_GB: Final = 100 / 1024


@dataclass(frozen=True)
class VmSize:
    """An Azure VM size with the capacity the scheduler can use on an AKS node."""

    name: str
    vcpus: int
    memory_gb: float

    @property
    def allocatable(self) -> Size:
        """Capacity left for pods after AKS's kube-reserved CPU/memory and the eviction threshold (1.29+ rules,
        with the Speech pool's max pods)."""
        return Size(
            round(self.vcpus - _reserved_cpu(self.vcpus), 3),
            round(self.memory_gb - _reserved_memory_gb(self.memory_gb, SPEECH_POOL_MAX_PODS), 2),
        )


def _reserved_cpu(vcpus: int) -> float:
    """Kube-reserved CPU from the documented table (1 to 64 cores). The table stops at 64; beyond it we extend the
    last step's rate (16 m per core), which reserves more than the rate falls to, so sizing errs on the safe side."""
    for cores, reserved in _RESERVED_CPU.items():
        if vcpus <= cores:
            return reserved
    return 0.74 + (vcpus - 64) * (0.74 - 0.42) / 32


def _reserved_memory_gb(memory_gb: float, max_pods: int) -> float:
    """Kube-reserved memory, MIN(20 MB x max pods + 50 MB, 25 % of the memory), plus the 100 MiB eviction threshold."""
    kube_reserved = min((20 * max_pods + 50) / 1024, 0.25 * memory_gb)
    return kube_reserved + _EVICTION_GB


@dataclass(frozen=True)
class VmFamily:
    """A VM family, recognised by its size-name pattern, with its memory per vCPU (GB) and the vCPU counts its
    sizes come in (a name with another count is not a size Azure sells)."""

    name: str
    pattern: re.Pattern[str]
    memory_per_vcpu: float
    avx2: bool
    vcpus: tuple[int, ...] = ()


_D_V3: Final = (2, 4, 8, 16, 32, 48, 64)
_D_V5: Final = (*_D_V3, 96)
_D_V6: Final = (*_D_V5, 128, 192)
_E_V3: Final = (2, 4, 8, 16, 20, 32, 48, 64)

#: Families are matched on the part of the size name after `Standard_`; vCPUs are the first number.
#: Sources, read 2026-12-02: the size series pages under https://learn.microsoft.com/azure/virtual-machines/sizes/
#: (general-purpose, memory-optimized, compute-optimized) list each series' sizes and processors. Azure documents
#: processor models, not "AVX2": every family here runs Intel Haswell or newer, or AMD EPYC, which have AVX2.
VM_FAMILIES: Final[tuple[VmFamily, ...]] = (
    VmFamily("Dv3/Dsv3", re.compile(r"^D(\d+)s?_v3$"), 4, avx2=True, vcpus=_D_V3),
    VmFamily("Dv4/Dsv4/Ddv4/Ddsv4", re.compile(r"^D(\d+)d?s?_v4$"), 4, avx2=True, vcpus=_D_V3),
    VmFamily("Dv5/Dsv5/Ddv5/Ddsv5", re.compile(r"^D(\d+)d?s?_v5$"), 4, avx2=True, vcpus=_D_V5),
    VmFamily("Dsv6/Ddsv6", re.compile(r"^D(\d+)d?s_v6$"), 4, avx2=True, vcpus=_D_V6),
    VmFamily("Dlsv5/Dldsv5/Dlsv6/Dldsv6", re.compile(r"^D(\d+)ld?s_v[56]$"), 2, avx2=True, vcpus=_D_V6),
    VmFamily(
        "Dav4/Dasv4/Dasv5/Dadsv5/Dasv6/Dadsv6 (AMD)", re.compile(r"^D(\d+)ad?s?_v[456]$"), 4, avx2=True, vcpus=_D_V5
    ),
    VmFamily("Dalsv6/Daldsv6 (AMD)", re.compile(r"^D(\d+)ald?s_v6$"), 2, avx2=True, vcpus=_D_V5),
    VmFamily("Ev3/Esv3", re.compile(r"^E(\d+)s?_v3$"), 8, avx2=True, vcpus=_E_V3),
    VmFamily("Ev4/Esv4/Edv4/Edsv4", re.compile(r"^E(\d+)d?s?_v4$"), 8, avx2=True, vcpus=_E_V3),
    VmFamily("Ev5/Esv5/Edv5/Edsv5", re.compile(r"^E(\d+)d?s?_v5$"), 8, avx2=True, vcpus=(*_E_V3, 96, 104)),
    VmFamily("Esv6/Edsv6", re.compile(r"^E(\d+)d?s_v6$"), 8, avx2=True, vcpus=(*_E_V3, 96, 128, 192)),
    VmFamily(
        "Eav4/Easv4/Easv5/Eadsv5/Easv6/Eadsv6 (AMD)",
        re.compile(r"^E(\d+)ad?s?_v[456]$"),
        8,
        avx2=True,
        vcpus=(*_E_V3, 96, 112),
    ),
    VmFamily("Fsv2", re.compile(r"^F(\d+)s_v2$"), 2, avx2=True, vcpus=(2, 4, 8, 16, 32, 48, 64, 72)),
    VmFamily("Fasv6 (AMD)", re.compile(r"^F(\d+)as_v6$"), 4, avx2=True, vcpus=(2, 4, 8, 16, 32, 48, 64)),
    VmFamily("Falsv6 (AMD)", re.compile(r"^F(\d+)als_v6$"), 2, avx2=True, vcpus=(2, 4, 8, 16, 32, 48, 64)),
    VmFamily("F/Fs", re.compile(r"^F(\d+)s?$"), 2, avx2=True, vcpus=(1, 2, 4, 8, 16)),
    VmFamily("Av2", re.compile(r"^A(\d+)_v2$"), 2, avx2=True, vcpus=(1, 2, 4, 8)),
    VmFamily("Dv1/DSv1 (pre-Haswell)", re.compile(r"^DS?1?[1-4]$"), 3.5, avx2=False),
    VmFamily("Standard A0-A11 (pre-Haswell)", re.compile(r"^A(\d+)$"), 1.75, avx2=False),
)

#: `p` in a size name means an Arm CPU (https://learn.microsoft.com/azure/virtual-machines/vm-naming-conventions,
#: read 2026-12-02): Dpsv5/Dpsv6, Epsv5/Epsv6, Bpsv2... The Speech images are amd64 only.
_ARM_SIZE: Final = re.compile(r"^[A-Z]+\d+[a-z]*p[a-z]*_v\d+$")

#: Dv2/DSv2 sizes do not follow a memory-per-vCPU rule, so they are listed.
_DV2_SIZES: Final = {
    "D1_v2": (1, 3.5),
    "D2_v2": (2, 7),
    "D3_v2": (4, 14),
    "D4_v2": (8, 28),
    "D5_v2": (16, 56),
    "D11_v2": (2, 14),
    "D12_v2": (4, 28),
    "D13_v2": (8, 56),
    "D14_v2": (16, 112),
    "D15_v2": (20, 140),
}

AVX2_FAMILY_NAMES: Final = (*(f.name for f in VM_FAMILIES if f.avx2), "Dv2/DSv2")

#: The pool size used when the stack names none: general purpose, AVX2, widely available; the smallest
#: that fits the largest container is chosen.
DEFAULT_VM_SIZES: Final = tuple(f"Standard_D{n}s_v5" for n in (4, 8, 16, 32, 48, 64))


class UnknownVmSizeError(ValueError):
    """The name is not a size this catalog can vouch for."""


@functools.cache  # the planner looks sizes up in its inner loops; VmSize is immutable
def vm_size(name: str) -> VmSize:
    """Look up a VM size; raises UnknownVmSizeError for sizes without AVX2 or of unknown families."""
    match = re.fullmatch(r"Standard_(\w+)", name)
    if name.startswith("Basic_A"):
        raise UnknownVmSizeError(f"{name} (Basic A series) has no AVX2")
    if not match:
        raise UnknownVmSizeError(f"{name} is not an Azure VM size name (expected Standard_<size>)")
    short = match.group(1).replace("DS", "D", 1) if re.match(r"^DS\d+_v2$", match.group(1)) else match.group(1)
    if short in _DV2_SIZES:
        vcpus, memory = _DV2_SIZES[short]
        return VmSize(name, vcpus, memory)
    if _ARM_SIZE.fullmatch(short):
        raise UnknownVmSizeError(f"{name} is an Arm (p) size; the Speech images are amd64 only")
    for family in VM_FAMILIES:
        found = family.pattern.fullmatch(match.group(1))
        if not found:
            continue
        if not family.avx2:
            raise UnknownVmSizeError(f"{name} ({family.name}) has no AVX2, which the Speech containers need")
        vcpus = int(found.group(1))
        if vcpus not in family.vcpus:
            counts = ", ".join(map(str, family.vcpus))
            raise UnknownVmSizeError(f"{name} is not a {family.name} size (they come with {counts} vCPUs)")
        return VmSize(name, vcpus, vcpus * family.memory_per_vcpu)
    raise UnknownVmSizeError(f"{name} is not in a VM family known to support AVX2")
