"""What VM sizes and ACI cost per hour: Azure retail prices, Linux pay-as-you-go, USD.

VM sizes: Microsoft's own snapshot of the Azure Retail Prices API (https://prices.azure.com/api/retail/prices,
`priceType eq 'Consumption'`, products not ending in " Windows", meters not " Spot" or " Low Priority") that the AKS
Karpenter provider ships (`VM_PRICES` below), generated 2026-06-18T03:43:41Z, read 2026-12-02.

Coverage: the 8 regions below, 12 current AVX2 x86 families. Left out, with the reason:
- Dasv5 and Easv5 (AMD v5): that snapshot prices several of their sizes at about twice the family's per-vCPU rate
  and others at about half (in every region, e.g. eastus D2as_v5 0.178 but D4as_v5 0.172), so its Linux and Windows
  meters look mixed up; rather than guess which is right the families are not priced. Their v6 successors are.
- E112as_v5 and E192s_v6: no price in the snapshot.
- Older generations (Dv3/Dv4/Ev3/Ev4, Dv2): the same or a higher price per vCPU than v5 in the same snapshot.
- Any other region: no table. `aks.pool.priceRegion` prices a stack with another region's table, and
  `aks.pool.prices` adds or overrides sizes (any AVX2 size the catalog knows).
Prices change: these are estimates for choosing sizes, not a bill.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Final

from components.catalog.containers import READ_ON, Source

#: Hours in a month, as Azure's pricing calculator counts them.
HOURS_PER_MONTH: Final = 730
VM_PRICES: Final = Source(
    "https://github.com/Azure/karpenter-provider-azure/blob/2b431da153a6a92b705c18046512c60b1631b682/"
    "pkg/providers/pricing/zz_generated.pricing.go",
    "Azure Retail Prices API, Linux on-demand, generated 2026-06-18T03:43:41Z",
    READ_ON,
)
#: ACI: the "Container Instances" meters "Standard vCPU Duration" (per vCPU-hour) and "Standard Memory Duration"
#: (per GB-hour) of the same API, as quoted by public notes that queried it (eastus on 2026-08-27, swedencentral on
#: 2026-09-06, effective since 2021-06-08); the service's pricing page is
#: https://azure.microsoft.com/pricing/details/container-instances/. Another note quotes eastus at 0.0365 / 0.004;
#: the dated API answers are used. Other regions: no published figure found, so none (set `aci.prices`).
ACI_PRICES_SOURCE: Final = Source(
    "https://prices.azure.com/api/retail/prices?$filter=serviceName eq 'Container Instances'",
    "Standard vCPU Duration / Standard Memory Duration, Consumption",
    READ_ON,
)


@dataclass(frozen=True)
class AciPrice:
    """ACI's Linux price: per vCPU-hour and per GB-hour of what a container group requests."""

    vcpu_hour: float
    memory_gb_hour: float

    def hourly(self, cpu: float, memory_gb: float) -> float:
        return cpu * self.vcpu_hour + memory_gb * self.memory_gb_hour


ACI_PRICES: Final = {
    "eastus": AciPrice(0.0405, 0.00445),
    "swedencentral": AciPrice(0.0466, 0.00511),
}

#: Each priced family: how its size names are spelled (`Standard_<prefix><vCPUs><suffix>`) and the vCPU counts the
#: table gives a price for, in the order of the table's tuples.
PRICED_FAMILIES: Final[dict[str, tuple[str, str, tuple[int, ...]]]] = {
    "Dsv5": ("D", "s_v5", (2, 4, 8, 16, 32, 48, 64, 96)),
    "Dlsv5": ("D", "ls_v5", (2, 4, 8, 16, 32, 48, 64, 96)),
    "Dsv6": ("D", "s_v6", (2, 4, 8, 16, 32, 48, 64, 96, 128, 192)),
    "Dasv6": ("D", "as_v6", (2, 4, 8, 16, 32, 48, 64, 96)),
    "Dlsv6": ("D", "ls_v6", (2, 4, 8, 16, 32, 48, 64, 96, 128)),
    "Dalsv6": ("D", "als_v6", (2, 4, 8, 16, 32, 48, 64, 96)),
    "Esv5": ("E", "s_v5", (2, 4, 8, 16, 20, 32, 48, 64, 96)),
    "Esv6": ("E", "s_v6", (2, 4, 8, 16, 20, 32, 48, 64, 96, 128)),
    "Easv6": ("E", "as_v6", (2, 4, 8, 16, 20, 32, 48, 64, 96)),
    "Fsv2": ("F", "s_v2", (2, 4, 8, 16, 32, 48, 64, 72)),
    "Fasv6": ("F", "as_v6", (2, 4, 8, 16, 32, 48, 64)),
    "Falsv6": ("F", "als_v6", (2, 4, 8, 16, 32, 48, 64)),
}

#: USD per hour by region, family, and the family's vCPU counts above.
_TABLE: Final[dict[str, dict[str, tuple[float, ...]]]] = {
    "eastus": {
        "Dsv5": (0.096, 0.192, 0.384, 0.768, 1.536, 2.304, 3.072, 4.608),
        "Dlsv5": (0.085, 0.17, 0.34, 0.68, 1.36, 2.04, 2.72, 4.08),
        "Dsv6": (0.101, 0.202, 0.403, 0.806, 1.613, 2.419, 3.226, 4.838, 6.451, 9.677),
        "Dasv6": (0.0908, 0.182, 0.363, 0.726, 1.453, 2.179, 2.906, 4.358),
        "Dlsv6": (0.0893, 0.179, 0.357, 0.714, 1.428, 2.142, 2.856, 4.284, 5.713),
        "Dalsv6": (0.0804, 0.161, 0.322, 0.643, 1.286, 1.93, 2.573, 3.859),
        "Esv5": (0.126, 0.252, 0.504, 1.008, 1.26, 2.016, 3.024, 4.032, 6.048),
        "Esv6": (0.132, 0.265, 0.529, 1.058, 1.323, 2.117, 3.175, 4.234, 6.35, 8.467),
        "Easv6": (0.119, 0.238, 0.477, 0.954, 1.192, 1.907, 2.861, 3.814, 5.722),
        "Fsv2": (0.0846, 0.169, 0.338, 0.677, 1.353, 2.03, 2.706, 3.045),
        "Fasv6": (0.137, 0.273, 0.546, 1.093, 2.186, 3.278, 4.371),
        "Falsv6": (0.121, 0.242, 0.484, 0.968, 1.936, 2.904, 3.872),
    },
    "eastus2": {
        "Dsv5": (0.096, 0.192, 0.384, 0.768, 1.536, 2.304, 3.072, 4.608),
        "Dlsv5": (0.085, 0.17, 0.34, 0.68, 1.36, 2.04, 2.72, 4.08),
        "Dsv6": (0.101, 0.202, 0.403, 0.806, 1.613, 2.419, 3.226, 4.838, 6.451, 9.677),
        "Dasv6": (0.0908, 0.182, 0.363, 0.726, 1.453, 2.179, 2.906, 4.358),
        "Dlsv6": (0.0893, 0.179, 0.357, 0.714, 1.428, 2.142, 2.856, 4.284, 5.713),
        "Dalsv6": (0.0804, 0.161, 0.322, 0.643, 1.286, 1.93, 2.573, 3.859),
        "Esv5": (0.126, 0.252, 0.504, 1.008, 1.26, 2.016, 3.024, 4.032, 6.048),
        "Esv6": (0.132, 0.265, 0.529, 1.058, 1.323, 2.117, 3.175, 4.234, 6.35, 8.467),
        "Easv6": (0.119, 0.238, 0.477, 0.954, 1.192, 1.907, 2.861, 3.814, 5.722),
        "Fsv2": (0.0846, 0.169, 0.338, 0.677, 1.353, 2.03, 2.706, 3.045),
        "Fasv6": (0.137, 0.273, 0.546, 1.093, 2.186, 3.278, 4.371),
        "Falsv6": (0.121, 0.242, 0.484, 0.968, 1.936, 2.904, 3.872),
    },
    "westus2": {
        "Dsv5": (0.096, 0.192, 0.384, 0.768, 1.536, 2.304, 3.072, 4.608),
        "Dlsv5": (0.085, 0.17, 0.34, 0.68, 1.36, 2.04, 2.72, 4.08),
        "Dsv6": (0.101, 0.202, 0.403, 0.806, 1.613, 2.419, 3.226, 4.838, 6.451, 9.677),
        "Dasv6": (0.0908, 0.182, 0.363, 0.726, 1.453, 2.179, 2.906, 4.358),
        "Dlsv6": (0.0893, 0.179, 0.357, 0.714, 1.428, 2.142, 2.856, 4.284, 5.713),
        "Dalsv6": (0.0804, 0.161, 0.322, 0.643, 1.286, 1.93, 2.573, 3.859),
        "Esv5": (0.126, 0.252, 0.504, 1.008, 1.26, 2.016, 3.024, 4.032, 6.048),
        "Esv6": (0.132, 0.265, 0.529, 1.058, 1.323, 2.117, 3.175, 4.234, 6.35, 8.467),
        "Easv6": (0.119, 0.238, 0.477, 0.954, 1.192, 1.907, 2.861, 3.814, 5.722),
        "Fsv2": (0.0846, 0.169, 0.338, 0.677, 1.353, 2.03, 2.706, 3.045),
        "Fasv6": (0.137, 0.273, 0.546, 1.093, 2.186, 3.278, 4.371),
        "Falsv6": (0.121, 0.242, 0.484, 0.968, 1.936, 2.904, 3.872),
    },
    "centralus": {
        "Dsv5": (0.108, 0.217, 0.434, 0.868, 1.736, 2.604, 3.471, 5.207),
        "Dlsv5": (0.0961, 0.192, 0.384, 0.768, 1.537, 2.305, 3.074, 4.61),
        "Dsv6": (0.114, 0.228, 0.456, 0.911, 1.822, 2.734, 3.645, 5.467, 7.29, 10.934),
        "Dasv6": (0.103, 0.205, 0.41, 0.821, 1.642, 2.462, 3.283, 4.925),
        "Dlsv6": (0.101, 0.202, 0.403, 0.807, 1.614, 2.421, 3.228, 4.841, 6.455),
        "Dalsv6": (0.0908, 0.182, 0.363, 0.726, 1.453, 2.179, 2.906, 4.358),
        "Esv5": (0.142, 0.285, 0.57, 1.139, 1.424, 2.278, 3.417, 4.556, 6.834),
        "Esv6": (0.15, 0.299, 0.598, 1.196, 1.495, 2.392, 3.588, 4.784, 7.176, 9.568),
        "Easv6": (0.135, 0.27, 0.539, 1.078, 1.348, 2.157, 3.235, 4.314, 6.47),
        "Fsv2": (0.102, 0.204, 0.408, 0.816, 1.632, 2.448, 3.264, 3.672),
        "Fasv6": (0.154, 0.309, 0.618, 1.235, 2.47, 3.706, 4.941),
        "Falsv6": (0.137, 0.273, 0.546, 1.093, 2.186, 3.278, 4.371),
    },
    "westeurope": {
        "Dsv5": (0.115, 0.23, 0.46, 0.92, 1.84, 2.76, 3.68, 5.52),
        "Dlsv5": (0.097, 0.194, 0.388, 0.776, 1.552, 2.328, 3.104, 4.656),
        "Dsv6": (0.121, 0.242, 0.483, 0.966, 1.932, 2.898, 3.864, 5.796, 7.729, 11.593),
        "Dasv6": (0.11, 0.22, 0.439, 0.878, 1.757, 2.635, 3.514, 5.27),
        "Dlsv6": (0.102, 0.204, 0.407, 0.815, 1.63, 2.445, 3.26, 4.889, 6.519),
        "Dalsv6": (0.0972, 0.194, 0.389, 0.778, 1.555, 2.333, 3.11, 4.666),
        "Esv5": (0.152, 0.304, 0.608, 1.216, 1.52, 2.432, 3.648, 4.864, 7.296),
        "Esv6": (0.16, 0.319, 0.638, 1.277, 1.596, 2.554, 3.83, 5.107, 7.661, 10.214),
        "Easv6": (0.144, 0.288, 0.577, 1.154, 1.442, 2.307, 3.461, 4.614, 6.922),
        "Fsv2": (0.097, 0.194, 0.388, 0.776, 1.552, 2.328, 3.104, 3.492),
        "Fasv6": (0.165, 0.33, 0.661, 1.322, 2.643, 3.965, 5.286),
        "Falsv6": (0.146, 0.292, 0.585, 1.17, 2.339, 3.509, 4.678),
    },
    "northeurope": {
        "Dsv5": (0.107, 0.214, 0.428, 0.856, 1.712, 2.568, 3.424, 5.136),
        "Dlsv5": (0.0912, 0.182, 0.365, 0.73, 1.459, 2.189, 2.918, 4.378),
        "Dsv6": (0.112, 0.225, 0.449, 0.899, 1.798, 2.697, 3.596, 5.393, 7.191, 10.787),
        "Dasv6": (0.101, 0.202, 0.405, 0.81, 1.619, 2.429, 3.238, 4.858),
        "Dlsv6": (0.0958, 0.192, 0.383, 0.766, 1.532, 2.298, 3.064, 4.596, 6.129),
        "Dalsv6": (0.0896, 0.179, 0.358, 0.717, 1.434, 2.15, 2.867, 4.301),
        "Esv5": (0.141, 0.282, 0.564, 1.128, 1.41, 2.256, 3.384, 4.512, 6.768),
        "Esv6": (0.148, 0.296, 0.592, 1.184, 1.481, 2.369, 3.553, 4.738, 7.107, 9.476),
        "Easv6": (0.133, 0.266, 0.532, 1.064, 1.33, 2.128, 3.192, 4.256, 6.384),
        "Fsv2": (0.096, 0.192, 0.384, 0.768, 1.536, 2.304, 3.072, 3.456),
        "Fasv6": (0.152, 0.305, 0.61, 1.219, 2.438, 3.658, 4.877),
        "Falsv6": (0.135, 0.27, 0.54, 1.08, 2.16, 3.24, 4.32),
    },
    "uksouth": {
        "Dsv5": (0.111, 0.222, 0.444, 0.888, 1.776, 2.664, 3.552, 5.328),
        "Dlsv5": (0.101, 0.202, 0.404, 0.808, 1.616, 2.424, 3.232, 4.848),
        "Dsv6": (0.117, 0.233, 0.466, 0.932, 1.865, 2.797, 3.73, 5.595, 7.46, 11.19),
        "Dasv6": (0.106, 0.211, 0.422, 0.845, 1.69, 2.534, 3.379, 5.069),
        "Dlsv6": (0.106, 0.212, 0.424, 0.848, 1.697, 2.545, 3.394, 5.091, 6.788),
        "Dalsv6": (0.0934, 0.187, 0.374, 0.747, 1.494, 2.242, 2.989, 4.483),
        "Esv5": (0.148, 0.296, 0.592, 1.184, 1.48, 2.368, 3.552, 4.736, 7.104),
        "Esv6": (0.155, 0.311, 0.622, 1.243, 1.554, 2.486, 3.73, 4.973, 7.459, 9.946),
        "Easv6": (0.139, 0.277, 0.554, 1.109, 1.386, 2.218, 3.326, 4.435, 6.653),
        "Fsv2": (0.101, 0.202, 0.404, 0.808, 1.616, 2.424, 3.232, 3.636),
        "Fasv6": (0.159, 0.318, 0.635, 1.27, 2.541, 3.811, 5.082),
        "Falsv6": (0.141, 0.281, 0.562, 1.125, 2.25, 3.374, 4.499),
    },
    "swedencentral": {
        "Dsv5": (0.102, 0.204, 0.408, 0.816, 1.632, 2.448, 3.264, 4.896),
        "Dlsv5": (0.091, 0.182, 0.364, 0.728, 1.456, 2.184, 2.912, 4.368),
        "Dsv6": (0.107, 0.214, 0.428, 0.857, 1.714, 2.57, 3.427, 5.141, 6.854, 10.282),
        "Dasv6": (0.097, 0.194, 0.388, 0.776, 1.552, 2.328, 3.104, 4.656),
        "Dlsv6": (0.0956, 0.191, 0.382, 0.764, 1.529, 2.293, 3.058, 4.587, 6.116),
        "Dalsv6": (0.086, 0.172, 0.344, 0.688, 1.376, 2.064, 2.752, 4.128),
        "Esv5": (0.134, 0.268, 0.536, 1.072, 1.34, 2.144, 3.216, 4.288, 6.432),
        "Esv6": (0.141, 0.281, 0.563, 1.126, 1.407, 2.251, 3.377, 4.502, 6.754, 9.005),
        "Easv6": (0.128, 0.255, 0.51, 1.021, 1.276, 2.042, 3.062, 4.083, 6.125),
        "Fsv2": (0.097, 0.194, 0.388, 0.776, 1.552, 2.328, 3.104, 3.492),
        "Fasv6": (0.146, 0.292, 0.584, 1.168, 2.336, 3.504, 4.672),
        "Falsv6": (0.129, 0.259, 0.518, 1.035, 2.07, 3.106, 4.141),
    },
}

PRICED_REGIONS: Final = tuple(sorted(_TABLE))


def vm_prices(region: str) -> dict[str, float] | None:
    """Every priced size of a region by its name (`Standard_D16s_v5`), or None for a region without a table."""
    table = _TABLE.get(region)
    if table is None:
        return None
    prices: dict[str, float] = {}
    for family, row in table.items():
        prefix, suffix, vcpus = PRICED_FAMILIES[family]
        prices.update({f"Standard_{prefix}{n}{suffix}": price for n, price in zip(vcpus, row, strict=True)})
    return prices
