"""The Speech containers: kinds, images, tag forms, ports, probe paths, sizes and settings.

The single place that knows image paths, ports and probe paths (see shared/speech-containers.md); config
validation and every component read them from here.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from enum import StrEnum
from typing import Final

#: The day the sources below were read.
READ_ON: Final = "2026-12-02"
_LEARN: Final = "https://learn.microsoft.com/azure/ai-services/speech-service"


@dataclass(frozen=True)
class Source:
    """Where a fact comes from: the page and the day it was read, and what it says (quoted where short)."""

    url: str
    says: str = ""
    read: str = READ_ON


#: Container how-to: images, sizes, the AVX2 requirement, the validation endpoints.
HOWTO: Final = Source(f"{_LEARN}/speech-container-howto")
#: The containers' overview: the latest version of each container.
OVERVIEW: Final = Source(
    f"{_LEARN}/speech-container-overview", "Latest: STT 5.1.0, custom 5.1.0, LID 1.18.0, NTTS 4.1.0"
)
#: Container release notes (May 2025, NTTS 3.10.0): "The health check endpoint is now /synthesize/health".
RELEASE_NOTES: Final = Source(f"{_LEARN}/releasenotes?tabs=containers", "NTTS 3.10.0: health check /synthesize/health")

IMAGE_ROOT: Final = "mcr.microsoft.com/azure-cognitive-services/speechservices"

#: The home page: answers without calling Azure, so liveness on it survives a billing outage ("The container
#: provides a home page", HOWTO).
LIVENESS_PATH: Final = "/"
#: "verifies if the api-key used to start the container is valid" (HOWTO); depends on billing, so never a probe;
#: rotation uses it to verify a new key.
STATUS_PATH: Final = "/status"
#: "provides a verification that the container is ready to accept a query against the model" (HOWTO).
READY_PATH: Final = "/ready"
#: Model paging makes the first start slow: minutes (HOWTO: "the first run ... might take longer because models are
#: being paged into memory"). The number is ours, not Microsoft's; a startup probe gives it before liveness counts.
STARTUP_BUDGET_SECONDS: Final = 20 * 60
#: Custom models download on first start and must finish "within one hour" (container FAQ,
#: https://learn.microsoft.com/azure/ai-services/containers/container-faq), then load: download plus loading.
MODEL_DOWNLOAD_LIMIT_SECONDS: Final = 60 * 60
CUSTOM_MODEL_STARTUP_BUDGET_SECONDS: Final = MODEL_DOWNLOAD_LIMIT_SECONDS + STARTUP_BUDGET_SECONDS
#: Where the custom speech-to-text container keeps its downloaded model (`-v {VOLUME_MOUNT}:/usr/local/models`).
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
class HealthCheck:
    """The path a version of an image answers for readiness: from `since` (a version) on, `path`."""

    since: tuple[int, int, int]
    path: str
    source: Source


@dataclass(frozen=True)
class ContainerSpec:
    """Everything the package needs to host one container kind, each fact with its source."""

    kind: Kind
    repository: str
    protocol: Protocol
    #: The port the server listens on inside the container (the `-p host:container` of the docs' `docker run`).
    port: int
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
    #: Readiness paths by version, newest last; versions before the first use `/ready`.
    health: tuple[HealthCheck, ...]
    #: Where each fact comes from: `image`, `tags`, `port`, `sizes`, `version`, `probes`.
    sources: dict[str, Source]

    def ready_path(self, tag: str) -> str:
        """Readiness (and startup) path of the image with this tag: the newest health check its version has."""
        found = re.match(r"([0-9]+)\.([0-9]+)\.([0-9]+)", tag)
        version = tuple(int(part) for part in found.groups()) if found else (0, 0, 0)
        path = READY_PATH
        for check in self.health:
            if version >= check.since:
                path = check.path
        return path

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

_STT_PAGE: Final = Source(
    f"{_LEARN}/speech-container-stt", "docker run --rm -it -p 5000:5000 ...; tags <ver>-<platform>-<locale>"
)
_CSTT_PAGE: Final = Source(
    f"{_LEARN}/speech-container-cstt",
    "-p 5000:5000, -v {VOLUME_MOUNT}:/usr/local/models; tags 5.1.0-amd64, 5.0.1-preview-amd64",
)
_LID_PAGE: Final = Source(f"{_LEARN}/speech-container-lid", "docker run --rm -it -p 5000:5003 --memory 1g --cpus 1")
_NTTS_PAGE: Final = Source(
    f"{_LEARN}/speech-container-ntts", "-p 5000:5000; tags like 3.11.0-amd64-zh-cn-xiaochenneural-preview"
)
_SIZES: Final = Source(f"{HOWTO.url}#container-requirements-and-recommendations", "minimum, recommended, +4 to 8 GB")

CONTAINERS: Final[dict[Kind, ContainerSpec]] = {
    Kind.SPEECH_TO_TEXT: ContainerSpec(
        kind=Kind.SPEECH_TO_TEXT,
        repository=f"{IMAGE_ROOT}/speech-to-text",
        protocol=Protocol.WS,
        port=5000,
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
        health=(),
        sources={
            "image": _STT_PAGE,
            "tags": _STT_PAGE,
            "port": _STT_PAGE,
            "sizes": _SIZES,
            "version": OVERVIEW,
            "probes": HOWTO,
        },
    ),
    Kind.CUSTOM_SPEECH_TO_TEXT: ContainerSpec(
        kind=Kind.CUSTOM_SPEECH_TO_TEXT,
        repository=f"{IMAGE_ROOT}/custom-speech-to-text",
        protocol=Protocol.WS,
        port=5000,
        minimum=Size(4, 4),
        recommended=Size(8, 8),
        model_memory_gb=4,
        # Preview tags put `preview` before the platform: 5.0.1-preview-amd64.
        tag=TagForm(
            re.compile(rf"^{_VERSION}(-preview)?-amd64$"), "5.1.0-amd64", needs_locale=False, needs_voice=False
        ),
        default_version="5.1.0",
        default_locale=None,
        default_voice=None,
        needs_model_id=True,
        supports_decoder_count=True,
        preview=False,
        health=(),
        sources={
            "image": _CSTT_PAGE,
            "tags": _CSTT_PAGE,
            "port": _CSTT_PAGE,
            "sizes": _SIZES,
            "version": OVERVIEW,
            "probes": HOWTO,
        },
    ),
    Kind.LANGUAGE_IDENTIFICATION: ContainerSpec(
        kind=Kind.LANGUAGE_IDENTIFICATION,
        repository=f"{IMAGE_ROOT}/language-detection",
        protocol=Protocol.HTTP,
        # The page maps host 5000 to container 5003 (older versions of it: "Exposes TCP port 5003").
        port=5003,
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
        health=(),
        sources={
            "image": _LID_PAGE,
            "tags": _LID_PAGE,
            "port": _LID_PAGE,
            "sizes": _SIZES,
            "version": OVERVIEW,
            "probes": HOWTO,
        },
    ),
    Kind.NEURAL_TEXT_TO_SPEECH: ContainerSpec(
        kind=Kind.NEURAL_TEXT_TO_SPEECH,
        repository=f"{IMAGE_ROOT}/neural-text-to-speech",
        protocol=Protocol.HTTP,
        port=5000,
        minimum=Size(6, 12),
        recommended=Size(8, 16),
        model_memory_gb=0,
        tag=TagForm(
            re.compile(rf"^{_VERSION}-amd64-{_LOCALE}-[a-z]+neural(-preview)?$"),
            "4.1.0-amd64-en-us-arianeural",
            needs_locale=True,
            needs_voice=True,
        ),
        default_version="4.1.0",
        default_locale="en-us",
        default_voice="aria",
        needs_model_id=False,
        supports_decoder_count=False,
        preview=False,
        # Whether 3.10+ still answers /ready is not documented; its documented health check is used instead.
        health=(HealthCheck((3, 10, 0), "/synthesize/health", RELEASE_NOTES),),
        sources={
            "image": _NTTS_PAGE,
            "tags": _NTTS_PAGE,
            "port": _NTTS_PAGE,
            "sizes": _SIZES,
            "version": OVERVIEW,
            "probes": RELEASE_NOTES,
        },
    ),
}

#: Every port a Speech container listens on (for network policies that admit them all).
CONTAINER_PORTS: Final = tuple(sorted({spec.port for spec in CONTAINERS.values()}))


#: A small image known to have a shell, grep and wget, for checks around the Speech containers: whether the Speech
#: images have a shell is not published. Azure Linux's busybox on MCR, as the AKS docs use it for node debugging
#: (https://learn.microsoft.com/azure/aks/node-access, read 2026-12-02); stacks can pin a digest.
BUSYBOX_IMAGE: Final = "mcr.microsoft.com/azurelinux/busybox:1.36"
#: "The host must support AVX2 ... grep -q avx2 /proc/cpuinfo" (HOWTO). ACI documents no CPU model, so each group
#: checks first, in an init container running BUSYBOX_IMAGE (`aci.avx2CheckImage`).
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
