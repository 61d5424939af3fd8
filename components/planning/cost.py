"""Hourly and monthly cost estimates, as the plan shows them: AKS pools (nodes x price) and ACI groups (requested
vCPU and GB x price). Estimates at retail pay-as-you-go prices: disks, the system pool, load balancers, Log
Analytics and the Speech usage itself are not included."""

from __future__ import annotations

from collections.abc import Sequence

from components.catalog import HOURS_PER_MONTH, AciPrice, Size


def money(hourly: float) -> str:
    """`$0.97/h ($708/month)`."""
    return f"${hourly:,.2f}/h (${hourly * HOURS_PER_MONTH:,.0f}/month)"


def aci_hourly(groups: Sequence[tuple[Size, int]], price: AciPrice) -> float:
    """ACI's hourly cost of `count` groups of each size (what the groups request: containers and sidecars)."""
    return sum(price.hourly(size.cpu, size.memory_gb) * count for size, count in groups)
