"""The catalog's VM facts and the pool sizing built on them."""

from __future__ import annotations

import pytest

from components import catalog, config
from components.catalog import Size
from tests import capacity_baseline as sizing
from tests.sample_stacks import AKS_STACK, with_changes


@pytest.mark.parametrize(
    ("name", "vcpus", "memory"),
    [
        ("Standard_D16s_v5", 16, 64),
        ("Standard_D8as_v5", 8, 32),
        ("Standard_E8ds_v5", 8, 64),
        ("Standard_F16s_v2", 16, 32),
        ("Standard_DS3_v2", 4, 14),
        ("Standard_D4_v3", 4, 16),
    ],
)
def test_avx2_sizes_are_known_with_their_capacity(name: str, vcpus: int, memory: float) -> None:
    size = catalog.vm_size(name)
    assert (size.vcpus, size.memory_gb) == (vcpus, memory)


@pytest.mark.parametrize("name", ["Standard_D2", "Standard_DS12", "Standard_A4", "Basic_A2", "Standard_NC6", "D8s_v5"])
def test_sizes_without_avx2_or_unknown_are_refused(name: str) -> None:
    with pytest.raises(catalog.UnknownVmSizeError):
        catalog.vm_size(name)


def test_allocatable_subtracts_aks_reservations_as_documented_for_1_29_and_later() -> None:
    """The page's own examples: 8 GB with 30 max pods reserves 20 MB x 30 + 50 MB = 650 MB, and 0.1 GB is kept for
    eviction; 4 GB with 70 max pods reserves 25 % (1000 MB) as that is less than 1450 MB."""
    assert catalog.SPEECH_POOL_MAX_PODS == 30
    node = catalog.vm_size("Standard_D16s_v5").allocatable
    assert node.cpu == pytest.approx(16 - 0.26)  # 16 cores: 260 millicores
    assert node.memory_gb == pytest.approx(64 - 650 / 1024 - 100 / 1024, abs=0.01)
    small = catalog.vm_size("Standard_A1_v2").allocatable  # 1 vCPU, 2 GB: 25 % (0.5 GB) < 650 MB
    assert small.cpu == pytest.approx(0.94)
    assert small.memory_gb == pytest.approx(2 - 0.5 - 100 / 1024, abs=0.01)


def test_every_container_minimum_fits_below_its_recommended_size() -> None:
    for spec in catalog.CONTAINERS.values():
        assert spec.minimum.fits_in(spec.recommended)
        assert spec.tag.pattern.fullmatch(spec.tag.example)
        assert spec.tag.pattern.fullmatch(spec.tag.build(spec.default_version, spec.default_locale, spec.default_voice))


def test_first_fit_decreasing_packs_pods_onto_nodes() -> None:
    vm = catalog.vm_size("Standard_D32s_v5")  # ~31 cores, ~117 GB for pods
    assert sizing.nodes_needed([Size(8, 12)] * 3, vm) == 1
    assert sizing.nodes_needed([Size(8, 12)] * 4, vm) == 2  # 32 cores do not fit in 31.28
    assert sizing.nodes_needed([], vm) == 0


def test_the_pool_has_a_node_per_zone_and_room_for_every_surge_pod() -> None:
    """One LID replica across three zones: a node per zone at least; at most the nodes the replica and its
    rollout's surge pod need (two, on the small size chosen), plus a spare node in each further zone (a drained
    node's replacement must stay in its zone). Without zones: one node, and a second for the surge pod."""
    one = config.parse(
        with_changes(AKS_STACK, aks={"pool": {"zones": ["1", "2", "3"]}}, containers={"language-identification": {}})
    )
    assert one.aks is not None and (one.aks.pool.min_count, one.aks.pool.max_count) == (3, 4)
    unzoned = config.parse(with_changes(AKS_STACK, aks={}, containers={"neural-text-to-speech": {}}))
    assert unzoned.aks is not None and (unzoned.aks.pool.min_count, unzoned.aks.pool.max_count) == (1, 2)


def test_configured_pool_too_small_for_one_replica_is_a_config_error() -> None:
    values = with_changes(AKS_STACK, aks={"pool": {"vmSize": "Standard_D4s_v5"}})
    with pytest.raises(config.ConfigError, match=r"aks\.pool\.vmSize: Standard_D4s_v5 .* offers .* too small for one"):
        config.parse(values)


def test_non_avx2_pool_size_names_the_allowed_families() -> None:
    values = with_changes(AKS_STACK, aks={"pool": {"vmSize": "Standard_DS2"}})
    with pytest.raises(config.ConfigError, match=r"has no AVX2.*allowed AVX2 families: Dv3/Dsv3"):
        config.parse(values)


def test_pool_max_count_below_what_min_replicas_need_is_refused() -> None:
    values = with_changes(AKS_STACK, aks={"pool": {"maxCount": 2}})
    with pytest.raises(config.ConfigError, match=r"aks\.pool\.maxCount: 2 nodes of Standard_\w+ cannot hold"):
        config.parse(values)


def test_every_container_fact_names_its_source_and_the_day_it_was_read() -> None:
    facts = {"image", "tags", "port", "sizes", "version", "probes"}
    for spec in catalog.CONTAINERS.values():
        assert set(spec.sources) == facts, spec.kind
        for source in (*spec.sources.values(), *(check.source for check in spec.health)):
            assert source.url.startswith("https://learn.microsoft.com/"), source
            assert source.read == catalog.READ_ON
        assert spec.tag.pattern.fullmatch(spec.tag.build(spec.default_version, spec.default_locale, spec.default_voice))


def test_documented_tag_forms_are_accepted() -> None:
    """Tags quoted from the container pages' tag lists."""
    documented = {
        catalog.Kind.SPEECH_TO_TEXT: ["4.12.0-amd64-zh-cn-sichuan", "4.12.0-amd64-mr-in", "5.1.0-amd64-en-us"],
        catalog.Kind.CUSTOM_SPEECH_TO_TEXT: ["4.12.0-amd64", "5.0.1-preview-amd64"],
        catalog.Kind.LANGUAGE_IDENTIFICATION: ["1.18.0-amd64-preview"],
        catalog.Kind.NEURAL_TEXT_TO_SPEECH: [
            "3.11.0-amd64-en-us-arianeural",
            "3.11.0-amd64-zh-cn-xiaochenneural-preview",
        ],
    }
    for kind, tags in documented.items():
        for tag in tags:
            assert catalog.CONTAINERS[kind].tag.pattern.fullmatch(tag), tag
