"""`aks.pool` -> the Speech node pools: the size the stack names, or the cheapest by the planner
(components/planning/planner.py), node counts, shaped pod sizes, and the notes the plan shows about their cost."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from components import catalog
from components.args import PoolArgs
from components.catalog import Size
from components.config.fields import Problems
from components.config.model import ContainerConfig, NodePoolConfig
from components.config.rules import default
from components.planning import demand, planner, shaping
from components.planning.cost import money
from components.planning.planner import PoolChoice

#: The pool used when sizing failed (a problem was reported) or no containers are configured.
_FALLBACK = "Standard_D4s_v5"


def request(container: ContainerConfig) -> shaping.Request:
    """What the planner needs of a deployment; shaping may lower only what the stack left unset, never below the
    documented minimum (memory: plus the model's) nor the cores the decoders or per-replica demand need."""
    spec = container.spec
    cpu_floor = spec.minimum.cpu
    if container.decoder_max_count is not None:
        cpu_floor = max(cpu_floor, container.decoder_max_count * demand.DECODER_CORES)
    if container.per_replica is not None:
        cpu_floor = max(cpu_floor, demand.cores_for(container.kind, container.per_replica))
    return shaping.Request(
        container.name,
        container.kind,
        container.size,
        container.replicas,
        container.max_replicas,
        None if container.cpu_set else round(cpu_floor, 2),
        None if container.memory_set else spec.minimum.memory_gb + spec.model_memory_gb,
    )


def _prices(raw: dict[str, Any], location: str, problems: Problems) -> tuple[str, dict[str, float] | None]:
    region = raw.get("price_region", location)
    table = catalog.vm_prices(region)
    if "price_region" in raw and table is None:
        problems.add(
            "aks.pool.priceRegion",
            f"{region} has no price table; allowed: {', '.join(catalog.PRICED_REGIONS)} (or give aks.pool.prices)",
        )
    overrides: dict[str, float] = {}
    for name, price in raw.get("prices", {}).items():
        try:
            catalog.vm_size(name)
        except catalog.UnknownVmSizeError as error:
            problems.add(f"aks.pool.prices.{name}", str(error))
            continue
        if price <= 0:
            problems.add(f"aks.pool.prices.{name}", f"{price:g} is not a price; allowed: above 0 (USD per hour)")
            continue
        overrides[name] = float(price)
    if table is None and not overrides:
        return region, None
    return region, {**(table or {}), **overrides}


def _describe(size: Size) -> str:
    return f"{round(size.cpu, 2):g} cores / {round(size.memory_gb, 2):g} GB"


def _fixed(
    name: str, containers: Sequence[ContainerConfig], prices: Mapping[str, float], zones: int, problems: Problems
) -> PoolChoice | None:
    try:
        vm = catalog.vm_size(name)
    except catalog.UnknownVmSizeError as error:
        problems.add("aks.pool.vmSize", f"{error}; allowed AVX2 families: {', '.join(catalog.AVX2_FAMILY_NAMES)}")
        return None
    choice = planner.fixed([request(c) for c in containers], vm, prices.get(vm.name), zones)
    if choice is None:
        largest = max(containers, key=lambda c: (request(c).smallest.cpu, request(c).smallest.memory_gb))
        problems.add(
            "aks.pool.vmSize",
            f"{vm.name} ({_describe(request(largest).smallest)} asked by {largest.name}) offers "
            f"{_describe(planner.pod_room(vm))} to pods after AKS reservations and daemonsets, too small for one "
            f"replica of {largest.name}; choose a larger AVX2 size or lower its cpu/memoryGb",
        )
    return choice


def _planned(
    raw: dict[str, Any],
    containers: Sequence[ContainerConfig],
    region: str,
    prices: Mapping[str, float] | None,
    zones: int,
    problems: Problems,
) -> planner.CapacityPlan | None:
    if prices is None:
        if "price_region" in raw:
            return None  # reported against aks.pool.priceRegion
        problems.add(
            "location",
            f"{region} has no price table to choose the Speech pool's size by; set aks.pool.priceRegion to a region "
            f"with similar prices ({', '.join(catalog.PRICED_REGIONS)}), aks.pool.prices, or aks.pool.vmSize",
        )
        return None
    # A second pool needs the AKS host to create it and pin its deployments there, which it does not do yet: until
    # it does, two pools stay an alternative the plan shows (`aks.pool.split` is reserved for it).
    split = False
    try:
        return planner.plan([request(c) for c in containers], prices, zones, split=split)
    except planner.PlanningError as error:
        by_name = {c.name: c for c in containers}
        found = by_name.get(error.deployment or "")
        key = "aks.pool.prices"
        if found is not None:
            key = f"containers.{found.name}.{'memoryGb' if found.memory_set and not found.cpu_set else 'cpu'}"
            if found.per_replica is not None and not found.cpu_set:
                rate = "synthesesPerReplica" if found.kind in demand.SYNTHESIS_KINDS else "streamsPerReplica"
                key = f"containers.{found.name}.{rate}"
        problems.add(key, f"{error}; lower it or set aks.pool.vmSize (and aks.pool.prices) to a larger AVX2 size")
        return None


def _config(choice: PoolChoice, name: str, raw: dict[str, Any], reason: str, taint: str) -> NodePoolConfig:
    return NodePoolConfig(
        name=name,
        vm_size=choice.vm,
        min_count=choice.min_count,
        max_count=choice.max_count,
        zones=tuple(raw.get("zones", ())),
        os_disk_size_gb=raw.get("os_disk_size_gb", default(PoolArgs, "os_disk_size_gb")),
        sizing_reason=reason,
        deployments=choice.deployments,
        taint_value=taint,
        price=choice.price,
        sizes=choice.sizes,
    )


def _cost(choice: PoolChoice) -> str:
    if choice.hourly_floor is None or choice.hourly_peak is None:
        return "no price known (aks.pool.prices)"
    return f"{money(choice.hourly_floor)} at the floor, {money(choice.hourly_peak)} at the peak"


def _alternative(pools: Sequence[PoolChoice], best: float) -> str:
    score = sum(p.score for p in pools)
    what = " + ".join(f"{p.min_count}-{p.max_count} x {p.vm.name}" for p in pools)
    label = "two pools " if len(pools) > 1 else ""
    return f"{label}{what}: ${score / 2:,.2f}/h on average (+{(score / best - 1) * 100:.0f}%)" if best else what


def notes(
    capacity: planner.CapacityPlan, names: Sequence[str], region: str, containers: Sequence[ContainerConfig]
) -> tuple[str, ...]:
    """What the plan says about the pools: each pool's cost, the alternatives, and the sizing rules used."""
    lines = [
        f"pool {n}: {p.min_count}-{p.max_count} x {p.vm.name} ({p.vm.vcpus} vCPU / {p.vm.memory_gb:g} GB, "
        f"{_describe(planner.pod_room(p.vm))} for pods) at ${p.price or 0:g}/h each: {_cost(p)}; runs "
        f"{', '.join(p.deployments)}"
        for n, p in zip(names, capacity.pools, strict=True)
    ]
    best = capacity.score
    if capacity.alternatives:
        lines.append(
            f"why: the lowest floor + peak cost among the priced AVX2 sizes of {region} "
            f"({catalog.VM_PRICES.says}); next best: "
            + "; ".join(_alternative(alt, best) for alt in capacity.alternatives)
        )
    asked = {c.name: c.size for c in containers}
    for pool in capacity.pools:
        changed = [f"{n} {_describe(asked[n])} -> {_describe(size)}" for n, size in pool.sizes if size != asked[n]]
        if changed:
            lines.append(f"pod sizes on {pool.vm.name}: {'; '.join(changed)} ({shaping.RULE})")
    return tuple(lines)


def _unfixed(
    raw: dict[str, Any], containers: Sequence[ContainerConfig], prices: Mapping[str, float] | None, zones: int
) -> str | None:
    """What the planner would choose without `aks.pool.vmSize`, for the plan."""
    if not prices:
        return None
    try:
        best = planner.plan([request(c) for c in containers], prices, zones, split=raw.get("split", False))
    except planner.PlanningError:
        return None
    what = " + ".join(f"{p.min_count}-{p.max_count} x {p.vm.name}" for p in best.pools)
    return f"without aks.pool.vmSize the planner would choose {what}: ${best.score / 2:,.2f}/h on average"


def demand_notes(containers: Sequence[ContainerConfig]) -> tuple[str, ...]:
    """How each demand-sized deployment got its maxReplicas."""
    found = []
    for c in containers:
        if c.peak is not None and c.per_replica is not None:
            unit = "syntheses" if c.kind in demand.SYNTHESIS_KINDS else "streams"
            source = demand.LID_PAGE if c.kind is catalog.Kind.LANGUAGE_IDENTIFICATION else demand.HELM_CHART
            found.append(
                f"replicas {c.name}: peak {c.peak} {unit} / {c.per_replica} per replica -> maxReplicas "
                f"{c.max_replicas} ({source.says}: {source.url})"
            )
    return tuple(found)


def _fallback(raw: dict[str, Any], reason: str) -> NodePoolConfig:
    vm = catalog.vm_size(_FALLBACK)
    return _config(
        PoolChoice(vm, None, (), (), 0, 1),
        raw.get("name", default(PoolArgs, "name")),
        raw,
        reason,
        catalog.AKS.pool_taint_value,
    )


def pools(
    raw: dict[str, Any], containers: Sequence[ContainerConfig], location: str, problems: Problems
) -> tuple[tuple[NodePoolConfig, ...], tuple[str, ...]]:
    """The Speech pools (the first is `aks.pool`, named as configured) and the plan's notes about their cost."""
    name = raw.get("name", default(PoolArgs, "name"))
    zones = len(raw.get("zones", ()))
    region, prices = _prices(raw, location, problems)
    if not containers:
        return (_fallback(raw, "no containers configured"),), ()
    if "vm_size" in raw:
        choice = _fixed(raw["vm_size"], containers, prices or {}, zones, problems)
        if choice is None:
            return (_fallback(raw, "invalid"),), ()
        capacity = planner.CapacityPlan((choice,), ())
        reason = f"{choice.vm.name} as configured; {_describe(planner.pod_room(choice.vm))} per node for pods"
        hint = _unfixed(raw, containers, prices, zones)
    else:
        planned = _planned(raw, containers, region, prices, zones, problems)
        if planned is None:
            return (_fallback(raw, "invalid"),), ()
        capacity, hint = planned, None
        reason = "cheapest priced AVX2 size for the floor and the peak"
    names = [name, *(f"{name[:9]}tts" for _ in capacity.pools[1:])]
    built = [
        _config(
            p, n, raw, f"{reason}{'; text-to-speech apart' if i else ''}", catalog.AKS.pool_taint_value if i == 0 else n
        )
        for i, (n, p) in enumerate(zip(names, capacity.pools, strict=True))
    ]
    first = built[0]
    min_count = raw.get("min_count", first.min_count)
    max_count = raw.get("max_count", max(first.max_count, min_count))
    if min_count > max_count:
        problems.add("aks.pool.minCount", f"{min_count} is above maxCount ({max_count})")
    if max_count < first.min_count:
        problems.add(
            "aks.pool.maxCount",
            f"{max_count} nodes of {first.vm_size.name} cannot hold the minimum replicas; need {first.min_count}",
        )
    built[0] = NodePoolConfig(**{**first.__dict__, "min_count": min_count, "max_count": max_count})
    extra = (f"{hint} (vs ${capacity.score / 2:,.2f}/h)",) if hint and capacity.pools[0].price else ()
    return tuple(built), (*notes(capacity, names, region, containers), *extra, *demand_notes(containers))


def aci_price(raw: dict[str, Any], location: str) -> catalog.AciPrice | None:
    """ACI's prices for the plan's cost: `aci.vcpuHourPrice`/`memoryGbHourPrice` over the built-in table's."""
    table = catalog.ACI_PRICES.get(location)
    cpu = raw.get("vcpu_hour_price", table.vcpu_hour if table else None)
    memory = raw.get("memory_gb_hour_price", table.memory_gb_hour if table else None)
    return catalog.AciPrice(cpu, memory) if cpu is not None and memory is not None else None
