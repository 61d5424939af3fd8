"""What the scheduled rotation relies on: a run rotates only a key that is due, finishes a rotation left half-done,
and gives every new secret version an expiry (the CronJob's flags, components/aks/scheduled_rotation.py)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from tests.rotation.rotation_harness import Rotator


def _stored_lifetimes(aks: Rotator) -> list[timedelta | None]:
    """Each version the rotation stored: how long it was given (exp - created)."""
    return [
        timedelta(seconds=v["exp"] - v["created"]) if v.get("exp") is not None else None for v in aks.world.versions[1:]
    ]


def test_a_key_younger_than_the_period_is_left_alone(aks: Rotator) -> None:
    aks.world.versions[0]["created"] = int((datetime.now(UTC) - timedelta(days=10)).timestamp())

    outcome = aks.run([*aks.aks_args(), "--if-older-than-days", "90", "--json"])

    assert outcome.code == 0, outcome.text
    result = outcome.events()[-1]
    assert (result["event"], result["status"]) == ("result", "not-due")
    assert "10 day(s) old, under 90" in result["message"]
    assert aks.world.regenerated == [] and len(aks.world.versions) == 1


def test_a_due_key_is_rotated(aks: Rotator) -> None:
    outcome = aks.run([*aks.aks_args(), "--if-older-than-days", "90"])  # the seeded version is from 2023

    assert outcome.code == 0, outcome.text
    aks.assert_rotated()


def test_a_rotation_left_half_done_is_finished_even_if_the_new_key_is_young(aks: Rotator) -> None:
    def stop(step: str) -> None:
        if step == "regenerate-unused-key":  # the new key's version was stored just now
            raise KeyboardInterrupt

    assert aks.run([*aks.aks_args(), "--if-older-than-days", "90"], after_step=stop).code == 130

    outcome = aks.run([*aks.aks_args(), "--if-older-than-days", "90"])

    assert outcome.code == 0, outcome.text
    aks.assert_rotated()


def test_new_versions_expire_after_the_given_days(aks: Rotator) -> None:
    assert aks.run([*aks.aks_args(), "--expiry-days", "120"]).code == 0

    (lifetime,) = _stored_lifetimes(aks)
    assert lifetime is not None and abs(lifetime - timedelta(days=120)) < timedelta(minutes=1)


def test_without_expiry_days_a_new_version_lives_as_long_as_the_current_one(aks: Rotator) -> None:
    seeded = aks.world.versions[0]
    seeded["exp"] = seeded.get("created", 1_700_000_000) + 100 * 86_400

    assert aks.run(aks.aks_args()).code == 0

    (lifetime,) = _stored_lifetimes(aks)
    assert lifetime is not None and abs(lifetime - timedelta(days=100)) < timedelta(minutes=1)


def test_expiry_days_zero_and_no_expiry_before_store_versions_that_never_expire(aks: Rotator) -> None:
    assert aks.run(aks.aks_args()).code == 0
    assert aks.run([*aks.aks_args(), "--expiry-days", "0"]).code == 0

    assert _stored_lifetimes(aks) == [None, None]


@pytest.mark.parametrize("value", ["-1", "ninety", "3651", "٣"])
def test_bad_day_counts_are_usage_errors(aks: Rotator, value: str) -> None:
    outcome = aks.run([*aks.aks_args(), "--if-older-than-days", value])

    assert outcome.code == 2
    assert "whole number of days from 0 to 3650" in outcome.stderr


def test_in_cluster_the_api_server_is_reached_by_its_service_name(monkeypatch: pytest.MonkeyPatch) -> None:
    """Behind the stack's proxy, NO_PROXY names in-cluster hosts (`kubernetes.default.svc`), not the service IP
    that the in-cluster config would use."""
    import kubernetes.config

    from rotation.cli import _aks_host, build_parser
    from rotation.waiting import Waits

    def in_cluster(client_configuration: Any) -> None:
        client_configuration.host = "https://10.0.0.1:443"

    monkeypatch.setattr(kubernetes.config, "load_incluster_config", in_cluster)
    monkeypatch.setenv("KUBERNETES_SERVICE_PORT", "443")
    args = build_parser().parse_args(["rotate", "--in-cluster", "--host", "aks", "--namespace", "speech"])
    host = _aks_host(args, "speech", Waits())
    assert host.api.host == "https://kubernetes.default.svc:443"  # type: ignore[attr-defined]
