"""The capacity planner: packing under the hostname spread, pod shaping, demand, prices, costs and errors."""

from __future__ import annotations

from typing import Any

import pytest

from components import catalog, config
from components.catalog import Kind, Size
from components.planning import demand, packing, planner
from components.planning.packing import Pods, Units
from components.planning.shaping import Request, shaped
from plan.command import render
from tests import capacity_benchmark
from tests.sample_stacks import AKS_STACK, plan_program, with_changes

NODE = Units(15000, 60000)


@pytest.mark.parametrize(
    ("pods", "expected"),
    [
        ([Pods(Units(8000, 12000), 4)], 4),  # 8 cores never share a 15-core node
        ([Pods(Units(7500, 12000), 4)], 2),  # 7.5 cores: two per node
        ([Pods(Units(7500, 12000), 3)], 2),  # spread: 2 + 1
        ([Pods(Units(7500, 12000), 5), Pods(Units(7500, 16000), 3)], 4),
        ([Pods(Units(5000, 1000), 1), Pods(Units(5000, 1000), 1), Pods(Units(5000, 1000), 1)], 1),
        ([Pods(Units(1000, 40000), 2)], 2),  # memory-bound
        ([Pods(Units(16000, 1000), 1)], None),  # larger than a node
        ([], 0),
    ],
)
def test_nodes_needed_under_the_hostname_spread(pods: list[Pods], expected: int | None) -> None:
    assert packing.nodes_needed(pods, NODE) == expected
    assert packing.nodes_needed(pods, NODE, budget=None) == expected


def test_a_node_never_holds_two_pods_of_one_deployment_more_than_another_node() -> None:
    """Two 7-core pods of A and a 14-core pod of B: without the spread A+A share a node and 2 nodes do; with it
    (maxSkew 1 per node) each node of 2 takes one A, B fits on neither, so 3 nodes are needed."""
    pods = [Pods(Units(7000, 1000), 2), Pods(Units(14000, 1000), 1)]
    assert packing.feasible(pods, NODE, 2) is False
    assert packing.nodes_needed(pods, NODE) == 3


def test_budgeted_search_is_never_below_the_exact_count() -> None:
    pods = [Pods(Units(3100, 5000), 7), Pods(Units(4300, 9000), 5), Pods(Units(2200, 3000), 6)]
    exact = packing.nodes_needed(pods, NODE, budget=None)
    assert exact is not None
    for budget in (0, 10, 1000):
        found = packing.nodes_needed(pods, NODE, budget=budget)
        assert found is not None and found >= exact


STT = Request("stt", Kind.SPEECH_TO_TEXT, Size(8, 12), 2, 4, 4, 8)


@pytest.mark.parametrize(
    ("request_", "vm", "expected"),
    [
        (STT, "Standard_D16s_v5", Size(7.5, 12)),  # two per 16 vCPUs, a little under 8
        (STT, "Standard_D8s_v5", Size(7.1, 12)),  # one per 8 vCPUs, with the pod's drain sidecar beside it
        (STT, "Standard_F16s_v2", Size(7.5, 12)),
        (Request("tts", Kind.NEURAL_TEXT_TO_SPEECH, Size(8, 16), 1, 1, 6, 12), "Standard_F16s_v2", Size(7.5, 14.75)),
        (Request("set", Kind.SPEECH_TO_TEXT, Size(8, 12), 1, 1, None, None), "Standard_D16s_v5", Size(8, 12)),
        (Request("dec", Kind.SPEECH_TO_TEXT, Size(8, 12), 1, 1, 8 * 1.15, 8), "Standard_D16s_v5", Size(8, 12)),
    ],
)
def test_default_pod_sizes_are_shaped_to_the_node(request_: Request, vm: str, expected: Size) -> None:
    size = catalog.vm_size(vm)
    assert shaped(request_, size, planner.pod_room(size)) == expected


@pytest.mark.parametrize(
    ("kind", "cpu", "decoders", "expected"),
    [
        (Kind.SPEECH_TO_TEXT, 8, None, 6),  # floor(8 / 1.15)
        (Kind.SPEECH_TO_TEXT, 8, 4, 4),
        (Kind.CUSTOM_SPEECH_TO_TEXT, 4, None, 3),
        (Kind.NEURAL_TEXT_TO_SPEECH, 8, None, 16),  # 500 millicores each
        (Kind.LANGUAGE_IDENTIFICATION, 1, None, 4),  # 4 per core
    ],
)
def test_per_replica_capacity_follows_the_published_budgets(
    kind: Kind, cpu: float, decoders: int | None, expected: int
) -> None:
    assert demand.per_replica(kind, cpu, decoders) == expected


def test_replicas_follow_peak_demand_and_decoders_are_set() -> None:
    values = with_changes(
        AKS_STACK,
        containers={
            "speech-to-text": {"peakStreams": 40},
            "neural-text-to-speech": {"peakSyntheses": 50, "synthesesPerReplica": 20},
        },
    )
    stt, tts = config.parse(values).containers
    assert (stt.max_replicas, stt.decoder_max_count, stt.per_replica) == (7, 6, 6)
    assert (tts.max_replicas, tts.per_replica) == (3, 20)
    assert tts.size.cpu >= 10  # 20 syntheses need 10 cores: the default rises, shaping never goes below


def _problems(values: dict[str, Any]) -> list[str]:
    with pytest.raises(config.ConfigError) as raised:
        config.parse(values)
    return raised.value.problems


@pytest.mark.parametrize(
    ("values", "key", "fragment"),
    [
        (with_changes(AKS_STACK, location="japaneast"), "location", "has no price table"),
        (with_changes(AKS_STACK, aks={"pool": {"priceRegion": "mars"}}), "aks.pool.priceRegion", "no price table"),
        (
            with_changes(AKS_STACK, aks={"pool": {"prices": {"Standard_DS2": 1}}}),
            "aks.pool.prices.Standard_DS2",
            "AVX2",
        ),
        (with_changes(AKS_STACK, aks={"pool": {"prices": {"Standard_D4s_v5": 0}}}), "aks.pool.prices", "above 0"),
        (
            with_changes(AKS_STACK, containers={"speech-to-text": {"memoryGb": 1024}}),
            "containers.speech-to-text.memoryGb",
            "fits no priced size",
        ),
        (
            with_changes(AKS_STACK, containers={"speech-to-text": {"peakStreams": 10, "streamsPerReplica": 120}}),
            "containers.speech-to-text.streamsPerReplica",
            "more than any node",
        ),
        (
            with_changes(AKS_STACK, containers={"speech-to-text": {"peakStreams": 1000}}),
            "containers.speech-to-text.peakStreams",
            "over 100",
        ),
        (
            with_changes(AKS_STACK, containers={"speech-to-text": {"peakStreams": 10, "maxReplicas": 3}}),
            "containers.speech-to-text.maxReplicas",
            "either maxReplicas or peakStreams",
        ),
        (
            with_changes(AKS_STACK, containers={"neural-text-to-speech": {"peakStreams": 10}}),
            "containers.neural-text-to-speech.peakStreams",
            "not neural-text-to-speech",
        ),
    ],
)
def test_bad_capacity_input_names_its_key(values: dict[str, Any], key: str, fragment: str) -> None:
    problems = _problems(values)
    assert len(problems) == 1, problems
    assert problems[0].startswith(f"{key}") and fragment in problems[0], problems


def test_a_configured_price_region_or_price_list_plans_an_unpriced_location() -> None:
    by_region = config.parse(with_changes(AKS_STACK, location="japaneast", aks={"pool": {"priceRegion": "eastus"}}))
    by_price = config.parse(
        with_changes(AKS_STACK, location="japaneast", aks={"pool": {"prices": {"Standard_D16s_v5": 0.9}}})
    )
    assert by_region.aks is not None and by_region.aks.pool.price is not None
    assert by_price.aks is not None and by_price.aks.pool.vm_size.name == "Standard_D16s_v5"


def test_the_pool_is_the_cheapest_and_far_below_the_old_choice() -> None:
    settings = config.parse(AKS_STACK)
    assert settings.aks is not None
    pool = settings.aks.pool
    prices = catalog.vm_prices("eastus")
    assert prices is not None
    # Sizing before the planner: 3-7 x D16s_v5, plus the spare node per further zone both need for drains.
    old = prices["Standard_D16s_v5"] * (3 + 7 + 2)
    assert pool.price is not None and pool.price * (pool.min_count + pool.max_count) < old / 2
    assert pool.min_count >= 3  # a node per zone


def test_prices_cover_the_required_regions_with_sources() -> None:
    assert {"eastus", "westeurope", "northeurope"} < set(catalog.PRICED_REGIONS) and len(catalog.PRICED_REGIONS) >= 5
    assert catalog.VM_PRICES.read and catalog.ACI_PRICES_SOURCE.read
    for region in catalog.PRICED_REGIONS:
        prices = catalog.vm_prices(region)
        assert prices
        # every priced size is an AVX2 x86 size the catalog knows
        per_vcpu = {name: price / catalog.vm_size(name).vcpus for name, price in prices.items()}
        by_family: dict[str, list[float]] = {}
        for name, price in per_vcpu.items():
            by_family.setdefault(planner.family(catalog.vm_size(name)), []).append(price)
        for name, price in per_vcpu.items():
            family = by_family[planner.family(catalog.vm_size(name))]
            assert abs(price / (sum(family) / len(family)) - 1) < 0.1, (region, name)


def test_daemonsets_are_sourced_or_marked_estimates() -> None:
    total = catalog.NODE_DAEMONSET_OVERHEAD
    assert total.cpu == pytest.approx(sum(d.requests.cpu for d in catalog.NODE_DAEMONSETS))
    for daemonset in catalog.NODE_DAEMONSETS:
        assert daemonset.source.url.startswith("https://")
        assert daemonset.estimate == daemonset.source.says.startswith("estimate")


def test_the_plan_shows_cost_alternatives_and_rules() -> None:
    settings = config.parse(AKS_STACK)
    text = render("test", settings, plan_program(AKS_STACK), 0.0)
    assert "USD/NODE-H" in text and "COST (estimates)" in text
    for fragment in ("at the floor", "at the peak", "/month", "next best", "pod sizes on", "node room", "prices:"):
        assert fragment in text, fragment


def test_aci_cost_is_shown_where_priced() -> None:
    from tests.sample_stacks import ACI_STACK

    text = render("test", config.parse(ACI_STACK), plan_program(ACI_STACK), 0.0)
    assert "total: $" in text and "per vCPU-hour" in text
    unpriced = with_changes(ACI_STACK, location="northeurope")
    assert "set aci.vcpuHourPrice" in render("test", config.parse(unpriced), plan_program(unpriced), 0.0)


def test_capacity_benchmark_targets_on_a_subset() -> None:
    results = [capacity_benchmark.run(mix) for mix in capacity_benchmark.MIXES[::3]]
    ratios = [r.ratio for r in results]
    assert capacity_benchmark.geomean(ratios) <= capacity_benchmark.GEOMEAN_TARGET
    assert max(ratios) <= capacity_benchmark.WORST_TARGET
    assert all(r.seconds < 0.5 for r in results)
