"""speech-containers: Azure AI Speech containers on ACI or AKS, as one Pulumi component.

The public API: `SpeechContainers` and its args (`SpeechContainersArgs` and the types in `components.args`).
They load on first use, so the rotation command and the policy pack can read `components.catalog` without
importing the Azure providers.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from components.args import SpeechContainersArgs as SpeechContainersArgs
    from components.speech_containers import SpeechContainers as SpeechContainers


def __getattr__(name: str) -> Any:
    if name == "SpeechContainers":
        from components.speech_containers import SpeechContainers

        return SpeechContainers
    if name == "SpeechContainersArgs":
        from components.args import SpeechContainersArgs

        return SpeechContainersArgs
    raise AttributeError(f"module 'components' has no attribute {name!r}")
