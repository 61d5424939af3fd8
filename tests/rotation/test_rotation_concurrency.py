"""Two operators, one secret: a lease lets only one rotation regenerate keys, and each run checks the state again
right before it acts and right after it stores, so out-of-band changes stop it before containers roll."""

from __future__ import annotations

import re
import threading
from collections.abc import Sequence
from datetime import timedelta

from tests.rotation.rotation_fake_cloud import LEASE_SECRET_NAME, Fault
from tests.rotation.rotation_harness import Outcome, Rotator

HOLDER = re.compile(r"another rotation holds the rotation lease: \S+@\S+ \(pid \d+\) until \d{4}-\d\d-\d\dT[0-9:]+Z")


def _in_thread(rotator: Rotator, args: Sequence[str]) -> tuple[threading.Thread, list[Outcome]]:
    outcomes: list[Outcome] = []
    thread = threading.Thread(target=lambda: outcomes.append(rotator.run(args)), daemon=True)
    thread.start()
    return thread, outcomes


def test_a_rotation_started_while_another_runs_stops_at_the_lease_naming_its_holder_and_expiry(aks: Rotator) -> None:
    """Without a lease the second run would rotate fully, and the first would then regenerate the key the pods
    had just moved onto."""
    second: list[Outcome] = []

    def start_another(step: str) -> None:
        if step == "check-key-in-use":
            thread, found = _in_thread(aks, aks.aks_args())
            thread.join()
            second.extend(found)

    first = aks.run(aks.aks_args(), after_step=start_another)

    assert first.code == 0, first.text
    [loser] = second
    assert loser.code == 1 and loser.stderr.count("\n") == 1, loser.text
    assert HOLDER.search(loser.stderr) and "nothing was changed" in loser.stderr, loser.stderr
    aks.assert_rotated()
    assert aks.world.regenerated == ["Key2", "Key1"]


def test_two_rotations_started_together_never_both_regenerate(aks: Rotator) -> None:
    aks.world.rendezvous["arm.get"] = threading.Barrier(2)  # both runs are past their first call before either acts

    runs = [_in_thread(aks, aks.aks_args()) for _ in range(2)]
    for thread, _ in runs:
        thread.join()

    outcomes = [outcome for _, found in runs for outcome in found]
    winners = [outcome for outcome in outcomes if outcome.code == 0]
    assert len(winners) <= 1, [outcome.text for outcome in outcomes]
    for loser in (outcome for outcome in outcomes if outcome.code != 0):
        assert loser.code == 1 and HOLDER.search(loser.stderr), loser.text
    if not winners:  # both took the lease at the same moment and both stood back: a rerun finds it free
        assert aks.world.regenerated == []
        assert aks.run(aks.aks_args()).code == 0
    aks.assert_rotated()
    assert aks.world.regenerated == ["Key2", "Key1"]


def test_the_lease_is_renewed_while_held_and_a_run_that_outlived_it_stops_before_its_next_step(aks: Rotator) -> None:
    def pause(step: str) -> None:
        if step == "check-key-in-use":
            aks.clock_offset += timedelta(minutes=4)  # due for renewal
        if step == "wait-for-secret-sync":
            aks.clock_offset += timedelta(minutes=10)  # e.g. the laptop slept: the lease is gone

    stopped = aks.run(aks.aks_args(), after_step=pause)

    assert stopped.code == 1 and "this run's rotation lease expired at" in stopped.stderr, stopped.text
    assert all(deployment.restart_mark is None for deployment in aks.world.deployments.values())
    assert len(aks.world.secrets[LEASE_SECRET_NAME]) == 1
    assert aks.world.routes.count("lease.update") == 1, "renewed once, and not released: it had expired"
    assert aks.world.regenerated == ["Key2"]
    aks.assert_rerun_finishes(aks.aks_args(), "after the lease expired")


def test_a_lost_reply_when_taking_the_lease_leaves_no_live_ticket_behind(aks: Rotator) -> None:
    """The SDK would retry the write (a second ticket of this run); instead the run expires what it may have
    written, so the rerun is not locked out by a dead run's ticket."""
    aks.sdk_retries = 3
    aks.world.faults.append(Fault("lease.set", after_effect=True))

    failed = aks.run(aks.aks_args())

    assert failed.code == 1 and "taking the rotation lease" in failed.stderr, failed.text
    aks.assert_lease_released()
    assert aks.run(aks.aks_args()).code == 0
    aks.assert_rotated()


def test_the_state_is_read_again_right_before_a_key_is_regenerated(aks: Rotator) -> None:
    """E.g. someone stores a version by hand between the check and the regeneration."""

    def store_by_hand(step: str) -> None:
        if step == "check-key-in-use":
            aks.world.store_out_of_band("Key1")

    outcome = aks.run(aks.aks_args(), after_step=store_by_hand)

    assert outcome.code == 1, outcome.text
    assert "the secret changed since this run read it (now version v1" in outcome.stderr
    assert aks.world.regenerated == []


def test_a_new_key_regenerated_in_the_portal_after_it_was_stored_stops_the_rollout_until_adopted(
    aks: Rotator,
) -> None:
    """Rolling onto the stored value would move every pod onto a key that no longer works; rerunning alone
    cannot help, so the message says what to do."""

    def regenerate_in_the_portal(step: str) -> None:
        if step == "regenerate-unused-key":
            aks.world.regenerate("Key2")

    stopped = aks.run(aks.aks_args(), after_step=regenerate_in_the_portal)
    rerun = aks.run(aks.aks_args())

    for outcome in (stopped, rerun):
        assert outcome.code == 1, outcome.text
        assert (
            "Key2 of Speech account 'speech-account' (resource group speech-rg) no longer matches secret version v1"
            in (outcome.stderr)
        )
        assert "rerun with --adopt-regenerated-key" in outcome.stderr
    assert aks.world.outages == []
    assert all(deployment.restart_mark is None for deployment in aks.world.deployments.values())

    adopted = aks.run([*aks.aks_args(), "--adopt-regenerated-key"])

    assert adopted.code == 0, adopted.text
    aks.assert_rotated()
    assert aks.world.regenerated == ["Key2", "Key2", "Key1"]
