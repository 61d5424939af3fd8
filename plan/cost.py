"""The plan's NODE POOL and COST sections: each Speech pool with its price, and what the stack's compute costs per
hour and per month (730 h) at retail Linux pay-as-you-go prices, with the alternatives the planner weighed
(components/planning/planner.py) and the rules behind the sizes. ACI stacks get their groups' cost."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from typing import Any

from components import catalog
from components.config.model import AciConfig, AksConfig, StackConfig
from components.planning.cost import aci_hourly, money

Table = Callable[[Sequence[str], Iterable[Sequence[Any]]], str]

_EXCLUDED = "disks, load balancers, Log Analytics and Speech usage not included"


def _node_room() -> str:
    parts = ", ".join(
        f"{d.name} {d.requests.cpu:g} cores / {d.requests.memory_gb:.2f} GB{' (estimate)' if d.estimate else ''}"
        for d in catalog.NODE_DAEMONSETS
    )
    return (
        f"node room for pods: allocatable by the AKS 1.29+ reservations (maxPods {catalog.SPEECH_POOL_MAX_PODS}) less "
        f"the daemonsets on every node: {parts}"
    )


def _system_pool(settings: StackConfig, aks: AksConfig) -> str | None:
    cluster = aks.new_cluster
    if cluster is None:
        return None
    price = (catalog.vm_prices(settings.location) or {}).get(cluster.system_vm_size)
    what = f"system pool: {cluster.system_node_count} x {cluster.system_vm_size}"
    return f"{what}: {money(price * cluster.system_node_count)}" if price else f"{what}: no price in the table"


def _aks(settings: StackConfig, aks: AksConfig, table: Table) -> list[str]:
    rows = [
        [
            p.name,
            p.vm_size.name,
            f"{p.min_count}-{p.max_count}",
            ",".join(p.zones) or "-",
            "-" if p.price is None else f"{p.price:g}",
            p.sizing_reason,
        ]
        for p in aks.pools
    ]
    notes = list(aks.cost_notes)
    system = _system_pool(settings, aks)
    if system:
        notes.append(system)
    notes += [
        _node_room(),
        f"prices: {catalog.VM_PRICES.says} ({catalog.VM_PRICES.url}, read {catalog.VM_PRICES.read}); "
        f"aks.pool.prices overrides; {_EXCLUDED}",
    ]
    return [
        "NODE POOL\n" + table(["POOL", "VM SIZE", "NODES", "ZONES", "USD/NODE-H", "WHY"], rows),
        "COST (estimates)\n" + "\n".join(f"  {n}" for n in notes),
    ]


def _aci(settings: StackConfig, aci: AciConfig) -> list[str]:
    if aci.prices is None:
        return [
            f"COST (estimates)\n  no ACI price for {settings.location} in the table; set aci.vcpuHourPrice and "
            "aci.memoryGbHourPrice to see one"
        ]
    groups = [(aci.group_size(c.size), c.replicas) for c in settings.containers]
    lines = [
        f"{c.name}: {c.replicas} group(s) of {size.cpu:g} vCPU / {size.memory_gb:g} GB (TLS sidecar included): "
        f"{money(aci_hourly([(size, c.replicas)], aci.prices))}"
        for c, (size, _) in zip(settings.containers, groups, strict=True)
    ]
    lines.append(f"total: {money(aci_hourly(groups, aci.prices))}")
    source = catalog.ACI_PRICES_SOURCE
    lines.append(
        f"prices: ${aci.prices.vcpu_hour:g} per vCPU-hour, ${aci.prices.memory_gb_hour:g} per GB-hour ({source.says}, "
        f"{source.url}, read {source.read}); {_EXCLUDED}"
    )
    return ["COST (estimates)\n" + "\n".join(f"  {line}" for line in lines)]


def sections(settings: StackConfig, table: Table) -> list[str]:
    """NODE POOL and COST for AKS stacks, COST for ACI stacks."""
    if settings.aks is not None:
        return _aks(settings, settings.aks, table)
    if settings.aci is not None:
        return _aci(settings, settings.aci)
    return []
