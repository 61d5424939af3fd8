"""Deployments sized from demand: `peakStreams`/`peakSyntheses` and the per-replica numbers, checked and turned
into maxReplicas (components/planning/demand.py has the rules and their sources)."""

from __future__ import annotations

from typing import Any

from components import catalog
from components.catalog import Kind, Size
from components.config.fields import Problems, join
from components.planning import demand
from components.planning.demand import Demand

#: The keys of each kind of demand: the peak and the per-replica number.
_KEYS = (
    ("peak_streams", "peakStreams", "streams_per_replica", "streamsPerReplica", demand.STREAM_KINDS),
    ("peak_syntheses", "peakSyntheses", "syntheses_per_replica", "synthesesPerReplica", demand.SYNTHESIS_KINDS),
)
MAX_REPLICAS = 100


def read(kind: Kind, settings: dict[str, Any], size: Size, path: str, problems: Problems) -> Demand | None:
    """The deployment's demand (None without a peak), after reporting keys that do not belong to its kind."""
    found: Demand | None = None
    for peak_name, peak_key, rate_name, rate_key, kinds in _KEYS:
        peak, rate = settings.get(peak_name), settings.get(rate_name)
        if kind not in kinds:
            for key, value in ((peak_key, peak), (rate_key, rate)):
                if value is not None:
                    allowed = ", ".join(sorted(kinds))
                    problems.add(join(path, key), f"only {allowed} take {key}, not {kind}")
            continue
        if rate is not None and peak is None:
            problems.add(join(path, rate_key), f"is only used with {peak_key}; set {peak_key} or remove it")
        if peak is None:
            continue
        if "max_replicas" in settings:
            problems.add(join(path, "maxReplicas"), f"give either maxReplicas or {peak_key} (which sets it), not both")
        found = demand.from_peak(kind, peak, size, "cpu" in settings, rate, settings.get("decoder_max_count"))
        needed = demand.cores_for(kind, found.per_replica)
        if needed > catalog.MAX_CORES:
            problems.add(
                join(path, rate_key),
                f"one replica serving {found.per_replica} needs {needed:g} cores, more than any node can give one pod "
                f"({catalog.MAX_CORES}); lower it (more replicas)",
            )
        elif "cpu" in settings and rate is not None and needed > size.cpu:
            problems.add(
                join(path, rate_key),
                f"{rate} per replica need {needed:g} cores, over cpu {size.cpu:g}; raise cpu or lower {rate_key}",
            )
        if found.max_replicas > MAX_REPLICAS:
            problems.add(
                join(path, peak_key),
                f"{peak} at {found.per_replica} per replica needs {found.max_replicas} replicas, over "
                f"{MAX_REPLICAS}; raise {rate_key} (and cpu) or split the deployment",
            )
    return found
