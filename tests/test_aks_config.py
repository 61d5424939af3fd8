"""Every invalid `aks` setting fails before any resource is registered, naming its key and what is allowed."""

from __future__ import annotations

from typing import Any

import pytest

from components import config
from components.config.model import ExistingCluster
from tests.sample_stacks import ACI_STACK, AKS_STACK, with_changes


def aks(**values: Any) -> dict[str, Any]:
    return with_changes(AKS_STACK, aks=values)


@pytest.mark.parametrize(
    ("values", "key", "message"),
    [
        (aks(nodePools={}), "aks.nodePools", "unknown key; allowed keys: existingCluster, cluster, pool, namespace"),
        (
            aks(namespace="Speech_NS"),
            "aks.namespace",
            "'Speech_NS' is not allowed; expected a Kubernetes namespace name",
        ),
        (aks(existingCluster={"name": "c"}), "aks.existingCluster.resourceGroupName", "is required"),
        (
            aks(existingCluster={"name": "c", "resourceGroupName": "rg", "location": "x"}),
            "aks.existingCluster.location",
            "unknown key",
        ),
        (aks(existingCluster={"name": "-c", "resourceGroupName": "rg"}), "aks.existingCluster.name", "an AKS cluster"),
        (
            aks(existingCluster={"name": "c", "resourceGroupName": "rg"}, cluster={}),
            "aks.cluster",
            "give either existingCluster or cluster (to create one), not both",
        ),
        (aks(cluster={"nodes": 3}), "aks.cluster.nodes", "unknown key"),
        (aks(cluster={"kubernetesVersion": "latest"}), "aks.cluster.kubernetesVersion", "like 1.33"),
        (aks(cluster={"skuTier": "Gold"}), "aks.cluster.skuTier", "allowed: Free, Standard, Premium"),
        (aks(cluster={"systemVmSize": "D4s_v5"}), "aks.cluster.systemVmSize", "a VM size name"),
        (aks(cluster={"systemNodeCount": 0}), "aks.cluster.systemNodeCount", "0 is out of range; allowed: 1 to 10"),
        (
            aks(cluster={"secretRotationPollInterval": "2 minutes"}),
            "aks.cluster.secretRotationPollInterval",
            "a duration like 2m",
        ),
        (aks(pool={"size": 3}), "aks.pool.size", "unknown key"),
        (aks(pool={"name": "Speech-Pool"}), "aks.pool.name", "lowercase letters and digits, up to 12"),
        (aks(pool={"vmSize": "Standard_D4s_v5"}), "aks.pool.vmSize", "too small for one replica"),
        (aks(pool={"vmSize": "Standard_DS2"}), "aks.pool.vmSize", "has no AVX2"),
        (aks(pool={"vmSize": "Standard_NV6"}), "aks.pool.vmSize", "not in a VM family known to support AVX2"),
        (aks(pool={"minCount": 5, "maxCount": 4}), "aks.pool.minCount", "5 is above maxCount (4)"),
        (aks(pool={"maxCount": 2}), "aks.pool.maxCount", "cannot hold the minimum replicas; need 3"),
        (aks(pool={"maxCount": 0}), "aks.pool.maxCount", "0 is out of range; allowed: 1 to 1000"),
        (aks(pool={"zones": ["4"]}), "aks.pool.zones[0]", "zones are 1, 2 or 3"),
        (aks(pool={"osDiskSizeGb": 32}), "aks.pool.osDiskSizeGb", "allowed: 64 to 2048"),
        (with_changes(ACI_STACK, aks={}), "aks", "is set but host is aci"),
    ],
)
def test_invalid_aks_setting_names_its_key(values: dict[str, Any], key: str, message: str) -> None:
    with pytest.raises(config.ConfigError) as raised:
        config.parse(values)
    assert any(p.startswith(f"{key}: ") and message in p for p in raised.value.problems), raised.value.problems


def test_every_aks_problem_is_reported_at_once() -> None:
    values = aks(cluster={"skuTier": "Gold"}, pool={"zones": ["9"]}, namespace="NS")
    with pytest.raises(config.ConfigError) as raised:
        config.parse(values)
    assert [p.split(":")[0] for p in raised.value.problems] == [
        "aks.cluster.skuTier",
        "aks.pool.zones[0]",
        "aks.namespace",
    ]


def test_valid_aks_settings_become_typed_config() -> None:
    settings = config.parse(
        aks(
            existingCluster={"name": "shared", "resourceGroupName": "rg-platform"},
            pool={"name": "voice", "vmSize": "Standard_D32s_v5", "zones": ["1"], "minCount": 1, "maxCount": 5},
            namespace="voice",
        )
    ).aks
    assert settings is not None
    assert settings.existing_cluster == ExistingCluster("shared", "rg-platform")
    assert settings.new_cluster is None
    assert (settings.pool.name, settings.pool.vm_size.name, settings.pool.zones) == (
        "voice",
        "Standard_D32s_v5",
        ("1",),
    )
    assert (settings.pool.min_count, settings.pool.max_count, settings.namespace) == (1, 5, "voice")
