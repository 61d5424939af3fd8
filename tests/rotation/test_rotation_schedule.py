"""What the scheduled rotation relies on: a run rotates only a key that is due, finishes a rotation left half-done,
and gives every new secret version an expiry (the CronJob's flags, components/aks/scheduled_rotation.py)."""

from __future__ import annotations

import time
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from rotation.lease import LEASE_DURATION, VAULT_EXPIRY_MARGIN, Lease
from tests.rotation.rotation_fake_cloud import LEASE_SECRET_NAME
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


def test_a_run_that_is_not_due_never_takes_the_lease_so_it_neither_adds_a_ticket_nor_fails_beside_a_person(
    aks: Rotator,
) -> None:
    aks.world.versions[0]["created"] = int((datetime.now(UTC) - timedelta(days=10)).timestamp())
    people: list[int] = []

    def scheduled_run_meanwhile(step: str) -> None:
        if step == "check-key-in-use" and not people:  # a person's rotation holds the lease
            people.append(aks.run([*aks.aks_args(), "--if-older-than-days", "90", "--json"]).code)
            assert len(aks.world.secrets[LEASE_SECRET_NAME]) == 1, "the scheduled run added a ticket"

    person = aks.run(aks.aks_args(), after_step=scheduled_run_meanwhile)

    assert person.code == 0 and people == [0], person.text
    for _ in range(3):
        assert aks.run([*aks.aks_args(), "--if-older-than-days", "90", "--json"]).code == 0
    assert len(aks.world.secrets[LEASE_SECRET_NAME]) == 1  # the person's ticket only


def test_a_key_rotated_by_another_run_while_this_one_took_the_lease_is_not_rotated_again(
    aks: Rotator, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Due at the first read, not due under the lease: a person's rotation finished in between."""
    real_take = Lease._take

    def take_after_a_person_rotated(lease: Lease, vault_expiry: datetime | None) -> None:
        monkeypatch.setattr(Lease, "_take", real_take)
        assert aks.run(aks.aks_args()).code == 0
        real_take(lease, vault_expiry)

    monkeypatch.setattr(Lease, "_take", take_after_a_person_rotated)
    outcome = aks.run([*aks.aks_args(), "--if-older-than-days", "90", "--json"])

    assert outcome.code == 0, outcome.text
    assert outcome.events()[-1]["status"] == "not-due"
    assert aks.world.regenerated == ["Key2", "Key1"]  # the person's rotation only
    aks.assert_lease_released()


@pytest.mark.parametrize("days_left_required", [None, 30])
def test_under_policies_on_expiry_the_lease_tickets_expire_as_the_key_versions_do(
    aks: Rotator, days_left_required: int | None
) -> None:
    """ "Secrets should have an expiration date" and "... more than N days before expiration" (Deny) judge the tickets
    as they judge the key versions: a ticket lives as long as a new key version, and renewing or releasing it changes
    only its tags."""
    aks.world.secrets_must_expire = True
    aks.world.secrets_min_days_left = days_left_required
    seeded = aks.world.versions[0]
    seeded["exp"] = int(time.time()) + 100 * 86_400  # as the stack stored it, under the same policies

    outcome = aks.run([*aks.aks_args(), "--if-older-than-days", "90", "--expiry-days", "120"])

    assert outcome.code == 0, outcome.text
    aks.assert_rotated()
    (ticket,) = aks.world.secrets[LEASE_SECRET_NAME]
    (key_version,) = aks.world.versions[1:]
    assert abs(ticket["exp"] - key_version["exp"]) < 60
    assert abs(ticket["exp"] - ticket["created"] - 120 * 86_400) < 60
    aks.assert_lease_released()


def test_tickets_of_a_run_that_stores_keys_without_expiry_do_not_expire_in_key_vault(aks: Rotator) -> None:
    assert aks.run([*aks.aks_args(), "--expiry-days", "0"]).code == 0

    (ticket,) = aks.world.secrets[LEASE_SECRET_NAME]
    assert ticket["exp"] is None  # the lease itself still ends: its tag says when
    aks.assert_lease_released()


def test_a_ticket_outlives_its_lease_in_key_vault_even_when_keys_live_briefly(aks: Rotator) -> None:
    assert aks.run([*aks.aks_args(), "--expiry-days", "1"]).code == 0

    (ticket,) = aks.world.secrets[LEASE_SECRET_NAME]
    taken = datetime.fromtimestamp(ticket["created"], UTC)
    assert ticket["exp"] >= int((taken + LEASE_DURATION + VAULT_EXPIRY_MARGIN).timestamp()) - 60


def test_a_scheduled_run_beside_a_persons_rotation_stands_back_without_failing(aks: Rotator) -> None:
    """The person's run finishes the job; a failed CronJob run would only raise the rotation alert."""
    scheduled: list[Any] = []

    def scheduled_run_meanwhile(step: str) -> None:
        if step == "mark-verified" and not scheduled:  # the key is due, but the person holds the lease
            scheduled.append(aks.run([*aks.aks_args(), "--if-older-than-days", "90", "--json"]))

    person = aks.run(aks.aks_args(), after_step=scheduled_run_meanwhile)

    assert person.code == 0, person.text
    (run,) = scheduled
    assert run.code == 0, run.text
    result = run.events()[-1]
    assert (result["event"], result["status"]) == ("result", "busy")
    assert "another rotation holds the rotation lease" in result["message"]
    assert aks.world.regenerated == ["Key2", "Key1"]  # the person's rotation only
    aks.assert_rotated()


def test_a_ticket_no_run_could_hold_that_long_fails_the_scheduled_run_instead_of_keeping_it_busy(
    aks: Rotator,
) -> None:
    """A killed run's clock far ahead, or a hand-edited tag: reporting `busy` would skip every run, unalerted."""
    until = datetime.now(UTC) + timedelta(days=400)
    aks.world.secrets[LEASE_SECRET_NAME] = [
        {
            "version": "l0",
            "value": "alice@laptop (pid 1)",
            "tags": {
                "rotation-lease-holder": "alice@laptop (pid 1)",
                "rotation-lease-run": "dead-run",
                "rotation-lease-expires-at": until.strftime("%Y-%m-%dT%H:%M:%SZ"),
            },
            "created": int(time.time()),
            "exp": None,
        }
    ]

    outcome = aks.run([*aks.aks_args(), "--if-older-than-days", "90", "--json"])

    assert outcome.code == 1, outcome.text
    assert "no run renews a lease that far ahead" in outcome.stderr
    assert "set its rotation-lease-expires-at tag to a past time" in outcome.stderr
    assert aks.world.regenerated == []


def test_on_aci_a_scheduled_run_applies_only_a_due_key(aci: Rotator) -> None:
    """The pipeline recipe's run (docs/examples/aci-key-rotation.yml): `--stack --apply --if-older-than-days`."""
    scheduled = [*aci.stack_args(), "--apply", "--if-older-than-days", "90", "--json"]
    seeded = aci.world.versions[0]
    seeded["created"] = int((datetime.now(UTC) - timedelta(days=10)).timestamp())

    young = aci.run(scheduled)

    assert young.code == 0 and young.events()[-1]["status"] == "not-due", young.text
    assert not [call for call in aci.stack()["calls"] if call.startswith(("up ", "config set"))]
    assert aci.stack()["config"]["activeKey"] == "Key1"

    seeded["created"] = int((datetime.now(UTC) - timedelta(days=91)).timestamp())
    due = aci.run(scheduled)

    assert due.code == 0 and due.events()[-1]["status"] == "complete", due.text
    aci.assert_rotated()
    assert aci.stack()["config"]["activeKey"] == "Key2"


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


@pytest.mark.parametrize("lifetime_seconds", [-86_400, 0, 60])
def test_a_current_lifetime_a_new_key_must_not_copy_stops_before_any_change(
    aks: Rotator, lifetime_seconds: int
) -> None:
    """Set by hand: expired before it was stored, at once, or within minutes."""
    seeded = aks.world.versions[0]
    seeded["created"] = int(time.time()) - 200 * 86_400
    seeded["exp"] = seeded["created"] + lifetime_seconds

    outcome = aks.run(aks.aks_args())

    assert outcome.code == 1, outcome.text
    assert "which a new key would copy; pass --expiry-days" in outcome.stderr
    assert aks.world.regenerated == [] and LEASE_SECRET_NAME not in aks.world.secrets
    assert aks.run([*aks.aks_args(), "--expiry-days", "90"]).code == 0


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
