"""Replicas from demand: a deployment's `peakStreams` (speech-to-text kinds, language identification: concurrent
streams) or `peakSyntheses` (neural text-to-speech: concurrent syntheses) and what one replica serves.

What one replica serves, unless the stack says (`streamsPerReplica`, `synthesesPerReplica`):
- speech-to-text kinds: one stream per decoder, and one decoder needs at least 1150 millicores (1950 with
  optimizedForAudioFile), so a replica runs floor(cpu / 1.15) decoders, or `decoderMaxCount` when set; the stack
  sets DECODER_MAX_COUNT to that number so the container runs the decoders assumed;
- neural text-to-speech: one concurrent request needs at least 500 millicores: floor(cpu / 0.5);
- language identification: 4 concurrent calls per 1 CPU / 1 GB: 4 x floor(cpu).
These are minimums from Microsoft's pages, so real capacity may be lower with long or noisy audio: measure and set
the per-replica number. A per-replica number above what the default size serves raises the default size (never a
size the stack sets) to the cores it needs.

`maxReplicas` is then ceil(peak / per replica); `replicas` (the autoscaler's floor) stays as set, default 1.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Final

from components.catalog import Kind, Size, Source
from components.catalog.containers import READ_ON

#: Microsoft's Helm chart for the Speech containers (on-premises how-to): decoder and request core budgets.
HELM_CHART: Final = Source(
    "https://learn.microsoft.com/azure/ai-services/speech-service/speech-container-howto-on-premises",
    "each STT decoder needs >= 1150 millicores (1950 with optimizedForAudioFile); each TTS concurrent request "
    ">= 500 millicores",
    READ_ON,
)
#: The language identification container's page: "4 concurrent calls per 1 CPU/1 GB".
LID_PAGE: Final = Source(
    "https://learn.microsoft.com/azure/ai-services/speech-service/speech-container-lid",
    "4 concurrent calls per 1 CPU / 1 GB",
    READ_ON,
)
DECODER_CORES: Final = 1.15
SYNTHESIS_CORES: Final = 0.5
LID_CALLS_PER_CORE: Final = 4

STREAM_KINDS: Final = frozenset({Kind.SPEECH_TO_TEXT, Kind.CUSTOM_SPEECH_TO_TEXT, Kind.LANGUAGE_IDENTIFICATION})
SYNTHESIS_KINDS: Final = frozenset({Kind.NEURAL_TEXT_TO_SPEECH})
DECODER_KINDS: Final = frozenset({Kind.SPEECH_TO_TEXT, Kind.CUSTOM_SPEECH_TO_TEXT})


def per_replica(kind: Kind, cpu: float, decoders: int | None = None) -> int:
    """Concurrent streams or syntheses one replica of this size serves, by the published budgets above."""
    if kind in DECODER_KINDS:
        return decoders if decoders is not None else max(1, math.floor(round(cpu / DECODER_CORES, 6)))
    if kind is Kind.LANGUAGE_IDENTIFICATION:
        return LID_CALLS_PER_CORE * max(1, math.floor(cpu))
    return max(1, math.floor(round(cpu / SYNTHESIS_CORES, 6)))


def cores_for(kind: Kind, per_replica: int) -> float:
    """The cores one replica needs to serve `per_replica` concurrent streams or syntheses."""
    if kind in DECODER_KINDS:
        return round(per_replica * DECODER_CORES, 2)
    if kind is Kind.LANGUAGE_IDENTIFICATION:
        return float(math.ceil(per_replica / LID_CALLS_PER_CORE))
    return round(per_replica * SYNTHESIS_CORES, 2)


@dataclass(frozen=True)
class Demand:
    """A deployment's sizing from its peak: replicas, what each serves, and the default size raised if needed."""

    peak: int
    per_replica: int
    max_replicas: int
    size: Size
    decoders: int | None

    def explain(self, kind: Kind) -> str:
        unit = "syntheses" if kind in SYNTHESIS_KINDS else "streams"
        return f"peak {self.peak} {unit} / {self.per_replica} per replica -> maxReplicas {self.max_replicas}"


def from_peak(kind: Kind, peak: int, size: Size, cpu_set: bool, stated: int | None, decoders: int | None) -> Demand:
    """Replicas for `peak` concurrent streams/syntheses at `stated` per replica (None: the published budget for this
    size, or `decoders`). An unset cpu rises to the cores the per-replica number needs (LID: memory too)."""
    if stated is not None and not cpu_set and cores_for(kind, stated) > size.cpu:
        needed = cores_for(kind, stated)
        memory = max(size.memory_gb, needed) if kind is Kind.LANGUAGE_IDENTIFICATION else size.memory_gb
        size = Size(needed, memory)
    capacity = stated if stated is not None else per_replica(kind, size.cpu, decoders)
    assumed = decoders if decoders is not None else (capacity if kind in DECODER_KINDS else None)
    return Demand(peak, capacity, max(1, math.ceil(peak / capacity)), size, assumed)
