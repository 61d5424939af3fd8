"""The Speech containers: kinds, images, tag forms, ports, probe paths, sizes and settings.

The single place that knows image paths, ports and probe paths (see shared/speech-containers.md); config
validation and every component read them from here.
"""

from __future__ import annotations

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

    def ssml_voice(self, tag: str) -> str | None:
        """The SSML voice name a neural TTS tag serves: `...-en-us-arianeural` -> `en-US-AriaNeural`,
        `...-zh-cn-sichuan-yunxineural` -> `zh-CN-sichuan-YunxiNeural`; None for other kinds."""
        found = re.search(rf"-amd64-({LOCALE})-([a-z]+)neural(-preview)?$", tag) if self.tag.needs_voice else None
        if found is None:
            return None
        language, region, *rest = found.group(1).split("-")
        return "-".join([language, region.upper(), *rest, f"{found.group(2).capitalize()}Neural"])


_VERSION = r"[0-9]+\.[0-9]+\.[0-9]+"
#: A lowercase locale as image tags spell it: `en-us`, and longer forms such as `zh-cn-sichuan`.
LOCALE: Final = r"[a-z]{2,3}-[a-z]{2,4}(?:-[a-z]+)?"
_LOCALE = LOCALE
#: Sanity bounds on any one replica's size, whatever the host (the host's own limits are checked against it).
MAX_CORES: Final = 128
MAX_MEMORY_GB: Final = 1024

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
            re.compile(rf"^{_VERSION}-amd64-{_LOCALE}-[a-z]+neural(-preview)?$"),
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
