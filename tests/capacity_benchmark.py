"""Capacity benchmark: the planner's pools against the exact cheapest single-size pool, over workload mixes.

For each mix the reference is an exhaustive search over every priced size with exact packing (no search budget);
the planner is what `pulumi up` runs (bounded search, stops early). Both price the floor (min replicas) plus the
peak (max replicas and a surge pod per Deployment, so every mix leaves room for a rollout), under the hostname
spread. It also prices what the package chose before the planner (the smallest Dsv5 that fits the largest pod, pods
at their full default size) against the same reference. Run by `make bench` (tests/benchmark.py) or alone:
`python -m tests.capacity_benchmark`.
"""

from __future__ import annotations

import math
import time
from dataclasses import dataclass

from components import catalog
from components.catalog import Kind, Size
from components.planning import planner
from components.planning.shaping import Request
from tests import capacity_baseline as sizing

GEOMEAN_TARGET = 1.05
WORST_TARGET = 1.15
STT, CSTT, LID, TTS = (
    Kind.SPEECH_TO_TEXT,
    Kind.CUSTOM_SPEECH_TO_TEXT,
    Kind.LANGUAGE_IDENTIFICATION,
    Kind.NEURAL_TEXT_TO_SPEECH,
)


@dataclass(frozen=True)
class Mix:
    name: str
    #: (kind, replicas, maxReplicas, cpu or None for the default, memory or None)
    deployments: tuple[tuple[Kind, int, int, float | None, float | None], ...]
    region: str = "eastus"
    zones: int = 0

    def requests(self) -> list[Request]:
        found = []
        for i, (kind, low, high, cpu, memory) in enumerate(self.deployments):
            spec = catalog.CONTAINERS[kind]
            size = Size(cpu or spec.default_size.cpu, memory or spec.default_size.memory_gb)
            found.append(
                Request(
                    f"{kind.value}-{i}",
                    kind,
                    size,
                    low,
                    high,
                    None if cpu else spec.minimum.cpu,
                    None if memory else spec.minimum.memory_gb + spec.model_memory_gb,
                )
            )
        return found


MIXES: tuple[Mix, ...] = (
    Mix("stt-1", ((STT, 1, 1, None, None),)),
    Mix("stt-2-4", ((STT, 2, 4, None, None),)),
    Mix("tts-1", ((TTS, 1, 1, None, None),)),
    Mix("stt+tts sample", ((STT, 2, 4, None, None), (TTS, 1, 1, None, None)), zones=3),
    Mix("lid-3-6", ((LID, 3, 6, None, None),)),
    Mix("stt+lid", ((STT, 2, 6, None, None), (LID, 2, 4, None, None))),
    Mix("two locales", ((STT, 3, 9, None, None), (STT, 2, 4, None, None)), region="westeurope"),
    Mix("two voices", ((TTS, 2, 4, None, None), (TTS, 2, 4, None, None)), region="northeurope"),
    Mix("custom+stt", ((CSTT, 2, 3, None, None), (STT, 2, 5, None, None)), zones=2),
    Mix(
        "prod-like",
        (
            (STT, 3, 9, 8, None),
            (STT, 2, 4, None, None),
            (CSTT, 2, 2, None, None),
            (TTS, 2, 4, None, None),
            (TTS, 2, 4, None, None),
        ),
        region="westeurope",
        zones=3,
    ),
    Mix("small stt 4c", ((STT, 4, 8, 4, 8),), region="uksouth"),
    Mix("big tts 16c", ((TTS, 1, 3, 16, 32),), region="swedencentral"),
    Mix("odd sizes", ((STT, 2, 5, 6, 10), (TTS, 1, 2, 7, 14), (LID, 1, 3, 2, 2)), region="eastus2"),
    Mix("many stt", ((STT, 10, 30, None, None),), region="westus2"),
    Mix("memory heavy", ((STT, 2, 4, 4, 24), (TTS, 2, 4, 6, 40)), region="centralus"),
    Mix(
        "everything",
        ((STT, 2, 6, None, None), (CSTT, 1, 2, None, None), (LID, 2, 4, None, None), (TTS, 1, 3, None, None)),
        zones=3,
    ),
    Mix("tts fleet", ((TTS, 4, 12, None, None),), region="westeurope", zones=3),
    Mix("lid fleet", ((LID, 8, 20, None, None), (STT, 1, 2, None, None)), region="northeurope"),
)


@dataclass(frozen=True)
class Result:
    mix: Mix
    planner: float
    split: float
    optimum: float
    before: float
    seconds: float

    @property
    def ratio(self) -> float:
        return self.planner / self.optimum


def _before(mix: Mix, prices: dict[str, float]) -> float:
    """What the package chose before the planner: sizing.plan_pool over the full default sizes, priced."""
    requests = mix.requests()
    chosen = sizing.plan_pool(
        [_Old(r.name, r.size, r.replicas, r.max_replicas) for r in requests], None, zones=mix.zones
    )
    return prices[chosen.vm_size.name] * (chosen.min_count + chosen.max_count)


@dataclass(frozen=True)
class _Old:
    name: str
    size: Size
    replicas: int
    max_replicas: int


def run(mix: Mix) -> Result:
    prices = catalog.vm_prices(mix.region) or {}
    requests = mix.requests()
    started = time.perf_counter()
    chosen = planner.plan(requests, prices, mix.zones, split=False)
    seconds = time.perf_counter() - started
    split = planner.plan(requests, prices, mix.zones, split=True)
    optimum = planner.cheapest(requests, prices, mix.zones, budget=None, exhaustive=True)[0]
    return Result(mix, chosen.score, split.score, optimum.score, _before(mix, prices), seconds)


def geomean(values: list[float]) -> float:
    return math.exp(sum(math.log(v) for v in values) / len(values))


def main() -> int:
    results = [run(mix) for mix in MIXES]
    print(
        f"{'mix':<16} {'region':<13} {'planner':>8} {'2 pools':>8} {'optimum':>8} {'ratio':>6} {'before':>7} {'ms':>6}"
    )
    for r in results:
        print(
            f"{r.mix.name:<16} {r.mix.region:<13} {r.planner / 2:8.2f} {r.split / 2:8.2f} {r.optimum / 2:8.2f} "
            f"{r.ratio:6.3f} {r.before / r.optimum:7.2f} {r.seconds * 1000:6.1f}"
        )
    ratios = [r.ratio for r in results]
    mean, worst = geomean(ratios), max(ratios)
    before = [r.before / r.optimum for r in results]
    print(
        f"planner/optimum: geomean {mean:.3f} (target <= {GEOMEAN_TARGET}), worst {worst:.3f} "
        f"(target <= {WORST_TARGET}); before the planner: geomean {geomean(before):.2f}, worst {max(before):.2f}; "
        f"two pools allowed: geomean {geomean([r.split / r.optimum for r in results]):.3f} (USD/h, floor and peak "
        "averaged)"
    )
    return 0 if mean <= GEOMEAN_TARGET and worst <= WORST_TARGET else 1


if __name__ == "__main__":
    raise SystemExit(main())
