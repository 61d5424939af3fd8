"""The facts about the Speech containers, their hosts and VM sizes.

This is the single place that knows image paths, ports, probe paths and sizes (see
shared/speech-containers.md); config validation and every component read it from here.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass
from enum import StrEnum
from typing import Final

IMAGE_ROOT: Final = "mcr.microsoft.com/azure-cognitive-services/speechservices"
DIAGNOSTIC_IMAGE: Final = "mcr.microsoft.com/azure-cognitive-services/diagnostic"

#: Every Speech container listens on this port.
CONTAINER_PORT: Final = 5000
#: Ready to take queries (model loaded).
READY_PATH: Final = "/ready"
#: Cheap liveness: the home page does not call Azure, so a billing outage does not restart containers.
LIVENESS_PATH: Final = "/"
#: Validates the API key against Azure; used by rotation to verify a new key, never as a probe.
STATUS_PATH: Final = "/status"
#: Model paging makes the first start slow; custom models may take up to an hour to download.
STARTUP_BUDGET_SECONDS: Final = 20 * 60
CUSTOM_MODEL_STARTUP_BUDGET_SECONDS: Final = 60 * 60
#: Where the custom speech-to-text container keeps its downloaded model.
MODEL_MOUNT_PATH: Final = "/usr/local/models"
#: Settings the package owns; users may not override them through `env`.
RESERVED_SETTINGS: Final = frozenset({"eula", "billing", "apikey", "modelid"})


class Protocol(StrEnum):
    """How the Speech SDK talks to a container: `ws` for streaming STT, `http` for the rest."""

    WS = "ws"
    HTTP = "http"


class Kind(StrEnum):
    """The container kinds users can ask for in `containers`."""

    SPEECH_TO_TEXT = "speech-to-text"
    CUSTOM_SPEECH_TO_TEXT = "custom-speech-to-text"
    LANGUAGE_IDENTIFICATION = "language-identification"
    NEURAL_TEXT_TO_SPEECH = "neural-text-to-speech"


@dataclass(frozen=True)
class Size:
    """CPU cores and memory in GB, as Docker's `--cpus`/`--memory` and Kubernetes requests see them."""

    cpu: float
    memory_gb: float

    def fits_in(self, other: Size) -> bool:
        return self.cpu <= other.cpu and self.memory_gb <= other.memory_gb


@dataclass(frozen=True)
class TagForm:
    """How a container's image tag is spelled, so config can build or validate it."""

    pattern: re.Pattern[str]
    example: str
    needs_locale: bool
    needs_voice: bool

    def build(self, version: str, locale: str | None, voice: str | None) -> str:
        parts = [version, "amd64"]
        if self.needs_locale and locale:
            parts.append(locale)
        if self.needs_voice and voice:
            parts.append(f"{voice}neural")
        if self.example.endswith("-preview"):
            parts.append("preview")
        return "-".join(parts)


@dataclass(frozen=True)
class ContainerSpec:
    """Everything the package needs to host one container kind."""

    kind: Kind
    repository: str
    protocol: Protocol
    minimum: Size
    recommended: Size
    #: Extra memory for a memory-mapped model, added to the recommended default.
    model_memory_gb: float
    tag: TagForm
    default_version: str
    default_locale: str | None
    default_voice: str | None
    needs_model_id: bool
    supports_decoder_count: bool
    preview: bool

    @property
    def default_size(self) -> Size:
        return Size(self.recommended.cpu, self.recommended.memory_gb + self.model_memory_gb)

    @property
    def startup_budget_seconds(self) -> int:
        return CUSTOM_MODEL_STARTUP_BUDGET_SECONDS if self.needs_model_id else STARTUP_BUDGET_SECONDS

    def image(self, tag: str) -> str:
        return f"{self.repository}:{tag}"


_VERSION = r"\d+\.\d+\.\d+"
_LOCALE = r"[a-z]{2,3}-[a-z]{2,4}"

CONTAINERS: Final[dict[Kind, ContainerSpec]] = {
    Kind.SPEECH_TO_TEXT: ContainerSpec(
        kind=Kind.SPEECH_TO_TEXT,
        repository=f"{IMAGE_ROOT}/speech-to-text",
        protocol=Protocol.WS,
        minimum=Size(4, 4),
        recommended=Size(8, 8),
        model_memory_gb=4,
        tag=TagForm(
            re.compile(rf"^{_VERSION}-amd64-{_LOCALE}$"),
            "5.1.0-amd64-en-us",
            needs_locale=True,
            needs_voice=False,
        ),
        default_version="5.1.0",
        default_locale="en-us",
        default_voice=None,
        needs_model_id=False,
        supports_decoder_count=True,
        preview=False,
    ),
    Kind.CUSTOM_SPEECH_TO_TEXT: ContainerSpec(
        kind=Kind.CUSTOM_SPEECH_TO_TEXT,
        repository=f"{IMAGE_ROOT}/custom-speech-to-text",
        protocol=Protocol.WS,
        minimum=Size(4, 4),
        recommended=Size(8, 8),
        model_memory_gb=4,
        tag=TagForm(re.compile(rf"^{_VERSION}-amd64$"), "5.1.0-amd64", needs_locale=False, needs_voice=False),
        default_version="5.1.0",
        default_locale=None,
        default_voice=None,
        needs_model_id=True,
        supports_decoder_count=True,
        preview=False,
    ),
    Kind.LANGUAGE_IDENTIFICATION: ContainerSpec(
        kind=Kind.LANGUAGE_IDENTIFICATION,
        repository=f"{IMAGE_ROOT}/language-detection",
        protocol=Protocol.HTTP,
        minimum=Size(1, 1),
        recommended=Size(1, 1),
        model_memory_gb=0,
        tag=TagForm(
            re.compile(rf"^{_VERSION}-amd64-preview$"),
            "1.18.0-amd64-preview",
            needs_locale=False,
            needs_voice=False,
        ),
        default_version="1.18.0",
        default_locale=None,
        default_voice=None,
        needs_model_id=False,
        supports_decoder_count=False,
        preview=True,
    ),
    Kind.NEURAL_TEXT_TO_SPEECH: ContainerSpec(
        kind=Kind.NEURAL_TEXT_TO_SPEECH,
        repository=f"{IMAGE_ROOT}/neural-text-to-speech",
        protocol=Protocol.HTTP,
        minimum=Size(6, 12),
        recommended=Size(8, 16),
        model_memory_gb=0,
        tag=TagForm(
            re.compile(rf"^{_VERSION}-amd64-{_LOCALE}-[a-z]+neural$"),
            "3.11.0-amd64-en-us-arianeural",
            needs_locale=True,
            needs_voice=True,
        ),
        default_version="3.11.0",
        default_locale="en-us",
        default_voice="aria",
        needs_model_id=False,
        supports_decoder_count=False,
        preview=False,
    ),
}


@dataclass(frozen=True)
class AciLimits:
    """Azure Container Instances limits for a standard container group (Linux)."""

    max_group: Size = Size(31, 240)
    #: Larger groups may fail on regional capacity and need a quota request.
    reliable_group: Size = Size(4, 16)
    default_regional_cores: int = 100
    max_containers_per_group: int = 60


ACI: Final = AciLimits()


# --- AKS node sizes -------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class VmSize:
    """An Azure VM size with the capacity the scheduler can use on an AKS node."""

    name: str
    vcpus: int
    memory_gb: float

    @property
    def allocatable(self) -> Size:
        """Capacity left for pods after AKS's kube-reserved CPU/memory and the eviction threshold."""
        return Size(
            self.vcpus - _reserved_cpu(self.vcpus),
            round(self.memory_gb - _reserved_memory_gb(self.memory_gb), 2),
        )


def _reserved_cpu(vcpus: int) -> float:
    """AKS kube-reserved CPU: 60m for the first core, then a falling rate per core."""
    table = {1: 0.06, 2: 0.1, 4: 0.14, 8: 0.18, 16: 0.26, 32: 0.42, 64: 0.74}
    for cores, reserved in table.items():
        if vcpus <= cores:
            return reserved
    return 0.74 + (vcpus - 64) * 0.005


def _reserved_memory_gb(memory_gb: float) -> float:
    """AKS kube-reserved memory (25/20/10/6/2 % tiers) plus the 750 MiB hard eviction threshold."""
    tiers = ((4, 0.25), (4, 0.20), (8, 0.10), (112, 0.06), (math.inf, 0.02))
    remaining, reserved = memory_gb, 0.0
    for width, rate in tiers:
        portion = min(remaining, width)
        reserved += portion * rate
        remaining -= portion
        if remaining <= 0:
            break
    return reserved + 0.75


@dataclass(frozen=True)
class VmFamily:
    """A VM family, recognised by its size-name pattern, with its memory per vCPU (GB)."""

    name: str
    pattern: re.Pattern[str]
    memory_per_vcpu: float
    avx2: bool


#: CPU/memory taken on every AKS node by system daemonsets (kube-proxy, CNI, CSI drivers, secrets-store).
NODE_DAEMONSET_OVERHEAD: Final = Size(0.3, 0.6)

#: Families are matched on the part of the size name after `Standard_`; vCPUs are the first number.
VM_FAMILIES: Final[tuple[VmFamily, ...]] = (
    VmFamily("Dv3/Dsv3", re.compile(r"^D(\d+)s?_v3$"), 4, avx2=True),
    VmFamily("Dv4/Dsv4/Ddv4/Ddsv4", re.compile(r"^D(\d+)d?s?_v4$"), 4, avx2=True),
    VmFamily("Dv5/Dsv5/Ddv5/Ddsv5", re.compile(r"^D(\d+)d?s?_v5$"), 4, avx2=True),
    VmFamily("Dv6/Dsv6/Ddsv6", re.compile(r"^D(\d+)d?s?_v6$"), 4, avx2=True),
    VmFamily("Dasv4/Dasv5/Dadsv5 (AMD)", re.compile(r"^D(\d+)ad?s_v[45]$"), 4, avx2=True),
    VmFamily("Ev3/Esv3", re.compile(r"^E(\d+)s?_v3$"), 8, avx2=True),
    VmFamily("Ev4/Esv4/Edv4/Edsv4", re.compile(r"^E(\d+)d?s?_v4$"), 8, avx2=True),
    VmFamily("Ev5/Esv5/Edv5/Edsv5", re.compile(r"^E(\d+)d?s?_v5$"), 8, avx2=True),
    VmFamily("Easv4/Easv5/Eadsv5 (AMD)", re.compile(r"^E(\d+)ad?s_v[45]$"), 8, avx2=True),
    VmFamily("Fsv2", re.compile(r"^F(\d+)s_v2$"), 2, avx2=True),
    VmFamily("F/Fs", re.compile(r"^F(\d+)s?$"), 2, avx2=True),
    VmFamily("Av2", re.compile(r"^A(\d+)_v2$"), 2, avx2=True),
    VmFamily("Dv1/DSv1 (pre-Haswell)", re.compile(r"^DS?1?[1-4]$"), 3.5, avx2=False),
    VmFamily("Standard A0-A11 (pre-Haswell)", re.compile(r"^A(\d+)$"), 1.75, avx2=False),
)

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
    for family in VM_FAMILIES:
        found = family.pattern.fullmatch(match.group(1))
        if not found:
            continue
        if not family.avx2:
            raise UnknownVmSizeError(f"{name} ({family.name}) has no AVX2, which the Speech containers need")
        vcpus = int(found.group(1))
        return VmSize(name, vcpus, vcpus * family.memory_per_vcpu)
    raise UnknownVmSizeError(f"{name} is not in a VM family known to support AVX2")


# --- Key Vault contract with the rotation command ---------------------------------------------------------------

#: Tag on the API key secret naming which account key (Key1/Key2) its current version holds.
KEY_NAME_TAG: Final = "speech-key-name"


# --- Azure built-in roles the package grants ------------------------------------------------------------------


class Role(StrEnum):
    """Built-in role definition GUIDs (the same in every Azure cloud)."""

    KEY_VAULT_SECRETS_USER = "4633458b-17de-408a-b874-0445c86b69e6"
    KEY_VAULT_SECRETS_OFFICER = "b86a8fe4-44ce-4948-aee5-eccb2c155cd7"
    COGNITIVE_SERVICES_CONTRIBUTOR = "25fbc0a9-bd7c-42a3-aa1a-3b75d497ee68"
    KEY_VAULT_CERTIFICATE_USER = "db79e9a7-68ee-4b58-9aeb-b90e7c24fcba"
    #: Kubernetes cluster-admin through Azure RBAC, for clusters with local accounts off.
    AKS_RBAC_CLUSTER_ADMIN = "b1ff04bb-8a4e-4dc4-8eb5-8693973ce19b"


#: Run before a Speech container where the CPU is not known (ACI): fail the group with a clear reason.
AVX2_CHECK_COMMAND: Final = (
    "/bin/sh",
    "-c",
    "grep -q avx2 /proc/cpuinfo || { echo 'This host CPU has no AVX2; Speech containers need it.' >&2; exit 1; }",
)
#: Probe timing shared by hosts: readiness every 10 s, liveness every 30 s, each allowed 3 misses.
READINESS_PERIOD_SECONDS: Final = 10
LIVENESS_PERIOD_SECONDS: Final = 30
PROBE_TIMEOUT_SECONDS: Final = 5
PROBE_FAILURE_THRESHOLD: Final = 3


# --- AKS: Kubernetes names the rotation command relies on, and AKS facts ----------------------------------------


@dataclass(frozen=True)
class AksFacts:
    """Names shared by the AKS host and the rotation command (a contract: keep them) and facts about AKS."""

    #: The Kubernetes Secret the Key Vault CSI driver syncs, and its data keys; pods read them as env vars.
    credentials_secret: str = "speech-credentials"
    api_key_data_key: str = "api-key"
    billing_endpoint_data_key: str = "billing-endpoint"
    #: Pod-template annotation rotation patches to restart pods onto a new key. The stack never sets it, so
    #: server-side apply leaves it to rotation.
    restarted_at_annotation: str = "speech-containers.io/restarted-at"
    #: Value of `app.kubernetes.io/part-of` on every Speech workload; `app.kubernetes.io/component` is the kind.
    part_of: str = "speech-containers"
    #: The label AKS gives every node with the name of its pool.
    agentpool_label: str = "kubernetes.azure.com/agentpool"
    #: Label and NoSchedule taint (key=value) that reserve the Speech pool for Speech pods.
    pool_taint_key: str = "speech-containers.io/dedicated"
    pool_taint_value: str = "speech"
    #: The Secrets Store CSI driver the AKS add-on installs.
    secrets_store_driver: str = "secrets-store.csi.k8s.io"
    #: ReadWriteMany Azure Files (AKS built-in class) so custom-model replicas and rolling updates share one
    #: downloaded model; premium shares are at least 100 GiB (the driver rounds smaller claims up).
    model_storage_class: str = "azurefile-csi-premium"
    #: Audience Entra ID expects in a Kubernetes service account token exchanged through workload identity.
    token_exchange_audience: str = "api://AzureADTokenExchange"


AKS: Final = AksFacts()


# --- TLS in front of the containers -----------------------------------------------------------------------------

#: The containers speak plain HTTP/WS; TLS terminates here and only this port is ever public.
TLS_PORT: Final = 443
#: nginx on MCR (not Docker Hub, whose anonymous pull limits ACI hits), for the ACI TLS sidecar.
TLS_PROXY_IMAGE: Final = "mcr.microsoft.com/oss/nginx/nginx:1.25.5"
TLS_PROXY_SIZE: Final = Size(0.25, 0.5)
#: Streaming recognition keeps a WebSocket open for the whole audio; proxies must not cut it at 60 s.
STREAM_TIMEOUT_SECONDS: Final = 3600


@dataclass(frozen=True)
class PreflightFacts:
    """The diagnostic container run once per deployment to prove billing connectivity (outbound 443)."""

    image: str = DIAGNOSTIC_IMAGE
    size: Size = Size(0.5, 1)
    #: Give up after this long: a healthy check takes seconds, a blocked network hangs until timeouts.
    deadline_seconds: int = 600
    retries: int = 2


PREFLIGHT: Final = PreflightFacts()
